"""Staff build the organ members' class with a Tuesday/Thursday rule; a member sees it on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f

from .conftest import DESKTOP, PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_schedule_the_organ_class_and_a_member_sees_it_on_the_phone(live_server, new_page):
    tree = f.make_tree()
    school, main, _small = f.make_school(tree)
    f.make_teacher(school, name="刘老师")
    trainees = [f.make_member(tree["C1-1"], name=f"机关学员{i}", is_organ_worker=True) for i in range(4)]
    f.make_member(tree["C1-1"], name="非机关党员")
    member_user = f.make_user(member=trainees[0])
    principal = f.make_user(role="principal", org=tree["WY"], first_name="李校长")
    leaders = f.make_cohort(school, tree["C1"], name="领头雁培训班")

    today = timezone.localdate()
    start = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # next Monday
    end = start + timedelta(days=60)
    skipped = start + timedelta(days=3)  # the first Thursday

    page = new_page(viewport=DESKTOP, base_url=live_server.url)
    sign_in(page, principal.username, f.PASSWORD)
    page.goto("/cohorts/new/")
    page.fill("#id_name", "机关党员素质提升班")
    page.select_option("#id_organization", str(tree["WY"].pk))
    page.check('input[name="flags"][value="is_organ_worker"]')
    page.check("#id_auto_enrol")
    page.get_by_role("button", name="创建班次").click()
    expect(page.locator("h1")).to_contain_text("机关党员素质提升班")
    expect(page.locator('[data-count="enrolled"]')).to_have_text("4")

    page.get_by_role("button", name="按周排课").click()
    form = page.locator("#rule-form")
    form.locator('input[name="weekdays"][value="1"]').check()
    form.locator('input[name="weekdays"][value="3"]').check()
    form.locator('input[name="start_time"]').fill("19:00")
    form.locator('input[name="end_time"]').fill("21:00")
    form.locator('input[name="starts_on"]').fill(start.isoformat())
    form.locator('input[name="ends_on"]').fill(end.isoformat())
    form.locator('input[name="skip_dates"]').fill(skipped.isoformat())
    form.locator('input[name="title"]').fill("素质提升课")
    form.locator('select[name="venue"]').select_option(label="源课堂")
    form.locator('select[name="teacher"]').select_option(label="刘老师")
    form.get_by_role("button", name="生成课次").click()
    expected = sum(1 for i in range((end - start).days + 1) if (start + timedelta(days=i)).weekday() in (1, 3)) - 1
    expect(page.get_by_role("alert").first).to_contain_text(f"已按规则生成{expected}个课次")
    expect(page.locator("#sessions tbody tr")).to_have_count(expected)

    # The same teacher cannot be booked twice at the same time for another class.
    page.goto(f"/cohorts/{leaders.pk}/")
    page.get_by_role("button", name="添加单次课").click()
    one = page.locator("#session-form")
    one.locator('input[name="date"]').fill((start + timedelta(days=1)).isoformat())
    one.locator('input[name="start_time"]').fill("20:00")
    one.locator('input[name="end_time"]').fill("21:30")
    one.locator('select[name="teacher"]').select_option(label="刘老师")
    one.get_by_role("button", name="添加课次").click()
    refusal = page.locator("#conflicts")
    expect(refusal).to_contain_text("讲师刘老师")
    expect(refusal).to_contain_text("机关党员素质提升班")
    expect(page.locator("#sessions tbody")).to_contain_text("还没有课次")

    # A trainee opens "my schedule" on a phone and finds the evenings.
    phone = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(phone, member_user.username, f.PASSWORD)
    phone.goto("/me/schedule/")
    first_tuesday = start + timedelta(days=1)
    day = phone.locator(f'[data-date="{first_tuesday.isoformat()}"]')
    expect(day).to_contain_text("素质提升课")
    expect(day).to_contain_text("19:00–21:00")
    expect(phone.locator(f'[data-date="{skipped.isoformat()}"]')).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
