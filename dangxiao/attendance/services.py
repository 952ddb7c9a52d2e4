"""Write paths of attendance: check-in (QR, typed code, kiosk), marks, leave, the 学时 ledger, ratings.

Every path that changes a member's attendance also keeps their study-hour credit for the session
in step (`_sync_credit`), so the ledger never disagrees with the roll.
"""

import hashlib
import hmac
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.db import prepared_cursor
from dangxiao.people.models import Member, User
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from . import codes
from .models import Attendance, AttendancePolicy, LeaveRequest, SessionRating, StudyHourCertificate, StudyHourEntry
from .selectors import CheckInFacts, check_in_facts, member_attended


class CheckInRefused(Exception):
    """A check-in that must not happen; `reason` is a stable code, the message is for the member."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def policy_for(school_id: int) -> AttendancePolicy:
    """The school's policy, or the defaults when none was saved."""
    # get(), not first(), here and in session_check_in: these lookups are unique, and the ORDER BY that
    # first() adds costs more to build than the rest of the query (each check-in makes several).
    try:
        return AttendancePolicy.objects.get(school_id=school_id)
    except AttendancePolicy.DoesNotExist:
        return AttendancePolicy(school_id=school_id)


def _local(dt: datetime) -> str:
    return f"{timezone.localtime(dt):%H:%M}"


def check_window(session: Session, policy: AttendancePolicy, now: datetime) -> None:
    if session.status == Session.Status.CANCELLED:
        raise CheckInRefused("cancelled", _("该课次已取消"))
    _check_times(session.starts_at, session.ends_at, policy, now)


def _check_times(starts_at: datetime, ends_at: datetime, policy: AttendancePolicy, now: datetime) -> None:
    opens = starts_at - timedelta(minutes=policy.opens_minutes_before)
    closes = ends_at + timedelta(minutes=policy.closes_minutes_after_end)
    if now < opens:
        raise CheckInRefused(
            "too_early", _("签到尚未开始，%(when)s 起可以签到") % {"when": timezone.localtime(opens).strftime(_("%m月%d日 %H:%M"))}
        )
    if now > closes:
        raise CheckInRefused("closed", _("签到已于 %(when)s 结束") % {"when": _local(closes)})


def _category(session: Session) -> str:
    return session.course.kind if session.course_id and session.course else session.cohort.mode


def _credit_values(status: str, *, session_hours: Decimal, starts_at: datetime, category: str, policy: AttendancePolicy, by: User | None):
    """The ledger entry's fields for a session attended with this status; None when it earns no hours."""
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


def _write_credit(member_id: int, session_id: int, *, status: str, **credit) -> None:
    """Credit (or withdraw) a session's study hours to match an attendance status.

    Every caller has just written the attendance row in the same transaction, which keeps any other
    writer of this member's credit for the session waiting, so UPDATE-else-INSERT is safe here and
    spares update_or_create's locking read and two savepoints. `credit`: `_credit_values`' keywords.
    """
    values = _credit_values(status, **credit)
    if values is None:
        StudyHourEntry.objects.filter(member_id=member_id, session_id=session_id).delete()
        return
    if not StudyHourEntry.objects.filter(member_id=member_id, session_id=session_id).update(**values):
        StudyHourEntry.objects.create(member_id=member_id, session_id=session_id, **values)


def _sync_credit(attendance: Attendance, session: Session, policy: AttendancePolicy, by: User | None) -> None:
    """Credit (or withdraw) the session's study hours to match the attendance status."""
    _write_credit(
        attendance.member_id,
        session.pk,
        status=attendance.status,
        session_hours=session.hours,
        starts_at=session.starts_at,
        category=_category(session),
        policy=policy,
        by=by,
    )


