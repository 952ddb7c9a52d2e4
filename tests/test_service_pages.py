"""The volunteer service pages: staff create, edit, cancel, mark presence and approve in the queue on the
desktop; members sign up, check in by the QR and read their hours on the phone. Each page keeps to a query
budget that does not grow with the data, and what is out of scope is 404."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.practice import service_codes
from dangxiao.practice import service_services as services
from dangxiao.practice.models import ServiceParticipant, VolunteerService

from .conftest import login
from .factories import make_member
from .service_fixtures import make_service, past_service_with

pytestmark = pytest.mark.django_db


def many(org, n: int, *, members=()):
    for i in range(n):
        s = make_service(org, title=f"活动{i}", start=timezone.now() + timedelta(days=i + 1))
        for m in members:
            services.service_sign_up(s, m)


# --- Staff ---------------------------------------------------------------------------------------------


def test_a_secretary_creates_an_activity_in_the_page_and_it_is_audited(people):
    client = login(people["users"]["secretary"])
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "关爱独居老人",
        "kind": "assistance",
        "organization": people["tree"]["C1-1"].pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "青山苑3栋",
        "signup_limit": "10",
        "description": "上门陪伴",
    }
    response = client.post(reverse("practice:service_new"), data)
    service = VolunteerService.objects.get()
    assert response.status_code == 302 and (service.title, service.signup_limit, service.kind) == ("关爱独居老人", 10, "assistance")
    assert AuditEvent.objects.filter(action="record_create", object_id=str(service.pk)).exists()


def test_an_activity_for_an_organisation_outside_the_secretarys_subtree_is_refused(people):
    client = login(people["users"]["secretary"])
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "title": "越权",
        "kind": "policy",
        "organization": people["tree"]["C2"].pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post(reverse("practice:service_new"), data).status_code == 422
    bad = dict(data, organization=people["tree"]["C1-1"].pk, starts_at="3000-01-01T09:00", signup_limit="99999999999999999999")
    assert client.post(reverse("practice:service_new"), bad).status_code == 422
    assert not VolunteerService.objects.exists()


def test_editing_and_cancelling_in_the_pages(people):
    client = login(people["users"]["secretary"])
    service = make_service(people["tree"]["C1-1"])
    start = timezone.localtime(service.starts_at)
    data = {
        "title": "改名后的活动",
        "kind": "environment",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "小区广场",
    }
    assert client.post(reverse("practice:service_edit", args=[service.pk]), data).status_code == 302
    service.refresh_from_db()
    assert (service.title, service.kind, service.duration_minutes) == ("改名后的活动", "environment", 60)
    client.post(reverse("practice:service_cancel", args=[service.pk]), {"reason": "台风"})
    service.refresh_from_db()
    assert service.is_cancelled and service.cancel_reason == "台风"


def test_the_activity_list_is_paged_filtered_and_keeps_its_query_budget(people, django_assert_max_num_queries):
    tree = people["tree"]
    many(tree["C1-1"], 3, members=people["members"]["c1_1"])
    client = login(people["users"]["committee"])
    url = reverse("practice:service_list")
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    many(tree["C1-2"], 35, members=people["members"]["c1_2"])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"org": tree["C1-1"].pk})
    assert response.content.decode().count("data-service=") == 3
    assert client.get(url, {"since": "abc", "until": "99999-01-01", "org": "x" * 40, "page": "-1"}).status_code == 200
    assert login(people["users"]["member"]).get(url).status_code == 404


def test_the_detail_page_shows_participants_within_a_budget_and_other_schools_get_404(people, django_assert_max_num_queries):
    tree = people["tree"]
    service = make_service(tree["C1-1"])
    for m in people["members"]["c1_1"]:
        services.service_sign_up(service, m)
    client = login(people["users"]["secretary"])
    url = reverse("practice:service_detail", args=[service.pk])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    for _ in range(20):
        services.service_sign_up(service, make_member(tree["C1-1"]))
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    outsider = make_service(tree["C2-1"])
    assert client.get(reverse("practice:service_detail", args=[outsider.pk])).status_code == 404
    assert client.post(reverse("practice:service_cancel", args=[outsider.pk]), {"reason": "x"}).status_code == 404
    assert not VolunteerService.objects.get(pk=outsider.pk).is_cancelled


def test_presence_marked_on_the_page_and_hours_recorded_then_approved_in_the_queue(people, django_assert_max_num_queries):
    tree = people["tree"]
    a, b, c = people["members"]["c1_1"]
    service = past_service_with([a, b, c], tree["C1-1"], checked_in=[])
    client = login(people["users"]["secretary"])
    shown = [a.pk, b.pk, c.pk]
    client.post(reverse("practice:service_presence", args=[service.pk]), {"present": [a.pk, b.pk], "shown": shown})
    client.post(reverse("practice:service_hours", args=[service.pk]))
    assert set(service.participants.filter(hours_status="pending").values_list("member_id", flat=True)) == {a.pk, b.pk}
    queue = reverse("practice:service_queue")
    with django_assert_max_num_queries(10):
        response = client.get(queue)
    assert response.content.decode().count("data-participant=") == 2
    ids = list(service.participants.filter(hours_status="pending").values_list("pk", flat=True))
    client.post(reverse("practice:service_queue_approve"), {"participant": ids})
    assert service.participants.filter(hours_status="approved").count() == 2
    p = service.participants.get(member=a)
    client.post(reverse("practice:service_participant_minutes", args=[p.pk]), {"minutes": "9999999"})
    p.refresh_from_db()
    assert p.minutes == 120 and p.hours_status == "approved"


def test_the_check_in_screen_shows_a_code_that_checks_a_member_in(people):
    tree = people["tree"]
    member = people["members"]["c1_1"][0]
    start = timezone.now() - timedelta(minutes=10)
    service = make_service(tree["C1-1"], start=start)
    staff = login(people["users"]["secretary"])
    assert staff.get(reverse("practice:service_display", args=[service.pk])).status_code == 200
    fragment = staff.get(reverse("practice:service_display_code", args=[service.pk])).content.decode()
    assert "<svg" in fragment
    token = service_codes.current(service.pk, timezone.now()).token
    phone = login(people["users"]["member"])
    response = phone.get(reverse("practice:service_scan", args=[service.pk, token]))
    assert response.status_code == 200 and 'id="ok"' in response.content.decode()
    assert ServiceParticipant.objects.get(service=service, member=member).check_in_method == "qr"
    forged = phone.get(reverse("practice:service_scan", args=[service.pk, "1.forged"]))
    assert forged.status_code == 422


def test_the_export_masks_phones_and_is_audited_and_the_full_one_says_so(people):
    tree = people["tree"]
    a = people["members"]["c1_1"][0]
    service = past_service_with([a], tree["C1-1"])
    services.hours_record(service)
    ServiceParticipant.objects.update(hours_status="approved")
    client = login(people["users"]["secretary"])
    year = timezone.localtime(service.starts_at).year
    response = client.get(reverse("practice:service_export"), {"year": year})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == a.name and rows[1][2] == a.phone[:3] + "****" + a.phone[-4:] and rows[1][3] == 120
    full = client.get(reverse("practice:service_export"), {"year": year, "full": "1"})
    rows = list(load_workbook(BytesIO(full.content)).active.iter_rows(values_only=True))
    assert rows[1][2] == a.phone
    summaries = list(AuditEvent.objects.filter(action="export").values_list("summary", flat=True))
    assert len(summaries) == 2 and any("完整手机号" in s for s in summaries)


# --- The member's phone ------------------------------------------------------------------------------------


def test_a_member_signs_up_and_withdraws_on_the_phone_within_a_budget(people, django_assert_max_num_queries):
    tree = people["tree"]
    member = people["members"]["c1_1"][0]
    service = make_service(tree["C1"], limit=1)
    make_service(tree["C2"], title="别的社区")
    phone = login(people["users"]["member"])
    url = reverse("practice:my_services")
    with django_assert_max_num_queries(10):
        page = phone.get(url).content.decode()
    assert "政策宣传进小区" in page and "别的社区" not in page
    phone.post(reverse("practice:service_sign_up", args=[service.pk]))
    assert ServiceParticipant.objects.get(service=service, member=member).status == "signed_up"
    many(tree["C1-1"], 25, members=[member])
    with django_assert_max_num_queries(10):
        assert phone.get(url).status_code == 200
    phone.post(reverse("practice:service_withdraw", args=[service.pk]))
    assert ServiceParticipant.objects.get(service=service, member=member).status == "withdrawn"
    other = make_service(tree["C2"])
    assert phone.post(reverse("practice:service_sign_up", args=[other.pk])).status_code == 404


def test_my_hours_show_each_source_and_a_correction_goes_to_the_queue(people, django_assert_max_num_queries):
    tree = people["tree"]
    member = people["members"]["c1_1"][0]
    service = past_service_with([member], tree["C1-1"])
    services.hours_record(service)
    phone = login(people["users"]["member"])
    with django_assert_max_num_queries(14):
        page = phone.get(reverse("practice:my_service_hours")).content.decode()
    assert "政策宣传进小区" in page and 'data-minutes="pending"' in page
    p = ServiceParticipant.objects.get(member=member)
    url = reverse("practice:service_correction", args=[p.pk])
    assert phone.post(url, {"minutes": "150", "reason": ""}).status_code == 422
    assert phone.post(url, {"minutes": "150", "reason": "结束后继续服务了半小时"}).status_code == 302
    p.refresh_from_db()
    assert (p.hours_status, p.correction_minutes) == ("correction", 150)
    someone_else = past_service_with([people["members"]["c1_1"][1]], tree["C1-1"]).participants.get()
    assert phone.get(reverse("practice:service_correction", args=[someone_else.pk])).status_code == 404
    assert phone.get(reverse("practice:my_service_hours"), {"year": "99999"}).status_code == 200
