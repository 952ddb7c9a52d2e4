"""Roster import: preview with every problem listed, all or nothing, idempotent, updates, round-trip."""

from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.people import services
from dangxiao.people.models import Member, User
from dangxiao.people.roster import COLUMNS, RosterFileError

from .conftest import login
from .factories import make_member, make_user, valid_id_number

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]


def xlsx(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(n: int, **over) -> dict:
    base = {
        "姓名": f"新党员{n}",
        "性别": "女",
        "出生日期": f"1990-05-0{n % 9 + 1}",
        "组织编码": "C1-1",
        "手机号码": f"1590000{n:04d}",
        "党员类别": "正式党员",
    }
    base.update(over)
    return base


def test_a_clean_file_creates_members(people):
    result = services.roster_import(people["users"]["secretary"], xlsx([row(1), row(2)]))
    assert (result.created, result.updated, result.errors, result.committed) == (2, 0, [], True)
    m = Member.objects.get(phone="15900000001")
    assert m.organization == people["tree"]["C1-1"] and m.gender == "F" and m.birth_date == date(1990, 5, 2)


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_written(people):
    existing_elsewhere = people["members"]["c2_1"][0]
    rows = [
        row(1),
        row(2, **{"姓名": None}),  # missing field
        row(3, **{"手机号码": "1234"}),  # bad phone
        row(4, **{"身份证号": valid_id_number()[:-1] + "0" if not valid_id_number().endswith("0") else valid_id_number()[:-1] + "1"}),
        row(5, **{"组织编码": "NOPE"}),  # unknown organisation
        row(6, **{"手机号码": "15900000001"}),  # duplicate in the file (of row 2)
        row(7, **{"手机号码": existing_elsewhere.phone}),  # duplicate of another member, out of scope
        row(8, **{"组织编码": "C2-1"}),  # an organisation outside the secretary's subtree
        row(9, **{"出生日期": "前年"}),
    ]
    before = Member.objects.count()
    result = services.roster_import(people["users"]["secretary"], xlsx(rows))
    found = {(e.row, e.column) for e in result.errors}
    assert (3, "姓名") in found
    assert (4, "手机号码") in found
    assert (5, "身份证号") in found
    assert (6, "组织编码") in found
    assert (7, "手机号码") in found
    assert (8, "手机号码") in found
    assert (9, "组织编码") in found
    assert (10, "出生日期") in found
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in result.errors)
    assert not result.committed
    assert Member.objects.count() == before


def test_importing_the_same_file_twice_changes_nothing_the_second_time(people):
    data = xlsx([row(1), row(2, **{"身份证号": valid_id_number(date(1990, 5, 3), 456)})])
    first = services.roster_import(people["users"]["secretary"], data)
    stamp = list(Member.objects.order_by("id").values_list("id", "updated_at"))
    second = services.roster_import(people["users"]["secretary"], data)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert list(Member.objects.order_by("id").values_list("id", "updated_at")) == stamp


def test_reimporting_an_edited_file_updates_by_phone_then_by_id_number(people):
    idn = valid_id_number(date(1990, 5, 3), 456)
    services.roster_import(people["users"]["secretary"], xlsx([row(1), row(2, **{"身份证号": idn})]))
    edited = xlsx([row(1, **{"行业": "教育", "组织编码": "C1-1"}), row(2, **{"身份证号": idn, "手机号码": "15911112222"})])
    result = services.roster_import(people["users"]["secretary"], edited)
    assert (result.created, result.updated) == (0, 2)
    assert Member.objects.get(phone="15900000001").industry == "教育"
    assert Member.objects.get(id_number=idn).phone == "15911112222"
    assert not Member.objects.filter(phone="15900000002").exists()


def test_messy_cells_are_accepted(people):
    rows = [
        {
            "姓名": " 李 四 ",
            "组织编码": "C1-1",
            "手机号码": 15900000011,
            "出生日期": 31107,
            "性别": "男",
            "入党日期": "2010年7月1日",
            "流动党员": "是",
        },
        {"姓名": "王五", "组织编码": "C1-1", "手机号码": "１５９００００００１２", "出生日期": "1985.03", "性别": "男", "年老体弱": "否"},
        {
            "姓名": "赵六",
            "所在组织": "青山祠社区第一党支部",
            "手机号码": "159 0000 0013",
            "身份证号": valid_id_number(date(1970, 2, 14), 231),
        },
    ]
    result = services.roster_import(people["users"]["secretary"], xlsx(rows))
    assert result.errors == [] and result.created == 3
    li = Member.objects.get(phone="15900000011")
    assert li.name == "李 四" and li.birth_date == date(1985, 3, 1) and li.joined_party_on == date(2010, 7, 1) and li.is_mobile
    assert Member.objects.get(phone="15900000012").birth_date == date(1985, 3, 1)
    zhao = Member.objects.get(phone="15900000013")
    assert zhao.birth_date == date(1970, 2, 14) and zhao.gender == "M"  # both from the ID number


def test_birth_date_contradicting_the_id_number_is_refused(people):
    result = services.roster_import(
        people["users"]["secretary"], xlsx([row(1, **{"出生日期": "1991-01-05", "身份证号": valid_id_number(date(1990, 5, 3))})])
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "出生日期")]


