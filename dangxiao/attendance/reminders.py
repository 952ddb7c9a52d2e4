"""Reminders the queue sends about attendance: a member's sessions the day before and an hour before, and
学时 at risk (to the member and their secretary), monthly from the third quarter. Each is keyed so that
running a job twice, or two workers at once, tells nobody twice (notify's delivery records)."""

from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.notify.models import Kind
from dangxiao.notify.services import notify
from dangxiao.people.models import Member, Role, User
from dangxiao.teaching.models import Enrollment, Session

from .ledger import compliance
from .models import LeaveRequest

DAY_AHEAD = timedelta(hours=24)
HOUR_AHEAD = timedelta(hours=1)
AT_RISK_FROM_MONTH = 7  # the third quarter


def session_reminders_send(now: datetime | None = None) -> int:
    """Remind the members enrolled in each planned session starting within a day ("明天/今天有课"), and again
    within the hour. The window is bounded (the next 24 hours); a session moved to another time is reminded
    anew (its start time is in the key). Members whose leave was approved are left out. Returns the in-app
    notices written."""
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(status=Session.Status.PLANNED, starts_at__gt=now, starts_at__lte=now + DAY_AHEAD)
        .select_related("cohort", "venue")
        .prefetch_related(
            Prefetch(
                "cohort__enrollments",
                queryset=Enrollment.objects.filter(status=Enrollment.Status.ENROLLED, member__user__isnull=False).select_related(
                    "member__user"
                ),
                to_attr="reminded",
            )
        )
        .order_by("starts_at")
    )
    written = 0
    url = reverse("attendance:my_schedule")
    for session in sessions:
        excused = set(LeaveRequest.objects.filter(session=session, status=LeaveRequest.Status.APPROVED).values_list("member_id", flat=True))
        users = [e.member.user for e in session.cohort.reminded if e.member_id not in excused]
        if not users:
            continue
        start = timezone.localtime(session.starts_at)
        where = session.venue.name if session.venue else _("线上学习")
        soon = session.starts_at - now <= HOUR_AHEAD
        stamp = f"{session.starts_at:%Y%m%d%H%M}"
        key = f"session:{session.pk}:{'hour' if soon else 'day'}:{stamp}"
        title = (_("一小时内上课：%(title)s") if soon else _("上课提醒：%(title)s")) % {"title": session.title}
        body = _("%(when)s · %(where)s · %(cohort)s") % {"when": f"{start:%m-%d %H:%M}", "where": where, "cohort": session.cohort.name}
        written += notify(users, key, title, body, url, kind=Kind.SESSION_REMINDER, now=now, urgent=soon)
    return written


def hours_at_risk_notify(today: date | None = None, now: datetime | None = None) -> int:
    """Once a month from July: each member whose 学时 projected to the year's end falls short hears of it, and
    each secretary (组织管理员) gets the count of their members at risk. Read from the compliance selector, in
    each staff member's own scope. Returns the in-app notices written."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if today.month < AT_RISK_FROM_MONTH:
        return 0
    month = f"{today:%Y-%m}"
    written, told = 0, set()
    roles = Role.objects.filter(kind__in=[Role.Kind.ORG_ADMIN, *Role.BOARD_KINDS]).select_related("user", "organization")
    for role in roles.order_by("organization__path", "pk"):
        result = compliance(role.user, role.organization, today.year, today)
        if not result.at_risk:
            continue
        if role.kind == Role.Kind.ORG_ADMIN:
            written += notify(
                [role.user],
                f"hours:{month}:org:{role.organization_id}",
                _("学时预警：%(org)s有%(n)s名党员可能不达标") % {"org": role.organization.name, "n": len(result.at_risk)},
                _("按目前进度，年底前这些党员的学时达不到要求，请安排补学。"),
                reverse("ledger_compliance") + f"?org={role.organization_id}",
                kind=Kind.HOURS_AT_RISK,
                now=now,
                organization=role.organization,
            )
        fresh = [m for m in result.at_risk if m.id not in told]
        told.update(m.id for m in fresh)
        accounts = dict(Member.objects.filter(pk__in=[m.id for m in fresh], user__isnull=False).values_list("pk", "user_id"))
        users = {u.pk: u for u in User.objects.filter(pk__in=accounts.values())}
        for m in fresh:
            user = users.get(accounts.get(m.id))
            if user is None:
                continue
            written += notify(
                [user],
                f"hours:{month}:member:{m.id}",
                _("学时提醒：今年已学%(hours)s学时，要求%(required)s学时") % {"hours": m.hours, "required": m.required},
                _("按目前进度年底前可能达不到要求，请报名参加近期的课程或网上学习。"),
                reverse("ledger_my_hours"),
                kind=Kind.HOURS_AT_RISK,
                now=now,
            )
    return written
