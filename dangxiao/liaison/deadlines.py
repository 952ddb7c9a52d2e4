"""Warn the grid leaders handling a residents' matter before its deadline passes (escalation comes after)."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.notify.models import Kind
from dangxiao.notify.services import notify
from dangxiao.people.models import User

from .models import OPEN_STATES, GridRole, Matter

WARN_AHEAD = timedelta(hours=12)


def matter_deadlines_notify(now: datetime | None = None) -> int:
    """Each open matter whose current deadline (to respond while reported, to resolve after) falls within the
    next 12 hours: its handler (the grid role or member it is assigned to) and the compound's 片长 are told,
    once per deadline; the staff group's WeCom robot of the community posts it too. Returns the in-app notices
    written."""
    now = now or timezone.now()
    soon = now + WARN_AHEAD
    due = Q(state="reported", respond_by__gt=now, respond_by__lte=soon) | (
        ~Q(state="reported") & Q(resolve_by__gt=now, resolve_by__lte=soon)
    )
    matters = (
        Matter.objects.filter(due, state__in=OPEN_STATES)
        .select_related("category", "compound__community", "assigned_role__user", "assigned_member__user")
        .order_by("pk")[:500]
    )
    written = 0
    for matter in matters:
        deadline = matter.respond_by if matter.state == "reported" else matter.resolve_by
        chiefs = User.objects.filter(grid_roles__compound_id=matter.compound_id, grid_roles__kind=GridRole.Kind.AREA_CHIEF, is_active=True)
        users = set(chiefs)
        if matter.assigned_role and matter.assigned_role.user:
            users.add(matter.assigned_role.user)
        if matter.assigned_member and matter.assigned_member.user:
            users.add(matter.assigned_member.user)
        what = _("响应") if matter.state == "reported" else _("办结")
        local = timezone.localtime(deadline)
        written += notify(
            users,
            f"matter:{matter.pk}:{matter.state == 'reported' and 'respond' or 'resolve'}:{deadline:%Y%m%d%H%M}",
            _("事项即将到期：%(matter)s") % {"matter": f"#{matter.pk} {matter.category.name}"},
            _("%(compound)s · 须在 %(when)s 前%(what)s") % {"compound": matter.compound.name, "when": f"{local:%m-%d %H:%M}", "what": what},
            reverse("liaison:matter_detail", args=[matter.pk]),
            kind=Kind.MATTER_DEADLINE,
            now=now,
            organization=matter.compound.community,
        )
    return written
