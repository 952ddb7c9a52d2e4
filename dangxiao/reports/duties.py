"""What a staff member owes now, gathered from each domain's provider `duties(user, today)`; the
secretary's home page lists them, each with a link to the queue that settles it (core.duties.Duty).

Providers for what exists today live here, with the practice app's themed days and meetings due
(practice.meetings_selectors.duties), volunteer hours to approve, reflections to review and projects to assess."""

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangxiao.attendance.leave import leave_inbox
from dangxiao.attendance.models import Attendance
from dangxiao.core import access
from dangxiao.core.duties import Duty
from dangxiao.liaison.selectors import handler_summary
from dangxiao.people.selectors import scope_root
from dangxiao.practice import meetings_selectors, projects_selectors, reflections_selectors, service_selectors
from dangxiao.teaching.models import Session

from .dashboards import url
from .models import OrgYear

MARKS_LOOKBACK_DAYS = 30


def leave_to_decide(user, today: date) -> list[Duty]:
    n = leave_inbox(user).count()
    return [Duty(_("%(n)d 条请假待审批") % {"n": n}, n, url("attendance:leave_inbox"))] if n else []


def marks_missing(user, today: date) -> list[Duty]:
    """Sessions of the last 30 days, held, of cohorts the user manages, with no attendance marked at all."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=MARKS_LOOKBACK_DAYS), time.min))
    until = timezone.make_aware(datetime.combine(today, time.min))
    unmarked = (
        Session.objects.filter(cohort__in=access.filter_cohorts(user), starts_at__gte=since, starts_at__lt=until)
        .exclude(status=Session.Status.CANCELLED)
        .exclude(Exists(Attendance.objects.filter(session=OuterRef("pk"))))
        .order_by("starts_at")
    )
    n = unmarked.count()
    if not n:
        return []
    root = scope_root(user)
    return [
        Duty(
            ngettext("%(n)d 次已上课次未登记考勤", "%(n)d 次已上课次未登记考勤", n) % {"n": n},
            n,
            # The same window as counted here: the last MARKS_LOOKBACK_DAYS days before today.
            url(
                "teaching:session_list",
                unmarked=1,
                org=root.pk if root else None,
                **{"from": (today - timedelta(days=MARKS_LOOKBACK_DAYS)).isoformat(), "to": (today - timedelta(days=1)).isoformat()},
            ),
            "overdue",
        )
    ]


def matters_overdue(user, today: date) -> list[Duty]:
    n = (handler_summary(user, timezone.now()) or {}).get("overdue", 0)
    return [Duty(_("%(n)d 件联户事项已逾期") % {"n": n}, n, url("liaison:matter_list", overdue=1), "overdue")] if n else []


def members_at_risk(user, today: date) -> list[Duty]:
    root = scope_root(user)
    if root is None:
        return []
    n = sum(OrgYear.objects.filter(organization__path__startswith=root.path, year=today.year).values_list("at_risk", flat=True))
    link = url("ledger_compliance", org=root.pk, year=today.year) + "#at-risk"
    return [Duty(_("%(n)d 名党员学时可能不达标") % {"n": n}, n, link)] if n else []


PROVIDERS = [
    leave_to_decide,
    marks_missing,
    matters_overdue,
    members_at_risk,
    meetings_selectors.duties,
    service_selectors.duties,
    reflections_selectors.duties,
    projects_selectors.duties,
]


def duties(user, today: date | None = None) -> list[Duty]:
    """Every provider's duties for the user, the overdue ones first."""
    today = today or timezone.localdate()
    if not access.scope_for(user).is_staff:
        return []
    found = [d for provider in PROVIDERS for d in provider(user, today)]
    return sorted(found, key=lambda d: d.level != "overdue")
