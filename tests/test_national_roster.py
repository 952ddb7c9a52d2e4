"""A roster exported from the national Party member information system (全国党员管理信息系统) imports as it
comes: its headers are recognised, the columns we do not keep are ignored, 人员类别 is the status and the
branch is found by its full name; the export can write that layout too."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangxiao.people import services
from dangxiao.people.models import Member, Organization
from dangxiao.people.roster import NATIONAL_COLUMNS, NATIONAL_UNUSED

from .conftest import login
from .factories import valid_id_number

pytestmark = pytest.mark.django_db

# As the national system writes it, with columns we do not keep (序号, 籍贯, 是否失联党员, 党籍状态).
HEADERS = [
    "序号",
    "姓名",
    "性别",
    "公民身份号码",
    "民族",
    "籍贯",
    "出生日期",
    "学历",
    "人员类别",
    "所在党支部",
    "入党日期",
    "转正日期",
    "工作岗位",
    "手机号码",
    "家庭住址",
    "是否流动党员",
    "是否失联党员",
    "党籍状态",
]


def national(rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i, row in enumerate(rows, start=1):
        ws.append([i if h == "序号" else row.get(h) for h in HEADERS])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def person(n: int, **over) -> dict:
    base = {
        "姓名": f"国家库党员{n}",
        "性别": "男",
        "公民身份号码": valid_id_number(date(1988, 4, n), seq=n),
        "民族": "汉族",
        "籍贯": "湖南长沙",
        "出生日期": f"1988-04-{n:02d}",
        "学历": "大学本科",
        "人员类别": "正式党员",
        "所在党支部": "青山祠社区第一党支部",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "工作岗位": "社区网格员",
        "手机号码": f"1580000{n:04d}",
        "家庭住址": "天心区青山祠1号",
        "是否流动党员": "否",
        "是否失联党员": "否",
        "党籍状态": "正常",
    }
    base.update(over)
    return base


def test_a_national_roster_imports_without_editing(people):
    rows = [person(1), person(2, 人员类别="预备党员", 转正日期=None, 是否流动党员="是", 所在党支部="美团党支部")]
    result = services.roster_import(people["users"]["principal"], national(rows))
    assert (result.created, result.errors) == (2, [])
    first = Member.objects.get(phone="15800000001")
    assert (first.organization.code, first.status, first.confirmed_on, first.occupation, first.education) == (
        "C1-1",
        "full",
        date(2011, 7, 1),
        "社区网格员",
        "bachelor",
    )
    second = Member.objects.get(phone="15800000002")
    assert (second.organization.code, second.status, second.is_mobile) == ("N1", "probationary", True)
    # Importing the same file again changes nothing.
    again = services.roster_import(people["users"]["principal"], national(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_branch_that_is_unknown_or_ambiguous_is_named_with_its_row(people):
    tree = people["tree"]
    Organization.objects.add_child(
        Organization.objects.get(pk=tree["C2"].pk),
        instance=Organization(name="美团党支部", code="C2-9", kind="branch", unit_type="new_employment"),
    )
    rows = [person(1, 所在党支部="不存在的党支部"), person(2, 所在党支部="美团党支部")]
    result = services.roster_import(people["users"]["principal"], national(rows))
    problems = {(e.row, e.column): e.message for e in result.errors}
    assert "不存在" in problems[(2, "所在党支部")]
    assert "有多个名为“美团党支部”的组织" in problems[(3, "所在党支部")]
    assert not result.committed and not Member.objects.filter(phone__startswith="158").exists()


def test_a_national_row_is_checked_like_any_other(people):
    result = services.roster_import(people["users"]["principal"], national([person(1, 公民身份号码="430103198804011230", 手机号码="123")]))
    columns = {e.column for e in result.errors}
    assert {"公民身份号码", "手机号码"} <= columns and not result.committed


def test_the_import_page_detects_the_national_layout(people):
    client = login(people["users"]["secretary"])
    upload = BytesIO(national([person(1)]))
    upload.name = "全国党员管理信息系统导出.xlsx"
    response = client.post(reverse("people:member_import"), {"file": upload})
    assert response.status_code == 200 and response.context["result"].created == 1 and response.context["token"]


def test_the_export_can_write_the_national_layout_which_imports_again(people):
    client = login(people["users"]["principal"])
    response = client.get(reverse("people:member_export") + "?layout=national")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header == [c.header for c in NATIONAL_COLUMNS] + list(NATIONAL_UNUSED)
    assert sheet.max_row == Member.objects.count() + 1
    again = services.roster_import(people["users"]["principal"], response.content)
    assert (again.created, again.updated, again.errors) == (0, 0, [])


def test_the_import_page_says_a_national_export_is_taken_as_it_is(people):
    response = login(people["users"]["secretary"]).get(reverse("people:member_import"))
    assert response.status_code == 200
    assert "全国党员管理信息系统导出的名单，不必改成模板" in response.content.decode()
