"""Points pages: the member's 我的积分 (phone), a secretary's organisation ranking with its Excel export
(desktop), one member's log for staff, and the board's rule editor per year."""

from datetime import date
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from dangxiao.core import access, audit, xlsx
from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Member
from dangxiao.people.selectors import scope_root

from . import points_rules, points_selectors
from .models import PointsAction, PointsRule
from .points_derivation import points_reconcile

PAGE = 30
EXPORT_MAX = 5000


def _year(request, today: date) -> int:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _member_page(request, member: Member, *, template: str, active: str):
    today = timezone.localdate()
    year = _year(request, today)
    page = Paginator(points_selectors.member_log(member.pk, year), PAGE).get_page(request.GET.get("page"))
    context = {
        "active": active,
        "member": member,
        "year": year,
        "years": range(today.year, today.year - 5, -1),
        "summary": points_selectors.member_summary(member.pk, year, today),
        "page": page,
        "querystring_nopage": f"year={year}&",
    }
    return render(request, template, context)


@login_required
def mine(request):
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    return _member_page(request, Member.objects.get(pk=member_id), template="appraisal/points/mine.html", active="points")


@login_required
def member(request, pk: int):
    """One member's log for the staff over them (a member opening their own id sees their own)."""
    target = access.get_points_member_or_404(request.user, pk, Member.objects.select_related("organization"))
    return _member_page(request, target, template="appraisal/points/member.html", active="org_points")


@login_required
def organization_home(request):
    access.require(access.scope_for(request.user).is_staff)
    # The top of the user's scope: its ranking covers the whole subtree, and the children are one click down.
    org = scope_root(request.user) or access.filter_organizations(request.user).order_by("depth", "path").first()
    access.require(org is not None)
    return redirect("points:organization", org.pk)


def _ranking(request, pk: int):
    access.require(access.scope_for(request.user).is_staff)
    org = access.get_organization_or_404(request.user, pk)
    today = timezone.localdate()
    year = _year(request, today)
    sort = request.GET.get("sort", "total")
    sort = sort if sort in points_selectors.SORTS else "total"
    q = request.GET.get("q", "").strip()[:50]
    return org, year, sort, q, points_selectors.organization_ranking(request.user, org, year, today, sort=sort, q=q)


@login_required
def organization(request, pk: int):
    org, year, sort, q, ranking = _ranking(request, pk)
    page = Paginator(ranking, PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "active": "org_points",
        "organization": org,
        "children": access.filter_organizations(request.user).filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")[:60],
        "parent": access.filter_organizations(request.user).filter(path=org.path[: -org.steplen]).first() if org.depth > 1 else None,
        "year": year,
        "years": range(today.year, today.year - 5, -1),
        "sort": sort,
        "q": q,
        "page": page,
        "offset": page.start_index() - 1 if page.paginator.count else 0,
        "querystring_nopage": urlencode({"year": year, "sort": sort, "q": q}) + "&",
        "querystring_nosort": urlencode({"year": year, "q": q}) + "&",
    }
    return render(request, "appraisal/points/organization.html", context)


@login_required
def organization_export(request, pk: int):
    org, year, sort, q, ranking = _ranking(request, pk)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("积分"))
    ws.append([_("排名"), _("姓名"), _("所在组织"), _("年度积分"), _("本月积分")])
    rows = list(ranking[:EXPORT_MAX])
    for i, m in enumerate(rows, start=1):
        ws.append(xlsx.safe_row(ws, [i, m.name, m.organization.name, m.total, m.month]))
    buffer = BytesIO()
    wb.save(buffer)
    audit.audit_record(
        request, AuditEvent.Action.EXPORT, organization_id=org.pk, object_type="points", object_id=org.pk,
        summary=f"积分导出 {org.name} {year}（{len(rows)} 人）",
    )  # fmt: skip
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="points-{org.pk}-{year}.xlsx"'
    return response


@login_required
def rules(request):
    school = access.get_points_rules_school_or_404(request.user)
    today = timezone.localdate()
    year = _year(request, today)
    rule_set = points_rules.rule_set_for(school, year)
    rows = {r.action: r for r in PointsRule.objects.filter(rule_set=rule_set)}
    if request.method == "POST":
        changes = {
            a: {f: request.POST.get(f"{a}-{f}", "").strip() for f in ("points", "day_cap", "month_cap", "year_cap")}
            for a in PointsAction.values
        }
        try:
            points_rules.rule_set_update(rule_set, changes)
        except points_rules.PointsRuleError as exc:
            messages.error(request, str(exc))
        else:
            members = Member.objects.filter(organization__path__startswith=school.organization.path).values_list("pk", flat=True)
            points_reconcile(list(members), year)
            audit.audit_record(
                request, AuditEvent.Action.RECORD_UPDATE, organization_id=school.organization_id, object_type="points_rules",
                object_id=rule_set.pk, summary=f"积分规则 {year}", detail=changes,
            )  # fmt: skip
            messages.success(request, _("积分规则已保存，本年度积分已按新规则重新计算"))
            return redirect(f"{request.path}?year={year}")
    table = [(a, label, rows.get(a)) for a, label in PointsAction.choices]
    context = {"active": "org_points", "school": school, "year": year, "years": range(today.year + 1, today.year - 4, -1), "table": table}
    return render(request, "appraisal/points/rules.html", context)
