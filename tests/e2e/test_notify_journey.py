"""A secretary cancels a session on its page; a member enrolled in the cohort sees the notice on the phone:
the count on the bar's 通知 button, then the notice in the centre, opened and read."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangxiao.teaching import services
from dangxiao.teaching.models import Session
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_gets_the_cancellation_notice_in_the_app(live_server, new_page):
    tree = f.make_tree()
    school, _main, small = f.make_school(tree)
    member = f.make_member(tree["C1-1"], name="王晓红")
    member_user = f.make_user(member=member)
    secretary = f.make_user(role="org_admin", org=tree["C1-1"], first_name="张书记")
    cohort = f.make_cohort(school, tree["C1-1"], name="第一支部冬训班")
    services.cohort_enroll(cohort, member)
    at = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=3)
    session = Session.objects.create(cohort=cohort, title="党章学习", starts_at=at, ends_at=at + timedelta(hours=2), venue=small)

    phone = new_page(viewport=PHONE, base_url=live_server.url)
    phone.set_default_timeout(30_000)  # two browsers on one server: slower on a loaded machine
    sign_in(phone, member_user.username, f.PASSWORD)
    badge = phone.get_by_test_id("notify-badge")
    expect(badge).to_be_visible()  # on the bar itself, not folded into the menu
    expect(badge.locator("[data-unread-count]")).to_have_count(0)

    desk = new_page(viewport=DESKTOP, base_url=live_server.url)
    desk.set_default_timeout(30_000)
    sign_in(desk, secretary.username, f.PASSWORD)
    desk.goto(f"/sessions/{session.pk}/edit/")
    cancel = desk.locator("#session-cancel")
    cancel.get_by_label("取消原因").fill("场地停电，另行通知")
    cancel.get_by_role("button", name="取消本课次").click()
    expect(desk.get_by_role("alert").first).to_contain_text("课次已取消")

    phone.goto("/me/schedule/")
    expect(badge.locator("[data-unread-count]")).to_have_text("1条未读")
    badge.click()
    expect(phone.locator("h1")).to_contain_text("通知")
    notice = phone.locator("[data-notification]").first
    expect(notice).to_contain_text("课次取消：党章学习")
    expect(notice).to_contain_text("场地停电，另行通知")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    notice.get_by_role("button", name="查看详情").click()
    expect(phone).to_have_url(f"{live_server.url}/me/schedule/")
    expect(phone.locator(f'[data-session="{session.pk}"][data-cancelled]')).to_be_visible()
    expect(badge.locator("[data-unread-count]")).to_have_count(0)
