"""The roster spreadsheet: its columns, the blank template, reading an upload, writing an export.

Reading validates every row and collects every problem (row, column, message) before anything is
written; `services.roster_import` decides what to create and update.

The spreadsheet is a file format, not interface text: its sheet names, column headers and the
labels it accepts (男/女, 正式党员, 是/否 …) are Chinese whatever language the interface speaks, so
that a file exported by an English-speaking user still imports. Only the problems found while
reading are translated.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dangxiao.core import xlsx

from . import normalize as n
from .models import Member

# The language the spreadsheet is written in. Model choice labels are lazily translated; the file
# always uses them in Chinese (the msgids).
FILE_LANGUAGE = "zh-hans"


def _choices(enum) -> dict[str, str]:
    with translation.override(FILE_LANGUAGE):
        return {str(label): value for value, label in enum.choices}


GENDER = _choices(Member.Gender) | {"男性": "M", "女性": "F"}
STATUS = _choices(Member.Status) | {"正式": "full", "预备": "probationary"}
EDUCATION = _choices(Member.Education) | {
    "本科": "bachelor",
    "硕士": "postgraduate",
    "博士": "postgraduate",
    "中专": "secondary",
    "高中": "secondary",
    "初中": "junior",
    "小学": "junior",
}
POSITION = _choices(Member.Position) | {"": "", "党支部书记": "secretary", "支部委员": "committee_member"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    parse: Callable[[Any], Any]
    required: bool = False
    hint: str = ""
    width: int = 12


def _text(limit: int) -> Callable[[Any], str]:
    def parse(value) -> str:
        text = n.clean_text(value)
        if len(text) > limit:
            raise ValueError(_("不能超过%(limit)d个字") % {"limit": limit})
        return text

    return parse


def _choice(mapping: dict[str, str], label: str) -> Callable[[Any], str]:
    return lambda value: n.parse_choice(value, mapping, label)


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", _text(50), True, "必填", 10),
    Column("gender", "性别", _choice(GENDER, "性别"), False, "男/女；空白时按身份证号判断", 6),
    Column("birth_date", "出生日期", n.parse_date, False, "如 1985-03-01、1985.03、1985年3月1日；空白时按身份证号", 12),
    Column("ethnicity", "民族", _text(20), False, "如 汉族", 8),
    Column("education", "学历", _choice(EDUCATION, "学历"), False, "研究生/大学本科/大专/中专/高中/初中及以下", 10),
    Column("joined_party_on", "入党日期", n.parse_date, False, "同出生日期", 12),
    Column("status", "党员类别", _choice(STATUS, "党员类别"), False, "正式党员/预备党员，空白为正式党员", 10),
    Column("organization_name", "所在组织", _text(100), False, "组织全称；与组织编码至少填一项", 24),
    Column("organization_code", "组织编码", _text(40), False, "见“组织列表”工作表", 14),
    Column("occupation", "职业", _text(50), False, "", 12),
    Column("industry", "行业", _text(30), False, "如 党政机关、教育、外卖配送", 12),
    Column("phone", "手机号码", n.parse_phone, True, "必填，11位手机号，不可重复", 14),
    Column("id_number", "身份证号", n.parse_id_number, False, "18位，校验位须正确", 22),
    Column("home_compound", "居住小区", _text(60), False, "", 14),
    Column("address", "家庭住址", _text(120), False, "", 24),
    Column("is_mobile", "流动党员", n.parse_bool, False, "是/否", 8),
    Column("mobile_location", "流动去向", _text(60), False, "流动党员现在所在地", 14),
    Column("is_elderly_infirm", "年老体弱", n.parse_bool, False, "年老体弱或行动不便：是/否", 8),
    Column("is_organ_worker", "机关党员", n.parse_bool, False, "是/否", 8),
    Column("is_new_employment", "新就业群体", n.parse_bool, False, "快递员、外卖骑手等：是/否", 8),
    Column("position", "党内职务", _choice(POSITION, "党内职务"), False, "书记/副书记/委员/党务工作者，空白为无", 10),
)
HEADERS = {c.header: c for c in COLUMNS}
MEMBER_FIELDS = tuple(c.key for c in COLUMNS if not c.key.startswith("organization_")) + ("organization_id",)


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


class RosterFileError(Exception):
    """The file as a whole cannot be read (not an .xlsx, no header row, missing columns)."""


def read_rows(data: bytes) -> tuple[list[ParsedRow], list[RowError]]:
    """Parse every data row; return the rows and every cell-level problem found.

    The sheet is read by its actual cells within the caps of `core.xlsx` (RosterFileError past them).
    """
    try:
        with xlsx.open_workbook(data, _("文件无法读取：请上传用导入模板填写的 Excel 文件（.xlsx）")) as wb:
            return _read_sheet(xlsx.sheet_rows(wb.worksheets[0]))
    except xlsx.SheetError as exc:
        raise RosterFileError(str(exc)) from None


def _read_sheet(rows) -> tuple[list[ParsedRow], list[RowError]]:
    _number, header = next(rows, (None, None))
    if not header:
        raise RosterFileError(_("第1行应为表头，但文件是空的"))
    positions: list[tuple[int, Column]] = []
    for index, cell in enumerate(header):
        title = n.clean_text(cell).rstrip("*＊").replace("(必填)", "").strip()
        if title in HEADERS:
            positions.append((index, HEADERS[title]))
    present = {c.key for _, c in positions}
    missing = [c.header for c in COLUMNS if c.required and c.key not in present]
    if "organization_name" not in present and "organization_code" not in present:
        missing.append("所在组织")
    if missing:
        raise RosterFileError(_("表头缺少必需的列：%(columns)s。请使用导入模板") % {"columns": "、".join(missing)})
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    for number, cells in rows:
        row = ParsedRow(number)
        for index, column in positions:
            raw = cells[index] if index < len(cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                row.values[column.key] = None
                if column.required:
                    errors.append(RowError(number, column.header, _("%(column)s不能为空") % {"column": column.header}))
                continue
            try:
                row.values[column.key] = column.parse(raw)
            except ValueError as exc:
                errors.append(RowError(number, column.header, str(exc)))
                row.values[column.key] = None
                row.failed.add(column.key)
        parsed.append(row)
    return parsed, errors


def _header_style(ws, columns: Iterable[Column]) -> None:
    fill = PatternFill("solid", fgColor="C00000")
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = column.width + 4
    ws.freeze_panes = "A2"


def template_workbook(organizations: Iterable) -> bytes:
    """The blank import template: the roster sheet, a sheet of instructions, the organisations in scope."""
    with translation.override(FILE_LANGUAGE):
        return _template_workbook(organizations)


def _template_workbook(organizations: Iterable) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "党员名单"
    ws.append([c.header for c in COLUMNS])
    _header_style(ws, COLUMNS)
    for i, column in enumerate(COLUMNS, start=1):
        if column.key in ("phone", "id_number", "organization_code"):
            for row in range(2, 1002):
                ws.cell(row=row, column=i).number_format = "@"
    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列名", "是否必填", "填写要求"])
    for column in COLUMNS:
        help_ws.append([column.header, "必填" if column.required else "选填", column.hint])
    help_ws.append([])
    help_ws.append(
        ["说明", "", "从第2行开始每行一名党员；按手机号（其次身份证号）识别已有党员，重复导入不会重复添加，修改后再次导入会更新。"]
    )
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["C"].width = 80
    org_ws = wb.create_sheet("组织列表")
    org_ws.append(["组织编码", "组织名称", "类别"])
    for org in organizations:
        org_ws.append(xlsx.safe_row(org_ws, [org.code, org.name, org.get_kind_display()]))
    org_ws.column_dimensions["A"].width = 16
    org_ws.column_dimensions["B"].width = 40
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _display(member: Member, key: str):
    value = getattr(member, key)
    if key in ("gender", "education", "status", "position"):
        return getattr(member, f"get_{key}_display")() if value else ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value
    return value or ""


ACTIVATION_HEADERS = ("激活码", "激活码有效期至")  # after the template's columns; the import ignores them


def export_workbook(members: Iterable[Member], activation: dict | None = None) -> bytes:
    """The roster in the template's columns (streamed, constant memory), so export → edit → import round-trips.

    Text that a spreadsheet could run as a formula is written as text (`core.xlsx.safe_cell`).

    Choice labels are written in the file's language (Chinese) whatever the reader's language is. With
    `activation` (member id → the two cells), the activation code columns follow.
    """
    with translation.override(FILE_LANGUAGE):
        return _export_workbook(members, activation)


def _export_workbook(members: Iterable[Member], activation: dict | None = None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员名单")
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width + 4
    extra = ACTIVATION_HEADERS if activation is not None else ()
    for i in range(len(extra)):
        ws.column_dimensions[get_column_letter(len(COLUMNS) + 1 + i)].width = 16
    ws.freeze_panes = "A2"
    ws.append([c.header for c in COLUMNS] + list(extra))
    for member in members:
        row = []
        for column in COLUMNS:
            if column.key == "organization_name":
                value = member.organization.name
            elif column.key == "organization_code":
                value = member.organization.code
            else:
                value = _display(member, column.key)
            cell = xlsx.safe_cell(ws, value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif column.key in ("phone", "id_number"):
                cell.number_format = "@"
            row.append(cell)
        if activation is not None:
            row += [xlsx.safe_cell(ws, v) for v in activation.get(member.pk, ("", ""))]
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
