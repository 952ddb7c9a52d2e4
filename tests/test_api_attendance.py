"""The attendance API: check-in with the screen's code, the display code for staff, marks, leave."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.attendance import codes
from dangxiao.attendance.models import Attendance, LeaveRequest
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_cohort, make_school
from .test_api import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(people):
    school, main, _ = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"])
    start = timezone.now() - timedelta(minutes=1)
    session = Session.objects.create(cohort=cohort, title="党课", starts_at=start, ends_at=start + timedelta(hours=1), venue=main)
    later = Session.objects.create(
        cohort=cohort, title="下次党课", starts_at=start + timedelta(days=3), ends_at=start + timedelta(days=3, hours=1), venue=main
    )
    for m in people["members"]["c1_1"]:
        Enrollment.objects.create(cohort=cohort, member=m)
    return {"session": session, "later": later, **people}


def test_member_checks_in_with_the_code_then_a_repeat_is_200(live):
    s = live["session"]
    client = api(live["users"]["member"])
    assert client.get(f"/api/v1/sessions/{s.pk}/display-code").status_code == 404
    staff = api(live["users"]["secretary"])
    shown = staff.get(f"/api/v1/sessions/{s.pk}/display-code").json()
    assert len(shown["digits"]) == 6 and shown["checked_in"] == 0
    first = client.post("/api/v1/checkin", {"session_id": s.pk, "code": shown["token"], "device_id": "p1"}, content_type="application/json")
    assert first.status_code == 201 and first.json()["status"] == "present"
    again = client.post(
        "/api/v1/checkin", {"session_id": s.pk, "code": shown["digits"], "device_id": "p1"}, content_type="application/json"
    )
    assert again.status_code == 200 and not again.json()["created"]
    assert staff.get(f"/api/v1/sessions/{s.pk}/display-code").json()["checked_in"] == 1
    # The view renders its answer itself (no response validation); it is still exactly CheckInOut, and the
    # OpenAPI document still declares it.
    assert first["Content-Type"] == again["Content-Type"] == "application/json; charset=utf-8"
    assert set(first.json()) == set(again.json()) == {"attendance_id", "session_id", "status", "created", "message", "is_walk_in"}
    assert first.json()["attendance_id"] == Attendance.objects.get().pk and first.json()["created"] is True
    assert first.json()["session_id"] == s.pk and first.json()["is_walk_in"] is False and isinstance(first.json()["message"], str)
    responses = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/checkin"]["post"]["responses"]
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CheckInOut"}
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CheckInOut"}


def test_forged_and_expired_codes_are_422_with_a_reason(live):
    s = live["session"]
    client = api(live["users"]["member"])
    forged = client.post("/api/v1/checkin", {"session_id": s.pk, "code": "99.abc"}, content_type="application/json")
    assert forged.status_code == 422 and forged.json()["reason"] == "forged"
    old = codes.current(s.pk, timezone.now() - timedelta(minutes=2), 15).token
    expired = client.post("/api/v1/checkin", {"session_id": s.pk, "code": old}, content_type="application/json")
    assert expired.status_code == 422 and expired.json()["reason"] == "expired"
    assert not Attendance.objects.exists()


def test_check_in_without_a_token_is_401(live):
    assert (
        Client().post("/api/v1/checkin", {"session_id": live["session"].pk, "code": "123456"}, content_type="application/json").status_code
        == 401
    )


def test_marks_through_the_api_are_scoped_and_atomic(live):
    s = live["session"]
    a, b, _c = live["members"]["c1_1"]
    staff = api(live["users"]["secretary"])
    assert (
        staff.put(
            f"/api/v1/sessions/{s.pk}/marks", {"marks": {a.pk: "present", b.pk: "nonsense"}}, content_type="application/json"
        ).status_code
        == 422
    )
    assert not Attendance.objects.exists()
    assert staff.put(
        f"/api/v1/sessions/{s.pk}/marks", {"marks": {a.pk: "present", b.pk: "absent"}}, content_type="application/json"
    ).json() == {"changed": 2}
    roll = {r["member_id"]: r["status"] for r in staff.get(f"/api/v1/sessions/{s.pk}/marks").json()}
    assert roll[a.pk] == "present" and roll[b.pk] == "absent"
    other = api(live["users"]["committee"])  # C1 admin manages C1-1 too
    assert other.get(f"/api/v1/sessions/{s.pk}/marks").status_code == 200
    from .factories import make_user

    outsider = make_user("c2admin", role="org_admin", org=live["tree"]["C2"])
    assert api(outsider).get(f"/api/v1/sessions/{s.pk}/marks").status_code == 404


def test_leave_requests_through_the_api(live):
    later = live["later"]
    member_client = api(live["users"]["member"])
    created = member_client.post(f"/api/v1/sessions/{later.pk}/leave-requests", {"reason": "值班"}, content_type="application/json")
    assert created.status_code == 201
    staff = api(live["users"]["secretary"])
    pending = staff.get("/api/v1/leave-requests", {"status": "pending"}).json()
    assert [p["reason"] for p in pending] == ["值班"]
    decided = staff.post(f"/api/v1/leave-requests/{pending[0]['id']}/decision", {"approve": True}, content_type="application/json")
    assert decided.json()["status"] == "approved"
    assert Attendance.objects.get(session=later).status == "excused"
    assert (
        member_client.post(
            f"/api/v1/leave-requests/{pending[0]['id']}/decision", {"approve": False}, content_type="application/json"
        ).status_code
        == 404
    )
    assert LeaveRequest.objects.get().status == "approved"
