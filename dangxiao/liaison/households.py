"""The households spreadsheet: the blank template, an all-or-nothing import, and the export.

Rows are keyed by compound + building + room: importing the same file twice changes nothing, and
an edited file updates the households it names. Buildings are created as needed. Like the roster
file, the headers and sheet names are Chinese whatever language the interface speaks; only the
problems found are translated.

An export masks contacts unless the full export is asked for (audited). A masked contact read
back from a re-imported export keeps the stored value, so export → edit → import round-trips.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dangxiao.core import access, xlsx
from dangxiao.core.audit import audit_record
from dangxiao.core.masking import mask_phone
from dangxiao.people import normalize as n
from dangxiao.people.roster import RowError
from dangxiao.people.services import ImportResult

from .models import Building, Compound, Household

COLUMNS = (
    # key, header, required, hint, width
    ("compound", "小区", True, "必填，小区名称，须是您管理的小区", 16),
    ("building", "楼栋", True, "必填，如 1栋；只写数字时按“N栋”处理", 10),
    ("room", "单元门牌", True, "必填，如 1单元101", 14),
    ("size", "户人数", False, "正整数，空白为 1", 8),
    ("contact_name", "联系人", False, "", 10),
    ("contact_phone", "联系电话", False, "11位手机号", 14),
    ("note", "备注", False, "", 24),
)
HEADER = {key: header for key, header, *_rest in COLUMNS}
KEYS = {header: key for key, header, *_rest in COLUMNS}
FIELDS = ("size", "contact_name", "contact_phone", "note")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HouseholdFileError(Exception):
    """The file as a whole cannot be read (not an .xlsx, no header row, missing columns)."""


@dataclass
class HouseholdImport(ImportResult):
    """The roster import's result, plus the buildings an import creates on the way."""

    buildings_created: int = 0


def mask_name(name: str) -> str:
    return f"{name[0]}{'*' * (len(name) - 1)}" if len(name) > 1 else name


def _text(value, limit: int, header: str) -> str:
    text = n.clean_text(value)
    if len(text) > limit:
        raise ValueError(_("%(column)s不能超过%(limit)d个字") % {"column": header, "limit": limit})
    return text


def _building(value) -> str:
    text = _text(value, 40, HEADER["building"])
    return f"{text}栋" if text.isdigit() else text


def _size(value) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = n.clean_text(value)
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError(_("户人数“%(value)s”应为 1 到 99 的正整数") % {"value": text})
    return int(text)


def _read(data: bytes) -> list[tuple[int, dict]]:
    """The data rows by the sheet's actual cells, within the caps of `core.xlsx` (HouseholdFileError past them)."""
    try:
        with xlsx.open_workbook(data, _("文件无法读取：请上传用导入模板填写的 Excel 文件（.xlsx）")) as wb:
            return _read_sheet(xlsx.sheet_rows(wb.worksheets[0]))
    except xlsx.SheetError as exc:
        raise HouseholdFileError(str(exc)) from None


def _read_sheet(rows) -> list[tuple[int, dict]]:
    _number, header = next(rows, (None, None))
    if not header:
        raise HouseholdFileError(_("第1行应为表头，但文件是空的"))
    positions = {}
    for index, cell in enumerate(header):
        title = n.clean_text(cell).rstrip("*＊").strip()
        if title in KEYS:
            positions.setdefault(KEYS[title], index)
    missing = [h for key, h, required, *_r in COLUMNS if required and key not in positions]
    if missing:
        raise HouseholdFileError(_("表头缺少必需的列：%(columns)s。请使用导入模板") % {"columns": "、".join(missing)})
    return [(number, {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}) for number, cells in rows]


