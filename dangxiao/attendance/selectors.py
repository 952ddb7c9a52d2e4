import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dangxiao.people.models import Member
from dangxiao.people.services import token_user_with
from dangxiao.teaching.models import Cohort, Course, Enrollment, Session

from .models import Attendance, AttendancePolicy, LeaveRequest, SessionRating, VolunteerTime


def member_attended(member_id: int, session_id: int) -> bool:
    return Attendance.objects.filter(member_id=member_id, session_id=session_id, status__in=Attendance.ATTENDED).exists()


def sessions_to_rate(member_id: int, since):
    """Sessions the member attended since a date, with a teacher, that they have not rated yet."""
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
    marks = {a.member_id: a for a in Attendance.objects.filter(session=session).select_related("marked_by")}
    leaves = {lr.member_id: lr for lr in LeaveRequest.objects.filter(session=session)}
    enrolled = list(
        Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED)
        .select_related("member__organization")
        .order_by("member__name", "member_id")
    )
    rows = [{"member": e.member, "attendance": marks.pop(e.member_id, None), "leave": leaves.get(e.member_id)} for e in enrolled]
    if marks:  # walk-ins
        for m in Member.objects.filter(pk__in=marks).select_related("organization").order_by("name"):
            rows.append({"member": m, "attendance": marks[m.pk], "leave": None})
    return rows


def checked_in_count(session_id: int) -> int:
    return Attendance.objects.filter(session_id=session_id, status__in=Attendance.ATTENDED).count()


def member_leaves(member_id: int, session_ids) -> dict:
    """The member's leave requests for these sessions, by session id (1 query)."""
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
def _check_in_parts(member: str) -> tuple[str, str]:
    """The check-in read's columns and the tables after the session's, the member given as `member`: a
    placeholder, or the token statement's member column (`token_check_in_facts`). Its parameters, in
    order: the member twice, the phone, the member again; only the phone when `member` is a column."""
    t = {
        "cohort": Cohort._meta.db_table,
        "course": Course._meta.db_table,
        "policy": AttendancePolicy._meta.db_table,
        "attendance": Attendance._meta.db_table,
        "enrollment": Enrollment._meta.db_table,
    }
    policy = ", ".join(f"p.{name}" for name in _POLICY_COLUMNS)
    columns = f"""s.status, s.starts_at, s.ends_at, s.hours, s.admits_walk_ins, c.school_id, c.mode, k.kind, p.id, {policy},
          (SELECT a.id FROM {t["attendance"]} a WHERE a.session_id = s.id AND a.member_id = {member}),
          (SELECT n.status FROM {t["enrollment"]} n WHERE n.cohort_id = s.cohort_id AND n.member_id = {member}),
          (SELECT MAX(d.checked_in_at) FROM {t["attendance"]} d
            WHERE d.session_id = s.id AND d.device_id = %s AND d.member_id <> {member})"""
    joins = f"""
          LEFT JOIN {t["cohort"]} c ON c.id = s.cohort_id
          LEFT JOIN {t["course"]} k ON k.id = s.course_id
          LEFT JOIN {t["policy"]} p ON p.school_id = c.school_id"""
    return columns, joins


def _session_table() -> str:
    return Session._meta.db_table


