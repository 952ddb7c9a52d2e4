"""The API of the ledger: my study hours, my attendance, and attendance figures in the caller's scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dangxiao.attendance import services
from dangxiao.attendance.models import Attendance, StudyHourRule
from dangxiao.people.models import Member
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_cohort, make_school
from .test_api import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(people):
    school, _main, _small = make_school(people["tree"])
    return {"school": school, **people}


def book(cohort, days_from_now: int, **fields) -> Session:
    start = timezone.now() + timedelta(days=days_from_now)
    return Session.objects.create(
        cohort=cohort, title=fields.pop("title", f"课{days_from_now}"), starts_at=start, ends_at=start + timedelta(hours=2), **fields
    )


@pytest.fixture
def classes(school):
    """C1-1's class: 2 held, 2 to come, the C1-1 members enrolled; C2-1's class: 1 held, its members enrolled."""
    tree = school["tree"]
    c1 = make_cohort(school["school"], tree["C1-1"], name="一支部学习班")
    c1_sessions = [book(c1, d, title=f"党课{i}") for i, d in enumerate((-20, -10, 10, 20))]
    c2 = make_cohort(school["school"], tree["C2-1"], name="赤岭路学习班")
    c2_session = book(c2, -5, title="赤岭路党课")
    for m in school["members"]["c1_1"]:
        Enrollment.objects.create(cohort=c1, member=m)
    for m in school["members"]["c2_1"]:
        Enrollment.objects.create(cohort=c2, member=m)
    me = school["members"]["c1_1"][0]
    Attendance.objects.create(session=c1_sessions[0], member=me, status="present")
    Attendance.objects.create(session=c1_sessions[1], member=me, status="absent")
    Attendance.objects.create(session=c1_sessions[0], member=school["members"]["c1_1"][1], status="late")
    for m in school["members"]["c2_1"]:
        Attendance.objects.create(session=c2_session, member=m, status="present")
    return {"c1": c1, "c1_sessions": c1_sessions, "c2": c2, **school}


def test_my_study_hours_total_requirement_sources_and_entries(school):
    me = school["members"]["c1_1"][0]
    Member.objects.filter(pk=me.pk).update(position="secretary")
    year = timezone.localdate().year
    services.ledger_credit(me, hours=Decimal("2"), date=date(year, 1, 5), source="online", reference="lesson:1", note="党章网课")
    services.ledger_credit(me, hours=Decimal("3"), date=date(year, 1, 6), source="external", reference="ext:1")
    services.ledger_credit(me, hours=Decimal("9"), date=date(year - 1, 5, 1), source="external", reference="ext:0")
    body = api(school["users"]["member"]).get("/api/v1/me/study-hours").json()
    assert body["year"] == year and body["total"] == 5.0 and body["required"] == 56.0 and not body["exempt"] and not body["met"]
    assert {s["source"]: s["hours"] for s in body["by_source"]} == {"session": 0, "online": 2.0, "home_delivery": 0, "external": 3.0}
    assert [e["title"] for e in body["entries"]] == ["外部培训", "党章网课"]
    last_year = api(school["users"]["member"]).get("/api/v1/me/study-hours", {"year": year - 1}).json()
    assert last_year["total"] == 9.0 and last_year["required"] == 56.0  # positions are today's; only the rule is per year


def test_an_exempt_member_has_no_requirement_but_keeps_the_credit(school):
    me = school["members"]["c1_1"][0]
    Member.objects.filter(pk=me.pk).update(is_elderly_infirm=True)
    services.ledger_credit(me, hours=Decimal("1.5"), date=timezone.localdate(), source="home_delivery", reference="visit:1")
    body = api(school["users"]["member"]).get("/api/v1/me/study-hours").json()
    assert body["exempt"] and body["required"] is None and body["total"] == 1.5


def test_my_study_hours_follow_the_years_rule(school):
    year = timezone.localdate().year
    StudyHourRule.objects.create(school=school["school"], year=year, member_hours=Decimal("40"))
    assert api(school["users"]["member"]).get("/api/v1/me/study-hours").json()["required"] == 40.0


def test_my_attendance_lists_my_rows_only_newest_first_with_credited_hours(classes):
    services.roll_mark(classes["c1_sessions"][0], {classes["members"]["c1_1"][0].pk: "present"}, by=classes["users"]["secretary"])
    client = api(classes["users"]["member"])
    body = client.get("/api/v1/me/attendance").json()
    assert body["count"] == 2 and body["page"] == 1
    assert [(r["title"], r["status"]) for r in body["items"]] == [("党课1", "absent"), ("党课0", "present")]
    assert body["items"][1]["status_label"] == "出席" and body["items"][1]["cohort"] == "一支部学习班"
    assert body["items"][1]["hours"] == 2.0 and body["items"][1]["credited_hours"] == 0.0
    assert client.get("/api/v1/me/attendance", {"page_size": 1, "page": 2}).json()["items"][0]["title"] == "党课0"


def test_my_endpoints_are_404_to_users_without_a_member_record(school):
    client = api(school["users"]["principal"])
    assert client.get("/api/v1/me/study-hours").status_code == 404
    assert client.get("/api/v1/me/attendance").status_code == 404


def test_attendance_stats_count_person_times_in_the_callers_scope(classes):
    principal = api(classes["users"]["principal"]).get("/api/v1/stats/attendance").json()
    secretary = api(classes["users"]["secretary"]).get("/api/v1/stats/attendance").json()
    member = api(classes["users"]["member"]).get("/api/v1/stats/attendance").json()
    assert principal["person_times"] == 4 and principal["sessions_held"] == 3  # 2 in C1-1, 2 in C2-1 (absent not counted)
    assert secretary["person_times"] == 2 and secretary["sessions_held"] == 2
    assert member["person_times"] == 1 and member["sessions_held"] == 2
    assert member["rate_held"] == 0.5 and member["rate_planned"] == 0.25
    assert (secretary["attended"], secretary["held"], secretary["planned"]) == (2, 6, 12)
    assert principal["rate_held"] == pytest.approx(4 / 8)


def test_cancelled_sessions_are_not_held(classes):
    book(classes["c1"], -3, status=Session.Status.CANCELLED)
    assert api(classes["users"]["secretary"]).get("/api/v1/stats/attendance").json()["sessions_held"] == 2


def test_stats_for_a_year_leave_other_years_out(classes):
    year = timezone.localdate().year
    body = api(classes["users"]["principal"]).get("/api/v1/stats/attendance", {"year": year - 5}).json()
    assert (body["person_times"], body["sessions_held"], body["rate_held"]) == (0, 0, None)


def test_the_ledger_endpoints_keep_to_a_query_budget(classes, django_assert_max_num_queries):
    member, principal = api(classes["users"]["member"]), api(classes["users"]["principal"])
    me = classes["members"]["c1_1"][0]
    for i in range(12):
        services.ledger_credit(me, hours=Decimal("1"), date=timezone.localdate(), source="online", reference=f"l:{i}")
    member.get("/api/v1/me")
    principal.get("/api/v1/me")
    for client, url in ((member, "/api/v1/me/study-hours"), (member, "/api/v1/me/attendance"), (principal, "/api/v1/stats/attendance")):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url


def test_openapi_tags_the_ledger_endpoints(school):
    paths = api(school["users"]["member"]).get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/me/study-hours"]["get"]["tags"] == ["me"]
    assert paths["/api/v1/stats/attendance"]["get"]["tags"] == ["attendance"]