def test_dry_run_writes_nothing(people):
    result = services.roster_import(people["users"]["secretary"], xlsx([row(1)]), dry_run=True)
    assert result.created == 1 and not result.committed
    assert not Member.objects.filter(phone="15900000001").exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(people):
    with pytest.raises(RosterFileError, match="xlsx"):
        services.roster_import(people["users"]["secretary"], b"not a spreadsheet")


def test_a_file_without_the_required_columns_is_refused(people):
    with pytest.raises(RosterFileError, match="手机号码"):
        services.roster_import(people["users"]["secretary"], xlsx([{"姓名": "x"}], headers=["姓名", "组织编码"]))


def test_export_edit_import_round_trips(people):
    client = login(people["users"]["secretary"])
    exported = client.get(reverse("people:member_export")).content
    again = services.roster_import(people["users"]["secretary"], exported)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    wb = load_workbook(BytesIO(exported))
    ws = wb.active
    industry_col = HEADERS.index("行业") + 1
    ws.cell(row=2, column=industry_col, value="物流")
    buf = BytesIO()
    wb.save(buf)
    edited = services.roster_import(people["users"]["secretary"], buf.getvalue())
    assert (edited.created, edited.updated) == (0, 1)
    assert Member.objects.filter(industry="物流").count() == 1


def test_import_page_previews_then_commits(people):
    client = login(people["users"]["secretary"])
    upload = BytesIO(xlsx([row(1), row(2)]))
    upload.name = "名单.xlsx"
    preview = client.post(reverse("people:member_import"), {"file": upload})
    assert preview.status_code == 200
    assert not Member.objects.filter(phone="15900000001").exists()
    token = preview.context["token"]
    done = client.post(reverse("people:member_import"), {"token": token}, follow=True)
    assert "导入完成" in done.content.decode()
    assert Member.objects.filter(phone__in=["15900000001", "15900000002"]).count() == 2
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_import_page_shows_errors_and_offers_no_commit(people):
    client = login(people["users"]["secretary"])
    upload = BytesIO(xlsx([row(1), row(2, **{"手机号码": "1234"})]))
    upload.name = "名单.xlsx"
    response = client.post(reverse("people:member_import"), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 422
    assert "第 3 行" in body and "手机号码" in body and "confirm-import" not in body
    assert not Member.objects.filter(phone="15900000001").exists()


def test_another_users_preview_token_cannot_be_committed(people):
    secretary = login(people["users"]["secretary"])
    upload = BytesIO(xlsx([row(1)]))
    upload.name = "a.xlsx"
    token = secretary.post(reverse("people:member_import"), {"file": upload}).context["token"]
    other = login(people["users"]["committee"])
    response = other.post(reverse("people:member_import"), {"token": token}, follow=True)
    assert "预览已过期" in response.content.decode()
    assert not Member.objects.filter(phone="15900000001").exists()


def test_template_has_chinese_headers_and_the_scoped_organisations(people):
    response = login(people["users"]["secretary"]).get(reverse("people:import_template"))
    wb = load_workbook(BytesIO(response.content))
    assert [c.value for c in wb["党员名单"][1]] == HEADERS
    codes = [r[0] for r in wb["组织列表"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["C1-1"]


def test_an_in_scope_member_can_move_between_branches_by_import(people):
    moving = make_member(people["tree"]["C1-2"], name="调动者")
    result = services.roster_import(
        people["users"]["committee"],
        xlsx([row(1, **{"姓名": "调动者", "性别": "男", "出生日期": "1980-01-01", "手机号码": moving.phone, "组织编码": "C1-1"})]),
    )
    assert result.updated == 1
    moving.refresh_from_db()
    assert moving.organization == people["tree"]["C1-1"]


def test_a_reimport_stamps_updated_at_on_the_members_it_changes_and_only_on_them(people):
    secretary = people["users"]["secretary"]
    services.roster_import(secretary, xlsx([row(1), row(2)]))
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    Member.objects.filter(phone__in=["15900000001", "15900000002"]).update(updated_at=long_ago)
    result = services.roster_import(secretary, xlsx([row(1, **{"行业": "教育"}), row(2)]))
    assert (result.updated, result.unchanged) == (1, 1)
    assert Member.objects.get(phone="15900000001").updated_at > long_ago
    assert Member.objects.get(phone="15900000002").updated_at == long_ago


def test_a_reimport_issues_the_same_queries_for_ten_times_the_rows(people):
    """No query per row: the members it updates, and the accounts of those whose phone changed, are
    written in bulk."""
    secretary = people["users"]["secretary"]

    def reimport(first: int, n: int) -> int:
        numbers = range(first, first + n)
        ids = {i: valid_id_number(date(1990, 5, i % 9 + 1), i) for i in numbers}  # the phone changes; the ID number matches
        services.roster_import(secretary, xlsx([row(i, **{"身份证号": ids[i]}) for i in numbers]))
        for member in Member.objects.filter(phone__in=[f"1590000{i:04d}" for i in numbers]):
            make_user(member=member)
        edited = xlsx([row(i, **{"行业": "教育", "手机号码": f"1591111{i:04d}", "身份证号": ids[i]}) for i in numbers])
        with CaptureQueriesContext(connection) as queries:
            result = services.roster_import(secretary, edited)
        assert (result.updated, result.committed) == (n, True)
        assert User.objects.filter(username__in=[f"1591111{i:04d}" for i in numbers]).count() == n
        return len(queries)

    assert reimport(1, 15) == reimport(100, 150)  # 150 stays within one batch of SQLite's 999 parameters
