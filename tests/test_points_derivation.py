"""Points follow their sources: attendance marks, approved reflections, resolved matters, passed quizzes and
lectures given become log lines with caps applied in date order, and a corrected source corrects its line
once the periodic job has run."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from dangxiao.appraisal import points_rules
from dangxiao.appraisal.models import PointsEntry, PointsRule
from dangxiao.appraisal.points_derivation import apply_caps, points_reconcile, points_sync
from dangxiao.appraisal.points_selectors import points_totals
from dangxiao.appraisal.points_sources import Candidate
from dangxiao.attendance.models import Attendance
from dangxiao.practice import reflections_services

from .factories import make_cohort, make_reflection, make_school, make_session, make_teacher

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def school(people):
    school, _main, _small = make_school(people["tree"])
    return school


@pytest.fixture
def cohort(school, people):
    return make_cohort(school, people["tree"]["C1-1"])


def mark(session, member, status):
    return Attendance.objects.update_or_create(session=session, member=member, defaults={"status": status})[0]


def lines(member, year=2026):
    return list(
        PointsEntry.objects.filter(member=member, year=year).order_by("date", "source_id").values_list("action", "points", "capped")
    )


def test_attending_late_and_absent_without_leave_earn_and_cost_points(people, cohort):
    member = people["members"]["c1_1"][0]
    for day, status in ((2, "present"), (9, "late"), (16, "absent"), (23, "excused")):
        mark(make_session(cohort, at(2026, 3, day)), member, status)
    points_reconcile([member.pk], 2026, now=at(2026, 12, 1))
    assert lines(member) == [("attend", 2, ""), ("late", 1, ""), ("absent", -2, "")]
    assert points_totals([member.pk], 2026) == {member.pk: 1}


def test_day_cap_keeps_the_capped_line_with_zero_and_the_reason(people, cohort):
    member = people["members"]["c1_1"][0]
    for hour in (8, 11, 14):  # three sessions on one day: 2 + 2 + (cap 4 reached) 0
        mark(make_session(cohort, at(2026, 4, 1, hour)), member, "present")
    points_reconcile([member.pk], 2026, now=at(2026, 12, 1))
    assert [(a, p) for a, p, _c in lines(member)] == [("attend", 2), ("attend", 2), ("attend", 0)]
    assert "每日上限 4" in lines(member)[2][2]
    assert points_totals([member.pk], 2026)[member.pk] == 4


def test_month_and_year_caps_apply_in_date_order():
    rule = {"reflection": points_rules.Rule(3, day_cap=3, month_cap=6, year_cap=10)}
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7), date(2026, 2, 1), date(2026, 3, 1), date(2026, 1, 5)]
    candidates = [Candidate(1, d, "reflection", "reflection", i, "x") for i, d in enumerate(days, start=1)]
    got = [(e.date, e.source_id, e.points) for e in apply_caps(list(reversed(candidates)), rule, 2026)]
    assert got == [
        (date(2026, 1, 5), 1, 3),
        (date(2026, 1, 5), 6, 0),  # the same day: the day cap of 3
        (date(2026, 1, 6), 2, 3),
        (date(2026, 1, 7), 3, 0),  # January's 6 reached
        (date(2026, 2, 1), 4, 3),
        (date(2026, 3, 1), 5, 1),  # the year's 10: only 1 left
    ]


def test_negative_points_are_capped_too(people, cohort):
    member = people["members"]["c1_1"][0]
    for day in range(1, 6):  # five absences in a month; the month's deduction is capped at 6
        mark(make_session(cohort, at(2026, 5, day)), member, "absent")
    points_reconcile([member.pk], 2026, now=at(2026, 12, 1))
    assert points_totals([member.pk], 2026)[member.pk] == -6
    assert [p for _a, p, _c in lines(member)] == [-2, -2, -2, 0, 0]


def test_corrected_attendance_corrects_its_points_after_the_job_runs(people, cohort):
    member = people["members"]["c1_1"][0]
    session = make_session(cohort, timezone.now() - timedelta(days=1))
    attendance = mark(session, member, "absent")
    first = timezone.now()
    points_sync(now=first)
    assert points_totals([member.pk], session.starts_at.year)[member.pk] == -2

    attendance.status = "present"
    attendance.save()
    assert points_totals([member.pk], session.starts_at.year)[member.pk] == -2  # nothing until the job runs
    points_sync(now=first + timedelta(minutes=1))
    assert points_totals([member.pk], session.starts_at.year)[member.pk] == 2
    assert PointsEntry.objects.filter(member=member).count() == 1


def test_a_raw_sql_check_in_is_picked_up_by_its_marked_at(people, cohort):
    """The fast path writes attendance without Django's save(): the job reads marked_at, not signals."""
    member = people["members"]["c1_1"][0]
    session = make_session(cohort, timezone.now() - timedelta(hours=1))
    points_sync(now=timezone.now())
    Attendance.objects.bulk_create([Attendance(session=session, member=member, status="present", marked_at=timezone.now())])
    points_sync(now=timezone.now() + timedelta(minutes=1))
    assert points_totals([member.pk], session.starts_at.year)[member.pk] == 2


