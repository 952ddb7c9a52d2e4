import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dangxiao.core.db import prepared_cursor

from .models import Attendance, AttendancePolicy


def member_attended(member_id: int, session_id: int) -> bool:
    return Attendance.objects.filter(member_id=member_id, session_id=session_id, status__in=Attendance.ATTENDED).exists()


def sessions_to_rate(member_id: int, since):
    """Sessions the member attended since a date, with a teacher, that they have not rated yet."""
    from dangxiao.teaching.models import Session

    from .models import SessionRating

    attended = Attendance.objects.filter(member_id=member_id, status__in=Attendance.ATTENDED).values("session")
    rated = SessionRating.objects.filter(member_id=member_id).values("session")
    return (
        Session.objects.filter(pk__in=attended, starts_at__gte=since, teacher__isnull=False)
        .exclude(pk__in=rated)
        .select_related("teacher", "cohort")
        .order_by("-starts_at")
    )


def session_roll(session) -> list[dict]:
    """Enrolled members and walk-ins with their attendance and leave, in name order (3 queries)."""
    from dangxiao.teaching.models import Enrollment

    from .models import LeaveRequest

    marks = {a.member_id: a for a in Attendance.objects.filter(session=session).select_related("marked_by")}
    leaves = {lr.member_id: lr for lr in LeaveRequest.objects.filter(session=session)}
    enrolled = list(
        Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED)
        .select_related("member__organization")
        .order_by("member__name", "member_id")
    )
    rows = [{"member": e.member, "attendance": marks.pop(e.member_id, None), "leave": leaves.get(e.member_id)} for e in enrolled]
    if marks:  # walk-ins
        from dangxiao.people.models import Member

        for m in Member.objects.filter(pk__in=marks).select_related("organization").order_by("name"):
            rows.append({"member": m, "attendance": marks[m.pk], "leave": None})
    return rows


def checked_in_count(session_id: int) -> int:
    return Attendance.objects.filter(session_id=session_id, status__in=Attendance.ATTENDED).count()


def member_leaves(member_id: int, session_ids) -> dict:
    """The member's leave requests for these sessions, by session id (1 query)."""
    from .models import LeaveRequest

    return {lr.session_id: lr for lr in LeaveRequest.objects.filter(member_id=member_id, session_id__in=list(session_ids))}


# --- What a check-in decides on ------------------------------------------------------------------


@dataclass
class CheckInFacts:
    """One row: the session, its school's policy, and this member's attendance, enrolment and phone."""

    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    hours: Decimal
    admits_walk_ins: bool
    category: str  # the course's kind, else the cohort's mode: the ledger entry's category
    policy: AttendancePolicy  # the school's (only the fields a check-in uses are read), or the defaults
    attendance_id: int | None
    enrolled: bool
    device_used_at: datetime | None  # when this phone last checked in another member to the session


_POLICY_COLUMNS = (
    "opens_minutes_before",
    "late_after_minutes",
    "closes_minutes_after_end",
    "code_step_seconds",
    "code_grace_seconds",
    "device_lock_minutes",
    "credit",
)


@cache
def _check_in_sql() -> str:
    from dangxiao.teaching.models import Cohort, Course, Enrollment, Session

    t = {
        "session": Session._meta.db_table,
        "cohort": Cohort._meta.db_table,
        "course": Course._meta.db_table,
        "policy": AttendancePolicy._meta.db_table,
        "attendance": Attendance._meta.db_table,
        "enrollment": Enrollment._meta.db_table,
    }
    policy = ", ".join(f"p.{name}" for name in _POLICY_COLUMNS)
    return f"""
        SELECT s.status, s.starts_at, s.ends_at, s.hours, s.admits_walk_ins, c.school_id, c.mode, k.kind, p.id, {policy},
          (SELECT a.id FROM {t["attendance"]} a WHERE a.session_id = s.id AND a.member_id = %s),
          (SELECT n.status FROM {t["enrollment"]} n WHERE n.cohort_id = s.cohort_id AND n.member_id = %s),
          (SELECT MAX(d.checked_in_at) FROM {t["attendance"]} d WHERE d.session_id = s.id AND d.device_id = %s AND d.member_id <> %s)
        FROM {t["session"]} s
          JOIN {t["cohort"]} c ON c.id = s.cohort_id
          LEFT JOIN {t["course"]} k ON k.id = s.course_id
          LEFT JOIN {t["policy"]} p ON p.school_id = c.school_id
        WHERE s.id = %s"""


def _datetime(value) -> datetime | None:
    """A stored datetime as the ORM would give it: aware, in UTC (SQLite hands back text or naive values)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def check_in_facts(session_id: int, member_id: int, device_id: str = "") -> CheckInFacts | None:
    """Everything a check-in decides on, in one statement; None when there is no such session.

    Written in SQL, not built with the ORM: composing this query (joins and three correlated subqueries)
    cost the ORM over a millisecond of CPU on every check-in, more than everything else the check-in
    does in the database (README "Benchmarks"); on PostgreSQL it is also prepared once per connection
    (core.db.prepared_cursor). The statement is plain SQL that SQLite and PostgreSQL both run;
    tests/test_checkin*.py cover every outcome it feeds. `device_id` "" skips the phone (no row can
    match NULL). The enrolment is read by its unique (cohort, member) key and its status compared here:
    filtering on the status in SQL let PostgreSQL, before its first ANALYZE, walk the (cohort, status)
    index through the whole cohort instead.
    """
    from dangxiao.teaching.models import Enrollment, Session

    params = (member_id, member_id, device_id or None, member_id, session_id)
    with prepared_cursor() as cursor:
        cursor.execute(_check_in_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    status, starts_at, ends_at, hours, walk_ins, school_id, mode, kind, policy_id, *rest = row
    settings, (attendance_id, enrolment, device_used_at) = rest[: len(_POLICY_COLUMNS)], rest[len(_POLICY_COLUMNS) :]
    if policy_id is None:
        policy = AttendancePolicy(school_id=school_id)
    else:
        values = dict(zip(_POLICY_COLUMNS, settings, strict=True))
        if isinstance(values["credit"], str | bytes):
            values["credit"] = json.loads(values["credit"])
        policy = AttendancePolicy(pk=policy_id, school_id=school_id, **values)
    return CheckInFacts(
        starts_at=_datetime(starts_at),
        ends_at=_datetime(ends_at),
        cancelled=status == Session.Status.CANCELLED,
        hours=Decimal(str(hours)),
        admits_walk_ins=bool(walk_ins),
        category=kind or mode,
        policy=policy,
        attendance_id=attendance_id,
        enrolled=enrolment == Enrollment.Status.ENROLLED,
        device_used_at=_datetime(device_used_at),
    )
