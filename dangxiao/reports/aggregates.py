"""Recomputing the dashboards' aggregates (reports.models) for a year, from the records.

`aggregates_refresh` replaces a year's rows in one transaction; the huey task runs it every minute for
the current year (and the previous one in January, when December's marks are still being entered), so
a figure is at most a minute behind the records. Past years are refreshed on demand
(`manage.py refresh_dashboards --year 2025`).

Only the attendances grow with the data (millions a year in a city), so they are counted per session into
`SessionCount`, and a run recounts only the sessions touched since the last one: marks written since its
watermark (`Attendance.marked_at`, less an overlap for transactions still open then), new attendance rows,
the sessions attended by members changed since (moved, left) and those of cohorts whose enrolments changed.
Everything else (the sessions' own dimensions, enrolments, members' hours) is read whole each run: its size
follows the school's structure. The first run of each day recounts every session of the year, as does a run
that finds attendance or enrolment rows deleted (their tables' counts fall short) or too many sessions
touched to be worth recounting one by one.
"""

import time as clock
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from dangxiao.attendance.ledger import project, requirement, rule_for, year_pace
from dangxiao.attendance.models import Attendance
from dangxiao.liaison.models import Matter
from dangxiao.people.models import Member
from dangxiao.school.models import School
from dangxiao.teaching.models import Cohort, Enrollment, Session

from .models import AggregateRun, MatterMonth, OrgYear, SessionCount, SessionTally

# Changes stamped this long before the last run's start are read again: a check-in's transaction can stamp
# its row a moment before it commits, and application servers' clocks differ by a little.
OVERLAP = timedelta(minutes=5)
# More sessions touched than this and the run recounts the whole year (one grouped pass beats many lookups).
MAX_RECOUNT = 3000
IDS_PER_QUERY = 500  # under SQLite's oldest limit of 999 parameters

ZERO = Decimal("0")


def _year_sessions(year: int):
    return Session.objects.filter(starts_at__year=year)


def _recount(sessions: Q) -> list[SessionCount]:
    """Attendances at the sessions `sessions` selects, counted by the attending members' organisation."""
    enrolled = Enrollment.objects.filter(
        member_id=OuterRef("member_id"), cohort_id=OuterRef("session__cohort_id"), status=Enrollment.Status.ENROLLED
    )
    rows = (
        Attendance.objects.filter(sessions, status__in=Attendance.ATTENDED)
        .values("session_id", "member__organization_id")
        .annotate(n=Count("id"), enrolled=Count("id", filter=Q(member__left_on__isnull=True) & Q(Exists(enrolled))))
        .values_list("session_id", "member__organization_id", "n", "enrolled")
        .order_by()
    )
    return [SessionCount(session_id=s, organization_id=o, attended=n, enrolled=e) for s, o, n, e in rows]


def _touched_sessions(year: int, run: AggregateRun) -> set[int]:
    """The year's sessions whose counts may have changed since `run`."""
    since = run.watermark - OVERLAP
    in_year = _year_sessions(year).values("pk")
    marks = Attendance.objects.filter(session__in=in_year)
    # Two queries, not one with OR: each reads its own index (the marks' stamps, the ids above the last top).
    touched = set(marks.filter(marked_at__gte=since).values_list("session_id", flat=True).distinct())
    touched |= set(marks.filter(pk__gt=run.attendance_top).values_list("session_id", flat=True).distinct())
    changed_members = Member.objects.filter(updated_at__gte=since).values("pk")
    touched |= set(marks.filter(member__in=changed_members).values_list("session_id", flat=True).distinct())
    changed_cohorts = Enrollment.objects.filter(updated_at__gte=since).values("cohort_id")
    touched |= set(_year_sessions(year).filter(cohort__in=changed_cohorts).values_list("pk", flat=True))
    return touched


def _table_sizes() -> tuple[int, int, int]:
    """The attendance table's row count and highest id, and the enrolment table's row count."""
    attendance = Attendance.objects.aggregate(n=Count("id"), top=Max("id"))
    return attendance["n"], attendance["top"] or 0, Enrollment.objects.count()


def _rows_deleted(run: AggregateRun, sizes: tuple[int, int, int]) -> bool:
    """Whether attendance or enrolment rows were deleted since `run` (deletions carry no stamp). The
    attendances now are at least those then plus the ones added above the highest id then; fewer means some
    went (more is fine: a transaction that took a lower id committed late, and its stamp is read)."""
    rows, _top, enrollments = sizes
    added = Attendance.objects.filter(pk__gt=run.attendance_top).count()
    return rows < run.attendance_rows + added or enrollments < run.enrollment_rows


