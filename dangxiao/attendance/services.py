"""Write paths of attendance: check-in (QR, typed code, kiosk), the 学时 ledger's other credits, ratings.

A check-in keeps the member's study-hour credit for the session in step with their attendance row
(`credit.write_credit`), as every write path of the roll does (`roll`). The roll's write paths and the
school's policy are reached through this module too, as they always were.
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

from dangxiao.people.models import Member, User
from dangxiao.teaching.models import Session
from dangxiao.teaching.services import TeachingError

from . import codes
from .credit import ATTENDANCE_COLUMNS, CREDIT_COLUMNS, attendance_insert_sql, credit_insert_sql, credit_values, db_values, write_credit
from .credit import policy_for as policy_for  # re-exported, as the roll's write paths below: where callers find them
from .models import Attendance, AttendancePolicy, SessionRating, StudyHourCertificate, StudyHourEntry
from .roll import all_present_marks as all_present_marks
from .roll import leave_decide as leave_decide
from .roll import leave_request as leave_request
from .roll import roll_mark as roll_mark
from .roll import roll_mark_all_present as roll_mark_all_present
from .roll import session_credits_due as session_credits_due
from .selectors import CheckInFacts, check_in_facts, member_attended


class CheckInRefused(Exception):
    """A check-in that must not happen; `reason` is a stable code, the message is for the member."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


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
    credit = {
        "session_hours": facts.hours,
        "starts_at": facts.starts_at,
        "category": facts.category,
        "policy": policy,
        "by": by,
        "now": now,
    }
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
    write_credit(member_id, session_id, status=attendance.status, **credit)
    return attendance


@cache
def _check_in_insert_sql(credited: bool) -> str:
    """PostgreSQL: a first check-in's attendance row and, when `credited`, its ledger entry, in one
    statement (the entry only if the row was written)."""
    sql = f"WITH a AS ({attendance_insert_sql()})"
    if credited:
        sql += f", e AS ({credit_insert_sql('a')})"
    return sql + " SELECT id FROM a"


def _insert_check_in(session_id: int, member_id: int, fields: dict, credit: dict) -> Attendance | None:
    """A first check-in's attendance row and ledger entry in hand-written SQL: the attendance row, or None when one exists
    already; IntegrityError, with nothing written, when a ledger entry for the session was left behind.

    On PostgreSQL one prepared statement in autocommit: a single statement needs no BEGIN and COMMIT, three
    of a check-in's round trips. On SQLite one transaction of the same two INSERTs, without the ORM's
    composing of each (README "Benchmarks"). Inside a transaction it takes a savepoint, as atomic() would."""
    row = {"session": session_id, "member": member_id, "marked_at": timezone.now(), **fields}
    params = db_values(Attendance, ATTENDANCE_COLUMNS, row)
    values = credit_values(fields["status"], **credit)
    credit_params = []
    if values is not None:
        entry = {"member": member_id, "session": session_id, "reference": "", "note": "", "created_at": row["marked_at"], **values}
        credit_params = db_values(StudyHourEntry, CREDIT_COLUMNS, entry)
    if connection.vendor == "postgresql":
        with nullcontext() if transaction.get_autocommit() else transaction.atomic():  # a savepoint inside a transaction
            with connection.cursor() as cursor:
                cursor.execute(_check_in_insert_sql(values is not None), params + credit_params)
                inserted = cursor.fetchone()
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(attendance_insert_sql(), params)
            inserted = cursor.fetchone()
            if inserted is not None and values is not None:
                cursor.execute(credit_insert_sql(), credit_params)
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
