"""Attendance analysis: rates over sessions held and over all planned sessions, absentee warnings,
six months without organisational life or contact, and the staff page (scope, query budget)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import ledger, services
from dangxiao.attendance.models import Attendance, AttendancePolicy, StudyHourEntry
from dangxiao.people.models import Member
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, phone

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=SH)
TODAY = NOW.date()


def at(day: date, hour: int = 19) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SH)


def book(cohort, day: date, **fields) -> Session:
    start = at(day)
    return Session.objects.create(
        cohort=cohort, title=fields.pop("title", f"课{day}"), starts_at=start, ends_at=start + timedelta(hours=2), **fields
    )


def enrol(cohort, *members):
    for m in members:
        Enrollment.objects.create(cohort=cohort, member=m)


def mark(session, member, status=Attendance.Status.PRESENT):
    return Attendance.objects.create(session=session, member=member, status=status)


@pytest.fixture
def school(people):
    school, _main, _small = make_school(people["tree"])
    return {"school": school, **people}


@pytest.fixture
def course(school):
    """4 planned sessions (2 held by NOW, 2 still to come) and one cancelled; the C1-1 members enrolled."""
    cohort = make_cohort(school["school"], school["tree"]["C1"], name="理论学习班")
    sessions = [book(cohort, d) for d in (date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1))]
    book(cohort, date(2026, 5, 15), status=Session.Status.CANCELLED)
    enrol(cohort, *school["members"]["c1_1"])
    return {"cohort": cohort, "sessions": sessions, **school}


def rates_of(user, root=None, **kw):
    return ledger.attendance_rates(user, root, now=NOW, **kw)


# --- Rates over held and planned sessions ----------------------------------------------------------


def test_rates_are_computed_over_sessions_held_and_over_all_planned_side_by_side(course):
    first = course["members"]["c1_1"][0]
    mark(course["sessions"][0], first)
    mark(course["sessions"][1], first, Attendance.Status.ABSENT)
    rates = rates_of(course["users"]["principal"], course["tree"]["WY"])
    mine = next(m for m in rates.members if m.id == first.pk)
    assert (mine.attended, mine.held, mine.planned) == (1, 2, 4)
    assert mine.rate_held == 0.5 and mine.rate_planned == 0.25


def test_cohort_and_organisation_rates_sum_their_members(course):
    a, b, c = course["members"]["c1_1"]
    held = course["sessions"][:2]
    for s in held:
        mark(s, a)
    mark(held[0], b, Attendance.Status.LATE)
    mark(held[0], c, Attendance.Status.EXCUSED)  # on leave: not attended
    rates = rates_of(course["users"]["principal"], course["tree"]["WY"])
    (cohort,) = rates.cohorts
    assert (cohort.members, cohort.attended, cohort.held, cohort.planned) == (3, 3, 6, 12)
    orgs = {r.subject.code: r for r in rates.organizations}
    assert (orgs["C1"].attended, orgs["C1"].held, orgs["C1"].planned) == (3, 6, 12)
    assert orgs["C2"].held == 0 and orgs["C2"].rate_held is None
    assert rates.total.rate_held == 0.5 and rates.total.rate_planned == 0.25


def test_a_walk_in_to_another_class_does_not_lift_a_rate(course):
    first = course["members"]["c1_1"][0]
    other = make_cohort(course["school"], course["tree"]["C2"], name="别的班")
    mark(book(other, date(2026, 5, 20)), first)
    mine = next(m for m in rates_of(course["users"]["principal"]).members if m.id == first.pk)
    assert (mine.attended, mine.held) == (0, 2)


def test_rates_of_a_year_count_only_that_years_sessions(course):
    first = course["members"]["c1_1"][0]
    mark(book(course["cohort"], date(2025, 12, 1)), first)
    all_time = next(m for m in rates_of(course["users"]["principal"]).members if m.id == first.pk)
    this_year = next(m for m in rates_of(course["users"]["principal"], year=2026).members if m.id == first.pk)
    assert (all_time.attended, all_time.held, all_time.planned) == (1, 3, 5)
    assert (this_year.attended, this_year.held, this_year.planned) == (0, 2, 4)


def test_a_secretary_sees_rates_of_their_members_only(course):
    outsider = course["members"]["c2_1"][0]
    enrol(course["cohort"], outsider)
    rates = rates_of(course["users"]["secretary"])
    assert {m.id for m in rates.members} == {m.pk for m in course["members"]["c1_1"]}
    assert rates.cohorts[0].members == 3


# --- Absentee warnings --------------------------------------------------------------------------------


@pytest.fixture
def three_held(school):
    """A class with three sessions held: 甲 came to 2, 乙 to all 3; 丙 joined a class with only 2 held, came to none."""
    tree = school["tree"]
    weekly = make_cohort(school["school"], tree["C1-1"], name="每周学习")
    sessions = [book(weekly, date(2026, 6, d)) for d in (1, 8, 10)]
    jia, yi, bing = (make_member(tree["C1-1"], name=n) for n in ("甲", "乙", "丙"))
    enrol(weekly, jia, yi)
    for s in sessions[:2]:
        mark(s, jia)
    for s in sessions:
        mark(s, yi)
    short = make_cohort(school["school"], tree["C1-1"], name="短班")
    book(short, date(2026, 6, 2))
    book(short, date(2026, 6, 3))
    enrol(short, bing)
    return {"jia": jia, "yi": yi, "bing": bing, **school}


def warned(data, policy) -> set[str]:
    rates = rates_of(data["users"]["principal"], data["tree"]["WY"])
    return {m.name for m in ledger.absentee_warnings(rates, policy)}


def test_members_below_the_threshold_are_warned_after_the_minimum_sessions(three_held):
    policy = AttendancePolicy(school=three_held["school"])  # below 80% after at least 3 sessions
    assert warned(three_held, policy) == {"甲"}  # 2/3; 丙 has missed both, but only 2 were held


def test_the_threshold_and_the_minimum_come_from_the_policy(three_held):
    assert warned(three_held, AttendancePolicy(warn_below_rate=Decimal("0.60"), warn_min_sessions=3)) == set()
    assert warned(three_held, AttendancePolicy(warn_below_rate=Decimal("0.80"), warn_min_sessions=2)) == {"甲", "丙"}
    assert warned(three_held, AttendancePolicy(warn_below_rate=Decimal("0.80"), warn_min_sessions=0)) == {"甲", "丙"}


def test_the_warnings_are_paged_on_their_own(three_held, monkeypatch):
    # a city's list runs to thousands: its own pages (?wpage=), beside the inactive list's (?page=)
    from dangxiao.attendance import ledger_views

    monkeypatch.setattr(ledger_views, "WARNINGS_PER_PAGE", 1)
    AttendancePolicy.objects.update_or_create(school=three_held["school"], defaults={"warn_min_sessions": 2})
    client = login(three_held["users"]["principal"])
    url = reverse("ledger_analysis")
    first = client.get(url, {"year": 2026})
    assert [m.name for m in first.context["warnings"]] == ["丙"]  # 0 of 2 before 2 of 3
    body = first.content.decode()
    assert "共 2 人" in body and "wpage=2" in body
    second = client.get(url, {"year": 2026, "wpage": 2})
    assert [m.name for m in second.context["warnings"]] == ["甲"]
    assert second.context["page"].number == 1  # the inactive list stays on its first page


# --- Six months without organisational life or contact ---------------------------------------------------


def test_six_months_without_attendance_or_credit_are_flagged(school):
    tree = school["tree"]
    cohort = make_cohort(school["school"], tree["C1-1"])
    old = book(cohort, date(2025, 11, 10))  # seven months before TODAY
    gone = make_member(tree["C1-1"], name="七个月没来")
    online = make_member(tree["C1-1"], name="网上学习")
    visited = make_member(tree["C1-2"], name="送学上门")
    for m in (gone, online, visited):
        mark(old, m)
    services.ledger_credit(online, hours=Decimal("1"), date=date(2026, 4, 15), source=StudyHourEntry.Source.ONLINE, reference="lesson:1")
    services.ledger_credit(
        visited, hours=Decimal("1"), date=date(2026, 4, 20), source=StudyHourEntry.Source.HOME_DELIVERY, reference="visit:1"
    )
    flagged = ledger.inactive_members(school["users"]["principal"], TODAY)
    assert [m.name for m in flagged] == ["七个月没来"]
    assert flagged[0].last_attended == old.starts_at and flagged[0].last_credit is None


def test_a_recent_attendance_is_contact_but_an_absence_is_not(school):
    tree = school["tree"]
    cohort = make_cohort(school["school"], tree["C1-1"])
    old, recent = book(cohort, date(2025, 10, 1)), book(cohort, date(2026, 5, 1))
    came = make_member(tree["C1-1"], name="来了")
    absent = make_member(tree["C1-1"], name="缺席")
    for m in (came, absent):
        mark(old, m)
    mark(recent, came)
    mark(recent, absent, Attendance.Status.ABSENT)
    assert [m.name for m in ledger.inactive_members(school["users"]["principal"], TODAY)] == ["缺席"]


def test_members_not_watched_for_six_months_are_not_judged_yet(school):
    tree = school["tree"]
    make_member(tree["C1-1"], name="新建档")  # created today, nothing yet
    new_member = make_member(tree["C1-1"], name="新党员", joined_party_on=date(2026, 3, 1))
    old_record = make_member(tree["C1-1"], name="老档案")
    Member.objects.filter(pk__in=[new_member.pk, old_record.pk]).update(created_at=at(date(2025, 1, 1)))
    names = {m.name for m in ledger.inactive_members(school["users"]["principal"], TODAY)}
    assert "老档案" in names and "新建档" not in names and "新党员" not in names


def test_the_inactive_list_keeps_to_the_callers_scope(school):
    tree = school["tree"]
    Member.objects.update(created_at=at(date(2024, 1, 1)))
    secretary = {m.organization.code for m in ledger.inactive_members(school["users"]["secretary"], TODAY)}
    principal = {m.organization.code for m in ledger.inactive_members(school["users"]["principal"], TODAY)}
    assert secretary == {"C1-1"} and principal == {"C1-1", "C1-2", "C2-1", "N1"}
    assert not ledger.inactive_members(school["users"]["member"], TODAY).exists()
    assert {m.organization.code for m in ledger.inactive_members(school["users"]["principal"], TODAY, tree["C2"])} == {"C2-1"}


def test_six_months_before_a_month_end_lands_on_a_real_day():
    assert ledger.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert ledger.months_before(date(2026, 3, 15), 6) == date(2025, 9, 15)


# --- The page ------------------------------------------------------------------------------------------


def test_the_analysis_page_shows_rates_side_by_side_warnings_and_the_inactive(course):
    Member.objects.filter(pk=course["members"]["c2_1"][0].pk).update(created_at=at(date(2024, 1, 1)))
    response = login(course["users"]["principal"]).get(reverse("ledger_analysis"))
    body = response.content.decode()
    assert response.status_code == 200 and response.context["active"] == "analysis"
    assert "出勤率（已举行）" in body and "出勤率（全部计划）" in body and "理论学习班" in body
    assert 'id="warnings"' in body and 'id="inactive"' in body
    assert course["members"]["c2_1"][0].name in body


def test_the_analysis_page_is_404_outside_the_scope(course):
    secretary = login(course["users"]["secretary"])
    assert secretary.get(reverse("ledger_analysis"), {"org": course["tree"]["C2-1"].pk}).status_code == 404
    assert secretary.get(reverse("ledger_analysis"), {"org": "x"}).status_code == 404
    response = secretary.get(reverse("ledger_analysis"))
    assert response.status_code == 200 and response.context["root"] == course["tree"]["C1-1"]
    assert login(course["users"]["member"]).get(reverse("ledger_analysis")).status_code == 404
    assert login(course["users"]["teacher"]).get(reverse("ledger_analysis")).status_code == 404


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(school, cohort, n: int, offset: int):
    tree = school["tree"]
    orgs = [tree["C1-1"], tree["C1-2"], tree["C2-1"], tree["N1"]]
    members = Member.objects.bulk_create(
        [Member(name=f"批量{offset + i}", gender="F", phone=phone(700000 + offset + i), organization=orgs[i % 4]) for i in range(n)]
    )
    Member.objects.filter(pk__in=[m.pk for m in members]).update(created_at=at(date(2020, 1, 1)))
    Enrollment.objects.bulk_create([Enrollment(cohort=cohort, member=m) for m in members])
    start = timezone.now() - timedelta(days=offset // 100 + 2)
    session = Session.objects.create(cohort=cohort, title=f"课{offset}", starts_at=start, ends_at=start + timedelta(hours=1))
    Attendance.objects.bulk_create([Attendance(session=session, member=m, status="present") for m in members[::2]])


def test_the_analysis_page_keeps_a_fixed_query_budget(school):
    client = login(school["users"]["principal"])
    cohorts = [make_cohort(school["school"], school["tree"]["WY"], name=f"班{i}") for i in range(3)]
    grow(school, cohorts[0], 20, 0)
    small = queries(client, reverse("ledger_analysis"))
    grow(school, cohorts[1], 200, 1000)
    grow(school, cohorts[2], 200, 2000)
    large = queries(client, reverse("ledger_analysis"))
    assert small == large and large <= 16
