"""The organisation tree as a spreadsheet: the template, the import (preview, then all or nothing) and the export.

One row per organisation, its parent named by code: the parent is an organisation the user manages
or one on an earlier row. A row whose code exists updates that organisation (and moves it when its
parent code changed); so re-importing a file, or an export, changes nothing. The import runs the same
services as the pages (`people.organizations`), in one transaction that is rolled back for a preview
or when any row has a problem. Like the roster, the file's headers and labels are Chinese whatever
the interface language.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.xlsx import SheetError, open_workbook, safe_row, sheet_rows

from . import normalize as n
from .models import Organization, User
from .organizations import (
    OrganizationError,
    current,
    managed_organizations,
    organization_add,
    organization_move,
    organization_update,
)
from .roster import FILE_LANGUAGE, RosterFileError, RowError

COLUMNS = (  # (key, header, required, hint, width)
    ("code", "组织编码", True, "必填，唯一；字母、数字、“-”“_”“.”", 16),
    ("name", "名称", True, "必填，组织全称", 32),
    ("short_name", "简称", False, "选填", 14),
    ("kind", "类别", True, "党工委/党委/党总支/党支部/党小组", 10),
    ("unit_type", "所在单位类型", True, "街道/社区/机关/企业/非公/社会组织/新就业群体/事业单位", 14),
    ("parent_code", "上级组织编码", False, "上级组织的编码：已有的组织，或本表中更靠前的一行；只有党工委可空白", 16),
)
HEADER = {c[1]: c[0] for c in COLUMNS}
TITLE = {c[0]: c[1] for c in COLUMNS}
FIELD_HEADER = {**TITLE, "parent": TITLE["parent_code"], "reason": TITLE["name"], None: ""}


def _labels(enum, extra: dict) -> dict[str, str]:
    with translation.override(FILE_LANGUAGE):
        return {str(label): value for value, label in enum.choices} | extra


KINDS = _labels(Organization.Kind, {"基层党委": "committee", "总支": "general_branch", "支部": "branch", "小组": "group"})
UNIT_TYPES = _labels(
    Organization.UnitType, {"企业": "enterprise", "非公": "enterprise", "非公企业": "enterprise", "新就业": "new_employment"}
)


@dataclass
class TreeImportResult:
    created: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    errors: list[RowError] = None
    committed: bool = False

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "moved": self.moved,
            "unchanged": self.unchanged,
            "committed": self.committed,
            "errors": [e.as_dict() for e in self.errors or []],
        }


class _Rollback(Exception):
    pass


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {key: text}) of each data row; RosterFileError when the file cannot be read."""
    try:
        with open_workbook(data, _("文件无法读取：请上传用组织架构模板填写的 Excel 文件（.xlsx）")) as wb:
            rows = sheet_rows(wb.worksheets[0])
            _number, header = next(rows, (None, None))
            if not header:
                raise RosterFileError(_("第1行应为表头，但文件是空的"))
            positions = {}
            for index, cell in enumerate(header):
                key = HEADER.get(n.clean_text(cell).rstrip("*＊"))
                if key:
                    positions[key] = index
            missing = [c[1] for c in COLUMNS if c[2] and c[0] not in positions]
            if missing:
                raise RosterFileError(_("表头缺少必需的列：%(columns)s。请使用组织架构模板") % {"columns": "、".join(missing)})
            return [(number, {k: n.clean_text(cells[i]) if i < len(cells) else "" for k, i in positions.items()}) for number, cells in rows]
    except SheetError as exc:
        raise RosterFileError(str(exc)) from None


def tree_import(user: User, data: bytes, *, dry_run: bool = False, request=None) -> TreeImportResult:
    """Create, update and move organisations from the file, all or nothing (nothing with `dry_run`).

    Every row is checked by the services the pages use, within the user's subtrees; a problem on any
    row rolls everything back and is listed by row and column. Raises RosterFileError when the file
    itself cannot be read or holds no row."""
    if not access.scope_for(user).is_staff:
        raise RosterFileError(_("您没有管理组织的权限"))
    rows = read_rows(data)
    if not rows:
        raise RosterFileError(_("文件中没有组织数据（从第2行开始填写）"))
    result = TreeImportResult(errors=[])
    try:
        with transaction.atomic():
            _apply(user, rows, result)
            if result.errors or dry_run:
                raise _Rollback
            result.committed = True
            if result.created or result.updated or result.moved:
                audit_record(
                    request,
                    "org_import",
                    organization_id=access.common_organization_id(
                        managed_organizations(user).filter(code__in=[r["code"] for _n, r in rows]).values_list("path", flat=True)
                    ),
                    object_type="organization",
                    summary=f"导入组织架构：新增 {result.created}，修改 {result.updated}，调整上级 {result.moved}",
                    detail=result.as_dict(),
                )
    except _Rollback:
        pass
    return result