def _refresh_counts(year: int, run: AggregateRun | None, sizes, full: bool | None, wall: datetime) -> tuple[bool, list, set[int]]:
    """Decide between a full and a partial recount and read the new counts (written later, in the
    transaction that replaces the aggregates). Returns (full, counts, sessions recounted)."""
    if run is None or run.watermark is None or run.full_at is None:
        full = True  # nothing to start from
    elif full is None:
        full = timezone.localdate(run.full_at) != timezone.localdate(wall) or _rows_deleted(run, sizes)
    touched: set[int] = set()
    if not full:
        touched = _touched_sessions(year, run)
        full = len(touched) > MAX_RECOUNT
    if full:
        return True, _recount(Q(session__in=_year_sessions(year).values("pk"))), set()
    ids = sorted(touched)
    counts = []
    for i in range(0, len(ids), IDS_PER_QUERY):
        counts += _recount(Q(session_id__in=ids[i : i + IDS_PER_QUERY]))
    return False, counts, touched


def _write_counts(year: int, full: bool, counts: list[SessionCount], touched: set[int]) -> None:
    if full:
        SessionCount.objects.filter(session__in=_year_sessions(year).values("pk")).delete()
    else:
        ids = sorted(touched)
        for i in range(0, len(ids), IDS_PER_QUERY):
            SessionCount.objects.filter(session_id__in=ids[i : i + IDS_PER_QUERY]).delete()
    SessionCount.objects.bulk_create(counts, batch_size=500)


def _live_sessions(year: int) -> list[tuple]:
    """The year's sessions not cancelled, each with the dimensions the tallies group by: read once a run."""
    live = _year_sessions(year).exclude(status=Session.Status.CANCELLED)
    dims = ("cohort__organization_id", "month", "course__kind", "venue__tier", "venue_id", "teacher_id", "co_host_id")
    return list(live.annotate(month=ExtractMonth("starts_at")).values_list("pk", "starts_at", *dims).order_by())


def _session_tallies(year: int, now: datetime, sessions: list[tuple], attended: dict[int, int]) -> list[SessionTally]:
    """`sessions`: _live_sessions; `attended`: the attendances counted at each session (all members)."""
    rows: dict[tuple, SessionTally] = {}
    for pk, starts_at, org, month, course_kind, tier, venue, teacher, partner in sessions:
        held = starts_at < now
        keys = [("org", 0, course_kind or "", tier or "")]
        keys += [(kind, subject, "", "") for kind, subject in (("venue", venue), ("teacher", teacher), ("partner", partner)) if subject]
        for kind, subject, ck, vt in keys:
            key = (kind, org, subject, month, ck, vt)
            row = rows.get(key)
            if row is None:
                row = rows[key] = SessionTally(
                    kind=kind, organization_id=org, subject_id=subject, year=year, month=month, course_kind=ck, venue_tier=vt
                )
            row.planned += 1
            row.held += held
            row.person_times += attended.get(pk, 0) if held else 0
    return list(rows.values())


def _org_years(year: int, today: date, now: datetime, enrolled_attended: dict[int, int]) -> list[OrgYear]:
    """`enrolled_attended`: per organisation, its members' attendances at held sessions of cohorts they are
    enrolled in (SessionCount.enrolled)."""
    schools = dict(School.objects.values_list("organization__path", "id"))
    rules = {}

    def rule_of(path: str):
        school = max((p for p in schools if path.startswith(p)), key=len, default=None)
        if school not in rules:
            rules[school] = rule_for(schools.get(school), year)
        return rules[school]

    _, fraction = year_pace(year, today)
    members = (
        Member.objects.current()
        .annotate(hours=Sum("study_hours__hours", filter=Q(study_hours__date__year=year)))
        .values_list("organization_id", "organization__path", "position", "is_elderly_infirm", "hours")
        .order_by()
    )
    rows: dict[int, OrgYear] = {}

    def row_for(org_id: int) -> OrgYear:
        if org_id not in rows:
            rows[org_id] = OrgYear(organization_id=org_id, year=year)
        return rows[org_id]

    for org_id, path, position, elderly, hours in members:
        hours = hours or ZERO
        row = row_for(org_id)
        row.members += 1
        row.hours += hours
        required = requirement(Member(position=position, is_elderly_infirm=elderly), rule_of(path))
        if required is None:
            row.exempt += 1
        elif hours >= required:
            row.met += 1
        else:
            projected = project(hours, fraction)
            if projected is not None and projected < required:
                row.at_risk += 1
    # Attendance rates as attendance.ledger.attendance_rates counts them: a member's sessions are the
    # non-cancelled sessions of the cohorts they are enrolled in; only attendances at those count.
    in_year = ~Q(sessions__status=Session.Status.CANCELLED) & Q(sessions__starts_at__year=year)
    cohorts = {
        pk: (planned, held)
        for pk, planned, held in Cohort.objects.annotate(
            planned=Count("sessions", filter=in_year), held=Count("sessions", filter=in_year & Q(sessions__starts_at__lt=now))
        )
        .filter(planned__gt=0)
        .values_list("pk", "planned", "held")
    }
    enrolled = Enrollment.objects.filter(
        status=Enrollment.Status.ENROLLED, member__in=Member.objects.current(), cohort_id__in=list(cohorts)
    )
    for org_id, cohort_id in enrolled.values_list("member__organization_id", "cohort_id"):
        planned, held = cohorts[cohort_id]
        row = row_for(org_id)
        row.planned += planned
        row.held += held
    for org_id, n in enrolled_attended.items():
        row_for(org_id).attended += n
    return list(rows.values())


