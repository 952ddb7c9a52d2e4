from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.attendance.ledger import member_year
from dangxiao.core import access
from dangxiao.core.params import year_param
from dangxiao.liaison.selectors import handler_summary
from dangxiao.people import selectors
from dangxiao.people.models import Organization
from dangxiao.school.first_run import needs_first_run
from dangxiao.teaching.selectors import member_schedule

from . import dashboards, duties


@login_required
def home(request):
    """Board and secretaries see counts for their subtree; a member sees their own profile."""
    if request.user.is_superuser and needs_first_run():
        return redirect("school:first_run")  # an empty install: start with the working committee and school
    scope = access.scope_for(request.user)
    context = {"active": "home"}
    if scope.can_view_roster:
        root = selectors.scope_root(request.user)
        summary = selectors.roster_summary(request.user, root)
        context.update(
            root=root,
            summary=summary,
            charts={
                "age": [[label, count] for label, count in summary.by_age_band],
                "industry": [[label, count] for label, count in summary.by_industry[:12]],
                "organization": [[org.short_name or org.name, count] for org, count in summary.by_organization],
                # ECharts tooltip template: {b} category, {c} count, {d} percentage.
                "tooltip": _("{b}：{c}人（{d}%）"),
            },
        )
        board = _dashboard(request, root)
        context.update(dashboard=board, dashboard_charts=dashboards.chart_data(board) if board else None)
    if scope.member_id:
        member = access.get_member_or_404(request.user, scope.member_id, selectors.Member.objects.select_related("organization"))
        today = timezone.localdate()
        context.update(
            member=member,
            upcoming=list(member_schedule(member, today, today + timedelta(days=30))[:3]),
            hours=member_year(member, today.year),
        )
    context["matters"] = handler_summary(request.user, timezone.now())
    return render(request, "reports/home.html", context)


def _dashboard(request, root):
    """The board's (or a secretary's) figures for their subtree, or the organisation chosen in ?org=."""
    today = timezone.localdate()
    year = year_param(request.GET.get("year"), today.year)
    if request.GET.get("org"):
        q = access.staff_q(access.scope_for(request.user), "path")
        orgs = Organization.objects.all() if q is None else Organization.objects.filter(q)
        root = access.get_organization_or_404(request.user, request.GET["org"], orgs)
    if root is None:
        return None
    board = dashboards.dashboard(request.user, root, year, today=today)
    board.duties = duties.duties(request.user, today)
    return board