@dataclass
class CheckInResult:
    attendance: Attendance
    created: bool

    @property
    def message(self) -> str:
        if not self.created:
            return _("您已于 %(when)s 签到，无需重复签到") % {"when": _local(self.attendance.checked_in_at or self.attendance.marked_at)}
        if self.attendance.status == Attendance.Status.LATE:
            return _("签到成功（迟到）")
        return _("签到成功")


def session_check_in(session: Session, member: Member, **kwargs) -> CheckInResult:
    """`member_check_in` for a session and a member already in hand (the pages, the kiosk)."""
    return member_check_in(session.pk, member.pk, **kwargs)


def member_check_in(
    session_id: int,
    member_id: int,
    *,
    now: datetime | None = None,
    method: str = Attendance.Method.QR,
    token: str = "",
    digits: str = "",
    device_id: str = "",
    ip: str | None = None,
    by: User | None = None,
    policy: AttendancePolicy | None = None,
    code_time: datetime | None = None,
    facts: CheckInFacts | None = None,
) -> CheckInResult:
    """Check a member in, once. Refused (CheckInRefused) outside the window, with a forged or
    expired code, when not enrolled (unless walk-ins are admitted), or when this phone has just
    checked in someone else. A repeat scan changes nothing and says so. Session.DoesNotExist when
    there is no such session.

    `code_time` is when the code was scanned, if earlier than now: a member who had to sign in
    first keeps the scan they made in front of the screen.

    A first check-in costs one read (`selectors.check_in_facts`) and one transaction of two INSERTs
    (tests/test_checkin_fast_path.py holds it to that). `facts`: that read, made already by the caller
    for this member with this `device_id` (the API's, with the token: selectors.token_check_in_facts).
    """
    now = now or timezone.now()
    device_check = bool(device_id) and method == Attendance.Method.QR
    if facts is None:
        facts = check_in_facts(session_id, member_id, device_id if device_check else "")
    if facts is None:
        raise Session.DoesNotExist
    policy = policy or facts.policy
    if facts.cancelled:
        raise CheckInRefused("cancelled", _("该课次已取消"))
    _check_times(facts.starts_at, facts.ends_at, policy, now)
    if method == Attendance.Method.QR:
        try:
            codes.verify(
                session_id,
                token=token,
                digits=digits,
                now=code_time or now,
                step_seconds=policy.code_step_seconds,
                grace_seconds=policy.code_grace_seconds,
            )
        except codes.CodeRejected as exc:
            raise CheckInRefused(exc.reason, str(exc)) from None
    existing = None
    if facts.attendance_id is not None:
        existing = Attendance.objects.get(pk=facts.attendance_id)
        if existing.status in Attendance.ATTENDED:
            return CheckInResult(existing, created=False)
    if not facts.enrolled and not facts.admits_walk_ins:
        raise CheckInRefused("not_enrolled", _("您没有报名这个班次，不能签到；如需参加请联系组织者"))
    if device_check and facts.device_used_at is not None and facts.device_used_at >= now - timedelta(minutes=policy.device_lock_minutes):
        raise CheckInRefused("device", _("这部手机刚为其他党员签过到，请每位党员用本人手机签到"))
    late = now > facts.starts_at + timedelta(minutes=policy.late_after_minutes)
    status = Attendance.Status.LATE if late else Attendance.Status.PRESENT
    fields = {
        "status": status,
        "method": method,
        "is_walk_in": not facts.enrolled,
        "marked_by": by,
        "checked_in_at": now,
        "ip_address": ip,
        "device_id": device_id[:40],
    }
    credit = {"session_hours": facts.hours, "starts_at": facts.starts_at, "category": facts.category, "policy": policy, "by": by}
    try:
        if existing is None:
            attendance = _insert_check_in(session_id, member_id, fields, credit)  # None: a row exists already
        else:
            attendance = _record_check_in(session_id, member_id, existing, fields, credit)
    except IntegrityError:
        attendance = None
    if attendance is None:
        existing = Attendance.objects.filter(session_id=session_id, member_id=member_id).first()
        if existing is not None:  # the same member's other scan won the race
            return CheckInResult(existing, created=False)
        # no attendance row, yet a ledger entry for the session: left behind when a row was deleted
        attendance = _record_check_in(session_id, member_id, None, fields, credit)
    return CheckInResult(attendance, created=True)