def _apply(user: User, rows: list[tuple[int, dict]], result: TreeImportResult) -> None:
    managed = {o.code: o for o in managed_organizations(user)}
    seen: dict[str, int] = {}
    failed: set[str] = set()

    def error(number: int, key, message: str) -> None:
        result.errors.append(RowError(number, FIELD_HEADER.get(key, TITLE.get(key, "")), message))

    for number, row in rows:
        code = row.get("code", "")
        if code in seen:
            error(number, "code", _("组织编码“%(code)s”与第 %(row)d 行重复") % {"code": code, "row": seen[code]})
            continue
        if code:
            seen[code] = number
        fields = {"name": row.get("name", ""), "short_name": row.get("short_name", ""), "code": code}
        bad = False
        for key, mapping in (("kind", KINDS), ("unit_type", UNIT_TYPES)):
            label = row.get(key, "")
            if label not in mapping:
                error(
                    number,
                    key,
                    _("%(column)s“%(value)s”无法识别") % {"column": TITLE[key], "value": label}
                    if label
                    else _("%(column)s不能为空") % {"column": TITLE[key]},
                )
                bad = True
            fields[key] = mapping.get(label, "")
        parent_code = row.get("parent_code", "")
        parent = None
        if parent_code:
            parent = managed.get(parent_code)
            if parent is None:
                message = (
                    _("上级组织（编码“%(code)s”）所在行有问题")
                    if parent_code in failed
                    else _("上级组织编码“%(code)s”不存在或不在您的管理范围内")
                )
                error(number, "parent_code", message % {"code": parent_code})
                bad = True
        existing = managed.get(code) if code else None
        if existing is None and code and Organization.objects.filter(code=code).exists():
            error(number, "code", _("组织编码“%(code)s”已被使用") % {"code": code})
            bad = True
        if parent is None and not bad and (existing is None or not existing.is_root()):
            error(number, "parent_code", _("上级组织编码不能为空（新建党工委请在组织架构页面办理）"))
            bad = True
        if bad:
            failed.add(code)
            continue
        try:
            if existing is None:
                org = organization_add(user, parent, audit=False, **fields)
                result.created += 1
            else:
                org, moved = existing, False
                if parent is not None and Organization.objects.get_parent(org).pk != parent.pk:
                    org = organization_move(user, org, parent, audit=False)
                    moved = True
                    managed = {o.code: o for o in managed_organizations(user)}  # the subtree's paths changed
                before = (org.name, org.short_name, org.kind, org.unit_type)
                org = organization_update(user, org, audit=False, **fields)
                changed = before != (org.name, org.short_name, org.kind, org.unit_type)
                result.moved += moved
                result.updated += changed and not moved
                result.unchanged += not (changed or moved)
            managed[org.code] = org
        except OrganizationError as exc:
            error(number, exc.field, str(exc))
            failed.add(code)


def template_workbook(organizations: Iterable[Organization]) -> bytes:
    """The blank template: the tree sheet, instructions, and the organisations the user manages (as parents)."""
    with translation.override(FILE_LANGUAGE):
        wb = Workbook()
        ws = wb.active
        ws.title = "组织架构"
        _columns(ws)
        help_ws = wb.create_sheet("填写说明")
        help_ws.append(["列名", "是否必填", "填写要求"])
        for _key, header, required, hint, _w in COLUMNS:
            help_ws.append([header, "必填" if required else "选填", hint])
        help_ws.append([])
        help_ws.append(
            ["说明", "", "每行一个组织，上级组织写在下级之前；按组织编码识别已有组织：重复导入不会重复添加，修改后再导入会更新。"]
        )
        help_ws.column_dimensions["A"].width = 14
        help_ws.column_dimensions["C"].width = 80
        org_ws = wb.create_sheet("已有组织")
        org_ws.append(["组织编码", "名称", "类别"])
        for org in organizations:
            org_ws.append(safe_row(org_ws, [org.code, org.name, org.get_kind_display()]))
        buffer = BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def _columns(ws) -> None:
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column[4] + 4
    ws.freeze_panes = "A2"
    ws.append([c[1] for c in COLUMNS])


def export_workbook(user: User) -> bytes:
    """The current organisations the user manages, in tree order, in the template's columns (formula-safe)."""
    orgs = list(current(managed_organizations(user)).order_by("path"))
    code_by_path = {o.path: o.code for o in orgs}
    parents = dict(
        Organization.objects.filter(path__in={o.path[: -o.steplen] for o in orgs if o.depth > 1} - set(code_by_path)).values_list(
            "path", "code"
        )
    )
    code_by_path |= parents
    with translation.override(FILE_LANGUAGE):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("组织架构")
        _columns(ws)
        for o in orgs:
            parent = code_by_path.get(o.path[: -o.steplen], "") if o.depth > 1 else ""
            ws.append(safe_row(ws, [o.code, o.name, o.short_name, o.get_kind_display(), o.get_unit_type_display(), parent]))
        buffer = BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
