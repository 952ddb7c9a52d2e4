"""Write paths of the roll: marks by hand (and from an imported sheet), "mark all present", leave, and the
credit of marks made before their session started.

Present, late and left early follow time: not before the session's check-in window opens. New roll rows
are written as the check-in writes its own, INSERT … ON CONFLICT DO NOTHING, so a check-in landing at the
same moment never makes the roll fail: one row per member and session, whichever writer comes first.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.params import is_sane_date, sane_date_message
from dangxiao.notify.models import Kind
from dangxiao.notify.services import notify
from dangxiao.people.models import Member, User
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from .credit import ATTENDANCE_COLUMNS, attendance_insert_sql, credit_values, db_values, policy_for, session_credit, sync_credit
from .models import Attendance, AttendancePolicy, LeaveRequest, StudyHourEntry

MARKS_PER_INSERT = 90  # rows per INSERT: 10 values each, under SQLite's oldest limit of 999 parameters


def refuse_cancelled(session: Session) -> None:
    """A cancelled session takes no mark, check-in, leave or 学时 (TeachingError)."""
    if session.status == Session.Status.CANCELLED:
        raise TeachingError(_("该课次已取消，不能记考勤、请假或计学时"))


def check_mark_time(session: Session, statuses, policy: AttendancePolicy, now: datetime) -> None:
    """Present, late and left early are what happened at the session: not before its check-in window
    opens. Excused and absent may be set ahead (leave known in advance)."""
    opens = session.starts_at - timedelta(minutes=policy.opens_minutes_before)
    if now < opens and any(status in Attendance.ATTENDED for status in statuses):
        raise TeachingError(
            _("签到%(when)s才开始，现在还不能记为出席、迟到或早退（请假、缺席可以提前登记）")
            % {"when": timezone.localtime(opens).strftime(_("%m月%d日 %H:%M"))}
        )


def _insert_marks(session: Session, marks: dict[int, str], *, method: str, by: User | None, ip: str | None) -> set[int]:
    """New roll rows, written only where the member has none: the members written. A check-in landing at the
    same moment keeps its row (ON CONFLICT DO NOTHING, as the check-in's own INSERT), so the roll never
    fails on the (session, member) constraint whichever writer comes first."""
    now = timezone.now()
    fields = {
        "method": method,
        "is_walk_in": False,
        "marked_by": by,
        "marked_at": now,
        "checked_in_at": None,
        "ip_address": ip,
        "device_id": "",
    }
    # In member order, so that two rolls marked at once take their rows in the same order (no deadlock).
    rows = [
        db_values(Attendance, ATTENDANCE_COLUMNS, {"session": session.pk, "member": m, "status": s, **fields})
        for m, s in sorted(marks.items())
    ]
    written: set[int] = set()
    with connection.cursor() as cursor:
        for i in range(0, len(rows), MARKS_PER_INSERT):
            batch = rows[i : i + MARKS_PER_INSERT]
            cursor.execute(attendance_insert_sql(len(batch), "member"), [value for row in batch for value in row])
            written.update(member for (member,) in cursor.fetchall())
    return written


def _credit_new_marks(session: Session, marks: dict[int, str], credit: dict) -> None:
    """The ledger entries of roll rows just written (any entry left behind by a deleted row is replaced)."""
    StudyHourEntry.objects.filter(session=session, member_id__in=list(marks)).delete()
    entries = []
    for member_id, status in marks.items():
        values = credit_values(status, **credit)
        if values is not None:
            entries.append(StudyHourEntry(member_id=member_id, session=session, **values))
    StudyHourEntry.objects.bulk_create(entries)


@transaction.atomic
def roll_mark(
    session: Session,
    marks: dict[int, str],
    *,
    by: User,
    method: str = Attendance.Method.MANUAL,
    ip: str | None = None,
    now: datetime | None = None,
) -> int:
    """Set statuses for many members at once (all-or-nothing); returns how many changed.

    Members must be enrolled in the session's cohort or already on its roll (walk-ins); present, late and
    left early wait for the check-in window (`check_mark_time`). A member whose check-in lands as this is
    written gets the status given here, as they would a moment later.
    """
    refuse_cancelled(session)
    now = now or timezone.now()
    valid = set(Attendance.Status.values)
    bad = [s for s in marks.values() if s not in valid]
    if bad:
        raise TeachingError(_("无效的考勤状态：%(status)s") % {"status": bad[0]})
    policy = policy_for(session.cohort.school_id)
    check_mark_time(session, marks.values(), policy, now)
    allowed = set(
        Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED).values_list("member_id", flat=True)
    )
    existing = {a.member_id: a for a in Attendance.objects.filter(session=session)}
    outside = [m for m in marks if m not in allowed and m not in existing]
    if outside:
        raise TeachingError(_("名单中有未报名本班次的党员"))
    new = {m: s for m, s in marks.items() if m not in existing}
    written = _insert_marks(session, new, method=method, by=by, ip=ip) if new else set()
    _credit_new_marks(session, {m: new[m] for m in written}, session_credit(session, policy, by, now))
    if len(written) < len(new):  # checked in meanwhile: their rows are there now
        existing |= {a.member_id: a for a in Attendance.objects.filter(session=session, member_id__in=set(new) - written)}
    changed = len(written)
    for member_id, status in marks.items():
        current = existing.get(member_id)
        if member_id in written or current is None or current.status == status:
            continue
        current.status, current.method, current.marked_by, current.ip_address = status, method, by, ip
        current.save()
        sync_credit(current, session, policy, by, now)
        changed += 1
    return changed


def all_present_marks(session: Session, *, now: datetime | None = None, policy: AttendancePolicy | None = None) -> dict[int, str]:
    """Who "mark all present" would mark: enrolled, not yet on the roll, without approved leave.
    TeachingError before the session's check-in window opens, or for a cancelled session."""
    refuse_cancelled(session)
    check_mark_time(session, [Attendance.Status.PRESENT], policy or policy_for(session.cohort.school_id), now or timezone.now())
    marked = set(Attendance.objects.filter(session=session).values_list("member_id", flat=True))
    approved_leave = set(
        LeaveRequest.objects.filter(session=session, status=LeaveRequest.Status.APPROVED).values_list("member_id", flat=True)
    )
    enrolled = Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED).values_list("member_id", flat=True)
    return {m: Attendance.Status.PRESENT for m in enrolled if m not in marked and m not in approved_leave}


