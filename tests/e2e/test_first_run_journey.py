"""From an empty install (no `seed_demo`), in a real browser: the superuser creates the working committee
and school and appoints the principal; the principal changes the temporary password, imports the
organisation tree and a roster, and appoints a branch secretary picked by name."""

import re
from io import BytesIO

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from dangxiao.people.models import Organization, Role, User
from tests import factories as f

from .conftest import DESKTOP
from .helpers import sign_in
from .test_roster_journey import roster_xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_PASSWORD = "Qingshan@2026x"
TREE = [
    ["C1", "青山祠社区党委", "青山祠", "党委", "社区", "WY"],
    ["C1-1", "青山祠社区第一党支部", "", "党支部", "社区", "C1"],
    ["N1", "美团党支部", "", "党支部", "新就业群体", "WY"],
]


def tree_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["组织编码", "名称", "简称", "类别", "所在单位类型", "上级组织编码"])
    for row in TREE:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload_and_confirm(page: Page, url: str, data: bytes, name: str) -> None:
    page.goto(url)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_load_state("load")
    expect(page.locator("#import-errors")).to_have_count(0)
    page.locator("#confirm-import").click()
    page.wait_for_load_state("load")
    expect(page.locator(".alert-success")).to_contain_text("导入完成")


def temporary_password(page: Page) -> str:
    return page.locator("#temporary-password code").inner_text().strip()


def test_from_an_empty_install_to_a_school_with_its_tree_roster_and_secretary(live_server, new_page):
    User.objects.create_superuser("admin", "", f.PASSWORD)
    page = new_page(viewport=DESKTOP, base_url=live_server.url)

    # The superuser lands on the first-run page and creates the committee, its school and principal.
    sign_in(page, "admin", f.PASSWORD)
    expect(page).to_have_url(re.compile(r"/school/first-run/$"))
    page.fill("#id_name", "文源街道党工委")
    page.fill("#id_code", "WY")
    page.fill("#id_school_name", "文源街道党校")
    page.fill("#id_school_brand", "源课堂")
    page.fill("#id_principal_username", "13900000001")
    page.fill("#id_principal_name", "李建国")
    page.get_by_role("button", name="建立").click()
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_contain_text("已建立 文源街道党工委 和 文源街道党校")
    password = temporary_password(page)
    page.goto("/school/first-run/")
    expect(page.locator("body")).to_contain_text("页面不存在")

    # The principal signs in with it and must choose a password first.
    principal = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(principal, "13900000001", password)
    expect(principal).to_have_url(re.compile(r"/accounts/password/"))
    principal.fill("#id_old_password", password)
    principal.fill("#id_new_password1", NEW_PASSWORD)
    principal.fill("#id_new_password2", NEW_PASSWORD)
    principal.locator("form button[type=submit]").last.click()
    principal.wait_for_load_state("load")

    # The tree from Excel, then the roster into one of its branches.
    upload_and_confirm(principal, "/organizations/import/", tree_xlsx(), "组织架构.xlsx")
    expect(principal.locator(".tree")).to_contain_text("青山祠社区第一党支部")
    roster = [{"姓名": "张秀兰", "性别": "女", "出生日期": "1978-04-02", "组织编码": "C1-1", "手机号码": "13900000002"}]
    upload_and_confirm(principal, "/members/import/", roster_xlsx(roster), "名单.xlsx")

    # The secretary is picked by name on the branch's page and appointed; her account is made there.
    principal.goto("/organizations/")
    principal.get_by_role("link", name="青山祠社区第一党支部").click()
    principal.wait_for_load_state("load")
    principal.select_option("#grant-form select[name=kind]", "org_admin")
    principal.locator("#grant-form input[name=q]").fill("张秀兰")
    pick = principal.locator("#picker input[name=member]")
    expect(pick).to_have_count(1)
    expect(principal.locator("#picker")).to_contain_text("139****0002")
    pick.check()
    principal.get_by_role("button", name="授予角色").click()
    principal.wait_for_load_state("load")
    expect(principal.locator("#org-roles")).to_contain_text("张秀兰")
    assert temporary_password(principal)
    branch = Organization.objects.get(code="C1-1")
    assert Role.objects.filter(organization=branch, kind="org_admin", user__username="13900000002").exists()
