"""The member's schedule on the phone: teaching's sessions with what attendance knows of them.

It lives here, above teaching, because it shows both: the sessions ahead (teaching) with the member's leave
requests for them, and the sessions attended but not yet rated (attendance). Teaching never imports
attendance.
"""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from dangxiao.core import access
from dangxiao.teaching.selectors import member_schedule
from dangxiao.teaching.services import calendar_feed_for
from dangxiao.teaching.surveys import open_surveys_for

from .selectors import member_leaves, sessions_to_rate


@login_required
def my_schedule(request):
    """A member's upcoming sessions on the phone, with their private calendar feed."""
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    member = access.get_member_or_404(request.user, scope.member_id, access.filter_members(request.user).select_related("organization"))
    today = timezone.localdate()
    sessions = list(member_schedule(member, today, today + timedelta(days=60), include_cancelled=True))
    leaves = member_leaves(member.pk, [s.pk for s in sessions])
    for s in sessions:
        s.my_leave = leaves.get(s.pk)
    groups: list[tuple[date, list]] = []
    for s in sessions:
        d = timezone.localtime(s.starts_at).date()
        if not groups or groups[-1][0] != d:
            groups.append((d, []))
        groups[-1][1].append(s)
    return render(
        request,
        "attendance/my_schedule.html",
        {
            "active": "schedule",
            "groups": groups,
            "feed": calendar_feed_for(member=member),
            "today": today,
            "open_surveys": open_surveys_for(member, today),
            "to_rate": sessions_to_rate(member.pk, timezone.now() - timedelta(days=30))[:5],
        },
    )
