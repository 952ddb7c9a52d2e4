"""A member enrols in an open class on a 390-px phone; the secretary cancels a later session; the member's
schedule shows it cancelled and the feed carries STATUS:CANCELLED."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from dangxiao.teaching.models import CalendarFeed, Session
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_enrols_on_the_phone_and_sees_a_cancelled_session(live_server, new_page):
    tree = f.make_tree()
    school, main, _small = f.make_school(tree)
    member = f.make_member(tree["C1-1"], name="王志强")
    member_user = f.make_user(member=member)
    secretary = f.make_user(role="org_admin", org=tree["C1-1"], first_name="张书记")
    cohort = f.make_cohort(school, tree["C1-1"], name="第一支部冬训班", self_enrol_open=True, seat_limit=20, default_venue=main)
    evening = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    first, later = (
        Session.objects.create(cohort=cohort, title=title, starts_at=at, ends_at=at + timedelta(hours=2), venue=main)
        for title, at in (("第一讲", evening + timedelta(days=2)), ("第二讲", evening + timedelta(days=9)))
    )

    phone = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(phone, member_user.username, f.PASSWORD)
    phone.goto("/me/schedule/")
    phone.get_by_role("link", name="报名班次").click()
    card = phone.locator(f'[data-cohort="{cohort.pk}"]')
    expect(card).to_contain_text("剩余名额 20")
    card.get_by_role("button", name="报名").click()
    expect(phone.locator(f'[data-cohort="{cohort.pk}"] [data-status="enrolled"]')).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(desk, secretary.username, f.PASSWORD)
    desk.goto(f"/sessions/{later.pk}/edit/")
    desk.fill("#session-cancel input[name=reason]", "场地维修")
    desk.get_by_role("button", name="取消本课次").click()
    expect(desk.locator("#sessions")).to_contain_text("已取消")

    phone.goto("/me/schedule/")
    expect(phone.locator(f'[data-session="{later.pk}"]')).to_contain_text("已取消：场地维修")
    expect(phone.locator(f'[data-session="{first.pk}"]')).not_to_contain_text("已取消")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    token = CalendarFeed.objects.get(member=member).token
    feed = Calendar.from_ical(Client().get(f"/calendar/feed/{token}.ics").content)
    status = {str(e["summary"]).split("（")[0]: str(e.get("STATUS", "")) for e in feed.walk("VEVENT")}
    assert status == {"第一讲": "", "第二讲": "CANCELLED"}
