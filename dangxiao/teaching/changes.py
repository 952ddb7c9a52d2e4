"""Write paths of cohorts and sessions: create a cohort; edit it, close, reopen and archive its enrolment;
edit, reschedule and cancel a session. Every change is audited.

A session's time is fixed once it has started (its marks and 学时 hang on it) and a cancelled session stays
cancelled; members' calendars pick up every change through the session's iCalendar SEQUENCE.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date, sane_date_message
from dangxiao.notify.models import Kind
from dangxiao.notify.services import notify
from dangxiao.people.models import User

from .conflicts import session_conflicts
from .models import Cohort, Enrollment, Session
from .rules import TargetRule
from .services import RuleEnrolment, TeachingError, _check_bookable, _enrolled_count, _locked, _refuse_or_keep, cohort_enroll_by_rule

MAX_SEATS = 100_000


def _when(dt: datetime) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}"


def _audit(request, action: str, obj, organization_id: int, summary: str, detail: dict | None = None) -> None:
    audit_record(
        request,
        action,
        organization_id=organization_id,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        summary=summary,
        detail=detail or {},
    )


def _refuse_archived(cohort: Cohort) -> None:
    if cohort.archived_at is not None:
        raise TeachingError(_("班次“%(name)s”已归档，不能再修改") % {"name": cohort.name})


# --- Cohorts -----------------------------------------------------------------------------------


@transaction.atomic
def cohort_create(
    school,
    organization,
    *,
    name: str,
    mode: str,
    rule: TargetRule,
    rule_description: str,
    seat_limit: int | None = None,
    auto_enrol: bool = False,
    self_enrol_open: bool = False,
    starts_on: date | None = None,
    ends_on: date | None = None,
    courses=(),
    request=None,
) -> tuple[Cohort, RuleEnrolment | None]:
    """Create a cohort run by `organization` in `school` (the caller has checked both are in scope), with its
    courses; with `auto_enrol`, enrol everyone its rule selects at once (the result is returned). Audited.
    Refused (TeachingError, nothing written) for an empty name, dates outside 2000–2100 or ending before
    they start, seats out of range, or a course of another school."""
    name = (name or "").strip()
    if not name:
        raise TeachingError(_("请填写班次名称"))
    if not all(is_sane_date(d) for d in (starts_on, ends_on) if d is not None):
        raise TeachingError(sane_date_message())
    if starts_on and ends_on and ends_on < starts_on:
        raise TeachingError(_("结业日期不能早于开班日期"))
    if seat_limit is not None and not 1 <= seat_limit <= MAX_SEATS:
        raise TeachingError(_("名额最多为%(n)s") % {"n": MAX_SEATS})
    for course in courses:
        if course.school_id != school.pk:
            raise TeachingError(_("课程“%(course)s”不属于本班次所在的党校") % {"course": course.title})
    cohort = Cohort.objects.create(
        school=school,
        organization=organization,
        name=name[:120],
        mode=mode,
        target_rule=rule.to_json(),
        target_description=rule_description[:200],
        seat_limit=seat_limit,
        auto_enrol=auto_enrol,
        self_enrol_open=self_enrol_open,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    cohort.courses.set(courses)
    result = cohort_enroll_by_rule(cohort) if auto_enrol else None
    detail = {"rule": cohort.target_rule, "enrolled": result.enrolled if result else 0}
    _audit(request, "record_create", cohort, organization.pk, f"新建班次：{cohort.name}", detail)
    return cohort, result


@transaction.atomic
def cohort_update(
    cohort: Cohort,
    *,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    seat_limit: int | None,
    rule: TargetRule,
    rule_description: str,
    courses=None,
    request=None,
) -> list[Enrollment]:
    """Change a cohort's name, dates, seats, target rule and courses; returns who the waiting list moved
    into seats that were added. Refused (TeachingError, nothing changed) for an archived cohort, an empty
    name, dates outside 2000–2100 or ending before they start, fewer seats than members already enrolled,
    or a course of another school. Members already enrolled stay whatever the new rule says."""
    cohort = _locked(cohort)
    _refuse_archived(cohort)
    name = (name or "").strip()
    if not name:
        raise TeachingError(_("请填写班次名称"))
    if not all(is_sane_date(d) for d in (starts_on, ends_on) if d is not None):
        raise TeachingError(sane_date_message())
    if starts_on and ends_on and ends_on < starts_on:
        raise TeachingError(_("结业日期不能早于开班日期"))
    if seat_limit is not None and seat_limit > MAX_SEATS:
        raise TeachingError(_("名额最多为%(n)s") % {"n": MAX_SEATS})
    enrolled = _enrolled_count(cohort)
    if seat_limit is not None and seat_limit < max(1, enrolled):
        raise TeachingError(_("名额不能少于已报名的%(count)s人") % {"count": max(1, enrolled)})
    if courses is not None:
        for course in courses:
            if course.school_id != cohort.school_id:
                raise TeachingError(_("课程“%(course)s”不属于本班次所在的党校") % {"course": course.title})
    before = {"name": cohort.name, "starts_on": str(cohort.starts_on), "ends_on": str(cohort.ends_on), "seat_limit": cohort.seat_limit}
    cohort.name, cohort.starts_on, cohort.ends_on, cohort.seat_limit = name[:120], starts_on, ends_on, seat_limit
    cohort.target_rule, cohort.target_description = rule.to_json(), rule_description[:200]
    cohort.save(update_fields=["name", "starts_on", "ends_on", "seat_limit", "target_rule", "target_description"])
    if courses is not None:
        cohort.courses.set(courses)
    promoted = []
    free = None if seat_limit is None else seat_limit - enrolled
    if free is None or free > 0:
        waiting = Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.WAITLISTED).order_by("joined_at", "id")
        promoted = list(waiting if free is None else waiting[:free])
        Enrollment.objects.filter(pk__in=[e.pk for e in promoted]).update(status=Enrollment.Status.ENROLLED, updated_at=timezone.now())
    _audit(
        request,
        "cohort_update",
        cohort,
        cohort.organization_id,
        f"修改班次：{cohort.name}",
        {"before": before, "promoted": [e.member_id for e in promoted]},
    )
    return promoted


@transaction.atomic
def cohort_set_enrolment(cohort: Cohort, *, open: bool, request=None) -> Cohort:
    """Open or close self-enrolment. Closing keeps everyone already enrolled or waiting; an archived
    cohort cannot be reopened."""
    cohort = _locked(cohort)
    _refuse_archived(cohort)
    if cohort.self_enrol_open == open:
        raise TeachingError(_("本班次已开放自主报名") if open else _("本班次的自主报名已关闭"))
    cohort.self_enrol_open = open
    cohort.save(update_fields=["self_enrol_open"])
    summary = f"开放班次报名：{cohort.name}" if open else f"关闭班次报名：{cohort.name}"
    _audit(request, "enrol_open" if open else "enrol_close", cohort, cohort.organization_id, summary)
    return cohort


@transaction.atomic
def cohort_archive(cohort: Cohort, *, request=None, now: datetime | None = None) -> Cohort:
    """File a finished cohort: closed to enrolment and to changes, kept with its sessions, marks and 学时.
    Refused while a session of it is still to come (cancel or hold those first)."""
    cohort = _locked(cohort)
    _refuse_archived(cohort)
    now = now or timezone.now()
    ahead = Session.objects.filter(cohort=cohort, starts_at__gt=now).exclude(status=Session.Status.CANCELLED).count()
    if ahead:
        raise TeachingError(_("本班次还有%(count)s个课次未上，请先上完或取消后再归档") % {"count": ahead})
    cohort.archived_at, cohort.self_enrol_open = now, False
    cohort.save(update_fields=["archived_at", "self_enrol_open"])
    _audit(request, "cohort_archive", cohort, cohort.organization_id, f"归档班次：{cohort.name}")
    return cohort


# --- Sessions ----------------------------------------------------------------------------------


def _tell_enrolled(session: Session, event_key: str, title: str, body: str, now: datetime) -> None:
    """The members enrolled in the session's cohort hear of the change (urgent within a day: quiet hours
    do not hold it back)."""
    users = User.objects.filter(
        member__enrollments__cohort_id=session.cohort_id, member__enrollments__status=Enrollment.Status.ENROLLED
    ).distinct()
    urgent = session.starts_at - now < timedelta(days=1)
    notify(users, event_key, title, body, reverse("attendance:my_schedule"), kind=Kind.SESSION_CHANGED, now=now, urgent=urgent)


def _refuse_cancelled(session: Session) -> None:
    if session.status == Session.Status.CANCELLED:
        raise TeachingError(_("该课次已取消，不能再修改"))


@transaction.atomic
def session_update(
    session: Session,
    *,
    by: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    venue=None,
    teacher=None,
    hours: Decimal | None = None,
    override_reason: str = "",
    request=None,
    now: datetime | None = None,
) -> Session:
    """Edit a session's title, time (a reschedule: the old time is kept), venue, teacher and hours, with
    the checks of creation: ConflictError naming each clash unless a written reason is given, TeachingError
    for a cancelled session or archived cohort, a date outside 2000–2100, an end before the start, a venue
    out of use or a teacher out of term. Once the session has started its time and hours stay as they are
    (marks and 学时 hang on them), and a new time must lie ahead. Bumps the calendar SEQUENCE."""
    session = Session.objects.select_for_update(of=("self",)).select_related("cohort", "course").get(pk=session.pk)
    now = now or timezone.now()
    _refuse_cancelled(session)
    _refuse_archived(session.cohort)
    if not (is_sane_date(timezone.localtime(starts_at)) and is_sane_date(timezone.localtime(ends_at))):
        raise TeachingError(sane_date_message())
    if ends_at <= starts_at:
        raise TeachingError(_("结束时间须晚于开始时间"))
    hours = session.hours if hours is None else Decimal(hours).quantize(Decimal("0.1"))
    moved = starts_at != session.starts_at or ends_at != session.ends_at
    started = now >= session.starts_at
    if started and (moved or hours != session.hours):
        raise TeachingError(_("课次已开始，不能再改时间或学时"))
    if moved and starts_at <= now:
        raise TeachingError(_("新的上课时间已过，请选择以后的时间"))
    _check_bookable(session.cohort, venue, teacher, None, day=timezone.localtime(starts_at).date())
    rebooked = moved or venue != session.venue or teacher != session.teacher
    before = {
        "title": session.title,
        "starts_at": _when(session.starts_at),
        "ends_at": _when(session.ends_at),
        "venue": session.venue_id,
        "teacher": session.teacher_id,
        "hours": str(session.hours),
    }
    if moved:
        session.previous_starts_at, session.previous_ends_at = session.starts_at, session.ends_at
    visible = rebooked or (title or session.title) != session.title
    session.title = (title or "").strip()[:120] or session.title
    session.starts_at, session.ends_at, session.venue, session.teacher, session.hours = starts_at, ends_at, venue, teacher, hours
    if rebooked:
        conflicts = session_conflicts(
            cohort=session.cohort, starts_at=starts_at, ends_at=ends_at, venue=venue, teacher=teacher, exclude_pk=session.pk
        )
        _refuse_or_keep(conflicts, [session], by, override_reason)
    if visible:
        session.sequence += 1
    session.save()
    if visible:
        where = session.venue.name if session.venue else _("线上学习")
        _tell_enrolled(
            session,
            f"session:{session.pk}:change:{session.sequence}",
            _("课次变更：%(title)s") % {"title": session.title},
            _("%(cohort)s · 时间 %(when)s · 地点 %(where)s")
            % {"cohort": session.cohort.name, "when": _when(session.starts_at), "where": where},
            now,
        )
    summary = f"课次改期：{session.title} {before['starts_at']} → {_when(starts_at)}" if moved else f"修改课次：{session.title}"
    _audit(request, "session_move" if moved else "session_update", session, session.cohort.organization_id, summary, {"before": before})
    return session


@transaction.atomic
def session_cancel(session: Session, *, by: User, reason: str, request=None, now: datetime | None = None) -> Session:
    """Cancel a session that has not started, with a reason. It stays on members' schedules and calendar
    feeds marked cancelled (STATUS:CANCELLED, SEQUENCE bumped) and takes no check-in, mark or 学时.
    Refused without a reason, when already cancelled, or once the session has started."""
    session = Session.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=session.pk)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if session.status == Session.Status.CANCELLED:
        raise TeachingError(_("该课次已取消"))
    if not reason:
        raise TeachingError(_("请填写取消原因"))
    if now >= session.starts_at:
        raise TeachingError(_("课次已开始，不能取消"))
    session.status, session.cancel_reason, session.cancelled_at, session.cancelled_by = Session.Status.CANCELLED, reason[:300], now, by
    session.sequence += 1
    session.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "sequence"])
    _tell_enrolled(
        session,
        f"session:{session.pk}:cancel",
        _("课次取消：%(title)s") % {"title": session.title},
        _("原定 %(when)s 的课次已取消。原因：%(reason)s") % {"when": _when(session.starts_at), "reason": session.cancel_reason},
        now,
    )
    _audit(
        request,
        "session_cancel",
        session,
        session.cohort.organization_id,
        f"取消课次：{session.title} {_when(session.starts_at)}",
        {"reason": session.cancel_reason},
    )
    return session