@transaction.atomic
def roll_mark_all_present(session: Session, *, by: User, ip: str | None = None, now: datetime | None = None) -> int:
    """Everyone enrolled and not yet marked becomes present (exceptions are then changed one by one);
    returns how many. Anyone who checks in meanwhile keeps their check-in: one row per member whichever
    writer comes first. Refused before the check-in window opens."""
    now = now or timezone.now()
    policy = policy_for(session.cohort.school_id)
    marks = all_present_marks(session, now=now, policy=policy)
    written = _insert_marks(session, marks, method=Attendance.Method.MANUAL, by=by, ip=ip) if marks else set()
    _credit_new_marks(session, {m: marks[m] for m in written}, session_credit(session, policy, by, now))
    return len(written)


CREDIT_CATCH_UP = timedelta(days=30)


def session_credits_due(now: datetime | None = None) -> int:
    """Credit the study hours of marks made before their session started, now that it has: check-ins in the
    window before the start, and leave when the school's policy credits it. Runs every minute
    (attendance.tasks) and looks 30 days back, so a stopped task queue catches up. Returns the entries made."""
    now = now or timezone.now()
    entry = StudyHourEntry.objects.filter(member_id=OuterRef("member_id"), session_id=OuterRef("session_id"))
    waiting = (
        Attendance.objects.filter(
            session__starts_at__lte=now, session__starts_at__gt=now - CREDIT_CATCH_UP, marked_at__lt=F("session__starts_at")
        )
        .exclude(session__status=Session.Status.CANCELLED)
        .exclude(Exists(entry))
    )
    statuses: dict[int, set[str]] = {}
    for session_id, status in waiting.values_list("session_id", "status").distinct():
        statuses.setdefault(session_id, set()).add(status)
    made = 0
    for session in Session.objects.filter(pk__in=list(statuses)).select_related("cohort", "course"):
        policy = policy_for(session.cohort.school_id)
        # Leave and absence marked ahead wait here too; only what the policy credits takes a transaction.
        credited = [status for status in statuses[session.pk] if policy.credit_for(status) > 0]
        if not credited:
            continue
        with transaction.atomic():
            # Locked: a mark or check-in changing one of these rows now waits, then is seen as changed.
            rows = waiting.filter(session=session, status__in=credited).select_for_update(of=("self",)).select_related("marked_by")
            for row in rows:
                values = credit_values(row.status, **session_credit(session, policy, row.marked_by, now))
                if values is not None:
                    StudyHourEntry.objects.create(member_id=row.member_id, session=session, **values)
                    made += 1
    return made


# --- Leave ------------------------------------------------------------------------------------


def leave_request(session: Session, member: Member, reason: str, *, now: datetime | None = None) -> LeaveRequest:
    """A member asks for leave before the session starts, with a reason."""
    now = now or timezone.now()
    refuse_cancelled(session)
    if not is_sane_date(timezone.localtime(session.starts_at)):  # a session from before the dates were checked
        raise TeachingError(sane_date_message())
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
def _tell_leave_decided(leave: LeaveRequest) -> None:
    user = User.objects.filter(member__pk=leave.member_id).first()
    if user is None:
        return
    approved = leave.status == LeaveRequest.Status.APPROVED
    when = timezone.localtime(leave.session.starts_at)
    title = (_("请假已批准：%(title)s") if approved else _("请假未获批准：%(title)s")) % {"title": leave.session.title}
    body = f"{when:%Y-%m-%d %H:%M}" + (f" · {leave.decision_note}" if leave.decision_note else "")
    notify(
        [user], f"leave:{leave.pk}:decided", title, body, reverse("attendance:my_schedule"), kind=Kind.LEAVE_DECIDED, now=leave.decided_at
    )


def leave_decide(leave: LeaveRequest, *, approve: bool, by: User, note: str = "") -> LeaveRequest:
    """Approve (the member is marked excused) or refuse a pending request; refused (TeachingError) once
    decided, or when the session was cancelled."""
    leave = LeaveRequest.objects.select_for_update(of=("self",)).select_related("session").get(pk=leave.pk)
    if leave.status != LeaveRequest.Status.PENDING:
        raise TeachingError(_("该请假申请已处理"))
    refuse_cancelled(leave.session)
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
    leave.decided_by, leave.decided_at, leave.decision_note = by, timezone.now(), note.strip()[:200]
    leave.save()
    _tell_leave_decided(leave)
    if approve:
        current = Attendance.objects.filter(session=leave.session, member=leave.member).first()
        if current is None or current.status not in Attendance.ATTENDED:
            roll_mark(leave.session, {leave.member_id: Attendance.Status.EXCUSED}, by=by)
    return leave
