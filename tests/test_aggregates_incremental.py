"""The dashboards' refresh recounts only what changed since its last run (issue 13, point 7), and what it
computes that way equals a recount of everything: after new marks, corrected marks, a member moved or gone,
an enrolment withdrawn, a session added or cancelled. Deletions, a new day and a flood of changes make it
recount everything."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangxiao.attendance.models import Attendance
from dangxiao.reports import aggregates
from dangxiao.reports.models import AggregateRun, OrgYear, SessionCount, SessionTally
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_member
from .test_dashboards import NOW, TODAY, at, build_world, make_session, mark

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people):
    return build_world(people)


class WallClock:
    """timezone.now under the test's control: the change stamps and the refresh's watermark read it."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **kw):
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def wall(world, monkeypatch):
    clock = WallClock(monkeypatch)
    clock.advance(minutes=10)  # the world was built well before the first run's overlap
    return clock


def refresh(**kw) -> AggregateRun:
    return aggregates.aggregates_refresh(2026, today=TODAY, now=NOW, **kw)


def snapshot() -> tuple:
    tallies = sorted(
        SessionTally.objects.filter(year=2026).values_list(
            "kind", "organization_id", "subject_id", "month", "course_kind", "venue_tier", "planned", "held", "person_times"
        )
    )
    org_years = sorted(
        OrgYear.objects.filter(year=2026).values_list(
            "organization_id", "members", "met", "at_risk", "hours", "attended", "held", "planned"
        )
    )
    return tallies, org_years


def test_a_partial_run_equals_a_full_recount_after_every_kind_of_change(world, wall):
    first = refresh()
    wall.advance(minutes=10)
    assert first.full_at is not None and first.recounted == Session.objects.filter(starts_at__year=2026).count()
    s1, s2, s3, c1, m1, m2 = (world[k] for k in ("s1", "s2", "s3", "c1", "m1", "m2"))
    before = snapshot()

    mark(s3, m2[1])  # a new mark
    absent = Attendance.objects.get(session=s2, member=m1[1])
    absent.status = Attendance.Status.PRESENT  # a corrected mark
    absent.save()
    moved = m1[0]
    moved.organization = world["tree"]["C2-1"]  # a member moved: their attendances count for C2-1 now
    moved.save()
    withdrawn = Enrollment.objects.get(cohort=c1, member=m1[2])
    withdrawn.status = Enrollment.Status.REMOVED  # no longer counted in c1's attendance rate
    withdrawn.save()
    extra = make_session(world["c2"], at(TODAY - timedelta(days=1)))  # a session added, with a mark
    mark(extra, m2[0])
    untouched = make_session(world["c2"], at(TODAY - timedelta(days=2)))  # a session added, not marked

    wall.advance(minutes=1)
    partial = refresh(full=False)
    assert partial.full_at == first.full_at  # it did not recount everything
    # s3 and the new session (marks), s2 (a corrected mark), s1 and s2 (the moved member's), s1, s2 and the
    # cohort's other sessions (an enrolment changed): c1's sessions, s3 and the new one; not the unmarked one.
    recounted = set(Session.objects.filter(cohort=c1).values_list("pk", flat=True)) | {s3.pk, extra.pk}
    assert partial.recounted == len(recounted) and untouched.pk not in recounted
    after_partial = snapshot()
    assert after_partial != before
    wall.advance(minutes=10)
    refresh(full=True)
    assert snapshot() == after_partial

    wall.advance(minutes=10)
    gone = m2[0]
    gone.left_on = TODAY  # a member who left no longer counts in the attendance rates
    gone.save()
    Session.objects.filter(pk=s1.pk).update(status=Session.Status.CANCELLED)  # no stamp: sessions are read whole
    wall.advance(minutes=1)
    assert refresh(full=False).recounted == 2  # the sessions of the member who left: s3 and the new one
    after_partial = snapshot()
    refresh(full=True)
    assert snapshot() == after_partial


def test_a_run_with_nothing_changed_recounts_nothing_and_keeps_the_figures(world, wall):
    refresh()
    before = snapshot()
    wall.advance(minutes=10)
    run = refresh()
    assert run.recounted == 0 and snapshot() == before


def test_a_mark_stamped_just_before_the_last_run_is_still_read(world, wall):
    run = refresh()
    late = mark(world["s3"], world["m2"][1])
    # A check-in whose transaction stamped its row before the last run began and committed after it.
    Attendance.objects.filter(pk=late.pk).update(marked_at=run.watermark - timedelta(minutes=1))
    SessionCount.objects.filter(session=world["s3"]).delete()  # as the last run would have left it
    wall.advance(minutes=1)
    refresh(full=False)
    assert sum(SessionCount.objects.filter(session=world["s3"]).values_list("attended", flat=True)) == 2


def test_deleted_marks_make_the_next_run_recount_everything(world):
    first = refresh()
    Attendance.objects.filter(session=world["s1"], member=world["m1"][2]).delete()
    run = refresh()
    assert run.full_at > first.full_at
    assert sum(SessionCount.objects.filter(session=world["s1"]).values_list("attended", flat=True)) == len(world["m1"]) - 1


def test_the_first_run_of_a_day_and_a_flood_of_changes_recount_everything(world, wall, monkeypatch):
    first = refresh()
    wall.advance(minutes=1)
    assert refresh().full_at == first.full_at
    tomorrow = wall.advance(days=1)
    assert refresh().full_at == tomorrow
    monkeypatch.setattr(aggregates, "MAX_RECOUNT", 1)
    wall.advance(minutes=10)
    mark(world["s3"], world["m2"][1])
    mark(world["s2"], world["m1"][2])
    later = wall.advance(minutes=1)
    assert refresh().full_at == later


def test_the_command_refreshes_a_past_year_in_full(world, capsys):
    old = make_session(world["c1"], at(TODAY.replace(year=2025)))
    mark(old, world["m1"][0])
    call_command("refresh_dashboards", "--year", "2025", "--full")
    assert "2025" in capsys.readouterr().out
    assert SessionTally.objects.get(year=2025, kind="org").person_times == 1
    assert AggregateRun.objects.get(year=2025).full_at is not None


def test_members_and_marks_of_other_years_are_not_recounted(world, wall):
    refresh()
    wall.advance(minutes=10)
    old = make_session(world["c1"], at(TODAY.replace(year=2025)))
    mark(old, world["m1"][0])
    make_member(world["tree"]["C1-1"])
    wall.advance(minutes=1)
    assert refresh(full=False).recounted == 0


def test_a_corrected_mark_alone_is_read(world, wall):
    refresh()
    wall.advance(minutes=10)
    late = Attendance.objects.get(session=world["s3"], member=world["m2"][0])
    late.status = Attendance.Status.ABSENT  # the roll corrected: not there after all
    late.save()
    wall.advance(minutes=1)
    run = refresh(full=False)
    assert run.recounted == 1
    assert not SessionCount.objects.filter(session=world["s3"]).exists()
    assert SessionTally.objects.get(year=2026, kind="teacher", month=5).person_times == 0
