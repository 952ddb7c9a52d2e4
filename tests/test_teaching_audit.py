"""Creating a cohort and scheduling its sessions are written to the audit log, in pages and the API, as
their later changes are; the board reads the rows of its own subtree."""

import pytest
from django.urls import reverse

from dangxiao.core.models import AuditEvent
from dangxiao.teaching import changes, services
from dangxiao.teaching.models import Cohort
from dangxiao.teaching.rules import TargetRule

from .conftest import login
from .factories import make_cohort, make_school, make_teacher
from .test_api import api
from .test_api_teaching import elsewhere, post, rule_body  # noqa: F401 (a fixture)
from .test_teaching_pages import rule_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, "teacher": make_teacher(school), **people}


def created(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="record_create", object_type=object_type).order_by("id"))


def test_creating_a_cohort_in_the_page_is_audited_and_the_board_reads_it(school):
    committee = school["users"]["committee"]
    response = login(committee).post(
        reverse("teaching:cohort_create"),
        {"name": "机关党员素质提升班", "organization": school["tree"]["C1"].pk, "mode": "in_person", "flags": ["is_organ_worker"]},
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="机关党员素质提升班")
    [row] = created("cohort")
    assert (row.actor, row.object_id, row.organization_id) == (committee, str(cohort.pk), school["tree"]["C1"].pk)
    assert row.summary == "新建班次：机关党员素质提升班" and row.detail["rule"] == {"flags": ["is_organ_worker"]}
    assert "新建班次：机关党员素质提升班" in login(school["users"]["principal"]).get(reverse("audit_log")).content.decode()


def test_a_weekly_rule_and_a_one_off_session_are_audited_in_pages_and_the_api(school):
    principal = school["users"]["principal"]
    cohort = make_cohort(school["school"], school["tree"]["C1"], name="领头雁培训班")
    page = login(principal)
    assert page.post(reverse("teaching:cohort_rule_create", args=[cohort.pk]), rule_post(school)).status_code == 302
    one = {"title": "加课", "date": "2026-11-07", "start_time": "09:00", "end_time": "11:00", "hours": "2"}
    assert page.post(reverse("teaching:cohort_session_create", args=[cohort.pk]), one).status_code == 302
    client = api(principal)
    body = rule_body(school, starts_on="2026-12-01", ends_on="2026-12-31", skip_dates=[])
    assert post(client, f"/api/v1/cohorts/{cohort.pk}/schedule-rules", body).status_code == 201
    session = {"cohort_id": cohort.pk, "title": "补课", "starts_at": "2026-11-14T09:00:00+08:00", "ends_at": "2026-11-14T11:00:00+08:00"}
    assert post(client, "/api/v1/sessions", session).status_code == 201

    rules, sessions = created("schedulerule"), created("session")
    assert [r.summary for r in rules] == ["按周排课：领头雁培训班，17个课次", "按周排课：领头雁培训班，10个课次"]
    assert [s.summary for s in sessions] == ["添加课次：领头雁培训班 2026-11-07 09:00", "添加课次：领头雁培训班 2026-11-14 09:00"]
    assert {(e.actor, e.organization_id) for e in rules + sessions} == {(principal, school["tree"]["C1"].pk)}


def test_a_cohort_refused_by_the_service_writes_nothing(school, elsewhere):  # noqa: F811
    foreign = elsewhere["course"]
    with pytest.raises(services.TeachingError, match="不属于本班次所在的党校"):
        changes.cohort_create(
            school["school"],
            school["tree"]["C1"],
            name="越校班",
            mode="in_person",
            rule=TargetRule(),
            rule_description="",
            courses=[foreign],
        )
    with pytest.raises(services.TeachingError, match="请填写班次名称"):
        changes.cohort_create(school["school"], school["tree"]["C1"], name="  ", mode="in_person", rule=TargetRule(), rule_description="")
    assert not Cohort.objects.filter(name="越校班").exists() and not created("cohort")
