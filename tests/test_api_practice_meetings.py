"""The API of 主题党日 and 三会一课: staff record, change and retire them within their subtree; the compliance
grid as JSON; the year's frequencies for the board. Out of scope is 404, bad input 422 in Chinese."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.practice.models import MeetingAttendance, MeetingRule, OrganizationalMeeting, ThemedPartyDay

from .factories import PASSWORD, make_meeting, make_school, make_themed_day

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    token = Client().post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, content_type="application/json")
    return Client(headers={"Authorization": f"Bearer {token.json()['token']}"})


@pytest.fixture
def school(people):
    return make_school(people["tree"])[0]


def held() -> str:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=12).isoformat()


def test_a_secretary_records_changes_and_retires_a_themed_day(people, school):
    client = api(people["users"]["secretary"])
    org = people["tree"]["C1-1"]
    created = client.post(
        "/api/v1/practice/themed-days",
        {"organization_id": org.pk, "held_on": held(), "lesson": "学习党章", "film": "《1921》", "practice": "清理楼道"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["month"] == held()[:8] + "01" and body["practice_ref"] == ""
    day_id = body["id"]
    patched = client.patch(f"/api/v1/practice/themed-days/{day_id}", {"film": "《长津湖》"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["film"] == "《长津湖》" and patched.json()["lesson"] == "学习党章"
    listed = client.get("/api/v1/practice/themed-days", {"year": held()[:4]}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == day_id
    assert client.post(f"/api/v1/practice/themed-days/{day_id}/retire").status_code == 200
    assert client.get("/api/v1/practice/themed-days", {"year": held()[:4]}).json()["count"] == 0
    assert ThemedPartyDay.objects.get().retired_at is not None


def test_a_meeting_with_marks_and_a_lecturer_through_the_api(people, school):
    client = api(people["users"]["secretary"])
    org = people["tree"]["C1-1"]
    a, b, _c = people["members"]["c1_1"]
    created = client.post(
        "/api/v1/practice/meetings",
        {
            "organization_id": org.pk,
            "kind": "lesson",
            "held_on": held(),
            "topic": "学习党章",
            "lecturer_member_id": b.pk,
            "marks": {str(a.pk): "present", str(b.pk): "leave"},
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    meeting = created.json()
    assert meeting["lecturer_member"]["id"] == b.pk and meeting["present"] == 1 and meeting["marked"] == 2
    assert {r["member"]["id"]: r["status"] for r in meeting["roll"]}[a.pk] == "present"
    patched = client.patch(
        f"/api/v1/practice/meetings/{meeting['id']}", {"marks": {str(a.pk): "absent"}, "decisions": "存档"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["decisions"] == "存档"
    assert dict(MeetingAttendance.objects.values_list("member_id", "status")) == {a.pk: "absent"}
    assert client.get("/api/v1/practice/meetings", {"kind": "lesson", "year": held()[:4]}).json()["count"] == 1
    assert client.post(f"/api/v1/practice/meetings/{meeting['id']}/retire").status_code == 200
    assert client.get("/api/v1/practice/meetings", {"year": held()[:4]}).json()["count"] == 0


def test_bad_input_is_422_in_chinese_and_changes_nothing(people, school):
    client = api(people["users"]["secretary"])
    org = people["tree"]["C1-1"]
    base = {"organization_id": org.pk, "kind": "committee", "held_on": held()}
    for body, field in (
        ({**base, "held_on": "9999-01-01"}, "held_on"),
        ({**base, "held_on": (timezone.localdate() + timedelta(days=30)).isoformat()}, "held_on"),
        ({**base, "kind": "weekly"}, "kind"),
        ({**base, "organization_id": people["tree"]["C2-1"].pk}, "organization_id"),
        ({**base, "organization_id": 99999999999999999999}, "organization_id"),
        ({**base, "lecturer_member_id": people["members"]["c1_1"][0].pk}, "lecturer_member"),
        ({**base, "marks": {str(people["members"]["c2_1"][0].pk): "present"}}, "marks"),
        ({**base, "marks": {"1": "asleep"}}, "marks"),
    ):
        answer = client.post("/api/v1/practice/meetings", body, content_type="application/json")
        assert answer.status_code == 422, (body, answer.json())
        assert any(field in (e["field"] or "") for e in answer.json()["errors"]), answer.json()
    assert not OrganizationalMeeting.objects.exists()


def test_another_branchs_records_are_404(people, school):
    meeting = make_meeting(people["tree"]["C2-1"], "committee", date.fromisoformat(held()))
    day = make_themed_day(people["tree"]["C2-1"], date.fromisoformat(held()))
    client = api(people["users"]["secretary"])
    assert client.get(f"/api/v1/practice/meetings/{meeting.pk}").status_code == 404
    assert client.patch(f"/api/v1/practice/meetings/{meeting.pk}", {"topic": "x"}, content_type="application/json").status_code == 404
    assert client.post(f"/api/v1/practice/themed-days/{day.pk}/retire").status_code == 404
    assert client.get("/api/v1/practice/compliance", {"organization_id": people["tree"]["C2-1"].pk}).status_code == 404
    assert client.get("/api/v1/practice/meetings").json()["count"] == 0
    member = api(people["users"]["member"])
    assert member.get("/api/v1/practice/meetings").status_code == 404
    assert ThemedPartyDay.objects.get().retired_at is None


def test_the_compliance_grid_as_json_follows_the_years_rule(people, school):
    make_meeting(people["tree"]["C1-1"], "committee", date(2025, 2, 3))
    board = api(people["users"]["principal"])
    grid = board.get("/api/v1/practice/compliance", {"year": 2025, "kind": "committee"}).json()
    assert grid["period"] == "month" and len(grid["periods"]) == 12 and grid["count"] == 4
    row = next(r for r in grid["items"] if r["organization"]["id"] == people["tree"]["C1-1"].pk)
    assert [c["status"] for c in row["cells"][:3]] == ["overdue", "held", "overdue"]
    put = board.put("/api/v1/practice/meeting-rules/2025", {"committee": "quarter"}, content_type="application/json")
    assert put.status_code == 200 and put.json()["saved"] and put.json()["general"] == "quarter"
    assert MeetingRule.objects.get(year=2025).committee == "quarter"
    grid = board.get("/api/v1/practice/compliance", {"year": 2025, "kind": "committee"}).json()
    row = next(r for r in grid["items"] if r["organization"]["id"] == people["tree"]["C1-1"].pk)
    assert [c["status"] for c in row["cells"]] == ["held", "overdue", "overdue", "overdue"]
    secretary = api(people["users"]["secretary"])
    assert secretary.put("/api/v1/practice/meeting-rules/2025", {}, content_type="application/json").status_code == 404
    assert secretary.get("/api/v1/practice/meeting-rules/2025").json()["committee"] == "quarter"
    assert board.get("/api/v1/practice/meeting-rules/1999").status_code == 422
