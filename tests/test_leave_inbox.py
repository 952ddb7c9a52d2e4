"""The secretary's leave inbox: the requests of their scope only, decided singly or in bulk, audited."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance.models import Attendance, LeaveRequest
from dangxiao.core.models import AuditEvent
from dangxiao.teaching import services
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_school, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(people):
    """A C1-1 class and a school-wide class run by WY, each with members of C1-1 and C2-1 asking for leave."""
    tree, members = people["tree"], people["members"]
    school, _main, _small = make_school(tree)
    branch = make_cohort(school, tree["C1-1"], name="第一支部冬训班")
    wide = make_cohort(school, tree["WY"], name="全街道理论班")
    at = timezone.now() + timedelta(days=3)
    sessions = {}
    for cohort in (branch, wide):
        sessions[cohort.pk] = Session.objects.create(
            cohort=cohort, title=f"{cohort.name}第一课", starts_at=at, ends_at=at + timedelta(hours=2)
        )
        at += timedelta(days=1)
    for m in members["c1_1"]:
        services.cohort_enroll(branch, m)
        services.cohort_enroll(wide, m)
    services.cohort_enroll(wide, members["c2_1"][0])
    leaves = {
        "own_branch": LeaveRequest.objects.create(session=sessions[branch.pk], member=members["c1_1"][0], reason="出差"),
        "own_wide": LeaveRequest.objects.create(session=sessions[wide.pk], member=members["c1_1"][1], reason="加班"),
        "other_wide": LeaveRequest.objects.create(session=sessions[wide.pk], member=members["c2_1"][0], reason="生病"),
    }
    return {"leaves": leaves, "sessions": sessions, **people}


def ids(response) -> set[int]:
    return {lr.pk for lr in response.context["page"]}


def test_a_secretary_sees_the_requests_of_their_members_and_cohorts_only(inbox, django_assert_max_num_queries):
    leaves = inbox["leaves"]
    client = login(inbox["users"]["secretary"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("attendance:leave_inbox"))
    assert ids(response) == {leaves["own_branch"].pk, leaves["own_wide"].pk}
    assert "生病" not in response.content.decode()
    assert ids(login(inbox["users"]["principal"]).get(reverse("attendance:leave_inbox"))) == {lr.pk for lr in leaves.values()}
    assert login(inbox["users"]["member"]).get(reverse("attendance:leave_inbox")).status_code == 404


def test_bulk_approval_marks_excused_audits_each_and_ignores_what_is_out_of_scope(inbox):
    leaves = inbox["leaves"]
    client = login(inbox["users"]["secretary"])
    response = client.post(
        reverse("attendance:leave_decide_many"),
        {"leave": [lr.pk for lr in leaves.values()], "decision": "approve", "note": "同意"},
        follow=True,
    )
    assert "已批准2条请假申请" in response.content.decode()
    statuses = dict(LeaveRequest.objects.values_list("pk", "status"))
    assert statuses == {leaves["own_branch"].pk: "approved", leaves["own_wide"].pk: "approved", leaves["other_wide"].pk: "pending"}
    excused = set(Attendance.objects.filter(status="excused").values_list("member_id", flat=True))
    assert excused == {leaves["own_branch"].member_id, leaves["own_wide"].member_id}
    assert AuditEvent.objects.filter(action="leave_approve").count() == 2
    assert ids(client.get(reverse("attendance:leave_inbox"))) == set()
    assert ids(client.get(reverse("attendance:leave_inbox"), {"status": "approved"})) == {leaves["own_branch"].pk, leaves["own_wide"].pk}


def test_a_single_refusal_and_a_second_decision_is_named(inbox):
    leave = inbox["leaves"]["own_branch"]
    client = login(inbox["users"]["secretary"])
    client.post(reverse("attendance:leave_decide_many"), {"leave": [leave.pk], "decision": "refuse"})
    leave.refresh_from_db()
    assert leave.status == "refused" and not Attendance.objects.exists()
    response = client.post(reverse("attendance:leave_decide_many"), {"leave": [leave.pk], "decision": "approve"}, follow=True)
    assert "该请假申请已处理" in response.content.decode()
    response = client.post(reverse("attendance:leave_decide_many"), {"decision": "approve"}, follow=True)
    assert "请选择请假申请" in response.content.decode()


def test_a_cancelled_sessions_requests_leave_the_inbox(inbox):
    leave = inbox["leaves"]["own_branch"]
    Session.objects.filter(pk=leave.session_id).update(status="cancelled")
    client = login(inbox["users"]["secretary"])
    assert leave.pk not in ids(client.get(reverse("attendance:leave_inbox")))


def test_the_api_inbox_is_scoped_and_decides_in_bulk(inbox):
    leaves = inbox["leaves"]
    secretary = login(inbox["users"]["secretary"])
    listed = secretary.get("/api/v1/leave-inbox").json()
    assert {i["id"] for i in listed["items"]} == {leaves["own_branch"].pk, leaves["own_wide"].pk}
    response = secretary.post(
        "/api/v1/leave-inbox/decisions",
        json.dumps({"leave_ids": [lr.pk for lr in leaves.values()], "approve": False, "note": "人手不够"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and set(response.json()["decided"]) == {leaves["own_branch"].pk, leaves["own_wide"].pk}
    assert LeaveRequest.objects.get(pk=leaves["other_wide"].pk).status == "pending"
    bad = secretary.post("/api/v1/leave-inbox/decisions", json.dumps({"leave_ids": [], "approve": True}), content_type="application/json")
    assert bad.status_code == 422
    c2 = login(make_user("c2admin", role="org_admin", org=inbox["tree"]["C2"]))
    assert {i["id"] for i in c2.get("/api/v1/leave-inbox").json()["items"]} == {leaves["other_wide"].pk}
    assert login(inbox["users"]["member"]).get("/api/v1/leave-inbox").status_code == 404


def test_a_decision_on_the_roll_page_or_the_api_is_audited_too(inbox):
    leaves = inbox["leaves"]
    secretary = login(inbox["users"]["secretary"])
    secretary.post(reverse("attendance:leave_decide", args=[leaves["own_branch"].pk]), {"decision": "approve"})
    response = secretary.post(
        f"/api/v1/leave-requests/{leaves['own_wide'].pk}/decision", json.dumps({"approve": False}), content_type="application/json"
    )
    assert response.status_code == 404  # the API's single decision stays with who manages the cohort
    principal = login(inbox["users"]["principal"])
    response = principal.post(
        f"/api/v1/leave-requests/{leaves['own_wide'].pk}/decision", json.dumps({"approve": False}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "refused"
    again = principal.post(
        f"/api/v1/leave-requests/{leaves['own_wide'].pk}/decision", json.dumps({"approve": True}), content_type="application/json"
    )
    assert again.status_code == 422 and "已处理" in again.json()["detail"]
    assert set(AuditEvent.objects.values_list("action", "object_id")) == {
        ("leave_approve", str(leaves["own_branch"].pk)),
        ("leave_refuse", str(leaves["own_wide"].pk)),
    }


def test_a_huge_or_negative_id_in_a_bulk_decision_is_ignored_not_a_server_error(inbox):
    own = inbox["leaves"]["own_branch"]
    client = login(inbox["users"]["secretary"])
    response = client.post(
        reverse("attendance:leave_decide_many"), {"leave": ["9" * 25, "-1", str(own.pk)], "decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.status == "approved"