@transaction.atomic
def _record_check_in(session_id: int, member_id: int, existing: Attendance | None, fields: dict, credit: dict):
    """The attendance row and its ledger entry, together, through the ORM: for a member already on the
    roll (`existing`), or after `_insert_check_in` found a ledger entry left behind by a deleted row, which
    is updated rather than duplicated. A plain first check-in is `_insert_check_in`."""
    if existing is None:
        attendance = Attendance.objects.create(session_id=session_id, member_id=member_id, **fields)
    else:  # pre-marked absent, or excused on leave but came after all
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        attendance = existing
    _write_credit(member_id, session_id, status=attendance.status, **credit)
    return attendance


_ATTENDANCE_COLUMNS = (
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
_CREDIT_COLUMNS = ("member", "session", "date", "hours", "source", "category", "reference", "note", "created_by", "created_at")


@cache
def _attendance_insert_sql() -> str:
    """A first check-in's attendance row. ON CONFLICT: the member's other scan got there first, and nothing
    is written (no row back)."""
    a = Attendance._meta
    assert {f.name for f in a.concrete_fields} == {"id", *_ATTENDANCE_COLUMNS}
    columns = ", ".join(a.get_field(name).column for name in _ATTENDANCE_COLUMNS)
    marks = ", ".join(["%s"] * len(_ATTENDANCE_COLUMNS))
    unique = ", ".join(a.get_field(name).column for name in ("session", "member"))
    return f"INSERT INTO {a.db_table} ({columns}) VALUES ({marks}) ON CONFLICT ({unique}) DO NOTHING RETURNING id"


@cache
def _credit_insert_sql(select_from: str = "") -> str:
    """Its ledger entry: VALUES, or on PostgreSQL a SELECT from the attendance row's CTE."""
    e = StudyHourEntry._meta
    assert {f.name for f in e.concrete_fields} == {"id", *_CREDIT_COLUMNS}
    columns = ", ".join(e.get_field(name).column for name in _CREDIT_COLUMNS)
    marks = ", ".join(["%s"] * len(_CREDIT_COLUMNS))
    values = f"SELECT {marks} FROM {select_from}" if select_from else f"VALUES ({marks})"
    return f"INSERT INTO {e.db_table} ({columns}) {values}"


@cache
def _check_in_insert_sql(credited: bool) -> str:
    """PostgreSQL: a first check-in's attendance row and, when `credited`, its ledger entry, in one
    statement (the entry only if the row was written)."""
    sql = f"WITH a AS ({_attendance_insert_sql()})"
    if credited:
        sql += f", e AS ({_credit_insert_sql('a')})"
    return sql + " SELECT id FROM a"


@cache
def _fields(model, names: tuple) -> tuple:
    return tuple(model._meta.get_field(name) for name in names)


def _db_values(model, names: tuple, values: dict) -> list:
    """The values as the ORM would send them (a related object as its key)."""
    return [f.get_db_prep_save(getattr(values[f.name], "pk", values[f.name]), connection) for f in _fields(model, names)]


def _insert_check_in(session_id: int, member_id: int, fields: dict, credit: dict) -> Attendance | None:
    """A first check-in's attendance row and ledger entry in hand-written SQL: the attendance row, or None when one exists
    already; IntegrityError, with nothing written, when a ledger entry for the session was left behind.

    On PostgreSQL one prepared statement in autocommit: a single statement needs no BEGIN and COMMIT, three
    of a check-in's round trips. On SQLite one transaction of the same two INSERTs, without the ORM's
    composing of each (README "Benchmarks"). Inside a transaction it takes a savepoint, as atomic() would."""
    row = {"session": session_id, "member": member_id, "marked_at": timezone.now(), **fields}
    params = _db_values(Attendance, _ATTENDANCE_COLUMNS, row)
    values = _credit_values(fields["status"], **credit)
    credit_params = []
    if values is not None:
        entry = {"member": member_id, "session": session_id, "reference": "", "note": "", "created_at": row["marked_at"], **values}
        credit_params = _db_values(StudyHourEntry, _CREDIT_COLUMNS, entry)
    if connection.vendor == "postgresql":
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            with prepared_cursor() as cursor:
                cursor.execute(_check_in_insert_sql(values is not None), params + credit_params)
                inserted = cursor.fetchone()
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_attendance_insert_sql(), params)
            inserted = cursor.fetchone()
            if inserted is not None and values is not None:
                cursor.execute(_credit_insert_sql(), credit_params)
    if inserted is None:
        return None
    attendance = Attendance(pk=inserted[0], session_id=session_id, member_id=member_id, marked_at=row["marked_at"], **fields)
    attendance._state.adding, attendance._state.db = False, connection.alias
    return attendance


