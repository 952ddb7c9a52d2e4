"""民主评议 in the browser: a secretary opens it; three members vote on 390-px pages; a fourth votes in
one tab and tries again from a second and is refused; the secretary closes the ballot, sees the tallies
beside each member's record, proposes too many 优秀 and reads the refusal, then records the grades; a
member sees only their own result.

Set E2E_SHOTS to a folder to keep a screenshot of every step.
"""

import os
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dangxiao.appraisal.models import Appraisal, Rating, Tally, VoteCast
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ["E2E_SHOTS"]) if os.environ.get("E2E_SHOTS") else None


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"{page.url} scrolls sideways: {width}px wide on a {PHONE[0]}px screen"


def fill_ballot(page: Page, grade: str = "合格") -> None:
    for fieldset in page.locator("#ballot-form fieldset").all():
        fieldset.get_by_text(grade, exact=True).click()


def test_secret_ballot_from_opening_to_each_members_own_result(live_server, new_page):
    people = f.make_people(f.make_tree())
    branch = f.make_appraisal_branch(people["tree"], full=6, probationary=1)
    members = [m for m in branch["members"] if m.status == "full"]
    # The server's first request loads every view module; on a busy machine that alone can outlast the
    # browser's 10-second wait, so it is paid here, outside the journey.
    urllib.request.urlopen(live_server.url + "/accounts/login/", timeout=120).read()

    # 1. The secretary opens the branch's 民主评议.
    secretary = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(secretary, branch["secretary"].username, f.PASSWORD)
    secretary.goto("/appraisals/")
    secretary.select_option("#open-org", label=branch["org"].name)
    secretary.get_by_role("button", name="开展民主评议").click()
    expect(secretary.locator("#status")).to_have_text("投票中")
    expect(secretary.locator("#quorum")).to_have_text("已投票 0 / 7 人")
    expect(secretary.locator('[data-col="peer"]')).to_have_count(0)
    appraisal = Appraisal.objects.get()
    shot(secretary, "01-opened")

    # 2. Three members vote on their phones.
    for i, member in enumerate(members[:3]):
        phone = new_page(viewport=PHONE, base_url=live_server.url)
        sign_in(phone, member.user.username, f.PASSWORD)
        phone.goto("/me/appraisals/")
        phone.locator(f'[data-appraisal="{appraisal.pk}"]').click()
        expect(phone.locator("#ballot-form fieldset")).to_have_count(5)
        fits_phone(phone)
        fill_ballot(phone, "优秀" if i == 0 else "合格")
        shot(phone, f"02-ballot-{i}")
        phone.get_by_role("button", name="提交选票").click()
        expect(phone.locator("#voted")).to_be_visible()
        fits_phone(phone)

    # 3. A fourth votes in one tab, then tries again from a second tab opened before: refused.
    fourth = members[3]
    context_page = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(context_page, fourth.user.username, f.PASSWORD)
    context_page.goto(f"/me/appraisals/{appraisal.pk}/")
    second = context_page.context.new_page()
    second.goto(f"/me/appraisals/{appraisal.pk}/")
    fill_ballot(context_page)
    context_page.get_by_role("button", name="提交选票").click()
    expect(context_page.locator("#voted")).to_be_visible()
    fill_ballot(second, "不合格")
    second.get_by_role("button", name="提交选票").click()
    expect(second.get_by_text("您已经投过票，每人只能投一次")).to_be_visible()
    fits_phone(second)
    shot(second, "03-second-vote-refused")
    assert VoteCast.objects.count() == 4
    assert sum(t.incompetent for t in Tally.objects.all()) == 0  # the refused ballot counted nowhere

    # 4. The secretary closes the ballot and reads the tallies beside each member's record.
    secretary.reload()
    expect(secretary.locator("#quorum")).to_have_text("已投票 4 / 7 人")
    secretary.get_by_role("button", name="截止投票并计票").click()
    expect(secretary.locator("#status")).to_have_text("已截止")
    first_row = secretary.locator(f'tr[data-member="{members[1].pk}"]')
    expect(first_row.locator('[data-col="peer"]')).to_have_text("1/2/0/0")
    expect(first_row.locator('[data-col="hours"]')).to_be_visible()
    expect(first_row.locator('[data-col="attendance"]')).to_have_text(re.compile(r"0 / 0"))
    shot(secretary, "04-tallies")

    # 5. Too many 优秀: refused, with the reason; then grades within the cap, and the meeting's decision.
    for m in members[:3]:
        secretary.select_option(f'select[name="grade_{m.pk}"]', "excellent")
    for m in members[3:]:
        secretary.select_option(f'select[name="grade_{m.pk}"]', "competent")
    secretary.get_by_role("button", name="保存建议等次（支委会）").click()
    expect(secretary.get_by_text(re.compile("优秀等次不得超过参加评定党员人数的三分之一"))).to_be_visible()
    assert not Rating.objects.exists()
    expect(secretary.locator(f'select[name="grade_{members[4].pk}"]')).to_have_value("competent")  # the choices kept
    shot(secretary, "05-refused")
    secretary.select_option(f'select[name="grade_{members[2].pk}"]', "competent")
    secretary.get_by_role("button", name="保存建议等次（支委会）").click()
    expect(secretary.get_by_text("建议等次已保存")).to_be_visible()
    secretary.fill("#notes", "支部党员大会表决通过")
    secretary.get_by_role("button", name="按建议等次记录评定结果").click()
    expect(secretary.locator("#status")).to_have_text("已评定")
    expect(secretary.locator(f'tr[data-member="{members[0].pk}"] [data-grade]')).to_have_text("优秀")
    shot(secretary, "06-decided")

    # 6. A member sees their own grade, and nobody else's.
    own = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(own, members[4].user.username, f.PASSWORD)
    own.goto(f"/me/appraisals/{appraisal.pk}/")
    expect(own.locator("#my-result [data-grade]")).to_have_text("合格")
    expect(own.locator("[data-grade]")).to_have_count(1)
    expect(own.get_by_text(members[0].name)).to_have_count(0)
    fits_phone(own)
    shot(own, "07-own-result")
