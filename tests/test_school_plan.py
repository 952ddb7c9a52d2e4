"""The yearly training plan: written, submitted, returned for changes and approved by the board; its page
shows each target beside the figure computed from the year's records."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance.models import Attendance, StudyHourEntry
from dangxiao.core.models import AuditEvent
from dangxiao.school.models import TrainingPlan
from dangxiao.teaching.models import Course, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, **people}


def plan_data(**over) -> dict:
    data = {
        "year": str(timezone.localdate().year),
        "title": "年度党员教育培训计划",
        "goals": "全年培训党员9500人次以上",
        "target_person_times": "9500",
        "target_study_hours": "32",
    }
    return {**data, **over}


def test_the_board_writes_submits_returns_and_approves_the_plan(school):
    client = login(school["users"]["principal"])
    response = client.post(reverse("school:plan_create"), plan_data())
    plan = TrainingPlan.objects.get(school=school["school"])
    assert response.status_code == 302 and response.url == reverse("plan_detail", args=[plan.pk])
    assert (plan.status, plan.target_person_times, plan.target_study_hours) == ("draft", 9500, Decimal("32.0"))

    # One plan a year.
    again = client.post(reverse("school:plan_create"), plan_data(title="另一份"))
    assert again.status_code == 200 and "已存在" in again.content.decode()

    client.post(reverse("school:plan_edit", args=[plan.pk]), plan_data(target_person_times="10000"))
    client.post(reverse("school:plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "submitted" and plan.target_person_times == 10000 and plan.submitted_at

    # Submitted: not edited until returned.
    refused = client.post(reverse("school:plan_edit", args=[plan.pk]), plan_data(target_person_times="1"))
    assert refused.status_code == 200 and "只有草稿或退回修改的计划可以编辑" in refused.content.decode()
    client.post(reverse("school:plan_return", args=[plan.pk]), {"note": "请补充送学上门的目标"})
    plan.refresh_from_db()
    assert plan.status == "returned" and plan.review_note == "请补充送学上门的目标"
    assert "请补充送学上门的目标" in client.get(reverse("plan_detail", args=[plan.pk])).content.decode()

    client.post(reverse("school:plan_submit", args=[plan.pk]))
    response = client.post(reverse("school:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert response.url == reverse("plan_detail", args=[plan.pk])
    assert plan.status == "approved" and plan.approved_by == school["users"]["principal"]
    assert AuditEvent.objects.filter(object_type="trainingplan", action="record_create").exists()
    assert AuditEvent.objects.filter(object_type="trainingplan", summary="批准培训计划：年度党员教育培训计划").exists()
    assert "年度党员教育培训计划" in client.get(reverse("school:plan_list")).content.decode()


@pytest.mark.parametrize(
    "over, field",
    [({"year": "1999"}, "year"), ({"title": ""}, "title"), ({"target_person_times": "-1"}, "target_person_times")],
)
def test_a_bad_plan_is_refused(school, over, field):
    response = login(school["users"]["principal"]).post(reverse("school:plan_create"), plan_data(**over))
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not TrainingPlan.objects.exists()


def test_staff_read_the_plan_but_only_the_board_changes_it(school):
    plan = TrainingPlan.objects.create(school=school["school"], year=2026, title="计划")
    secretary = login(school["users"]["secretary"])
    assert secretary.get(reverse("plan_detail", args=[plan.pk])).status_code == 200
    assert secretary.get(reverse("school:plan_create")).status_code == 404
    for name in ("school:plan_edit", "school:plan_submit", "school:plan_return", "school:plan_approve"):
        assert secretary.post(reverse(name, args=[plan.pk]), {**plan_data(), "note": "x"}).status_code == 404
    assert login(school["users"]["member"]).get(reverse("plan_detail", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.title == "计划"


def _session(cohort, when: datetime, **fields) -> Session:
    return Session.objects.create(
        cohort=cohort, title=fields.pop("title", "课"), starts_at=when, ends_at=when + timedelta(hours=2), **fields
    )


def test_the_plan_page_shows_each_target_against_the_years_records(school, django_assert_max_num_queries):
    year = timezone.localdate().year - 1  # a year wholly past: every session in it has been held
    plan = TrainingPlan.objects.create(
        school=school["school"], year=year, title="计划", target_person_times=10, target_study_hours=Decimal("4")
    )
    planned = Course.objects.create(school=school["school"], title="党的理论", kind="theory", plan=plan)
    Course.objects.create(school=school["school"], title="没开的课", kind="theory", plan=plan)
    cohort = make_cohort(school["school"], school["tree"]["WY"], plan=plan)
    make_cohort(school["school"], school["tree"]["WY"], name="没开的班", plan=plan)
    members = school["members"]["c1_1"]
    held = _session(cohort, datetime(year, 3, 1, 9, tzinfo=SHANGHAI), course=planned)
    cancelled = _session(cohort, datetime(year, 4, 1, 9, tzinfo=SHANGHAI), status="cancelled")
    other_year = _session(cohort, datetime(year - 1, 3, 1, 9, tzinfo=SHANGHAI))
    for member, status in zip(members, ("present", "late", "absent"), strict=True):
        Attendance.objects.create(session=held, member=member, status=status)
    Attendance.objects.create(session=cancelled, member=members[0], status="present")
    Attendance.objects.create(session=other_year, member=members[0], status="present")
    # The ledger: 6 hours this year across the school's members, 5 in another year, none outside the school.
    StudyHourEntry.objects.create(member=members[0], date=date(year, 3, 1), hours=Decimal("2"), source="session", session=held)
    StudyHourEntry.objects.create(member=members[1], date=date(year, 6, 1), hours=Decimal("4"), source="online", reference="lesson:1")
    StudyHourEntry.objects.create(member=members[1], date=date(year - 1, 6, 1), hours=Decimal("5"), source="online", reference="lesson:2")
    from dangxiao.people.models import Organization

    elsewhere = Organization.objects.add_root(instance=Organization(name="别处党工委", code="ZZ", kind="working_committee"))
    StudyHourEntry.objects.create(member=make_member(elsewhere), date=date(year, 3, 1), hours=Decimal("9"), source="external")

    client = login(school["users"]["principal"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("plan_detail", args=[plan.pk]))
    figures = {f["key"]: f for f in response.context["figures"]}
    members_on_roll = sum(len(v) for v in school["members"].values())
    assert (figures["person_times"]["actual"], figures["person_times"]["target"]) == (2, 10)
    assert figures["person_times"]["percent"] == 20
    assert figures["study_hours"]["actual"] == (Decimal("6") / members_on_roll).quantize(Decimal("0.1"))
    assert response.context["actuals"].study_hours == Decimal("6") and response.context["actuals"].credited_members == 2
    assert (figures["courses"]["actual"], figures["courses"]["target"]) == (1, 2)
    assert (figures["cohorts"]["actual"], figures["cohorts"]["target"]) == (1, 2)
    body = response.content.decode()
    assert "党的理论" in body and "没开的班" in body

    # Another attendance recorded: the figure follows the records.
    Attendance.objects.create(session=held, member=school["members"]["c1_2"][0], status="present")
    response = login(school["users"]["principal"]).get(reverse("plan_detail", args=[plan.pk]))
    assert {f["key"]: f for f in response.context["figures"]}["person_times"]["actual"] == 3


def test_the_board_picks_the_courses_and_cohorts_a_plan_plans(school):
    plan = TrainingPlan.objects.create(school=school["school"], year=2026, title="计划")
    course = Course.objects.create(school=school["school"], title="党的理论", kind="theory")
    dropped = Course.objects.create(school=school["school"], title="旧课", kind="theory", plan=plan)
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    from dangxiao.people.models import Organization
    from dangxiao.school.models import School

    root = Organization.objects.add_root(instance=Organization(name="别处党工委", code="ZZ", kind="working_committee"))
    theirs = Course.objects.create(school=School.objects.create(name="别处党校", organization=root), title="别处的课", kind="theory")
    client = login(school["users"]["principal"])
    page = client.get(reverse("plan_detail", args=[plan.pk]))
    assert "别处的课" not in page.content.decode() and "党的理论" in page.content.decode()

    refused = client.post(reverse("plan_items", args=[plan.pk]), {"courses": [course.pk, theirs.pk]})
    assert refused.status_code == 302
    theirs.refresh_from_db()
    assert theirs.plan_id is None and Course.objects.get(pk=course.pk).plan_id is None

    client.post(reverse("plan_items", args=[plan.pk]), {"courses": [course.pk], "cohorts": [cohort.pk]})
    assert Course.objects.get(pk=course.pk).plan == plan and Course.objects.get(pk=dropped.pk).plan is None
    cohort.refresh_from_db()
    assert cohort.plan == plan
    assert login(school["users"]["secretary"]).post(reverse("plan_items", args=[plan.pk]), {"courses": []}).status_code == 404
    assert Course.objects.get(pk=course.pk).plan == plan


def test_plan_and_school_pages_take_a_fixed_number_of_queries(school, django_assert_max_num_queries):
    for year in range(2010, 2030):
        TrainingPlan.objects.create(school=school["school"], year=year, title=f"{year}年度计划")
    client = login(school["users"]["principal"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("school:plan_list"))
    assert page.status_code == 200 and "2029年度计划" in page.content.decode()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("school:school_edit")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("school:plan_edit", args=[TrainingPlan.objects.get(year=2026).pk])).status_code == 200