# --- Member cards for the kiosk ----------------------------------------------------------------


def _card_mac(member_id: int) -> str:
    key = hashlib.sha256(f"dangxiao-card:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, str(member_id).encode(), hashlib.sha256).hexdigest()[:10].upper()


def member_card_text(member: Member) -> str:
    """What a member's printed card encodes: short, so a USB scanner types it quickly."""
    return f"DX{member.pk}-{_card_mac(member.pk)}"


def member_from_card(text: str) -> int:
    text = text.strip().upper()
    try:
        prefix, rest = text[:2], text[2:]
        member_id_text, mac = rest.split("-", 1)
        member_id = int(member_id_text)
    except ValueError:
        raise CheckInRefused("bad_card", _("无法识别的党员卡，请重新扫描")) from None
    if prefix != "DX" or not hmac.compare_digest(mac, _card_mac(member_id)):
        raise CheckInRefused("bad_card", _("无法识别的党员卡，请重新扫描"))
    return member_id


def kiosk_check_in(session: Session, card_text: str, *, by: User, ip: str | None = None, now: datetime | None = None) -> CheckInResult:
    member_id = member_from_card(card_text)
    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        raise CheckInRefused("bad_card", _("无法识别的党员卡，请重新扫描"))
    return session_check_in(session, member, now=now, method=Attendance.Method.KIOSK, ip=ip, by=by)


# --- Marking the roll by hand --------------------------------------------------------------------


@transaction.atomic
def roll_mark(session: Session, marks: dict[int, str], *, by: User, method: str = Attendance.Method.MANUAL, ip: str | None = None) -> int:
    """Set statuses for many members at once (all-or-nothing); returns how many changed.

    Members must be enrolled in the session's cohort or already on its roll (walk-ins).
    """
    valid = set(Attendance.Status.values)
    bad = [s for s in marks.values() if s not in valid]
    if bad:
        raise TeachingError(_("无效的考勤状态：%(status)s") % {"status": bad[0]})
    allowed = set(
        Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED).values_list("member_id", flat=True)
    )
    existing = {a.member_id: a for a in Attendance.objects.filter(session=session)}
    outside = [m for m in marks if m not in allowed and m not in existing]
    if outside:
        raise TeachingError(_("名单中有未报名本班次的党员"))
    policy = policy_for(session.cohort.school_id)
    changed = 0
    for member_id, status in marks.items():
        current = existing.get(member_id)
        if current is not None and current.status == status:
            continue
        if current is None:
            current = Attendance(session=session, member_id=member_id)
        current.status, current.method, current.marked_by, current.ip_address = status, method, by, ip
        current.save()
        _sync_credit(current, session, policy, by)
        changed += 1
    return changed


