"""The members at risk of missing the year's 学时 under one organisation, as Excel (the drill-down of
the home page's compliance table). Names and hours only, no phone or ID number; audited as an export."""

from io import BytesIO
from urllib.parse import quote

from django.utils import timezone
from openpyxl import Workbook

from dangxiao.attendance import ledger
from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.models import AuditEvent
from dangxiao.core.params import year_param
from dangxiao.core.xlsx import safe_row
from dangxiao.people.models import Organization
from dangxiao.people.selectors import scope_root

HEADER = ("姓名", "所属组织", "职务", "已获学时", "应获学时", "按进度预计全年")


def _root(request) -> Organization:
    scope = access.scope_for(request.user)
    access.require(scope.is_staff)
    if request.GET.get("org"):
        q = access.staff_q(scope, "path")
        orgs = Organization.objects.all() if q is None else Organization.objects.filter(q)
        return access.get_organization_or_404(request.user, request.GET["org"], orgs)
    root = scope_root(request.user)
    access.require(root is not None)
    return root


def at_risk_workbook(request) -> tuple[bytes, str]:
    today = timezone.localdate()
    root, year = _root(request), year_param(request.GET.get("year"), today.year)
    result = ledger.compliance(request.user, root, year, today)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{year}年学时预警")
    ws.append(safe_row(ws, HEADER))
    for m in result.at_risk:
        ws.append(safe_row(ws, (m.name, m.organization, m.position_label, float(m.hours), float(m.required or 0), float(m.projected or 0))))
    out = BytesIO()
    wb.save(out)
    audit_record(
        request,
        AuditEvent.Action.EXPORT,
        organization_id=root.pk,
        object_type="study_hours_at_risk",
        summary=f"导出{root.name}{year}年学时预警党员{len(result.at_risk)}人",
        detail={"count": len(result.at_risk), "year": year, "organization": root.pk},
    )
    return out.getvalue(), quote(f"学时预警-{root.name}-{year}.xlsx")
