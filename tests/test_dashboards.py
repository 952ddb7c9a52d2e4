"""The board's and secretaries' home pages: each figure equals a count of the records behind it (after
the aggregates' refresh job runs under a controlled clock), each link leads to those records, a
secretary never sees another subtree, and the pages' queries do not grow with the data."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dangxiao.attendance.models import Attendance, LeaveRequest, StudyHourEntry
from dangxiao.core.models import AuditEvent
from dangxiao.reports import aggregates, dashboards, duties
from dangxiao.reports.models import OrgYear, SessionTally
from dangxiao.reports.tasks import refresh_dashboards
from dangxiao.school.models import TrainingPlan
from dangxiao.teaching.models import Course, Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_teacher

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)
TODAY = NOW.date()


def at(day: date, hour: int = 19) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)


def make_session(cohort, when: datetime, *, course=None, venue=None, teacher=None, status=Session.Status.PLANNED):
    return Session.objects.create(
        cohort=cohort,
        course=course,
        title=course.title if course else "党课",
        starts_at=when,
        ends_at=when + timedelta(hours=2),
        venue=venue,
        teacher=teacher,
        status=status,
    )


def mark(session, member, status=Attendance.Status.PRESENT):
    return Attendance.objects.create(session=session, member=member, status=status)


@pytest.fixture
def world(people):
    return build_world(people)


def build_world(people) -> dict:
    """Two cohorts in two branches: held, coming and cancelled sessions, marks, hours (shared with
    test_aggregates_incremental)."""
    tree = people["tree"]
    school, main, small = make_school(tree)
    TrainingPlan.objects.create(
        school=school, year=2026, title="2026年度培训计划", target_person_times=9500, target_study_hours=Decimal("32")
    )
    theory = Course.objects.create(school=school, title="党的理论", kind=Course.Kind.THEORY)
    field_course = Course.objects.create(school=school, title="现场观摩", kind=Course.Kind.FIELD)
    teacher = make_teacher(school)
    c1 = make_cohort(school, tree["C1-1"], name="第一支部班")
    c2 = make_cohort(school, tree["C2-1"], name="赤岭路班")
    m1 = people["members"]["c1_1"]
    m2 = [make_member(tree["C2-1"]) for _ in range(2)]
    for m in m1:
        Enrollment.objects.create(cohort=c1, member=m)
    for m in m2:
        Enrollment.objects.create(cohort=c2, member=m)
    s1 = make_session(c1, at(date(2026, 3, 3)), course=theory, venue=main, teacher=teacher)
    s2 = make_session(c1, at(date(2026, 5, 5)), course=field_course, venue=small)
    s3 = make_session(c2, at(date(2026, 5, 6)), course=theory, venue=main, teacher=teacher)
    make_session(c1, at(TODAY + timedelta(days=2)), course=theory, venue=main)  # this week, not yet held
    make_session(c2, at(TODAY + timedelta(days=8)), course=theory, venue=small)  # next week
    make_session(c1, at(date(2026, 4, 1)), course=theory, status=Session.Status.CANCELLED)
    for m in m1:
        mark(s1, m)
    mark(s2, m1[0])
    mark(s2, m1[1], Attendance.Status.ABSENT)
    mark(s3, m2[0], Attendance.Status.LATE)
    for m in m1[:2]:
        StudyHourEntry.objects.create(member=m, date=date(2026, 3, 3), hours=Decimal("30"), source="session", reference=f"t{m.pk}")
    return {
        **people,
        "school": school,
        "main": main,
        "small": small,
        "c1": c1,
        "c2": c2,
        "s1": s1,
        "s2": s2,
        "s3": s3,
        "m1": m1,
        "m2": m2,
        "teacher": teacher,
    }


def refresh():
    return aggregates.aggregates_refresh(2026, today=TODAY, now=NOW)


def board(user, org, **kw):
    return dashboards.dashboard(user, org, 2026, today=TODAY, now=NOW, **kw)


def test_person_times_and_sessions_held_equal_the_records_after_the_refresh(world):
    refresh()
    d = board(world["users"]["principal"], world["tree"]["WY"])
    attended = Attendance.objects.filter(status__in=Attendance.ATTENDED, session__starts_at__lt=NOW).exclude(session__status="cancelled")
    held = Session.objects.filter(starts_at__year=2026, starts_at__lt=NOW).exclude(status="cancelled")
    assert d.figures["person_times"].value == attended.count() == 5
    assert d.figures["person_times"].target == 9500
    assert d.figures["sessions_held"].value == held.count() == 3
    assert d.figures["sessions_planned"].value == 5
    assert dict((m, pt) for m, _h, pt, _v in d.by_month)[3] == 3
    assert {k: pt for k, _l, _h, pt in d.by_kind} == {"theory": 4, "practice": 0, "field": 1}
    assert {k: h for k, _l, h, _pt in d.by_tier} == {"main": 2, "community": 1, "site": 0}
    assert d.figures["venues_active"].value == 2
    assert [(t.name, t.held, t.person_times) for t in d.teachers] == [("刘老师", 2, 4)]


def test_figures_follow_records_added_and_removed_once_the_job_runs(world):
    refresh()
    principal, root = world["users"]["principal"], world["tree"]["WY"]
    assert board(principal, root).figures["person_times"].value == 5
    mark(world["s3"], world["m2"][1])
    Attendance.objects.filter(session=world["s1"], member=world["m1"][2]).delete()
    assert board(principal, root).figures["person_times"].value == 5  # not yet refreshed: the aggregates are read
    refresh()
    assert board(principal, root).figures["person_times"].value == 5 - 1 + 1
    Session.objects.filter(pk=world["s2"].pk).update(status=Session.Status.CANCELLED)
    refresh()
    assert board(principal, root).figures["sessions_held"].value == 2
    assert board(principal, root).figures["person_times"].value == 4


def test_the_periodic_job_refreshes_the_current_year_within_the_minute(world, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    refresh_dashboards.call_local()
    assert SessionTally.objects.filter(year=2026).exists()
    assert aggregates.years_to_refresh(date(2027, 1, 5)) == [2026, 2027]
    assert aggregates.years_to_refresh(TODAY) == [2026]


def test_compliance_lists_the_worst_organisation_first_and_matches_the_ledger(world):
    from dangxiao.attendance import ledger

    refresh()
    principal, root = world["users"]["principal"], world["tree"]["WY"]
    d = board(principal, root)
    truth = {r.organization.pk: (r.members, r.met, r.at_risk) for r in ledger.compliance(principal, root, 2026, TODAY).rows}
    assert {r.organization.pk: (r.members, r.met, r.at_risk) for r in d.compliance} == truth
    rates = [r.met_rate for r in d.compliance if r.met_rate is not None]
    assert rates == sorted(rates)
    assert d.compliance[0].organization.code == "C2"  # nobody there has any hours
    assert d.compliance[0].url.startswith(reverse("ledger_compliance") + f"?org={world['tree']['C2'].pk}")


def test_the_drill_down_to_members_at_risk_lists_exactly_them(world, settings):
    refresh()
    principal = world["users"]["principal"]
    d = board(principal, world["tree"]["WY"])
    worst = d.compliance[0]
    page = login(principal).get(worst.url.split("#")[0])
    assert page.status_code == 200
    listed = {m.id for m in page.context["c"].at_risk}
    assert {m.pk for m in world["m2"]} <= listed and len(listed) == worst.at_risk


def test_attendance_rates_over_held_and_planned_sessions(world):
    refresh()
    d = board(world["users"]["principal"], world["tree"]["WY"])
    # c1: 3 members × (2 held, 3 planned); c2: 2 × (1 held, 2 planned). Attended: 4 in c1, 1 in c2.
    assert d.figures["rate_held"].value == round(5 * 100 / (3 * 2 + 2 * 1))
    assert d.figures["rate_planned"].value == round(5 * 100 / (3 * 3 + 2 * 2))


def test_leave_waiting_and_its_link(world):
    LeaveRequest.objects.create(session=world["s1"], member=world["m1"][0], reason="出差")
    LeaveRequest.objects.create(session=world["s3"], member=world["m2"][0], reason="出差")
    refresh()
    assert board(world["users"]["principal"], world["tree"]["WY"]).figures["leave_pending"].value == 2
    sec = board(world["users"]["secretary"], world["tree"]["C1-1"])
    assert sec.figures["leave_pending"].value == 1
    assert sec.figures["leave_pending"].url == reverse("attendance:leave_inbox")


def test_this_week_and_next_week_sessions(world):
    d = board(world["users"]["principal"], world["tree"]["WY"])
    assert len(d.this_week) == 1 and len(d.next_week) == 1
    assert (d.this_week_count, d.next_week_count) == (1, 1)
    assert "view=week" in d.week_urls["this"]


def test_a_busy_week_lists_its_first_sessions_and_counts_them_all(world):
    for day in range(12):
        make_session(world["c1"], at(TODAY + timedelta(days=8), 8 + day % 12))
    d = board(world["users"]["principal"], world["tree"]["WY"])
    assert len(d.next_week) == dashboards.WEEK_LISTED and d.next_week_count == 13
    assert d.next_week == sorted(d.next_week, key=lambda s: (s.starts_at, s.pk))


def test_a_secretary_sees_only_their_subtree(world):
    refresh()
    secretary, c1_1 = world["users"]["secretary"], world["tree"]["C1-1"]
    d = board(secretary, c1_1)
    assert d.figures["person_times"].value == 4  # c1's held sessions, not c2's
    assert d.figures["members"].value == len(world["members"]["c1_1"])
    assert all(r.organization.path.startswith(c1_1.path) for r in d.compliance)
    assert all(s.cohort.organization.path.startswith(c1_1.path) for s in d.this_week + d.next_week)
    body = login(secretary).get(reverse("home")).content.decode()
    assert "赤岭路" not in body
    assert login(secretary).get(reverse("home"), {"org": world["tree"]["C2"].pk}).status_code == 404


def test_secretary_duties_list_what_they_owe_with_links(world):
    refresh()
    LeaveRequest.objects.create(session=world["s1"], member=world["m1"][0], reason="出差")
    Session.objects.create(
        cohort=world["c1"], title="未登记", starts_at=at(TODAY - timedelta(days=3)), ends_at=at(TODAY - timedelta(days=3), 21)
    )
    found = duties.duties(world["users"]["secretary"], TODAY)
    by_url = {d.url.split("?")[0]: d for d in found}
    assert by_url[reverse("attendance:leave_inbox")].count == 1
    unmarked = by_url[reverse("teaching:session_list")]
    assert unmarked.count == 1 and unmarked.level == "overdue"
    listed = login(world["users"]["secretary"]).get(unmarked.url).context["page"]
    assert [s.title for s in listed] == ["未登记"]  # the link lists exactly the session without marks
    assert by_url[reverse("ledger_compliance")].count == OrgYear.objects.get(organization=world["tree"]["C1-1"]).at_risk
    assert duties.duties(world["users"]["member"], TODAY) == []


def test_home_page_links_each_figure_and_keeps_a_fixed_query_budget(world, django_assert_max_num_queries):
    refresh()
    client = login(world["users"]["principal"])
    with django_assert_max_num_queries(45):
        body = client.get(reverse("home")).content.decode()
    assert 'data-figure="person_times"' in body and "9500" in body
    assert f'data-at-risk="{world["tree"]["C2"].pk}"' in body
    for _ in range(20):
        make_member(world["tree"]["C2-1"])
    refresh()
    with django_assert_max_num_queries(45):
        assert client.get(reverse("home")).status_code == 200


def test_members_at_risk_export_lists_the_page_and_is_audited(world):
    refresh()
    principal, c2 = world["users"]["principal"], world["tree"]["C2"]
    export = reverse("ledger_compliance_export")
    response = login(principal).get(export, {"org": c2.pk, "year": 2026, "table": "members"})
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert {m.name for m in world["m2"]} <= {r[0] for r in rows[1:]}
    assert len(rows) - 1 == board(principal, c2).figures["at_risk"].value
    assert AuditEvent.objects.filter(action="export", object_type="study_hours_at_risk").count() == 1
    assert login(world["users"]["secretary"]).get(export, {"org": c2.pk, "table": "members"}).status_code == 404


def test_a_second_school_adds_nothing_to_the_first_boards_figures(world):
    from .two_schools import make_committee

    refresh()
    principal, root = world["users"]["principal"], world["tree"]["WY"]
    before = {k: f.value for k, f in board(principal, root).figures.items()}
    b = make_committee()
    root.refresh_from_db()  # a new root re-sorts the roots' paths; the aggregates hold ids, not paths
    refresh()
    after = {k: f.value for k, f in board(principal, root).figures.items()}
    assert after == before
    body = login(principal).get(reverse("home")).content.decode()
    assert "湘江" not in body
    theirs = board(b["users"]["principal"], b["root"])
    assert (
        theirs.figures["person_times"].value
        == Attendance.objects.filter(
            session__cohort__school=b["school"], status__in=Attendance.ATTENDED, session__starts_at__lt=NOW
        ).count()
    )
    assert login(principal).get(reverse("home"), {"org": b["root"].pk}).status_code == 404