def roll_mark_all_present(session: Session, *, by: User) -> int:
    """Everyone enrolled and not yet marked becomes present; exceptions are then changed one by one."""
    marked = set(Attendance.objects.filter(session=session).values_list("member_id", flat=True))
    approved_leave = set(
        LeaveRequest.objects.filter(session=session, status=LeaveRequest.Status.APPROVED).values_list("member_id", flat=True)
    )
    enrolled = Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED).values_list("member_id", flat=True)
    marks = {m: Attendance.Status.PRESENT for m in enrolled if m not in marked and m not in approved_leave}
    return roll_mark(session, marks, by=by)


# --- Leave ------------------------------------------------------------------------------------


def leave_request(session: Session, member: Member, reason: str, *, now: datetime | None = None) -> LeaveRequest:
    """A member asks for leave before the session starts, with a reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise TeachingError(_("请填写请假事由"))
    if now >= session.starts_at:
        raise TeachingError(_("课次已开始，不能再请假；如有特殊情况请联系支部书记"))
    if not Enrollment.objects.filter(cohort_id=session.cohort_id, member=member, status=Enrollment.Status.ENROLLED).exists():
        raise TeachingError(_("您没有报名这个班次"))
    try:
        with transaction.atomic():
            return LeaveRequest.objects.create(session=session, member=member, reason=reason[:300])
    except IntegrityError:
        raise TeachingError(_("您已为这次课提交过请假申请")) from None


@transaction.atomic
def leave_decide(leave: LeaveRequest, *, approve: bool, by: User, note: str = "") -> LeaveRequest:
    """Approve (the member is marked excused) or refuse a pending request."""
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    if leave.status != LeaveRequest.Status.PENDING:
        raise TeachingError(_("该请假申请已处理"))
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = by, timezone.now(), note.strip()[:200]
    leave.save()
    if approve:
        current = Attendance.objects.filter(session=leave.session, member=leave.member).first()
        if current is None or current.status not in Attendance.ATTENDED:
            roll_mark(leave.session, {leave.member_id: Attendance.Status.EXCUSED}, by=by)
    return leave


# --- The ledger --------------------------------------------------------------------------------


def ledger_credit(
    member: Member, *, hours: Decimal, date, source: str, reference: str, category: str = "", note: str = "", by: User | None = None
) -> StudyHourEntry:
    """Credit study hours from outside a session (online lesson, home visit, external training), once per reference."""
    entry, _created = StudyHourEntry.objects.get_or_create(
        member=member,
        reference=reference,
        defaults={
            "hours": Decimal(hours).quantize(Decimal("0.1")),
            "date": date,
            "source": source,
            "category": category,
            "note": note[:200],
            "created_by": by,
        },
    )
    return entry


def certificate_issue(member: Member, year: int, *, by: User | None = None) -> StudyHourCertificate:
    """A 学时证明 for the year's hours so far, with a code anyone can check on the public page."""
    hours = StudyHourEntry.objects.filter(member=member, date__year=year).aggregate(h=Sum("hours"))["h"] or Decimal("0")
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(secrets.choice(alphabet) for _i in range(10))
    return StudyHourCertificate.objects.create(member=member, year=year, hours=hours, code=code, issued_by=by)


# --- Ratings --------------------------------------------------------------------------------------


@transaction.atomic
def session_rate(session: Session, member: Member, score: int, comment: str = "") -> SessionRating:
    """Only a member who attended the session may rate its teacher, once."""
    if session.teacher_id is None:
        raise TeachingError(_("该课次没有讲师，无法评价"))
    if not 1 <= int(score) <= 5:
        raise TeachingError(_("评分应为1到5分"))
    if not member_attended(member.pk, session.pk):
        raise TeachingError(_("只有参加了该课次的党员才能评价"))
    if SessionRating.objects.filter(session=session, member=member).exists():
        raise TeachingError(_("您已评价过该课次"))
    return SessionRating.objects.create(
        session=session, teacher_id=session.teacher_id, member=member, score=int(score), comment=comment.strip()[:300]
    )
