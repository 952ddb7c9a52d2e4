"""Spreadsheets in and out: uploads read within bounds, and cells written so they can never run as formulas.

Reading. A sheet's `<dimension ref=…>` is a claim by whoever wrote the file, not a fact: openpyxl's
read-only mode trusts it, so a header claiming A1:XFD1048576 pads every row to 16,384 cells and
walks a million empty rows (a worker timeout), and one claiming less than the real data silently
drops the rows past it. Every import therefore reads the sheet's actual cells, ignoring the
declared dimension, and stops with a clear Chinese error at a cap on rows and on cells; the
unpacked size of the file is checked before anything is parsed (a zip bomb).

Writing. A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return could be
taken for a formula by a spreadsheet (the OWASP "CSV injection" rule); every cell we write from
user data goes through `safe_cell`, which stores such text as text (with Excel's quote prefix, so
that editing the cell keeps it text) and leaves the value itself unchanged, so that an exported file
imports back as it was.
"""

import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import Cell, WriteOnlyCell

MB = 1024 * 1024
MAX_ROWS = 20_000  # non-blank rows of one sheet, header included
MAX_CELLS = 1_000_000  # cells read from one sheet, the blanks inside each row included
MAX_UNPACKED_BYTES = 200 * MB  # the whole .xlsx once unzipped
EXCEL_LAST_ROW = 1_048_576  # no real sheet has a row past this
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SheetError(Exception):
    """The file cannot be read within bounds; the message says why, in Chinese."""


def _unpacked_size(data: bytes) -> int:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0  # not a zip at all: openpyxl refuses it below with the usual message


@contextmanager
def open_workbook(data: bytes, unreadable: str):
    """The uploaded workbook, read-only and values only; `unreadable` is the caller's message for a
    file that is not an .xlsx at all. Raises SheetError."""
    if _unpacked_size(data) > MAX_UNPACKED_BYTES:
        raise SheetError(_("文件解压后超过 %(size)d MB，请删除多余的工作表、图片或格式后再上传") % {"size": MAX_UNPACKED_BYTES // MB})
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise SheetError(unreadable) from None
    try:
        yield wb
    finally:
        wb.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def sheet_rows(ws) -> Iterator[tuple[int, tuple]]:
    """`(row number, values)` for each row of the sheet that has a value, from its actual cells.

    Raises SheetError (in the middle of the iteration) past MAX_ROWS such rows or MAX_CELLS cells:
    a file is refused, never silently cut short.
    """
    ws.reset_dimensions()  # read what is there, not what the header claims
    rows = cells = 0
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > EXCEL_LAST_ROW:
            raise SheetError(_("文件不是有效的 Excel 工作表（行号超出 Excel 的范围）"))
        cells += len(values)
        if cells > MAX_CELLS:
            raise SheetError(_("表格内容过多（超过 %(cells)d 个单元格），请删除多余的列或分成几个文件导入") % {"cells": MAX_CELLS})
        if all(_blank(v) for v in values):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise SheetError(_("表格超过 %(rows)d 行，请分成几个文件导入") % {"rows": MAX_ROWS})
        yield number, tuple(values)


def safe_cell(ws, value) -> Cell:
    """A cell for `ws` holding `value`; text that a spreadsheet could run as a formula stays text."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def safe_row(ws, values: Iterable) -> list[Cell]:
    """`values` as cells for `ws.append`, each through `safe_cell` (any worksheet, write-only or not)."""
    return [safe_cell(ws, v) for v in values]
