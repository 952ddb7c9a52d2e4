"""What a session's attendance is worth in the 学时 ledger, and the hand-written INSERTs of attendance
rows and ledger entries that the check-in (services) and the roll (roll) share.

Every path that changes a member's attendance keeps their study-hour credit for the session in step
(`sync_credit`, `write_credit`), so the ledger never disagrees with the roll; a session that has not
started credits nothing yet (`roll.session_credits_due` credits it once it has).
"""

from datetime import datetime
from decimal import Decimal
from functools import cache

from django.db import connection
from django.utils import timezone

from dangxiao.people.models import User
from dangxiao.teaching.models import Session

from .models import Attendance, AttendancePolicy, StudyHourEntry


def policy_for(school_id: int) -> AttendancePolicy:
    """The school's policy, or the defaults when none was saved."""
    # get(), not first(), here and in session_check_in: these lookups are unique, and the ORDER BY that
    # first() adds costs more to build than the rest of the query (each check-in makes several).
    try:
        return AttendancePolicy.objects.get(school_id=school_id)
    except AttendancePolicy.DoesNotExist:
        return AttendancePolicy(school_id=school_id)


def category_of(session: Session) -> str:
    return session.course.kind if session.course_id and session.course else session.cohort.mode


def credit_values(
    status: str, *, session_hours: Decimal, starts_at: datetime, category: str, policy: AttendancePolicy, by: User | None, now: datetime
):
    """The ledger entry's fields for a session attended with this status; None when it earns no hours, or
    none yet: a session that has not started credits nothing (`session_credits_due` credits it then)."""
    if now < starts_at:
        return None
    hours = (Decimal(session_hours) * policy.credit_for(status)).quantize(Decimal("0.1"))
    if hours <= 0:
        return None
    return {
        "date": timezone.localtime(starts_at).date(),
        "hours": hours,
        "source": StudyHourEntry.Source.SESSION,
        "category": category,
        "created_by": by,
    }


def write_credit(member_id: int, session_id: int, *, status: str, **credit) -> None:
    """Credit (or withdraw) a session's study hours to match an attendance status.

    Every caller has just written the attendance row in the same transaction, which keeps any other
    writer of this member's credit for the session waiting, so UPDATE-else-INSERT is safe here and
    spares update_or_create's locking read and two savepoints. `credit`: `credit_values`' keywords.
    """
    values = credit_values(status, **credit)
    if values is None:
        StudyHourEntry.objects.filter(member_id=member_id, session_id=session_id).delete()
        return
    if not StudyHourEntry.objects.filter(member_id=member_id, session_id=session_id).update(**values):
        StudyHourEntry.objects.create(member_id=member_id, session_id=session_id, **values)


def session_credit(session: Session, policy: AttendancePolicy, by: User | None, now: datetime) -> dict:
    """`credit_values`' keywords for a session in hand."""
    return {
        "session_hours": session.hours,
        "starts_at": session.starts_at,
        "category": category_of(session),
        "policy": policy,
        "by": by,
        "now": now,
    }


def sync_credit(attendance: Attendance, session: Session, policy: AttendancePolicy, by: User | None, now: datetime) -> None:
    """Credit (or withdraw) the session's study hours to match the attendance status."""
    write_credit(attendance.member_id, session.pk, status=attendance.status, **session_credit(session, policy, by, now))


ATTENDANCE_COLUMNS = (
    "session",
    "member",
    "status",
    "method",
    "is_walk_in",
    "marked_by",
    "marked_at",
    "checked_in_at",
    "ip_address",
    "device_id",
)
CREDIT_COLUMNS = ("member", "session", "date", "hours", "source", "category", "reference", "note", "created_by", "created_at")


@cache
def attendance_insert_sql(rows: int = 1, returning: str = "id") -> str:
    """Attendance rows: a first check-in's, or the roll's new marks. ON CONFLICT: that member has a row
    already — their other scan, or a check-in landing while the roll is marked — and nothing is written
    for them (no row back). `returning`: the field whose column comes back."""
    a = Attendance._meta
    assert {f.name for f in a.concrete_fields} == {"id", *ATTENDANCE_COLUMNS}
    columns = ", ".join(a.get_field(name).column for name in ATTENDANCE_COLUMNS)
    values = ", ".join([f"({', '.join(['%s'] * len(ATTENDANCE_COLUMNS))})"] * rows)
    unique = ", ".join(a.get_field(name).column for name in ("session", "member"))
    back = a.get_field(returning).column
    return f"INSERT INTO {a.db_table} ({columns}) VALUES {values} ON CONFLICT ({unique}) DO NOTHING RETURNING {back}"


@cache
def credit_insert_sql(select_from: str = "") -> str:
    """Its ledger entry: VALUES, or on PostgreSQL a SELECT from the attendance row's CTE."""
    e = StudyHourEntry._meta
    assert {f.name for f in e.concrete_fields} == {"id", *CREDIT_COLUMNS}
    columns = ", ".join(e.get_field(name).column for name in CREDIT_COLUMNS)
    marks = ", ".join(["%s"] * len(CREDIT_COLUMNS))
    values = f"SELECT {marks} FROM {select_from}" if select_from else f"VALUES ({marks})"
    return f"INSERT INTO {e.db_table} ({columns}) {values}"


@cache
def _fields(model, names: tuple) -> tuple:
    return tuple(model._meta.get_field(name) for name in names)


def db_values(model, names: tuple, values: dict) -> list:
    """The values as the ORM would send them (a related object as its key)."""
    return [f.get_db_prep_save(getattr(values[f.name], "pk", values[f.name]), connection) for f in _fields(model, names)]
