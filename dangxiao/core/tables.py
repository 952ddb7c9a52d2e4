"""Tables that sort, filter, page and export what they show, declared once per table.

A `Table` names its columns: the key used in the URL (`?sort=hours`, `?sort=-hours`), the header, how
the column orders (database fields for a queryset, or the cell's value for rows computed in Python)
and the cell an export writes. A view binds the table to the request (`table.bind(request)`), orders
its one queryset or list with it, pages that for the page and hands the whole of it to `export`: the
spreadsheet holds the rows the page lists, in the same order, under the same filters, on every page.

Only declared columns sort (a whitelist: the URL never reaches `order_by` as it is), and every order
ends with a tiebreaker (the primary key, or the rows' own stable order) so that paging never shows a
row twice. Empty values come last whichever way a column sorts, in the database as in Python.

Exports answer at once up to MAX_EXPORT_ROWS rows; a larger one is built on the task queue and the user
fetches it from 我的导出 when told it is ready (core.exports), and above exports.MAX_QUEUED_ROWS it is refused
with the reason (the page's filters narrow it). They are formula-safe (`core.xlsx.safe_row`), masked unless the user may see personal data
(columns marked `personal`), and audited with the generic EXPORT action when they carry personal data
(the caller, who knows the domain, names the organisation the rows lie under).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from openpyxl import Workbook

from . import access, exports
from .audit import audit_record
from .masking import mask_id_number, mask_phone
from .params import date_param, int_param
from .xlsx import safe_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_ROWS = 20_000  # answered in the request; above it the export is queued (the largest roster of a sub-district fits)
SORT_KEY_MAX = 40  # a longer ?sort= names no column
MASKS = {"phone": mask_phone, "id_number": mask_id_number}


@dataclass(frozen=True)
class Column:
    """One column. `order`: database fields ordering it (a queryset table); without them the column
    sorts rows in Python by `value`. `value(row)` is the cell the export writes (and the Python sort
    key). `personal` ("phone", "id_number") masks the cell for users who may not see it in full."""

    key: str
    label: Any
    value: Callable[[Any], Any] | None = None
    order: tuple[str, ...] = ()
    sortable: bool = True
    export: bool = True
    personal: str = ""
    sort_by: Callable[[Any], Any] | None = None  # a Python sort key other than the cell (tree order by path)

    def cell(self, row) -> Any:
        """The row's value in this column: `value(row)`, or the row's attribute named by the key."""
        return self.value(row) if self.value else getattr(row, self.key, None)


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class Header:
    key: str
    label: Any
    sortable: bool
    url: str = ""
    aria_sort: str = ""  # "ascending" / "descending" on the column the table is sorted by


class Table:
    """A table's declaration; `bind(request)` gives the sorted, linkable table of one request."""

    def __init__(
        self,
        name: str,
        columns: Sequence[Column],
        *,
        default: str,
        tiebreak: tuple[str, ...] = ("pk",),
        param: str = "sort",
        page_params: tuple[str, ...] = ("page",),
        title: Any = "",
    ):
        self.name = name
        self.columns = list(columns)
        self.by_key = {c.key: c for c in self.columns}
        assert len(self.by_key) == len(self.columns), f"{name}: duplicate column keys"
        self.default = self._parse(default)
        assert self.default is not None, f"{name}: the default sort names no sortable column"
        self.tiebreak = tiebreak
        self.param = param
        self.page_params = page_params
        self.title = title or name

    def _parse(self, value: str | None) -> Sort | None:
        text = (value or "").strip()[:SORT_KEY_MAX]
        descending = text.startswith("-")
        column = self.by_key.get(text.lstrip("-"))
        return Sort(column.key, descending) if column is not None and column.sortable else None

    def sort_from(self, params) -> Sort:
        """The sort a query string asks for; anything unknown falls back to the table's default."""
        return self._parse(params.get(self.param)) or self.default

    def bind(self, request) -> "BoundTable":
        return BoundTable(self, request, self.sort_from(request.GET))


def _python_key(value):
    if isinstance(value, str):
        return (0, value)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, date):
        return (1, value.toordinal())
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)


def order_rows(table: Table, rows: Iterable, sort: Sort) -> list:
    """Rows computed in Python, sorted by the column's value; empty values last; ties keep the rows'
    own order (Python's sort is stable, reversed ones too)."""
    rows = list(rows)
    column = table.by_key[sort.key]
    value = column.sort_by or column.cell
    present = [r for r in rows if value(r) not in (None, "")]
    empty = [r for r in rows if value(r) in (None, "")]
    present.sort(key=lambda r: _python_key(value(r)), reverse=sort.descending)
    return present + empty


def order_queryset(table: Table, queryset: QuerySet, sort: Sort) -> QuerySet:
    column = table.by_key[sort.key]
    exprs = []
    for name in column.order or (column.key,):
        descending = sort.descending != name.startswith("-")  # "-birth_date": age rises as the date falls
        expr = F(name.lstrip("-"))
        exprs.append(expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True))
    return queryset.order_by(*exprs, *table.tiebreak)


