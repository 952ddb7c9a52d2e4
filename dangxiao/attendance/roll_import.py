"""A session's roll as a spreadsheet: the template, reading a filled-in sheet, importing it.

Members are identified by their id (编号) and checked against the name (姓名) on the same row, so
the file round-trips without carrying phone numbers. Like the roster file, the sheet is a format:
its headers and status labels are Chinese whatever language the interface speaks.

Reading collects every problem (row, column, message) before anything is written; the import is
all or nothing and goes through `services.roll_mark`, which keeps the study-hour ledger in step.
"""

from dataclasses import dataclass, field
from io import BytesIO

from django.db.models import Q
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from dangxiao.core import access, xlsx
from dangxiao.people import normalize as n
from dangxiao.people.models import Member, User
from dangxiao.people.roster import RowError
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from . import services
from .models import Attendance

FILE_LANGUAGE = "zh-hans"
SHEET = "考勤名单"
INFO_SHEET = "填写说明"
SESSION_LABEL = "课次编号"
ID, NAME, ORG, STATUS = "编号", "姓名", "所在组织", "考勤状态"
HEADERS = (ID, NAME, ORG, STATUS)
WIDTHS = (10, 14, 30, 12)
# Header spellings seen on hand-made sheets.
HEADER_ALIASES = {ID: ID, "党员编号": ID, NAME: NAME, "名字": NAME, ORG: ORG, "组织": ORG, "所在支部": ORG}
HEADER_ALIASES |= {STATUS: STATUS, "状态": STATUS, "考勤": STATUS, "出勤情况": STATUS, "出勤状态": STATUS, "签到情况": STATUS}
HEADER_SEARCH_ROWS = 5  # a title row or two above the header is tolerated

with translation.override(FILE_LANGUAGE):
    LABELS = {value: str(label) for value, label in Attendance.Status.choices}
STATUS_WORDS = {label: value for value, label in LABELS.items()} | {value: value for value in LABELS}
STATUS_WORDS |= dict.fromkeys(("到", "已到", "实到", "签到", "已签到", "出勤", "参加", "√", "✓", "✔"), "present")
STATUS_WORDS |= dict.fromkeys(("病假", "事假", "公假", "已请假", "假"), "excused")
STATUS_WORDS |= dict.fromkeys(("缺勤", "未到", "没到", "旷课", "未参加", "无故缺席", "×", "✗", "✘"), "absent")
ALLOWED = "/".join(LABELS.values())


class RollFileError(Exception):
    """The file as a whole cannot be used (not an .xlsx, no header, another session's sheet)."""


@dataclass
class RollRow:
    row: int
    member_id: int | None = None
    name: str = ""
    status: str | None = None


@dataclass
class RollImportResult:
    marked: int = 0
    changed: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


def _compact(value) -> str:
    """Spaces inside a cell mean nothing here: 张 三 is 张三 (names are often spaced to align)."""
    return n.clean_text(value).replace(" ", "")


# --- The template ------------------------------------------------------------------------------


