"""Household import: every problem listed by row and column, all or nothing, idempotent, updates,
buildings created as needed; the template; the export masked unless a full (audited) one is asked for."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.liaison import households as hh
from dangxiao.liaison.households import HouseholdFileError
from dangxiao.liaison.models import Building, Compound, Household

from .conftest import login

pytestmark = pytest.mark.django_db
HEADERS = ["小区", "楼栋", "单元门牌", "户人数", "联系人", "联系电话", "备注"]


def xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def state():
    return sorted(
        Household.objects.values_list("building__compound__name", "building__name", "room", "size", "contact_name", "contact_phone", "note")
    )


GOOD = [
    ["青山苑", "3栋", "1单元101", 3, "陈阿姨", "１３８１２３４５６７８", ""],
    ["青山苑", 3, "1单元102", "2", "", 13812345679, "独居老人"],
    ["青山苑", "1栋", "1单元101", 4, "李师傅", "", ""],  # an existing household: size 3 → 4
]


def test_a_clean_file_creates_buildings_and_households_and_updates_existing_ones(liaison):
    committee = liaison["users"]["committee"]
    result = hh.household_import(committee, xlsx(GOOD))
    assert (result.created, result.updated, result.unchanged, result.buildings_created, result.errors) == (2, 1, 0, 1, [])
    assert result.committed
    b3 = Building.objects.get(compound=liaison["a"], name="3栋")
    first = Household.objects.get(building=b3, room="1单元101")
    assert (first.size, first.contact_name, first.contact_phone) == (3, "陈阿姨", "13812345678")
    second = Household.objects.get(building=b3, room="1单元102")
    assert (second.size, second.contact_phone, second.note) == (2, "13812345679", "独居老人")
    assert Household.objects.get(building__compound=liaison["a"], building__name="1栋", room="1单元101").size == 4
    assert AuditEvent.objects.filter(action="import", object_type="household").count() == 1


def test_reimporting_the_same_file_changes_nothing_and_an_edited_one_updates(liaison):
    committee = liaison["users"]["committee"]
    hh.household_import(committee, xlsx(GOOD))
    before = state()
    again = hh.household_import(committee, xlsx(GOOD))
    assert (again.created, again.updated, again.unchanged, again.buildings_created) == (0, 0, 3, 0)
    assert state() == before
    edited = [list(r) for r in GOOD]
    edited[0][3] = 5
    edited[0][6] = "有电动车"
    result = hh.household_import(committee, xlsx(edited))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    h = Household.objects.get(building__name="3栋", room="1单元101")
    assert (h.size, h.note) == (5, "有电动车")


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_written(liaison):
    before, buildings = state(), Building.objects.count()
    rows = [
        ["青山苑", "3栋", "1单元101", 3, "", "", ""],  # fine on its own
        ["赤岭小区", "1栋", "201", 2, "", "", ""],  # not managed by the committee
        ["不存在小区", "1栋", "201", 2, "", "", ""],
        ["青山苑", "", "1单元103", 2, "", "", ""],
        ["青山苑", "3栋", "", 2, "", "", ""],
        ["青山苑", "3栋", "1单元104", 0, "", "", ""],
        ["青山苑", "3栋", "1单元105", "两口", "", "", ""],
        ["青山苑", "3栋", "1单元106", 1.5, "", "", ""],
        ["青山苑", "3栋", "1单元107", 2, "", "1234", ""],
        ["青山苑", "3栋", "1单元101", 3, "", "", ""],  # same as row 2
    ]
    result = hh.household_import(liaison["users"]["committee"], xlsx(rows))
    got = [(e.row, e.column) for e in result.errors]
    assert got == [
        (3, "小区"),
        (4, "小区"),
        (5, "楼栋"),
        (6, "单元门牌"),
        (7, "户人数"),
        (8, "户人数"),
        (9, "户人数"),
        (10, "联系电话"),
        (11, "单元门牌"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "赤岭小区" in messages[(3, "小区")] and "不在您的管理范围内" in messages[(3, "小区")]
    assert messages[(5, "楼栋")] == "楼栋不能为空"
    assert "正整数" in messages[(7, "户人数")]
    assert "手机号码“1234”不是有效的11位大陆手机号" == messages[(10, "联系电话")]
    assert "与第2行重复" in messages[(11, "单元门牌")]
    assert not result.committed
    assert state() == before and Building.objects.count() == buildings


def test_a_file_without_the_required_columns_is_refused(liaison):
    with pytest.raises(HouseholdFileError, match="表头缺少必需的列：单元门牌"):
        hh.household_import(liaison["users"]["committee"], xlsx([["青山苑", "1栋"]], headers=["小区", "楼栋"]))
    with pytest.raises(HouseholdFileError, match="文件无法读取"):
        hh.household_import(liaison["users"]["committee"], b"not a spreadsheet")


def test_the_secretary_manages_no_compound_and_the_principal_both(liaison):
    rows = [["赤岭小区", "1栋", "301", 2, "", "", ""]]
    assert [e.column for e in hh.household_import(liaison["users"]["secretary"], xlsx(rows)).errors] == ["小区"]
    assert hh.household_import(liaison["users"]["principal"], xlsx(rows)).created == 1


def test_the_commit_is_all_or_nothing(liaison, monkeypatch):
    """A failure while writing leaves nothing half-saved: buildings and households roll back together."""
    before, buildings = state(), Building.objects.count()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Household.objects, "bulk_update", boom)
    with pytest.raises(RuntimeError):
        hh.household_import(liaison["users"]["committee"], xlsx(GOOD))
    assert state() == before and Building.objects.count() == buildings


def test_preview_then_confirm_through_the_page(liaison, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    client = login(liaison["users"]["committee"])
    assert client.get(reverse("grid:household_import")).status_code == 200
    upload = SimpleUploadedFile("住户.xlsx", xlsx(GOOD))
    response = client.post(reverse("grid:household_import"), {"file": upload})
    assert response.status_code == 200
    assert 'data-count="created">2<' in response.content.decode()
    assert not Household.objects.filter(building__name="3栋").exists()
    token = response.context["token"]
    response = client.post(reverse("grid:household_import"), {"token": token})
    assert response.status_code == 302
    assert Household.objects.filter(building__name="3栋").count() == 2
    # the preview file is used once
    assert client.post(reverse("grid:household_import"), {"token": token}).status_code == 302
    assert Household.objects.filter(building__name="3栋").count() == 2


def test_a_bad_file_is_previewed_with_its_errors(liaison, tmp_path, settings, django_assert_max_num_queries):
    settings.VAR_DIR = tmp_path
    client = login(liaison["users"]["committee"])
    rows = [["青山苑", f"{n}栋", f"{m}01", "x" if m == 1 else 2, "", "", ""] for n in range(1, 6) for m in range(1, 21)]
    with django_assert_max_num_queries(10):
        response = client.post(reverse("grid:household_import"), {"file": SimpleUploadedFile("a.xlsx", xlsx(rows))})
    assert response.status_code == 422
    html = response.content.decode()
    assert "第 2 行" in html and "户人数" in html and "token" not in response.context
    response = client.post(reverse("grid:household_import"), {"file": SimpleUploadedFile("a.csv", b"a,b")})
    assert response.status_code == 422 and "xlsx" in response.content.decode()


def test_import_pages_are_for_staff_only(liaison):
    for user in ("member", "neighbour", "chief"):
        client = login(liaison["users"][user])
        assert client.get(reverse("grid:household_import")).status_code == 404
        assert client.get(reverse("grid:household_template")).status_code == 404
        assert client.get(reverse("grid:household_export")).status_code == 404


def test_template_has_the_chinese_headers_and_the_managed_compounds(liaison):
    response = login(liaison["users"]["committee"]).get(reverse("grid:household_template"))
    wb = load_workbook(BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert [r[0] for r in wb["小区列表"].iter_rows(min_row=2, values_only=True)] == ["青山苑"]


def test_export_is_scoped_masked_by_default_and_full_export_is_audited(liaison):
    h = liaison["households"]["1栋"][0]
    h.contact_name, h.contact_phone = "陈阿姨", "13812345678"
    h.save()
    client = login(liaison["users"]["committee"])
    response = client.get(reverse("grid:household_export"))
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 25
    assert {r[0] for r in rows[1:]} == {"青山苑"}
    first = next(r for r in rows if r[2] == h.room and r[1] == "1栋")
    assert first[4:6] == ("陈**", "138****5678")
    assert not AuditEvent.objects.filter(action="export").exists()
    # the masked export re-imports without changing anything
    again = hh.household_import(liaison["users"]["committee"], response.content)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 24, [])
    full = client.get(reverse("grid:household_export"), {"full": "1"})
    rows = list(load_workbook(BytesIO(full.content)).worksheets[0].iter_rows(values_only=True))
    assert next(r for r in rows if r[2] == h.room and r[1] == "1栋")[4:6] == ("陈阿姨", "13812345678")
    assert AuditEvent.objects.filter(action="export", object_type="household").count() == 1
    assert client.get(reverse("grid:household_export"), {"compound": liaison["b"].pk}).status_code == 404


def test_export_query_count_does_not_grow(liaison, django_assert_max_num_queries):
    client = login(liaison["users"]["principal"])
    client.get(reverse("grid:household_export"))
    c = Compound.objects.create(community=liaison["tree"]["C2"], name="新小区")
    b = Building.objects.create(compound=c, name="1栋")
    Household.objects.bulk_create([Household(building=b, room=str(i)) for i in range(200)])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("grid:household_export"))
    assert response.status_code == 200
