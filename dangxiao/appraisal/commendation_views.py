"""评优评先 and 考核述职 pages (desktop): the year's rules and candidates with the board's decisions; the
yearly record of an organisation (page, PDF, Excel) and of one member (PDF)."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from dangxiao.attendance import ledger
from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.models import AuditEvent
from dangxiao.core.params import date_param, id_param, int_param, year_param
from dangxiao.core.pdf import render_pdf
from dangxiao.core.xlsx import safe_row
from dangxiao.people.models import Member, Organization
from dangxiao.people.selectors import scope_root

from . import commendation_services as services
from .appraisal_services import AppraisalError
from .models import CommendationKind, Grade
from .report_selectors import performance_report, report_members, report_rows


def _staff_root(request) -> Organization:
    access.require(access.scope_for(request.user).is_staff)
    if request.GET.get("org"):
        q = access.staff_q(access.scope_for(request.user), "path")
        qs = Organization.objects.all() if q is None else Organization.objects.filter(q)
        return access.get_organization_or_404(request.user, id_param(request.GET["org"]), qs)
    root = scope_root(request.user)
    access.require(root is not None)
    return root


def _year(request) -> int:
    today = timezone.localdate()
    year = year_param(request.GET.get("year"), today.year)
    return year if year <= today.year else today.year


@login_required
def commendations(request):
    """The year's candidates for each commendation under the chosen organisation; the board edits the
    rules and records its decisions."""
    root, year = _staff_root(request), _year(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in CommendationKind.values else CommendationKind.EXCELLENT_MEMBER
    is_board = access.scope_for(request.user).is_board
    if request.method == "POST":
        access.require(is_board)
        try:
            if request.POST.get("action") == "rule":
                services.rule_save(
                    root,
                    year,
                    kind,
                    min_grade=request.POST.get("min_grade", ""),
                    min_points=int_param(request.POST.get("min_points"), -1),
                    hours_met=bool(request.POST.get("hours_met")),
                    min_excellent_percent=int_param(request.POST.get("min_excellent_percent"), -1),
                    request=request,
                )
            else:
                decided_on = date_param(request.POST.get("decided_on"))
                if decided_on is None:
                    raise AppraisalError(_("请填写决定日期"))
                services.commendation_decide(
                    root,
                    year,
                    kind,
                    id_param(request.POST.get("subject")) or 0,
                    awarded=request.POST.get("awarded") == "1",
                    decided_on=decided_on,
                    notes=request.POST.get("notes", ""),
                    by=request.user,
                    request=request,
                )
        except AppraisalError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect(f"{request.path}?org={root.pk}&year={year}&kind={kind}")
    context = {
        "active": "commendations",
        "root": root,
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 4, -1)),
        "kind": kind,
        "kinds": CommendationKind.choices,
        "rule": services.rule_for(root, year, kind),
        "grades": Grade.choices,
        "candidates": services.candidates(root, year, kind),
        "is_board": is_board,
        "today": timezone.localdate(),
    }
    return render(request, "appraisal/commendations.html", context)


def _members_under(request, root: Organization):
    return access.filter_roster(request.user).current().filter(organization__path__startswith=root.path)


def _audit_export(request, root: Organization, what: str) -> None:
    audit_record(
        request, AuditEvent.Action.EXPORT, organization_id=root.pk, object_type="performance_report", object_id=root.pk, summary=what
    )


@login_required
def records(request):
    """考核述职: the members under the organisation, 50 a page; the totals are the 学时 page's (the PDF and
    the Excel carry every member)."""
    root, year = _staff_root(request), _year(request)
    page = Paginator(report_members(_members_under(request, root)), 50).get_page(request.GET.get("page"))
    rows = report_rows(request.user, list(page.object_list), year)
    totals = ledger.compliance(request.user, root, year).total
    context = {
        "active": "records",
        "rows": rows,
        "page": page,
        "totals": totals,
        "root": root,
        "year": year,
        "years": list(range(year, year - 4, -1)),
        "querystring_nopage": f"org={root.pk}&year={year}&",
    }
    return render(request, "appraisal/records.html", context)


@login_required
def records_pdf(request):
    access.require(bool(request.GET.get("org")))  # a printed document names its organisation in its address
    root, year = _staff_root(request), _year(request)
    report = performance_report(request.user, _members_under(request, root), root, year)
    _audit_export(request, root, _("导出%(year)s年度考核述职材料（PDF）：%(org)s") % {"year": year, "org": root.name})
    pdf = render_pdf("appraisal/records_pdf.html", {"r": report, "printed_on": timezone.localdate()})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="records-{year}-{root.pk}.pdf"'
    return response


@login_required
def records_xlsx(request):
    root, year = _staff_root(request), _year(request)
    report = performance_report(request.user, _members_under(request, root), root, year)
    _audit_export(request, root, _("导出%(year)s年度考核述职材料（Excel）：%(org)s") % {"year": year, "org": root.name})
    book = Workbook(write_only=True)
    ws = book.create_sheet(str(year))
    ws.append(safe_row(ws, [_("姓名"), _("所在组织"), _("学时"), _("年度要求"), _("出席"), _("无故缺席"), _("请假"), _("积分"), _("学习分享"), _("志愿服务（小时）"), _("解决小事"), _("评议等次"), _("表彰")]))  # fmt: skip
    for row in report.rows:
        rec = row.record
        ws.append(
            safe_row(
                ws,
                [
                    row.member.name,
                    row.member.organization.name,
                    float(rec.hours),
                    "" if rec.hours_required is None else float(rec.hours_required),
                    rec.attended,
                    rec.absent,
                    rec.excused,
                    "—" if rec.points is None else rec.points,
                    "—" if rec.reflections is None else rec.reflections,
                    "—" if rec.service_hours is None else float(rec.service_hours),
                    rec.matters_resolved,
                    row.grade,
                    "、".join(row.commendations),
                ],
            )
        )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="records-{year}-{root.pk}.xlsx"'
    return response


@login_required
def member_record_pdf(request, pk):
    access.require(access.scope_for(request.user).is_staff)
    member = access.get_member_or_404(request.user, pk, access.filter_roster(request.user).select_related("organization"))
    year = _year(request)
    report = performance_report(request.user, Member.objects.filter(pk=member.pk), member.organization, year)
    _audit_export(request, member.organization, _("导出%(year)s年度个人考核材料（PDF）：%(name)s") % {"year": year, "name": member.name})
    pdf = render_pdf("appraisal/records_pdf.html", {"r": report, "printed_on": timezone.localdate(), "one": True})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="record-{year}-{member.pk}.pdf"'
    return response
