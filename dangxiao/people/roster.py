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
    Column("confirmed_on", "转正日期", n.parse_date, False, "正式党员的转正日期；预备党员不填", 12),
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
BY_KEY = {c.key: c for c in COLUMNS}
MEMBER_FIELDS = tuple(c.key for c in COLUMNS if not c.key.startswith("organization_")) + ("organization_id",)


def _national(key: str, header: str, width: int = 12) -> Column:
    base = BY_KEY[key]
    return Column(key, header, base.parse, base.required, base.hint, width)


# The roster as the national Party member information system (全国党员管理信息系统) exports it: the same
# fields under that system's header names. 人员类别 is the status; 所在党支部 names the branch by its full
# name. Columns the product does not keep (序号, 籍贯, 是否失联党员, 党籍状态 …) are read past.
NATIONAL_COLUMNS: tuple[Column, ...] = (
    _national("name", "姓名", 10),
    _national("gender", "性别", 6),
    _national("id_number", "公民身份号码", 22),
    _national("ethnicity", "民族", 8),
    _national("birth_date", "出生日期"),
    _national("education", "学历", 10),
    _national("status", "人员类别", 10),
    _national("organization_name", "所在党支部", 30),
    _national("joined_party_on", "入党日期"),
    _national("confirmed_on", "转正日期"),
    _national("occupation", "工作岗位"),
    _national("phone", "手机号码", 14),
    _national("address", "家庭住址", 30),
    _national("is_mobile", "是否流动党员", 8),
)
NATIONAL_HEADERS = {c.header: c for c in NATIONAL_COLUMNS}
# Exported by that system but not kept here: written empty on export, ignored on import.
NATIONAL_UNUSED = ("是否失联党员",)
# Headers only that system's layout has: any of them in the header row means the national layout.
NATIONAL_MARKERS = frozenset({"公民身份号码", "人员类别", "所在党支部", "是否流动党员", "是否失联党员", "工作岗位"})
LAYOUTS = {"template": COLUMNS, "national": NATIONAL_COLUMNS}


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
    layout: str = "template"

    def header(self, key: str) -> str:
        """The column header, in this row's layout, of the value `key` (for a problem's column)."""
        column = next((c for c in LAYOUTS[self.layout] if c.key == key), None)
        return column.header if column else BY_KEY[key].header


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


def detect_layout(titles: Iterable[str]) -> str:
    """ "national" when the header row is the national system's (one of its own headers present), else "template"."""
    return "national" if NATIONAL_MARKERS.intersection(titles) else "template"


def parse_cells(cells: Iterable[tuple[Column, Any]]) -> tuple[dict[str, Any], set[str], list[tuple[str, str]]]:
    """Parse one member's raw cells: the clean values, the keys that failed, and (column, message) problems.

    The one place a member's values are checked cell by cell — the roster import and the member form
    (services.member_validate) both go through it, so they accept and refuse the same input."""
    values: dict[str, Any] = {}
    failed: set[str] = set()
    problems: list[tuple[str, str]] = []
    for column, raw in cells:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[column.key] = None
            if column.required:
                problems.append((column.header, _("%(column)s不能为空") % {"column": column.header}))
            continue
        try:
            values[column.key] = column.parse(raw)
        except ValueError as exc:
            problems.append((column.header, str(exc)))
            values[column.key] = None
            failed.add(column.key)
    return values, failed, problems


def cross_check(values: dict[str, Any], failed: set[str]) -> list[tuple[str, str]]:
    """The checks between a member's values, shared by the import and the form: birth date and gender
    from the ID number (filled in when blank, refused when they disagree), the 转正 date against the
    status and the joining date. Fills `values` in place; returns (column key, message) problems."""
    problems: list[tuple[str, str]] = []
    id_number = values.get("id_number") or None
    if id_number:
        id_birth = n.birth_date_from_id(id_number)
        given = values.get("birth_date")
        if given is None or (given.day == 1 and given.replace(day=1) == id_birth.replace(day=1)):
            values["birth_date"] = id_birth  # blank or month-only: the ID number is exact
        elif given != id_birth:
            problems.append(("birth_date", _("出生日期与身份证号不一致")))
        if not values.get("gender"):
            values["gender"] = "M" if int(id_number[16]) % 2 else "F"
    if not values.get("gender") and "gender" not in failed:
        problems.append(("gender", _("性别不能为空（或填写身份证号）")))
    confirmed, joined = values.get("confirmed_on"), values.get("joined_party_on")
    if confirmed and values.get("status") == Member.Status.PROBATIONARY:
        problems.append(("confirmed_on", _("预备党员没有转正日期：转正后请把党员类别改为正式党员")))
    elif confirmed and joined and confirmed < joined:
        problems.append(("confirmed_on", _("转正日期不能早于入党日期")))
    return problems


def _read_sheet(rows) -> tuple[list[ParsedRow], list[RowError]]:
    _number, header = next(rows, (None, None))
    if not header:
        raise RosterFileError(_("第1行应为表头，但文件是空的"))
    titles = [n.clean_text(cell).rstrip("*＊").replace("(必填)", "").strip() for cell in header]
    layout = detect_layout(titles)
    known = NATIONAL_HEADERS if layout == "national" else HEADERS
    positions: list[tuple[int, Column]] = [(index, known[title]) for index, title in enumerate(titles) if title in known]
    present = {c.key for _, c in positions}
    missing = [c.header for c in LAYOUTS[layout] if c.required and c.key not in present]
    if layout == "national" and "organization_name" not in present:
        missing.append("所在党支部")
    elif layout == "template" and "organization_name" not in present and "organization_code" not in present:
        missing.append("所在组织")
    if missing:
        raise RosterFileError(_("表头缺少必需的列：%(columns)s。请使用导入模板") % {"columns": "、".join(missing)})
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    for number, cells in rows:
        values, failed, problems = parse_cells((column, cells[index] if index < len(cells) else None) for index, column in positions)
        parsed.append(ParsedRow(number, values, failed, layout))
        errors += [RowError(number, column, message) for column, message in problems]
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


def export_workbook(members: Iterable[Member], activation: dict | None = None, layout: str = "template") -> bytes:
    """The roster in the template's columns (streamed, constant memory), so export → edit → import round-trips.

    With `layout="national"`, the national system's columns instead (those it has and we do not keep, empty).

    Text that a spreadsheet could run as a formula is written as text (`core.xlsx.safe_cell`).

    Choice labels are written in the file's language (Chinese) whatever the reader's language is. With
    `activation` (member id → the two cells), the activation code columns follow.
    """
    with translation.override(FILE_LANGUAGE):
        return _export_workbook(members, activation, LAYOUTS.get(layout, COLUMNS))


def _export_workbook(members: Iterable[Member], activation: dict | None, columns: tuple[Column, ...]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员名单")
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width + 4
    extra = (ACTIVATION_HEADERS if activation is not None else ()) + (NATIONAL_UNUSED if columns is NATIONAL_COLUMNS else ())
    for i in range(len(extra)):
        ws.column_dimensions[get_column_letter(len(columns) + 1 + i)].width = 16
    ws.freeze_panes = "A2"
    ws.append([c.header for c in columns] + list(extra))
    for member in members:
        row = []
        for column in columns:
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
        if columns is NATIONAL_COLUMNS:
            row += [""] * len(NATIONAL_UNUSED)
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