def template_workbook(session: Session, members: list[Member]) -> bytes:
    """The roll to fill in: one row per member, any status already recorded filled in; names stay text."""
    current = dict(Attendance.objects.filter(session=session).values_list("member_id", "status"))
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(HEADERS))
    fill = PatternFill("solid", fgColor="C00000")
    for i, width in enumerate(WIDTHS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = width + 4
    ws.freeze_panes = "A2"
    for member in members:
        ws.append(xlsx.safe_row(ws, [member.pk, member.name, member.organization.name, LABELS.get(current.get(member.pk), "")]))
    last = max(len(members) + 1, 200)
    choice = DataValidation(type="list", formula1=f'"{",".join(LABELS.values())}"', allow_blank=True)
    choice.error, choice.errorTitle = f"请填写 {ALLOWED} 之一", "考勤状态"
    ws.add_data_validation(choice)
    choice.add(f"D2:D{last}")

    start = timezone.localtime(session.starts_at)
    info = wb.create_sheet(INFO_SHEET)
    for row in (
        [SESSION_LABEL, session.pk],
        ["课次", session.title],
        ["班次", session.cohort.name],
        ["时间", f"{start:%Y-%m-%d %H:%M}"],
        [],
        ["说明", f"在“{SHEET}”工作表的“{STATUS}”列填写 {ALLOWED}；不要修改编号和姓名。"],
        ["", "未填写考勤状态的行保持不变；任何一行有问题时不会导入任何数据。"],
        ["", "临时参加的党员须先在点名页面登记，不能通过导入添加。"],
    ):
        info.append(xlsx.safe_row(info, row))
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 70
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Reading -------------------------------------------------------------------------------------


def _session_in_file(wb) -> int | None:
    if INFO_SHEET not in wb.sheetnames:
        return None
    for number, cells in xlsx.sheet_rows(wb[INFO_SHEET]):
        if number > 5:
            break
        if _compact(cells[0]) == SESSION_LABEL and len(cells) > 1:
            try:
                return int(_compact(cells[1]))
            except ValueError:
                return None
    return None


def _header(rows) -> tuple[int, dict[str, int]]:
    for number, cells in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        positions = {}
        for index, cell in enumerate(cells):
            title = HEADER_ALIASES.get(_compact(cell).rstrip("*＊"))
            if title and title not in positions:
                positions[title] = index
        if ID in positions or STATUS in positions:
            missing = [h for h in (ID, NAME, STATUS) if h not in positions]
            if missing:
                raise RollFileError(f"表头缺少必需的列：{'、'.join(missing)}。请使用本课次的考勤模板")
            return number, positions
    raise RollFileError(f"找不到表头：第1行应为 {'、'.join(HEADERS)}。请使用本课次的考勤模板")


def _parse_id(raw) -> int:
    text = _compact(raw)
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        raise ValueError(f"编号“{n.clean_text(raw)}”应为数字（见模板第一列，不要修改）")
    return int(text)


def _parse_status(raw) -> str:
    text = _compact(raw)
    status = STATUS_WORDS.get(text) or STATUS_WORDS.get(text.lower())
    if status is None:
        raise ValueError(f"考勤状态“{n.clean_text(raw)}”无法识别，应填写 {ALLOWED} 之一")
    return status


def read_rows(data: bytes) -> tuple[list[RollRow], list[RowError], int | None]:
    """Every data row, every cell-level problem, and the session id the template was made for.

    The sheets are read by their actual cells within the caps of `core.xlsx` (RollFileError past them).
    """
    try:
        with xlsx.open_workbook(data, "文件无法读取：请上传用考勤模板填写的 Excel 文件（.xlsx）") as wb:
            ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
            rows, errors = _read_sheet(xlsx.sheet_rows(ws))
            return rows, errors, _session_in_file(wb)
    except xlsx.SheetError as exc:
        raise RollFileError(str(exc)) from None


def _read_sheet(sheet) -> tuple[list[RollRow], list[RowError]]:
    _header_row, positions = _header(sheet)  # the same pass goes on with the data rows below the header
    rows: list[RollRow] = []
    errors: list[RowError] = []
    for number, cells in sheet:
        values = {h: (cells[i] if i < len(cells) else None) for h, i in positions.items()}
        if all(not _compact(v) for v in values.values()):
            continue
        row = RollRow(number, name=_compact(values.get(NAME)))
        if not _compact(values.get(ID)):
            errors.append(RowError(number, ID, "编号不能为空"))
        else:
            try:
                row.member_id = _parse_id(values[ID])
            except ValueError as exc:
                errors.append(RowError(number, ID, str(exc)))
        if not row.name:
            errors.append(RowError(number, NAME, "姓名不能为空"))
        if _compact(values.get(STATUS)):
            try:
                row.status = _parse_status(values[STATUS])
            except ValueError as exc:
                errors.append(RowError(number, STATUS, str(exc)))
        rows.append(row)
    return rows, errors


# --- Importing -------------------------------------------------------------------------------------


def roll_members(session: Session) -> set[int]:
    """Who may be marked: enrolled in the cohort, or already on this session's roll (walk-ins)."""
    enrolled = Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED).values_list("member_id", flat=True)
    return set(enrolled) | set(Attendance.objects.filter(session=session).values_list("member_id", flat=True))


def roll_import(session: Session, data: bytes, *, by: User, ip: str | None = None) -> RollImportResult:
    """Mark the session's roll from a filled-in sheet, all or nothing.

    Every row is checked (member id known, name matching it, member on this session's roll, status
    recognised, no member twice); with any problem nothing is written and every problem is listed.
    Rows without a status are left as they are. Raises RollFileError when the file cannot be used.
    """
    rows, errors, file_session = read_rows(data)
    if file_session is not None and file_session != session.pk:
        raise RollFileError(f"这是另一次课（课次编号 {file_session}）的考勤表，请下载本课次的模板填写")
    if not rows and not errors:
        raise RollFileError("文件中没有考勤数据（从表头下一行开始填写）")

    on_roll = roll_members(session)
    ids = {r.member_id for r in rows if r.member_id is not None}
    # Only members on this roll or within the user's own reach are named; any other id is simply
    # unknown, so the file cannot be used to probe who exists elsewhere.
    visible = Member.objects.filter(pk__in=ids).filter(Q(pk__in=on_roll) | Q(pk__in=access.filter_members(by).values("pk")))
    members = {m.pk: m for m in visible.only("id", "name")}

    seen: dict[int, int] = {}
    marks: dict[int, str] = {}
    skipped = 0
    for row in rows:
        if row.member_id is None:
            continue
        if row.member_id in seen:
            errors.append(RowError(row.row, ID, f"与第{seen[row.member_id]}行重复：同一名党员只能出现一次"))
            continue
        seen[row.member_id] = row.row
        member = members.get(row.member_id)
        if member is None:
            errors.append(RowError(row.row, ID, f"编号 {row.member_id} 的党员不存在或不在您的管理范围内"))
            continue
        if row.name and _compact(member.name) != row.name:
            errors.append(RowError(row.row, NAME, f"姓名“{row.name}”与编号 {row.member_id} 的党员（{member.name}）不符"))
            continue
        if member.pk not in on_roll:
            errors.append(RowError(row.row, ID, f"{member.name}未报名本班次，不在本课次名单中"))
            continue
        if row.status is None:
            skipped += 1
        else:
            marks[member.pk] = row.status

    errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 9))
    result = RollImportResult(marked=len(marks), skipped=skipped, errors=errors)
    if errors or not marks:
        return result
    try:
        result.changed = services.roll_mark(session, marks, by=by, method=Attendance.Method.IMPORT, ip=ip)
    except TeachingError as exc:  # the roll changed between reading and writing (an enrolment removed)
        raise RollFileError(str(exc)) from None
    result.committed = True
    return result
