"""The secretary's roster journey, in a real browser (issue: "the secretary signs in, sees only their
organisation's members, imports a file with one bad row, reads the error, nothing is added, fixes it,
imports, sees the new members"), and what a plain member sees on a phone."""

import re
from io import BytesIO

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from dangxiao.people.models import Member
from dangxiao.people.roster import COLUMNS
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in, stylesheet_applied

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_MEMBERS = [
    {"姓名": "周晓红", "性别": "女", "出生日期": "1990-05-12", "组织编码": "C1-1", "手机号码": "13912340001"},
    {"姓名": "吴建国", "性别": "男", "出生日期": "1975-11-02", "组织编码": "C1-1", "手机号码": "13912340002"},
    {"姓名": "郑文静", "性别": "女", "出生日期": "1988-01-20", "组织编码": "C1-1", "手机号码": "13912340003"},
]
NEW_NAMES = [m["姓名"] for m in NEW_MEMBERS]


def roster_xlsx(rows: list[dict]) -> bytes:
    """A roster file in the import template's columns; cells not given are left blank."""
    wb = Workbook()
    ws = wb.active
    headers = [c.header for c in COLUMNS]
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(page: Page, data: bytes, name: str) -> None:
    page.goto("/members/import/")
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": data}]
    )
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_load_state("load")
    expect(page.locator("#preview")).to_be_visible()


def roster_names(page: Page) -> list[str]:
    return page.locator("#roster tbody tr td:first-child a").all_inner_texts()


def test_secretary_imports_roster_fixing_a_bad_row_then_sees_new_members(live_server, new_page):
    tree = f.make_tree()
    own = [f.make_member(tree["C1-1"]) for _ in range(3)]
    others = [f.make_member(tree["C2-1"]) for _ in range(2)] + [f.make_member(tree["N1"], is_new_employment=True) for _ in range(2)]
    secretary = f.make_user(role="org_admin", org=tree["C1-1"])

    page = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(page, secretary.username, f.PASSWORD)
    assert stylesheet_applied(page), "Bootstrap / site.css did not load from the live server"

    # Only the secretary's own branch is on the roster.
    page.goto("/members/")
    expect(page.locator("#roster")).to_be_visible()
    names = roster_names(page)
    assert sorted(names) == sorted(m.name for m in own)
    for m in others:
        expect(page.locator("#roster")).not_to_contain_text(m.name)

    # A file whose second data row (spreadsheet row 3) has a bad phone is refused, whole.
    bad = [dict(r) for r in NEW_MEMBERS]
    bad[1]["手机号码"] = "1234"
    upload(page, roster_xlsx(bad), "名单-有错.xlsx")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    cells = errors.first.locator("td")
    expect(cells.nth(0)).to_have_text("第 3 行")
    expect(cells.nth(1)).to_have_text("手机号码")
    expect(cells.nth(2)).to_contain_text("1234")
    assert re.search(r"[\u4e00-\u9fff]", cells.nth(2).inner_text()), "the error message should be in Chinese"
    expect(page.get_by_role("alert")).to_contain_text("未导入任何数据")
    expect(page.locator("#confirm-import")).to_have_count(0)

    page.goto("/members/")
    for name in NEW_NAMES:
        expect(page.locator("#roster")).not_to_contain_text(name)
    assert not Member.objects.filter(name__in=NEW_NAMES).exists()

    # Fixed, previewed, confirmed: the three appear on the roster.
    upload(page, roster_xlsx(NEW_MEMBERS), "名单.xlsx")
    expect(page.locator("#import-errors")).to_have_count(0)
    expect(page.locator('[data-count="created"]')).to_have_text("3")
    page.locator("#confirm-import").click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(re.compile(r"/members/$"))
    expect(page.locator(".alert-success")).to_contain_text("新增 3 人")
    names = roster_names(page)
    for name in NEW_NAMES:
        assert name in names
    assert len(names) == len(own) + 3
    assert Member.objects.filter(name__in=NEW_NAMES, organization=tree["C1-1"]).count() == 3


def test_member_on_a_phone_sees_own_profile_but_not_the_roster(live_server, new_page):
    tree = f.make_tree()
    member = f.make_member(tree["C1-1"])
    f.make_member(tree["C1-1"])
    user = f.make_user(member=member)

    page = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(page, user.username, f.PASSWORD)
    assert stylesheet_applied(page)

    # At 390 px the navigation sits behind the toggler.
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.click()
    profile = page.get_by_role("link", name="我的档案", exact=True)
    expect(profile).to_be_visible()
    expect(page.locator("#dx-nav")).not_to_contain_text("党员名单")
    expect(page.locator('[data-nav="members"]')).to_have_count(0)

    profile.click()
    expect(page).to_have_url(re.compile(rf"/members/{member.pk}/$"))
    expect(page.locator("main")).to_contain_text(member.name)

    response = page.goto("/members/")
    assert response is not None and response.status == 404