def test_a_deleted_mark_loses_its_points_in_the_daily_full_pass(people, cohort):
    member = people["members"]["c1_1"][0]
    session = make_session(cohort, timezone.now() - timedelta(days=1))
    attendance = mark(session, member, "present")
    now = timezone.now()
    points_sync(now=now)
    attendance.delete()
    points_sync(now=now + timedelta(days=1))
    assert not PointsEntry.objects.filter(member=member).exists()


def test_withdrawn_approval_removes_the_reflection_points(people, school):
    member = people["members"]["c1_1"][0]
    secretary = people["users"]["secretary"]
    now = timezone.now()
    points_sync(now=now)
    reflection = make_reflection(member, status="approved", by=secretary)
    points_sync(now=now + timedelta(minutes=1))
    year = timezone.localdate().year
    assert points_totals([member.pk], year)[member.pk] == 3
    reflections_services.reflection_return(reflection, by=secretary, note="照片与内容不符")
    points_sync(now=now + timedelta(minutes=2))
    assert points_totals([member.pk], year)[member.pk] == 0


def test_a_lecture_given_by_a_member_teacher_earns_points_once_it_has_ended(people, school, cohort):
    member = people["members"]["c1_1"][1]
    teacher = make_teacher(school, "史书记", member=member, source="secretary")
    session = make_session(cohort, at(2026, 6, 1), teacher=teacher)
    points_reconcile([member.pk], 2026, now=at(2026, 6, 1, 10))  # still going
    assert lines(member) == []
    points_reconcile([member.pk], 2026, now=at(2026, 6, 2))
    assert lines(member) == [("lecture", 5, "")]
    assert PointsEntry.objects.get(member=member).source_id == session.pk


def test_editing_the_rules_changes_the_points_when_reconciled(people, school, cohort):
    member = people["members"]["c1_1"][0]
    mark(make_session(cohort, at(2026, 3, 2)), member, "present")
    rule_set = points_rules.rule_set_for(school, 2026)
    assert PointsRule.objects.filter(rule_set=rule_set).count() == 8
    points_rules.rule_set_update(rule_set, {"attend": {"points": 5, "day_cap": "", "month_cap": "", "year_cap": ""}})
    points_reconcile(None, 2026, now=at(2026, 12, 1))
    assert points_totals([member.pk], 2026)[member.pk] == 5


@pytest.mark.parametrize(
    "change",
    [
        {"attend": {"points": "abc"}},
        {"attend": {"points": 101}},
        {"attend": {"points": 1, "day_cap": -1}},
        {"attend": {"points": 1, "year_cap": 10**9}},
        {"bonus": {"points": 1}},
    ],
)
def test_absurd_rules_are_refused_and_nothing_changes(school, change):
    rule_set = points_rules.rule_set_for(school, 2026)
    with pytest.raises(points_rules.PointsRuleError):
        points_rules.rule_set_update(rule_set, change)
    assert PointsRule.objects.get(rule_set=rule_set, action="attend").points == 2


