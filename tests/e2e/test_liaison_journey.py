"""A resident on a phone reports e-bike charging from the compound's QR page, without an account; the
邻长 accepts it and hands it to the 组长; the 组长 resolves it for 6 households; the resident confirms
it fixed; the compound's public board and the figures show it, and the board names nobody.

Set E2E_SHOTS to a folder to keep a screenshot of every step (e.g. E2E_SHOTS=/tmp/liaison-e2e).
"""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from dangxiao.liaison.models import Matter
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in, stylesheet_applied

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["E2E_SHOTS"]) if os.environ.get("E2E_SHOTS") else None
REPORTER_NAME = "陈阿姨"
REPORTER_PHONE = "13912345678"
DESCRIPTION = "3栋楼道有人从二楼窗户拉电线给电动车充电，晚上一直插着，很危险"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def watch(page: Page) -> list[str]:
    """Collect script errors and failed responses of a page, to assert none happened."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(f"HTTP {r.status}: {r.url}"))
    # A request the browser itself abandoned (the page moved on before the favicon arrived) is not a fault.
    page.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED" and problems.append(f"requestfailed: {r.url} {r.failure}"))
    return problems


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"{page.url} scrolls sideways: {width}px wide on a {PHONE[0]}px screen"


def test_resident_report_to_resolved_on_the_board_and_in_the_figures(live_server, new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = f.make_liaison(f.make_people(f.make_tree()))
    compound, group = data["a"], data["roles"]["group"]
    users = data["users"]
    token = compound.public_token

    # 1. The resident scans the poster: the report page, on a phone, no account.
    resident = new_page(viewport=PHONE, base_url=live_server.url)
    resident_problems = watch(resident)
    resident.goto(f"/r/{token}/")
    expect(resident.locator("h1")).to_have_text("青山苑")
    assert stylesheet_applied(resident)
    fits_phone(resident)
    shot(resident, "01-resident-report-empty")

    resident.get_by_text("电动车充电", exact=True).click()
    expect(resident.get_by_role("radio", name="电动车充电")).to_be_checked()
    resident.fill("#id_description", DESCRIPTION)
    expect(resident.locator("#description-count")).to_have_text(str(len(DESCRIPTION)))
    resident.select_option("#id_building", label="1栋")
    resident.fill("#id_location", "2单元楼道")
    resident.locator('input[name="photos"][multiple]').set_input_files(
        {"name": "charging.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    expect(resident.locator("#photos-chosen")).to_have_text("已选择 1 张照片")
    resident.fill("#id_reporter_name", REPORTER_NAME)
    resident.fill("#id_reporter_phone", REPORTER_PHONE)
    expect(resident.get_by_text("您的姓名和电话仅对处理人员可见，不会公开。")).to_be_visible()
    fits_phone(resident)
    shot(resident, "02-resident-report-filled")
    resident.locator("#report-submit").click()

    # 2. The reporter's own page: sent, waiting to be accepted, a follow-up code to keep.
    expect(resident).to_have_url(re.compile(r"/m/[^/]+/\?new=1$"))
    matter = Matter.objects.get()
    assert (matter.category.code, matter.building.name, matter.reporter_phone) == ("e_bike_charging", "1栋", REPORTER_PHONE)
    assert matter.photos.filter(stage="report").count() == 1
    expect(resident.locator("#report-sent")).to_contain_text("已提交，感谢您的反映！")
    expect(resident.locator("#follow-up-code")).to_have_text(matter.token)
    expect(resident.locator("#matter-state")).to_have_text("待受理")
    expect(resident.locator("h1")).to_have_text("电动车充电")
    expect(resident.locator("#matter-description")).to_have_text(DESCRIPTION)
    expect(resident.get_by_text("附照片 1 张（仅处理人员可见）")).to_be_visible()
    expect(resident.locator("#withdraw-box")).to_be_visible()
    expect(resident.locator("#confirm-form")).to_have_count(0)
    fits_phone(resident)
    shot(resident, "03-resident-matter-reported")
    matter_url = f"/m/{matter.token}/"

    # 3. The 邻长 (a resident with an account, on a phone) finds it waiting in the queue and accepts it.
    neighbour = new_page(viewport=PHONE, base_url=live_server.url)
    neighbour_problems = watch(neighbour)
    sign_in(neighbour, users["neighbour"].username, f.PASSWORD)
    neighbour.goto("/liaison/matters/?state=reported")
    expect(neighbour.locator('[data-count="reported"]')).to_have_text("1")
    card = neighbour.locator(f'#matter-cards [data-card="{matter.pk}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("电动车充电")
    expect(card).to_contain_text("待受理")
    fits_phone(neighbour)
    shot(neighbour, "04-neighbour-queue")
    card.click()

    expect(neighbour).to_have_url(re.compile(rf"/liaison/matters/{matter.pk}/$"))
    expect(neighbour.locator("#matter-state")).to_have_text("待受理")
    expect(neighbour.locator("#matter-description")).to_have_text(DESCRIPTION)
    expect(neighbour.get_by_text(REPORTER_NAME, exact=True)).to_be_visible()  # the handler sees who reported it…
    expect(neighbour.locator('#reporter-phone [data-field="phone"]')).not_to_have_text(REPORTER_PHONE)  # …the phone masked
    expect(neighbour.locator("[data-photo]")).to_have_count(1)
    fits_phone(neighbour)
    shot(neighbour, "05-neighbour-matter-reported")
    accept = neighbour.locator("#accept-form")
    accept.locator("[data-canned-pick]").select_option(label="已受理")
    expect(accept.locator("textarea")).to_have_value(re.compile("已受理"))
    accept.get_by_role("button", name="确认受理").click()
    expect(neighbour.get_by_text("已受理。")).to_be_visible()
    expect(neighbour.locator("#matter-state")).to_have_text("已受理")
    expect(neighbour.locator("#accept-form")).to_have_count(0)

    # …and hands it to the 组长.
    assign = neighbour.locator("#assign-form")
    assign.locator("select").select_option(f"role:{group.pk}")
    assign.locator("textarea").fill("请组长协调物业在车棚加装充电桩")
    assign.get_by_role("button", name="指派").click()
    expect(neighbour.get_by_text("已指派。")).to_be_visible()
    expect(neighbour.locator("#matter-state")).to_have_text("已指派")
    expect(neighbour.locator("#assignee")).to_have_text(f"组长 {group.name}")
    fits_phone(neighbour)
    shot(neighbour, "06-neighbour-matter-assigned")

    # The resident sees the progress, with the 邻长 named as a neighbour they know.
    resident.goto(matter_url)
    expect(resident.locator("#matter-state")).to_have_text("已指派")
    expect(resident.locator("#timeline")).to_contain_text("李邻长")
    expect(resident.locator("#withdraw-box")).to_have_count(0)

    # 4. The 组长 (at a desk) resolves it: 6 households benefited.
    leader = new_page(viewport=DESKTOP, base_url=live_server.url)
    leader_problems = watch(leader)
    sign_in(leader, users["group"].username, f.PASSWORD)
    leader.goto("/liaison/matters/?type=open&mine=1")
    row = leader.locator(f'#matters tr[data-matter="{matter.pk}"]')
    expect(row).to_contain_text("已指派")
    expect(row).to_contain_text(f"组长 {group.name}")
    shot(leader, "07-leader-queue")
    row.get_by_role("link", name=f"#{matter.pk}").click()
    expect(leader.locator("#matter-state")).to_have_text("已指派")
    resolve = leader.locator("#resolve-form")
    resolve.get_by_label("受益户数").fill("6")
    resolve.locator("[data-canned-pick]").select_option(label="已解决")
    resolve.locator("textarea").fill("已协调物业在车棚加装 6 个充电口，楼道飞线已拆除。")
    shot(leader, "08-leader-resolve-filled")
    resolve.get_by_role("button", name="记录解决").click()
    expect(leader.get_by_text("已记录解决情况。")).to_be_visible()
    expect(leader.locator("#matter-state")).to_have_text("已解决")
    expect(leader.locator("#households-benefited")).to_have_text("6")
    expect(leader.locator("#confirmed")).to_have_text("尚未确认")
    shot(leader, "09-leader-matter-resolved")

    # 5. The resident reloads their page: resolved; they confirm it.
    resident.reload()
    expect(resident.locator("#matter-state")).to_have_text("已解决")
    expect(resident.locator("#timeline")).to_contain_text("已协调物业在车棚加装 6 个充电口")
    expect(resident.locator("#reopen-box")).to_be_visible()
    fits_phone(resident)
    shot(resident, "10-resident-matter-resolved")
    resident.get_by_role("button", name="确认问题已解决").click()
    expect(resident.get_by_text("感谢您确认问题已解决")).to_be_visible()
    expect(resident.locator("#confirm-form")).to_have_count(0)
    expect(resident.locator("#matter-state")).to_have_text("已解决")
    fits_phone(resident)
    shot(resident, "11-resident-matter-confirmed")

    leader.reload()
    expect(leader.locator("#confirmed")).to_contain_text("已确认解决")

    # 6. The compound's public board: resolved, nobody named.
    resident.goto(f"/r/{token}/board/")
    expect(resident.locator("h1")).to_have_text("青山苑")
    entry = resident.locator(f'#board [data-matter="{matter.pk}"]')
    expect(entry).to_contain_text("电动车充电")
    expect(entry).to_contain_text("已解决")
    expect(entry).to_contain_text("3栋楼道有人从二楼窗户拉电线")
    expect(resident.locator("#count-resolved")).to_have_text("1")
    expect(resident.locator("#count-open")).to_have_text("0")
    board_text = resident.locator("body").inner_text()
    html = resident.content()
    for secret in (REPORTER_NAME, REPORTER_PHONE, matter.token):
        assert secret not in board_text and secret not in html, f"the public board shows {secret}"
    assert REPORTER_PHONE[-4:] not in board_text
    fits_phone(resident)
    shot(resident, "12-public-board")

    # 7. The figures, for the committee over the community: 1 resolved, 6 households.
    committee = new_page(viewport=DESKTOP, base_url=live_server.url)
    committee_problems = watch(committee)
    sign_in(committee, users["committee"].username, f.PASSWORD)
    committee.goto("/liaison/figures/")
    expect(committee.locator('[data-stat="total"]')).to_have_text("1")
    expect(committee.locator('[data-stat="fixed"]')).to_have_text("1")
    expect(committee.locator('[data-stat="open"]')).to_have_text("0")
    expect(committee.locator('[data-stat="households"]')).to_have_text("6")
    expect(committee.locator('#follow-up [data-stat="confirmed"]')).to_have_text("1")
    expect(committee.locator('#by-state tr[data-state="resolved"] td').last).to_have_text("1")
    cells = committee.locator('#by-category tr[data-category="e_bike_charging"] td')
    expect(cells.nth(0)).to_have_text("电动车充电")
    expect(cells.nth(3)).to_have_text("1")  # resolved
    expect(cells.nth(5)).to_have_text("6")  # households benefited
    compound_cells = committee.locator(f'#by-compound tr[data-compound="{compound.pk}"] td')
    expect(compound_cells.nth(0)).to_have_text("青山苑")
    expect(compound_cells.nth(4)).to_have_text("1")
    expect(compound_cells.nth(7)).to_have_text("6")
    expect(committee.locator("#top-roles")).to_contain_text(group.name)
    expect(committee.locator("#chart-months canvas")).to_have_count(1)
    committee.wait_for_timeout(600)  # let the charts finish drawing
    shot(committee, "13-figures")

    # The 组长 sees the same figures over their compound.
    leader.goto("/liaison/figures/")
    expect(leader.locator('[data-stat="fixed"]')).to_have_text("1")
    expect(leader.locator('[data-stat="households"]')).to_have_text("6")

    assert not resident_problems + neighbour_problems + leader_problems + committee_problems

    # Nothing polls here, but leave every page idle before teardown flushes the database.
    for page in (resident, neighbour, leader, committee):
        page.goto("about:blank")
    resident.wait_for_timeout(300)
