"""The screen shows a QR; a member's phone scans it and is checked in; a replayed old code is refused;
the secretary's roll shows the member present; the member's study hours rose by the session's credit."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangxiao.attendance import codes
from dangxiao.teaching.models import Enrollment, Session
from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_qr_check_in_from_screen_to_study_hours(live_server, new_page):
    tree = f.make_tree()
    school, main, _small = f.make_school(tree)
    cohort = f.make_cohort(school, tree["C1-1"], name="冬训班")
    start = timezone.now() - timedelta(minutes=2)
    session = Session.objects.create(
        cohort=cohort, title="党章学习", starts_at=start, ends_at=start + timedelta(hours=1), venue=main, hours=Decimal("2.0")
    )
    member = f.make_member(tree["C1-1"], name="王志强")
    Enrollment.objects.create(cohort=cohort, member=member)
    member_user = f.make_user(member=member)
    secretary = f.make_user(role="org_admin", org=tree["C1-1"], first_name="张书记")

    screen = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(screen, secretary.username, f.PASSWORD)
    screen.goto(f"/sessions/{session.pk}/display/")
    expect(screen.locator("#code svg")).to_be_visible()
    expect(screen.locator("#digits")).to_have_text(re.compile(r"^\d{6}$"))
    expect(screen.locator("#count")).to_have_text("0")

    phone = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(phone, member_user.username, f.PASSWORD)
    phone.goto("/me/hours/")
    expect(phone.locator("[data-total]").first).to_have_attribute("data-total", "0")

    # The member scans what the screen shows right now.
    scan_url = screen.locator("#scan-url").get_attribute("href")
    phone.goto(scan_url)
    expect(phone.locator("#checkin-ok")).to_contain_text("签到成功")
    expect(screen.locator("#count")).to_have_text("1", timeout=5000)

    # A photo of an old code, forwarded a minute later, is refused.
    old = codes.current(session.pk, timezone.now() - timedelta(seconds=60), 15).token
    phone.goto(f"/c/{session.pk}/{old}/")
    expect(phone.locator("#checkin-refused")).to_contain_text("过期")

    roll = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(roll, secretary.username, f.PASSWORD)
    roll.goto(f"/sessions/{session.pk}/roll/")
    row = roll.locator(f'#roll tr[data-member="{member.pk}"]')
    expect(row.locator("select")).to_have_value("present")
    expect(roll.locator('[data-status-count="present"]')).to_have_text("1")

    phone.goto("/me/hours/")
    expect(phone.locator("[data-total]").first).to_have_attribute("data-total", "2.0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The screen polls every second: stop it before teardown flushes the shared in-memory database.
    screen.goto("about:blank")
    screen.wait_for_timeout(1200)