def test_reconciling_twice_changes_nothing(people, cohort):
    member = people["members"]["c1_1"][0]
    mark(make_session(cohort, at(2026, 3, 2)), member, "present")
    first = points_reconcile(None, 2026, now=at(2026, 12, 1))
    again = points_reconcile(None, 2026, now=at(2026, 12, 1))
    assert first["created"] == 1 and again == {"created": 0, "updated": 0, "deleted": 0}


def test_the_minute_job_is_a_periodic_huey_task_running_the_sync(people, cohort):
    from dangxiao.appraisal.tasks import sync_points

    member = people["members"]["c1_1"][0]
    mark(make_session(cohort, timezone.now() - timedelta(hours=3)), member, "present")
    sync_points.call_local()
    assert points_totals([member.pk], timezone.localdate().year)[member.pk] == 2
    assert sync_points.task_class().validate_datetime(timezone.now().replace(second=0))  # every minute


def test_a_session_moved_to_another_year_moves_its_line(people, cohort):
    member = people["members"]["c1_1"][0]
    session = make_session(cohort, at(2026, 12, 30))
    mark(session, member, "present")
    points_reconcile([member.pk], 2026, now=at(2027, 2, 1))
    session.starts_at, session.ends_at = at(2027, 1, 5), at(2027, 1, 5, 11)
    session.save()
    for year in (2026, 2027):
        points_reconcile([member.pk], year, now=at(2027, 2, 1))
    assert lines(member, 2026) == [] and lines(member, 2027) == [("attend", 2, "")]


def test_approved_volunteer_hours_earn_points_per_hour_and_leave_when_sent_back(people, school):
    from dangxiao.practice.models import ServiceParticipant
    from dangxiao.practice.service_services import hours_approve, hours_record

    from .service_fixtures import past_service_with

    member = people["members"]["c1_1"][0]
    service = past_service_with([member], people["tree"]["C1-1"], hours=3)
    hours_record(service)
    points_reconcile([member.pk], timezone.localdate().year)
    assert not PointsEntry.objects.filter(member=member, action="volunteer_hour").exists()  # pending: nothing yet
    participant = ServiceParticipant.objects.get(service=service, member=member)
    hours_approve(ServiceParticipant.objects.all(), [participant.pk], by=people["users"]["principal"])
    points_reconcile([member.pk], timezone.localdate().year)
    entry = PointsEntry.objects.get(member=member, action="volunteer_hour")
    assert (entry.source_kind, entry.base_points, entry.points) == ("service", 3, 3)  # 1 a hour, 3 hours
    ServiceParticipant.objects.filter(pk=participant.pk).update(hours_status=ServiceParticipant.Hours.CORRECTION)
    points_reconcile([member.pk], timezone.localdate().year)
    assert not PointsEntry.objects.filter(member=member, action="volunteer_hour").exists()


def test_a_branch_lesson_a_member_lectured_earns_lecture_points_until_retired(people, school):
    from dangxiao.practice.meetings_services import meeting_retire

    from .factories import make_meeting

    member = people["members"]["c1_1"][0]
    held = timezone.localdate() - timedelta(days=3)
    meeting = make_meeting(people["tree"]["C1-1"], "lesson", held, topic="学习党章", lecturer_member=member)
    points_reconcile([member.pk], held.year)
    entry = PointsEntry.objects.get(member=member, action="lecture")
    assert (entry.source_kind, entry.points, entry.line) == ("meeting_lecture", 5, "主讲：学习党章")
    meeting_retire(meeting)
    points_reconcile([member.pk], held.year)
    assert not PointsEntry.objects.filter(member=member, action="lecture").exists()
