"""The volunteer service API: staff create, change and cancel activities, mark presence, record and approve
hours within their subtree (others' are 404); a member signs up, withdraws, reads their hours and asks for a
correction; bad input is a 4xx in Chinese that changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.practice import service_services as services
from dangxiao.practice.models import ServiceParticipant, VolunteerService

from .service_fixtures import make_service, past_service_with
from .test_api import api

pytestmark = pytest.mark.django_db
BASE = "/api/v1/practice/service"


def send(client, method: str, url: str, data=None):
    return getattr(client, method)(url, data if data is not None else {}, content_type="application/json")


def test_staff_create_change_and_cancel_an_activity(people):
    client = api(people["users"]["secretary"])
    start = timezone.localtime() + timedelta(days=3)
    body = {
        "organization_id": people["tree"]["C1-1"].pk,
        "title": "楼道杂物清理",
        "kind": "environment",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "place": "青山苑3栋",
        "signup_limit": 10,
    }
    created = send(client, "post", f"{BASE}/activities", body)
    assert created.status_code == 201, created.json()
    activity = created.json()
    assert (activity["kind_label"], activity["signed_up"], activity["signup_limit"]) == ("环境整治", 0, 10)
    url = f"{BASE}/activities/{activity['id']}"
    assert send(client, "patch", url, {"signup_limit": None, "title": "楼道清理"}).json()["signup_limit"] is None
    assert client.get(f"{BASE}/activities").json()["count"] == 1
    assert send(client, "post", url + "/cancel", {"reason": "台风预警"}).json()["cancelled"] is True
    actions = set(AuditEvent.objects.filter(object_type="volunteer_service").values_list("action", flat=True))
    assert actions == {"record_create", "record_update", "record_retire"}


def test_bad_input_is_refused_in_chinese_and_changes_nothing(people):
    client = api(people["users"]["secretary"])
    start = timezone.localtime() + timedelta(days=3)
    good = {
        "organization_id": people["tree"]["C1-1"].pk,
        "title": "活动",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }
    for bad in (
        {**good, "organization_id": people["tree"]["C2"].pk},
        {**good, "organization_id": 2**63},
        {**good, "ends_at": good["starts_at"]},
        {**good, "starts_at": "3000-01-01T09:00:00+08:00"},
        {**good, "signup_limit": 10**12},
        {**good, "kind": "party"},
        {**good, "venue_id": 999999},
        {**good, "title": ""},
    ):
        response = send(client, "post", f"{BASE}/activities", bad)
        assert response.status_code == 422 and response.json()["detail"], bad
    assert not VolunteerService.objects.exists()
    service = make_service(people["tree"]["C1-1"])
    assert send(client, "patch", f"{BASE}/activities/{service.pk}", {"title": None}).status_code == 422
    assert send(client, "patch", f"{BASE}/activities/{service.pk}", {"starts_at": "2026-13-01T00:00"}).status_code == 422


def test_another_subtrees_activities_and_hours_are_404(people):
    client = api(people["users"]["secretary"])  # C1-1
    theirs = past_service_with([people["members"]["c2_1"][0]], people["tree"]["C2-1"])
    services.hours_record(theirs)
    p = theirs.participants.get()
    for method, url, body in (
        ("get", f"{BASE}/activities/{theirs.pk}", None),
        ("patch", f"{BASE}/activities/{theirs.pk}", {"title": "x"}),
        ("post", f"{BASE}/activities/{theirs.pk}/cancel", {"reason": "x"}),
        ("get", f"{BASE}/activities/{theirs.pk}/participants", None),
        ("put", f"{BASE}/activities/{theirs.pk}/presence", {"member_ids": []}),
        ("post", f"{BASE}/activities/{theirs.pk}/hours", None),
        ("patch", f"{BASE}/participants/{p.pk}", {"minutes": 10}),
        ("post", f"{BASE}/participants/{p.pk}/correction", {"accept": True}),
    ):
        response = client.get(url) if method == "get" else send(client, method, url, body)
        assert response.status_code == 404, (method, url)
    approve = send(client, "post", f"{BASE}/queue/approve", {"participant_ids": [p.pk]}).json()
    assert approve["approved"] == [] and len(approve["refused"]) == 1
    p.refresh_from_db()
    assert p.hours_status == "pending" and not theirs.is_cancelled
    assert api(people["users"]["member"]).get(f"{BASE}/activities").status_code == 404


def test_presence_hours_and_the_queue_through_the_api(people):
    a, b = people["members"]["c1_1"][:2]
    service = past_service_with([a, b], people["tree"]["C1-1"], checked_in=[])
    client = api(people["users"]["secretary"])
    url = f"{BASE}/activities/{service.pk}"
    assert send(client, "put", url + "/presence", {"member_ids": [a.pk]}).json() == {"marked": 1, "cleared": 0, "kept_approved": 0}
    assert send(client, "post", url + "/hours").json() == {"recorded": 1}
    queue = client.get(f"{BASE}/queue").json()
    assert [i["member_id"] for i in queue["items"]] == [a.pk]
    pid = queue["items"][0]["id"]
    assert send(client, "patch", f"{BASE}/participants/{pid}", {"minutes": 100}).json()["minutes"] == 100
    assert send(client, "post", f"{BASE}/queue/approve", {"participant_ids": [pid]}).json()["approved"] == [pid]
    assert client.get(f"{BASE}/queue").json()["count"] == 0
    participants = client.get(url + "/participants").json()
    assert {i["member_id"]: i["hours_status"] for i in participants["items"]} == {a.pk: "approved", b.pk: ""}


def test_a_member_signs_up_withdraws_reads_hours_and_asks_for_a_correction(people):
    tree = people["tree"]
    member = people["members"]["c1_1"][0]
    phone = api(people["users"]["member"])
    upcoming = make_service(tree["C1"], limit=1)
    make_service(tree["C2"])
    offered = phone.get("/api/v1/me/service/activities").json()
    assert [i["service"]["id"] for i in offered["items"]] == [upcoming.pk]
    assert send(phone, "post", f"/api/v1/me/service/activities/{upcoming.pk}/sign-up").status_code == 201
    again = send(phone, "post", f"/api/v1/me/service/activities/{upcoming.pk}/sign-up")
    assert again.status_code == 422 and "已报名" in again.json()["detail"]
    assert send(phone, "post", f"/api/v1/me/service/activities/{upcoming.pk}/withdraw").json()["status"] == "withdrawn"
    past = past_service_with([member], tree["C1-1"])
    services.hours_record(past)
    pid = past.participants.get().pk
    hours = phone.get("/api/v1/me/service/hours", {"year": timezone.localtime(past.starts_at).year}).json()
    assert hours["pending_minutes"] == 120 and hours["total_minutes"] == 0
    asked = send(phone, "post", f"/api/v1/me/service/participants/{pid}/correction", {"minutes": 150, "reason": "继续服务半小时"})
    assert asked.json()["hours_status"] == "correction"
    assert phone.get("/api/v1/me/service/hours", {"year": 1900}).status_code == 422
    other = past_service_with([people["members"]["c1_1"][1]], tree["C1-1"]).participants.get()
    assert send(phone, "post", f"/api/v1/me/service/participants/{other.pk}/correction", {"minutes": 5, "reason": "x"}).status_code == 404
    assert ServiceParticipant.objects.get(pk=other.pk).hours_status == ""