@cache
def _check_in_sql() -> str:
    columns, joins = _check_in_parts("%s")
    return f"SELECT {columns} FROM {_session_table()} s{joins} WHERE s.id = %s"


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
    does in the database (README "Benchmarks"); on PostgreSQL psycopg prepares it once it has run a few
    times on a connection (`prepare_threshold`, settings.py). The statement is plain SQL that SQLite and PostgreSQL both run;
    tests/test_checkin*.py cover every outcome it feeds. `device_id` "" skips the phone (no row can
    match NULL). The enrolment is read by its unique (cohort, member) key and its status compared here:
    filtering on the status in SQL let PostgreSQL, before its first ANALYZE, walk the (cohort, status)
    index through the whole cohort instead.
    """
    params = (member_id, member_id, device_id or None, member_id, session_id)
    with connection.cursor() as cursor:
        cursor.execute(_check_in_sql(), params)
        row = cursor.fetchone()
    return None if row is None else _facts_from_row(row)


def token_check_in_facts(key: str, session_id: int, device_id: str = ""):
    """The API token's user (people.services.token_user) and `check_in_facts` for the user's member, in
    one statement: the check-in's round trips to the database go from three to two (README "Benchmarks").
    (None, None) when the token is refused; (user, None) when there is no such session; the user's
    `api_member_id` is None for an account without a member, and the facts are then not for anyone."""
    columns, joins = _check_in_parts("m.id")
    user, row = token_user_with(
        key,
        columns=f", {columns}",
        joins=f"\n          LEFT JOIN {_session_table()} s ON s.id = %s{joins}",
        params=(device_id or None, session_id),
    )
    if user is None:
        return None, None
    return user, _facts_from_row(row)


def _facts_from_row(row: tuple) -> CheckInFacts | None:
    status, starts_at, ends_at, hours, walk_ins, school_id, mode, kind, policy_id, *rest = row
    if status is None:  # no such session (the token statement's LEFT JOIN)
        return None
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


def roll_counts(session_ids) -> dict[int, dict[str, int]]:
    """Marks per status on each session's roll, `{session_id: {status: n}}` (one query): the attendance of
    whatever another domain builds on a session (a themed Party day)."""
    counts: dict[int, dict[str, int]] = {}
    rows = Attendance.objects.filter(session_id__in=list(session_ids)).values_list("session_id", "status").annotate(n=Count("pk"))
    for session_id, status, n in rows.order_by():
        counts.setdefault(session_id, {})[status] = n
    return counts


# --- Volunteer time of home delivery (read by practice's volunteer service record) -----------------


def volunteer_minutes(member_ids, year: int) -> dict[int, int]:
    """Minutes of volunteer time (home-delivery visits) per member in a calendar year, one query."""
    rows = VolunteerTime.objects.filter(member_id__in=list(member_ids), date__year=year).values("member_id").annotate(m=Sum("minutes"))
    return {r["member_id"]: int(r["m"] or 0) for r in rows}


def volunteer_times(member_id: int, year: int, limit: int = 50) -> list:
    """A member's volunteer time rows of a year, newest first (date, minutes, note)."""
    return list(VolunteerTime.objects.filter(member_id=member_id, date__year=year).order_by("-date", "-id")[:limit])


def volunteer_years(member_id: int) -> set[int]:
    return {d.year for d in VolunteerTime.objects.filter(member_id=member_id).dates("date", "year")}


# --- A member's year, for the appraisal (民主评议, 评优评先) ------------------------------------------------


def attendance_year_counts(member_ids, year: int) -> dict[int, dict[str, int]]:
    """Per member: sessions attended, absent without leave (缺席) and excused (请假) in `year` (one query)."""
    from django.db.models import Count, Q

    found: dict[int, dict[str, int]] = {}
    rows = (
        Attendance.objects.filter(member_id__in=list(member_ids), session__starts_at__year=year)
        .exclude(session__status=Session.Status.CANCELLED)
        .values("member_id")
        .annotate(
            attended=Count("id", filter=Q(status__in=Attendance.ATTENDED)),
            absent=Count("id", filter=Q(status=Attendance.Status.ABSENT)),
            excused=Count("id", filter=Q(status=Attendance.Status.EXCUSED)),
        )
    )
    for row in rows:
        found[row["member_id"]] = {k: row[k] for k in ("attended", "absent", "excused")}
    return found


def study_hours_totals(member_ids, year: int) -> dict[int, Decimal]:
    """Per member: the 学时 credited in `year`, all sources (one query)."""
    from django.db.models import Sum

    from .models import StudyHourEntry

    rows = StudyHourEntry.objects.filter(member_id__in=list(member_ids), date__year=year).values("member_id").annotate(total=Sum("hours"))
    return {row["member_id"]: row["total"] for row in rows}
