"""The year's service hours of the user's roster as .xlsx: phones masked unless the full export is asked
for; every export is audited (the full one says so)."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.masking import mask_phone
from dangxiao.core.xlsx import safe_row

from .service_selectors import MATTER_MINUTES, export_rows


def hours_workbook(user, year: int, *, organization_id: int | None = None, full: bool = False, request=None) -> bytes:
    rows = export_rows(user, year, organization_id)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("志愿服务时长"))
    ws.append(
        safe_row(
            ws,
            [
                _("姓名"),
                _("所在组织"),
                _("手机号"),
                _("志愿服务活动（分钟）"),
                _("送学上门（分钟）"),
                _("解决关键小事（件）"),
                _("关键小事折算（分钟，每件%(n)s分钟）") % {"n": MATTER_MINUTES},
                _("合计（小时）"),
            ],
        )
    )
    for member, m in rows:
        phone = member.phone if full else mask_phone(member.phone)
        ws.append(
            safe_row(
                ws,
                [
                    member.name,
                    member.organization.name,
                    phone,
                    m["activity"],
                    m["visits"],
                    m["matters"],
                    m["matter_minutes"],
                    round(m["total"] / 60, 1),
                ],
            )
        )
    paths = {member.organization.path for member, _m in rows} or access.scope_for(user).staff_paths
    audit_record(
        request,
        "export",
        organization_id=access.common_organization_id(paths),
        object_type="volunteer_service_hours",
        summary=f"导出{year}年志愿服务时长{len(rows)}人" + ("（含完整手机号）" if full else "（手机号已脱敏）"),
        detail={"year": year, "count": len(rows), "full": full, "organization": organization_id},
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
