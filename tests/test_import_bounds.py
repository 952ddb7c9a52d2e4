"""Every Excel import (roster, households, roll) reads a sheet by its actual cells: a header claiming a
huge sheet is not believed, one claiming less than the data loses no row, and past the caps on rows and
cells the file is refused with a clear Chinese message — never a worker timeout, never rows dropped."""

import re
import zipfile
from datetime import timedelta
from io import BytesIO
from xml.sax.saxutils import escape

import pytest
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from dangxiao.attendance import roll_import
from dangxiao.attendance.roll_import import RollFileError
from dangxiao.core import xlsx
from dangxiao.liaison import households as hh
from dangxiao.liaison.households import HouseholdFileError
from dangxiao.people import services
from dangxiao.people.models import Member
from dangxiao.people.roster import RosterFileError
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_cohort, make_school
from .test_roster_import import HEADERS as ROSTER_HEADERS
from .test_roster_import import row as roster_row

pytestmark = pytest.mark.django_db


def sheet(rows: list[list], *, dimension: str | None = None) -> bytes:
    """An .xlsx whose first sheet holds `rows` as written, its `<dimension ref>` set to `dimension` (any claim)."""
    wb = Workbook()
    wb.active.append(["x"])
    buffer = BytesIO()
    wb.save(buffer)
    cells = "".join(f'<row r="{n}">' + "".join(_cell(n, v) for v in values) + "</row>" for n, values in enumerate(rows, start=1))
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{cells}</sheetData>", text)
                text = re.sub(r'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}" />' if dimension else "", text)
                data = text.encode()
            dst.writestr(info, data)
    return out.getvalue()


def _cell(row: int, value) -> str:
    """A cell after the previous one, or at a given column for a `(column, value)` pair."""
    ref = f' r="{value[0]}{row}"' if isinstance(value, tuple) else ""
    text = value[1] if isinstance(value, tuple) else value
    return f'<c{ref} t="inlineStr"><is><t>{escape(str(text))}</t></is></c>'


@pytest.fixture
def imports(liaison):
    """For each import: a builder of its rows and a run that answers how many rows it took in."""
    school, main, _small = make_school(liaison["tree"])
    cohort = make_cohort(school, liaison["tree"]["C1-1"])
    start = timezone.now() - timedelta(days=1)
    session = Session.objects.create(cohort=cohort, title="党课", starts_at=start, ends_at=start + timedelta(hours=2), venue=main)
    roll = liaison["members"]["c1_1"]
    for member in roll:
        Enrollment.objects.create(cohort=cohort, member=member)
    secretary, committee = liaison["users"]["secretary"], liaison["users"]["committee"]

    def roster_rows(n):
        return [ROSTER_HEADERS] + [[roster_row(i).get(h, "") for h in ROSTER_HEADERS] for i in range(1, n + 1)]

    def household_rows(n):
        return [["小区", "楼栋", "单元门牌", "户人数"]] + [["青山苑", "9栋", f"{i}01", 2] for i in range(1, n + 1)]

    def roll_rows(n):
        members = (roll * (n // len(roll) + 1))[:n]
        return [["编号", "姓名", "所在组织", "考勤状态"]] + [[m.pk, m.name, "", "出席"] for m in members]

    return {
        "roster": (roster_rows, lambda data: services.roster_import(secretary, data).created, RosterFileError),
        "households": (household_rows, lambda data: hh.household_import(committee, data).created, HouseholdFileError),
        "roll": (roll_rows, lambda data: roll_import.roll_import(session, data, by=secretary).marked, RollFileError),
        "roll_size": len(roll),
    }


@pytest.fixture
def bounded_reading(monkeypatch):
    """Fails the test as soon as a read walks far more rows or cells than the file holds (instead of
    hanging for minutes in the old reader, which padded every row to the claimed 16,384 columns)."""
    work = {"rows": 0, "cells": 0}
    original = ReadOnlyWorksheet._cells_by_row

    def counted(self, *args, **kwargs):
        for values in original(self, *args, **kwargs):
            work["rows"] += 1
            work["cells"] += len(values)
            if work["rows"] > 1_000 or work["cells"] > 50_000:
                raise AssertionError(f"the import read {work['rows']} rows and {work['cells']} cells of a 4-row file")
            yield values

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    return work


KINDS = ("roster", "households", "roll")


@pytest.mark.parametrize("kind", KINDS)
def test_a_header_claiming_the_whole_sheet_is_read_by_its_actual_cells(imports, bounded_reading, kind):
    build, run, _error = imports[kind]
    data = sheet(build(3), dimension="A1:XFD1048576")
    assert run(data) == 3
    assert bounded_reading["rows"] <= 10 and bounded_reading["cells"] <= 100


@pytest.mark.parametrize("kind", KINDS)
def test_a_header_claiming_less_than_the_data_loses_no_row(imports, kind):
    build, run, _error = imports[kind]
    n = imports["roll_size"] if kind == "roll" else 12
    assert run(sheet(build(n), dimension="A1:B2")) == n


@pytest.mark.parametrize("kind", KINDS)
def test_more_rows_than_the_cap_is_refused_with_a_clear_message(imports, monkeypatch, kind):
    build, run, error = imports[kind]
    monkeypatch.setattr(xlsx, "MAX_ROWS", 40)  # the real cap (20,000) takes seconds to reach; the rule is the same
    rows = build(40)  # the header and 40 data rows: one row too many
    with pytest.raises(error, match="表格超过 40 行，请分成几个文件导入"):
        run(sheet(rows, dimension="A1:B2"))
    assert not Member.objects.filter(phone__startswith="1590000").exists()


def test_the_row_cap_leaves_room_for_the_imports_we_measure():
    assert xlsx.MAX_ROWS > 10_000  # README's roster benchmark imports 10,000 rows in one file


@pytest.mark.parametrize("kind", KINDS)
def test_rows_reaching_the_last_excel_column_stop_at_the_cell_cap(imports, kind):
    build, run, error = imports[kind]
    header, *rows = build(imports["roll_size"])
    width = 16_384  # a value in column XFD, the last one, makes each row that wide
    many = [header] + [rows[i % len(rows)] + [("XFD", "x")] for i in range(xlsx.MAX_CELLS // width + 1)]
    with pytest.raises(error, match="表格内容过多"):
        run(sheet(many))


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_unpacks_past_the_limit_is_refused_before_it_is_parsed(imports, monkeypatch, kind):
    build, run, error = imports[kind]
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 4_000)
    with pytest.raises(error, match="文件解压后超过"):
        run(sheet(build(3)))
