"""Frontline projects and mentorships over the API: the whole lifecycle for staff, a member's own logs
and meetings, 403 for who may see but not write, 404 outside the scope, 400/422 for bad input."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from dangxiao.practice import projects_services as S
from dangxiao.practice.models.projects import FrontlineProject, Mentorship, MentorshipMeeting, ProjectLog

from .conftest import login
from .factories import make_user

pytestmark = pytest.mark.django_db
API = "/api/v1/practice"


def call(client, method, path, body=None):
    return getattr(client, method)(API + path, json.dumps(body) if body is not None else None, content_type="application/json")


@pytest.fixture
def running(people):
    today = timezone.localdate()
    project = S.project_create(
        people["tree"]["C1-1"], name="中化地勘院棚改征收", starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30)
    )
    S.trainee_assign(project, people["members"]["c1_1"][0], role="入户调查员", starts_on=project.starts_on, ends_on=project.ends_on)
    return project


def test_staff_run_a_project_from_creation_to_assessment_and_retirement(people, running):
    client, today = login(people["users"]["secretary"]), timezone.localdate()
    created = call(
        client, "post", "/projects",
        {"organization_id": people["tree"]["C1-1"].pk, "name": "书香苑加装电梯", "lead_id": people["members"]["c1_1"][1].pk,
         "starts_on": (today - timedelta(days=3)).isoformat(), "ends_on": (today + timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    phase = call(
        client, "post", f"/projects/{pid}/phases", {"name": "意见征集", "starts_on": today.isoformat(), "ends_on": today.isoformat()}
    )
    assert phase.status_code == 201 and phase.json()["order"] == 1
    assert (
        call(
            client,
            "put",
            f"/phases/{phase.json()['id']}",
            {"name": "意见征集", "starts_on": today.isoformat(), "ends_on": today.isoformat(), "status": "done"},
        ).json()["status"]
        == "done"
    )
    trainee = call(
        client,
        "post",
        f"/projects/{pid}/trainees",
        {"member_id": people["members"]["c1_1"][0].pk, "role": "协调员", "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )
    assert trainee.status_code == 201
    early = call(client, "post", f"/trainees/{trainee.json()['id']}/assessment", {"grade": "good", "comment": "好"})
    assert early.status_code == 400 and "结束后才能考核" in early.json()["detail"]
    assert call(client, "patch", f"/projects/{pid}", {"name": "书香苑加装电梯工程"}).json()["name"] == "书香苑加装电梯工程"
    closed = call(client, "post", f"/projects/{pid}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assessed = call(client, "post", f"/trainees/{trainee.json()['id']}/assessment", {"grade": "excellent", "comment": "认真负责"})
    assert assessed.status_code == 200 and assessed.json()["grade"] == "excellent"
    detail = client.get(f"{API}/projects/{pid}").json()
    assert [t["grade"] for t in detail["trainees"]] == ["excellent"] and detail["phases"][0]["name"] == "意见征集"
    assert call(client, "delete", f"/projects/{pid}").status_code == 204
    assert client.get(f"{API}/projects/{pid}").status_code == 404
    assert FrontlineProject.objects.get(pk=pid).retired_at is not None


def test_a_trainee_writes_a_log_a_third_member_is_not_told_of_the_project_and_staff_may_not_write_it(people, running):
    today = timezone.localdate().isoformat()
    member = login(people["users"]["member"])
    assert call(member, "post", f"/projects/{running.pk}/logs", {"written_on": today, "text": "入户 8 户"}).status_code == 201
    assert member.get(f"{API}/projects/{running.pk}/logs").json()["items"][0]["text"] == "入户 8 户"
    assert [p["name"] for p in member.get(f"{API}/projects").json()["items"]] == ["中化地勘院棚改征收"]
    third = login(make_user(member=people["members"]["c1_1"][2]))
    assert call(third, "post", f"/projects/{running.pk}/logs", {"written_on": today, "text": "旁人"}).status_code == 404
    assert third.get(f"{API}/projects").json()["count"] == 0
    staff = call(login(people["users"]["secretary"]), "post", f"/projects/{running.pk}/logs", {"written_on": today, "text": "书记"})
    assert staff.status_code == 403 and "只有项目负责人和项目学员" in staff.json()["detail"]
    assert ProjectLog.objects.count() == 1


def test_mentorships_over_the_api_either_side_logs_and_the_mentor_closes(people, running):
    secretary, today = login(people["users"]["secretary"]), timezone.localdate().isoformat()
    mentor_member, mentee_member = people["members"]["c1_1"][1], people["members"]["c1_1"][0]
    created = call(
        secretary, "post", "/mentorships",
        {"kind": "cadre", "organization_id": people["tree"]["C1-1"].pk, "mentor_id": mentor_member.pk, "mentee_id": mentee_member.pk,
         "goals": "学会签约工作", "starts_on": today, "project_id": running.pk},
    )  # fmt: skip
    assert created.status_code == 201 and created.json()["project"]["id"] == running.pk
    mid = created.json()["id"]
    mentee, mentor = login(people["users"]["member"]), login(make_user(member=mentor_member))
    assert call(mentee, "post", f"/mentorships/{mid}/meetings", {"met_on": today, "minutes": "汇报"}).status_code == 201
    assert call(mentor, "post", f"/mentorships/{mid}/meetings", {"met_on": today, "minutes": "点评"}).status_code == 201
    assert call(secretary, "post", f"/mentorships/{mid}/meetings", {"met_on": today, "minutes": "书记"}).status_code == 403
    assert call(mentee, "post", f"/mentorships/{mid}/close", {"grade": "excellent", "assessment": "自评"}).status_code == 403
    assert mentee.get(f"{API}/mentorships").json()["items"][0]["meeting_count"] == 2
    closed = call(mentor, "post", f"/mentorships/{mid}/close", {"grade": "good", "assessment": "达到目标"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert call(mentee, "post", f"/mentorships/{mid}/meetings", {"met_on": today, "minutes": "再见"}).status_code == 400
    assert call(secretary, "delete", f"/mentorships/{mid}").status_code == 204
    assert MentorshipMeeting.objects.count() == 2 and Mentorship.objects.get(pk=mid).retired_at is not None


def test_out_of_scope_ids_are_404_and_bad_input_is_refused_in_chinese(people, running):
    secretary = login(people["users"]["secretary"])
    other = S.project_create(people["tree"]["C2-1"], name="他处项目", starts_on=running.starts_on, ends_on=running.ends_on)
    assert secretary.get(f"{API}/projects/{other.pk}").status_code == 404
    assert call(secretary, "patch", f"/projects/{other.pk}", {"name": "改"}).status_code == 404
    assert (
        call(
            secretary,
            "post",
            f"/projects/{running.pk}/trainees",
            {"member_id": people["members"]["c2_1"][0].pk, "role": "越界", "starts_on": "2026-01-01", "ends_on": "2026-01-02"},
        ).status_code
        == 404
    )
    assert (
        call(
            secretary,
            "post",
            "/projects",
            {"organization_id": people["tree"]["C2-1"].pk, "name": "越界", "starts_on": "2026-01-01", "ends_on": "2026-01-02"},
        ).status_code
        == 404
    )
    backwards = call(
        secretary,
        "post",
        "/projects",
        {"organization_id": people["tree"]["C1-1"].pk, "name": "倒序", "starts_on": "2026-05-01", "ends_on": "2026-04-01"},
    )
    assert backwards.status_code == 400 and "不能早于" in backwards.json()["detail"]
    for body in (
        {"organization_id": 2**70, "name": "大数", "starts_on": "2026-05-01", "ends_on": "2026-06-01"},
        {"organization_id": people["tree"]["C1-1"].pk, "name": "远日", "starts_on": "2026-05-01", "ends_on": "9999-12-31"},
        {"organization_id": people["tree"]["C1-1"].pk, "name": "x" * 101, "starts_on": "2026-05-01", "ends_on": "2026-06-01"},
    ):
        assert call(secretary, "post", "/projects", body).status_code == 422, body
    assert secretary.get(f"{API}/projects/{2**70}").status_code == 422
    assert (
        call(secretary, "post", f"/trainees/{running.trainees.get().pk}/assessment", {"grade": "superb", "comment": "x"}).status_code == 422
    )
    member = login(people["users"]["member"])
    assert (
        call(
            member,
            "post",
            "/projects",
            {"organization_id": people["tree"]["C1-1"].pk, "name": "党员建", "starts_on": "2026-05-01", "ends_on": "2026-06-01"},
        ).status_code
        == 404
    )
    assert FrontlineProject.objects.count() == 2


def test_the_project_list_keeps_its_query_budget(people, running, django_assert_max_num_queries):
    client = login(people["users"]["principal"])
    for i in range(30):
        S.project_create(people["tree"]["C1"], name=f"项目{i}", starts_on=running.starts_on, ends_on=running.ends_on)
    with django_assert_max_num_queries(6):
        answer = client.get(f"{API}/projects", {"page_size": 50}).json()
    assert answer["count"] == 31