def _matter_months(year: int) -> list[MatterMonth]:
    resolved = (
        Matter.objects.filter(resolved_at__year=year)
        .annotate(month=ExtractMonth("resolved_at"))
        .values("compound__community_id", "month")
        .annotate(n=Count("id"), households=Sum("households_benefited"))
        .values_list("compound__community_id", "month", "n", "households")
        .order_by()
    )
    return [MatterMonth(organization_id=o, year=year, month=m, resolved=n, households=h or 0) for o, m, n, h in resolved]


def _year_counts(year: int, full: bool, counts: list[SessionCount], touched: set[int]):
    """The year's session counts once `counts` are written: the new ones, and the stored ones of the
    sessions not recounted (read before the writing transaction, which then holds its lock only to write)."""
    yield from ((c.session_id, c.organization_id, c.attended, c.enrolled) for c in counts)
    if not full:
        stored = SessionCount.objects.filter(session__in=_year_sessions(year).values("pk")).values_list(
            "session_id", "organization_id", "attended", "enrolled"
        )
        yield from (row for row in stored.order_by().iterator(chunk_size=5000) if row[0] not in touched)


def _fold_counts(held: set[int], rows) -> tuple[dict[int, int], dict[int, int]]:
    """Session counts summed per session (all attendances) and per organisation (members' attendances at
    held, not cancelled sessions of their own cohorts)."""
    per_session: dict[int, int] = {}
    per_org: dict[int, int] = {}
    for session_id, org_id, attended, enrolled in rows:
        per_session[session_id] = per_session.get(session_id, 0) + attended
        if session_id in held:
            per_org[org_id] = per_org.get(org_id, 0) + enrolled
    return per_session, per_org


def aggregates_refresh(year: int, *, today: date | None = None, now: datetime | None = None, full: bool | None = None) -> AggregateRun:
    """Replace the year's aggregates by figures recomputed from the records, as of `now` (sessions
    started before it are held) and `today` (the pace members at risk are projected on). `full`: recount
    every session's attendances (True), only those touched since the last run (False), or decide (None:
    the first run of the day, or one after deletions, is full)."""
    wall = timezone.now()  # the change stamps' clock, whatever `now` the figures are computed at
    now = now or wall
    today = today or timezone.localdate(now)
    started = clock.perf_counter()
    run = AggregateRun.objects.filter(year=year).first()
    sizes = _table_sizes()
    full, counts, touched = _refresh_counts(year, run, sizes, full, wall)
    sessions = _live_sessions(year)
    held = {pk for pk, starts_at, *_dims in sessions if starts_at < now}
    per_session, per_org = _fold_counts(held, _year_counts(year, full, counts, touched))
    tallies = _session_tallies(year, now, sessions, per_session)
    org_years, matters = _org_years(year, today, now, per_org), _matter_months(year)
    rows, top, enrollments = sizes
    recounted = _year_sessions(year).count() if full else len(touched)
    with transaction.atomic():
        _write_counts(year, full, counts, touched)
        for model in (SessionTally, OrgYear, MatterMonth):
            model.objects.filter(year=year).delete()
        SessionTally.objects.bulk_create(tallies, batch_size=500)
        OrgYear.objects.bulk_create(org_years, batch_size=500)
        MatterMonth.objects.bulk_create(matters, batch_size=500)
        took = int((clock.perf_counter() - started) * 1000)
        defaults = {"as_of": today, "refreshed_at": now, "took_ms": took, "watermark": wall, "recounted": recounted}
        defaults |= {"attendance_rows": rows, "attendance_top": top, "enrollment_rows": enrollments}
        if full:
            defaults["full_at"] = wall
        run, _ = AggregateRun.objects.update_or_create(year=year, defaults=defaults)
    return run


def years_to_refresh(today: date) -> list[int]:
    """The current year, and in January the previous one too (December's marks arrive late)."""
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


def aggregates_refresh_recent(*, now: datetime | None = None) -> list[AggregateRun]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [aggregates_refresh(year, today=today, now=now) for year in years_to_refresh(today)]