def household_import(user, data: bytes, *, dry_run: bool = False, request=None) -> HouseholdImport:
    """Create or update households from the spreadsheet, all or nothing (see the module docstring).

    Every problem is listed by row and column; nothing is written when there is one, or on a dry
    run. Raises HouseholdFileError when the file itself cannot be read.
    """
    if not access.scope_for(user).is_staff:
        raise HouseholdFileError(_("您没有导入住户的权限"))
    raw_rows = _read(data)
    if not raw_rows:
        raise HouseholdFileError(_("文件中没有住户数据（从第2行开始填写）"))
    compounds: dict[str, list[Compound]] = {}
    for c in access.filter_managed_compounds(user).select_related("community").only("id", "name", "community__path"):
        compounds.setdefault(c.name, []).append(c)

    result = HouseholdImport()
    errors = result.errors
    parsed: list[tuple[int, Compound, str, str, dict]] = []
    seen: dict[tuple, int] = {}
    for number, raw in raw_rows:

        def err(key: str, message: str, number=number) -> None:
            errors.append(RowError(number, HEADER[key], message))

        values, ok = {}, True
        for key, header, required, *_r in COLUMNS:
            cell = raw.get(key)
            blank = cell is None or (isinstance(cell, str) and not cell.strip())
            if blank and required:
                err(key, _("%(column)s不能为空") % {"column": header})
                ok = False
                continue
            try:
                if key == "compound":
                    values[key] = _text(cell, 60, header)
                elif key == "building":
                    values[key] = _building(cell)
                elif key == "room":
                    values[key] = _text(cell, 40, header)
                elif key == "size":
                    values[key] = _size(cell)
                elif key == "contact_name":
                    values[key] = _text(cell, 40, header)
                elif key == "contact_phone":
                    values[key] = "" if blank else _phone(cell)
                else:
                    values[key] = _text(cell, 200, header)
            except ValueError as exc:
                err(key, str(exc))
                ok = False
        compound = None
        name = values.get("compound")
        if name:
            found = compounds.get(name, [])
            if not found:
                err("compound", _("小区“%(name)s”不存在或不在您的管理范围内") % {"name": name})
            elif len(found) > 1:
                err("compound", _("您管理的小区中有多个名为“%(name)s”，请分开导入") % {"name": name})
            else:
                compound = found[0]
        if compound is None or not ok:
            continue
        key = (compound.pk, values["building"], values["room"])
        if key in seen:
            err("room", _("与第%(row)d行重复（同一小区、楼栋、单元门牌）") % {"row": seen[key]})
            continue
        seen[key] = number
        parsed.append((number, compound, values["building"], values["room"], values))

    compound_ids = {c.pk for _n, c, *_r in parsed}
    buildings = {(b.compound_id, b.name): b for b in Building.objects.filter(compound_id__in=compound_ids)}
    existing = {
        (h.building.compound_id, h.building.name, h.room): h
        for h in Household.objects.filter(building__compound_id__in=compound_ids).select_related("building")
    }
    new_buildings: dict[tuple, Building] = {}
    to_create: list[tuple[tuple, dict]] = []
    to_update: list[Household] = []
    masked_error = _("联系电话“%(value)s”是隐藏后的号码，与已登记的号码不符，请填写完整号码或留空")
    for number, compound, building, room, values in parsed:
        if (compound.pk, building) not in buildings and (compound.pk, building) not in new_buildings:
            new_buildings[(compound.pk, building)] = Building(compound=compound, name=building)
        household = existing.get((compound.pk, building, room))
        clean = {k: values[k] for k in FIELDS}
        if "*" in clean["contact_phone"]:
            # A masked number from an export stands for the stored one, and nothing else.
            if household is None or clean["contact_phone"] != mask_phone(household.contact_phone):
                errors.append(RowError(number, HEADER["contact_phone"], masked_error % {"value": clean["contact_phone"]}))
                continue
            clean["contact_phone"] = household.contact_phone
        if household is None:
            to_create.append(((compound.pk, building), {"room": room, **clean}))
            continue
        if clean["contact_name"] and household.contact_name and clean["contact_name"] == mask_name(household.contact_name):
            clean["contact_name"] = household.contact_name
        diff = [k for k, v in clean.items() if getattr(household, k) != v]
        if diff:
            for k in diff:
                setattr(household, k, clean[k])
            to_update.append(household)
        else:
            result.unchanged += 1

    errors.sort(key=lambda e: (e.row, [h for _k, h, *_r in COLUMNS].index(e.column)))
    result.created, result.updated, result.buildings_created = len(to_create), len(to_update), len(new_buildings)
    if errors or dry_run:
        return result
    with transaction.atomic():
        Building.objects.bulk_create(new_buildings.values())
        buildings.update({(b.compound_id, b.name): b for b in Building.objects.filter(compound_id__in=compound_ids)})
        Household.objects.bulk_create([Household(building=buildings[bkey], **fields) for bkey, fields in to_create], batch_size=500)
        if to_update:
            Household.objects.bulk_update(to_update, list(FIELDS), batch_size=500)
        audit_record(
            request,
            "import",
            organization_id=access.common_organization_id({c.community.path for _n, c, *_r in parsed}),
            object_type="household",
            summary=f"导入住户：新增{result.created}户，更新{result.updated}户，新建楼栋{result.buildings_created}栋",
            detail={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    result.committed = True
    return result


def _phone(value) -> str:
    """A mobile number (full-width digits and numbers stored as numbers are fine), or a masked one
    from an export, kept as written and resolved against the stored number by the caller."""
    text = n.clean_text(value).replace(" ", "")
    if "*" in text:
        return text
    return n.parse_phone(value)


def _header_style(ws) -> None:
    fill = PatternFill("solid", fgColor="C00000")
    for i, (_key, _header, _req, _hint, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = width + 4
    ws.freeze_panes = "A2"


def template_workbook(compounds: Iterable[Compound]) -> bytes:
    """The blank template: the households sheet, instructions, and the compounds the user manages."""
    wb = Workbook()
    ws = wb.active
    ws.title = "住户名单"
    ws.append([h for _k, h, *_r in COLUMNS])
    _header_style(ws)
    phone_col = [k for k, *_r in COLUMNS].index("contact_phone") + 1
    for row in range(2, 1002):
        ws.cell(row=row, column=phone_col).number_format = "@"
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "填写要求"])
    for _key, header, required, hint, _w in COLUMNS:
        help_ws.append([header, "必填" if required else "选填", hint])
    help_ws.append([])
    help_ws.append(["说明", "", "从第2行开始每行一户；按小区、楼栋、单元门牌识别已有住户，重复导入不会重复添加，修改后再次导入会更新。"])
    help_ws.column_dimensions["A"].width = 12
    help_ws.column_dimensions["C"].width = 80
    c_ws = wb.create_sheet("小区列表")
    c_ws.append(["小区", "所属社区"])
    for c in compounds:
        c_ws.append(xlsx.safe_row(c_ws, [c.name, c.community.name]))
    c_ws.column_dimensions["A"].width = 20
    c_ws.column_dimensions["B"].width = 30
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_workbook(households: Iterable[Household], *, full: bool) -> bytes:
    """Households in the template's columns; contacts masked unless `full`; no cell can run as a formula."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("住户名单")
    for i, (*_r, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width + 4
    ws.freeze_panes = "A2"
    ws.append([h for _k, h, *_r in COLUMNS])
    for h in households:
        name = h.contact_name if full else mask_name(h.contact_name)
        phone = h.contact_phone if full else mask_phone(h.contact_phone)
        values = [h.building.compound.name, h.building.name, h.room, h.size, name, phone, h.note]
        row = xlsx.safe_row(ws, values)
        row[5].number_format = "@"
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def household_export(user, *, compound_id: int | None = None, full: bool = False, request=None) -> tuple[bytes, int]:
    """The households of the compounds the user manages (or of one of them); a full export is audited."""
    compounds = access.filter_managed_compounds(user)
    if compound_id:
        compounds = compounds.filter(pk=compound_id)
    households = list(
        Household.objects.filter(building__compound__in=compounds.values("pk"))
        .select_related("building__compound__community")
        .order_by("building__compound__name", "building__name", "room")
    )
    from .grid import household_key

    households.sort(key=lambda h: (h.building.compound.name, *household_key(h)))
    data = export_workbook(households, full=full)
    if full:
        paths = {h.building.compound.community.path for h in households}
        audit_record(
            request,
            "export",
            organization_id=access.common_organization_id(paths or access.scope_for(user).staff_paths),
            object_type="household",
            summary=f"导出住户名单{len(households)}户（含完整联系方式）",
            detail={"count": len(households), "compound": compound_id},
        )
    return data, len(households)
