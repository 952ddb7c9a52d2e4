"""Recomputing the dashboards' aggregates (reports.models) for a year, from the records.

`aggregates_refresh` replaces a year's rows in one transaction; the huey task runs it every minute for
the current year (and the previous one in January, when December's marks are still being entered), so
a figure is at most a minute behind the records. Past years are refreshed on demand
(`manage.py refresh_dashboards --year`). The work is a handful of grouped queries whatever the size;
the views then read small tables.
"""

import time as clock
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from dangxiao.attendance.ledger import project, requirement, rule_for, year_pace
from dangxiao.attendance.models import Attendance
from dangxiao.liaison.models import Matter
from dangxiao.people.models import Member
from dangxiao.school.models import School
from dangxiao.teaching.models import Cohort, Enrollment, Session

from .models import AggregateRun, MatterMonth, OrgYear, SessionTally

ZERO = Decimal("0")


def _session_tallies(year: int, now: datetime) -> list[SessionTally]:
    live = Session.objects.filter(starts_at__year=year).exclude(status=Session.Status.CANCELLED)
    # Attendances counted per session (the (session, member) index serves it), then folded into the
    # tallies with each session's dimensions in Python: no join of millions of attendances to sessions.
    attended = dict(
        Attendance.objects.filter(session__in=live.filter(starts_at__lt=now), status__in=Attendance.ATTENDED)
        .values("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
        .order_by()
    )
    dims = ("cohort__organization_id", "month", "course__kind", "venue__tier", "venue_id", "teacher_id", "co_host_id")
    sessions = live.annotate(month=ExtractMonth("starts_at")).values_list("pk", "starts_at", *dims).order_by()
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


def _org_years(year: int, today: date, now: datetime) -> list[OrgYear]:
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
    pairs = {}  # (member, cohort) → the member's organisation
    for member_id, org_id, cohort_id in enrolled.values_list("member_id", "member__organization_id", "cohort_id"):
        pairs[(member_id, cohort_id)] = org_id
        planned, held = cohorts[cohort_id]
        row = row_for(org_id)
        row.planned += planned
        row.held += held
    # Grouped by member and cohort in the database (a row per pair, not per attendance), then kept where
    # the member is enrolled in that cohort.
    counted = (
        Attendance.objects.filter(status__in=Attendance.ATTENDED, session__starts_at__year=year, session__starts_at__lt=now)
        .exclude(session__status=Session.Status.CANCELLED)
        .values("member_id", "session__cohort_id")
        .annotate(n=Count("id"))
        .values_list("member_id", "session__cohort_id", "n")
        .order_by()
    )
    for member_id, cohort_id, n in counted:
        org_id = pairs.get((member_id, cohort_id))
        if org_id is not None:
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


def aggregates_refresh(year: int, *, today: date | None = None, now: datetime | None = None) -> AggregateRun:
    """Replace the year's aggregates by figures recomputed from the records, as of `now` (sessions
    started before it are held) and `today` (the pace members at risk are projected on)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    started = clock.perf_counter()
    tallies, org_years, matters = _session_tallies(year, now), _org_years(year, today, now), _matter_months(year)
    with transaction.atomic():
        for model in (SessionTally, OrgYear, MatterMonth):
            model.objects.filter(year=year).delete()
        SessionTally.objects.bulk_create(tallies, batch_size=500)
        OrgYear.objects.bulk_create(org_years, batch_size=500)
        MatterMonth.objects.bulk_create(matters, batch_size=500)
        took = int((clock.perf_counter() - started) * 1000)
        run, _ = AggregateRun.objects.update_or_create(year=year, defaults={"as_of": today, "refreshed_at": now, "took_ms": took})
    return run


def years_to_refresh(today: date) -> list[int]:
    """The current year, and in January the previous one too (December's marks arrive late)."""
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


def aggregates_refresh_recent(*, now: datetime | None = None) -> list[AggregateRun]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [aggregates_refresh(year, today=today, now=now) for year in years_to_refresh(today)]