@dataclass
class BoundTable:
    table: Table
    request: Any
    sort: Sort
    _headers: dict = field(default_factory=dict)

    def order(self, rows):
        """The queryset ordered in the database, or the list sorted in Python."""
        if isinstance(rows, QuerySet):
            return order_queryset(self.table, rows, self.sort)
        return order_rows(self.table, rows, self.sort)

    def query(self, **changes) -> str:
        """The request's query string without paging, with `changes` applied (None removes a key)."""
        params = self.request.GET.copy()
        for key in self.table.page_params:
            params.pop(key, None)
        for key, value in changes.items():
            params.pop(key, None)
            if value is not None:
                params[key] = value
        return params.urlencode()

    @property
    def headers(self) -> dict[str, Header]:
        if not self._headers:
            for c in self.table.columns:
                if not c.sortable:
                    self._headers[c.key] = Header(c.key, c.label, False)
                    continue
                current = self.sort.key == c.key
                following = Sort(c.key, descending=current and not self.sort.descending)
                aria = ("descending" if self.sort.descending else "ascending") if current else ""
                self._headers[c.key] = Header(c.key, c.label, True, "?" + self.query(**{self.table.param: following.param}), aria)
        return self._headers

    @property
    def export_query(self) -> str:
        """The query string an export link carries: the page's filters and sort, without paging."""
        return self.query(**{self.table.param: self.sort.param})

    def export(self, rows, filename: str, *, organization_id: int | None = None, personal: bool = False):
        """All `rows` (ordered as the page) as .xlsx; refused above MAX_EXPORT_ROWS. Audited when the
        rows carry personal data (`personal`, or any column marked personal); such cells are masked
        unless the user may see them in full."""
        count = rows.count() if isinstance(rows, QuerySet) else len(rows)
        too_many = export_deferred(self.request, self.table.title, count)
        if too_many is not None:
            return too_many
        rows = self.order(rows)
        reveal = access.scope_for(self.request.user).can_reveal_personal_data
        data = workbook(self.table, rows, reveal=reveal)
        if personal or any(c.personal for c in self.table.columns if c.export):
            audit_record(
                self.request,
                "export",
                organization_id=organization_id,
                object_type=self.table.name,
                summary=f"导出{self.table.title}{count}行",
                detail={"count": count, "query": self.export_query[:500]},
            )
        stamp = timezone.localdate().strftime("%Y%m%d")
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
        return response


def export_row_limit(request) -> int:
    """How many rows an export view should read to count them: one more than it may answer with."""
    return (exports.MAX_QUEUED_ROWS if getattr(request, "export_unbounded", False) else MAX_EXPORT_ROWS) + 1


def export_deferred(request, title, count: int):
    """None if an export of `count` rows is answered in this request. Above MAX_EXPORT_ROWS it is queued
    (core.exports: built on the task queue, the user told when to fetch it) and the page saying so is
    returned; above exports.MAX_QUEUED_ROWS it is refused with the reason."""
    if count > exports.MAX_QUEUED_ROWS:
        context = {"count": count, "limit": exports.MAX_QUEUED_ROWS, "back": request.path}
        return render(request, "core/export_refused.html", context, status=422)
    if count <= MAX_EXPORT_ROWS or getattr(request, "export_unbounded", False):
        return None
    from .tasks import build_export

    try:
        job, queued = exports.export_request(
            request.user.pk, request.get_full_path(), title, count, remote_addr=request.META.get("REMOTE_ADDR", "")
        )
    except exports.TooManyPending as exc:
        return render(request, "core/export_busy.html", {"pending": exc.args[0], "back": request.path}, status=429)
    if queued:
        build_export(job.user_id, job.token)
    context = {"job": job, "count": count, "limit": MAX_EXPORT_ROWS, "back": request.path}
    return render(request, "core/export_queued.html", context, status=202)


def _cell(column: Column, row, reveal: bool):
    value = column.cell(row)
    if column.personal and not reveal:
        value = MASKS[column.personal](value)
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is not None and not isinstance(value, str | int | float | date) and not hasattr(value, "as_tuple"):
        return str(value)
    return value


def export_values(table: Table, rows: Iterable, *, reveal: bool = True) -> list[list]:
    """The cells an export writes for `rows`, header excluded (tests compare them with the page)."""
    columns = [c for c in table.columns if c.export]
    return [[_cell(c, row, reveal) for c in columns] for row in rows]


def workbook(table: Table, rows: Iterable, *, reveal: bool) -> bytes:
    """The rows as .xlsx; headers and labels in Chinese whatever the reader's language, like every
    file the platform exports (a sheet is passed upward as it is)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _workbook(table, rows, reveal=reveal)


def _workbook(table: Table, rows: Iterable, *, reveal: bool) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(table.title)[:31] or "Sheet1")
    columns = [c for c in table.columns if c.export]
    ws.append(safe_row(ws, [str(c.label) for c in columns]))
    # Row by row, a queryset in chunks: a queued export of many thousand rows never holds them all.
    for row in rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else rows:
        ws.append(safe_row(ws, [_cell(c, row, reveal) for c in columns]))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Filters shared by the tables --------------------------------------------------------------------


def organization_choices(user) -> list[tuple[int, str]]:
    """The organisations a staff member may filter by (their subtrees), indented by depth, in tree order."""
    q = access.staff_q(access.scope_for(user), "path")
    qs = access.filter_organizations(user)
    if q is not None:
        qs = qs.filter(q)
    return [(o.pk, "\u3000" * (o.depth - 1) + o.name) for o in qs.only("id", "name", "depth").order_by("path")]


def organization_filter(request, param: str = "org"):
    """The organisation the request filters by, within the user's scope (404 outside), or None."""
    value = request.GET.get(param)
    if not value:
        return None
    return access.get_organization_or_404(request.user, value)


@dataclass(frozen=True)
class DateRange:
    start: date | None
    end: date | None

    @property
    def active(self) -> bool:
        return self.start is not None or self.end is not None


def date_range(request, start: str = "from", end: str = "to") -> DateRange:
    """`?from=&to=` as dates between 2000 and 2100 (anything else is ignored); reversed ones are swapped."""
    first, last = date_param(request.GET.get(start)), date_param(request.GET.get(end))
    if first and last and first > last:
        first, last = last, first
    return DateRange(first, last)


def page_number(request, param: str = "page") -> int:
    return int_param(request.GET.get(param), 1, minimum=1, maximum=1_000_000)
