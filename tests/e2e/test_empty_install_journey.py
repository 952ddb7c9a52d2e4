"""Issue 10's journey, from an empty install (no `seed_demo`) to the study hours, in pages only.

The superuser creates the working committee and school and appoints the principal; the principal imports
the organisation tree and a roster exported from the national system (全国党员管理信息系统), appoints a
secretary, adds a venue, a teacher and a course, and creates a cohort for the mobile members with a weekly
schedule, and finds each step in the audit log; the secretary gives a member an activation code; the member activates the account, enrols and
checks in on a 390-px phone; the secretary cancels a later session; the member's schedule and calendar
feed show it cancelled; the study hours reach the member's ledger and the secretary's compliance page.

Everything is set up through the browser. Only the clock is the test's: it stands still on the evening of
the first class (time_machine, which the live server's thread shares), and moves past the start so the
periodic task that credits check-ins made before a session started can run, as huey would run it.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar
from playwright.sync_api import Page, expect

from dangxiao.attendance.tasks import credit_started_sessions
from dangxiao.people.models import User
from tests import factories as f
from tests.test_national_roster import national

from .conftest import DESKTOP, PHONE
from .helpers import sign_in
from .test_first_run_journey import XLSX, temporary_password, tree_xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BEIJING = ZoneInfo("Asia/Shanghai")
BRANCH = "青山祠社区第一党支部"
COHORT = "流动党员冬训班"
LESSON = "流动党员学习课"
PASSWORDS = {"principal": "Qingshan@2026x", "secretary": "Zhangxl@2026x", "member": "Wangzq@2026x"}


def national_roster() -> bytes:
    """The branch's three members: the secretary-to-be, a mobile member (a courier) and a probationer."""
    people = [
        ("张秀兰", "女", date(1978, 4, 2), "正式党员", "2001-07-01", "2002-07-01", "社区书记", "13900000002", "否"),
        ("王志强", "男", date(1990, 5, 12), "正式党员", "2015-06-20", "2016-06-20", "快递员", "13900000003", "是"),
        ("赵敏", "女", date(1996, 9, 30), "预备党员", "2026-06-01", None, "教师", "13900000007", "否"),
    ]
    keys = ("姓名", "性别", "出生日期", "人员类别", "入党日期", "转正日期", "工作岗位", "手机号码", "是否流动党员")
    rows = [
        dict(zip(keys, (name, gender, born.isoformat(), kind, joined, confirmed, job, phone, mobile), strict=True))
        | {"公民身份号码": f.valid_id_number(born, seq=n), "民族": "汉族", "籍贯": "湖南长沙", "学历": "大学本科"}
        | {"所在党支部": BRANCH, "家庭住址": "天心区青山祠1号", "是否失联党员": "否"}
        for n, (name, gender, born, kind, joined, confirmed, job, phone, mobile) in enumerate(people, start=1)
    ]
    return national(rows)


def first_password(page: Page, temporary: str, new: str) -> None:
    """A temporary password leads to the password page before anything else."""
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")


def menu(page: Page, group: str, item: str) -> None:
    """Open a page from the navigation bar's menu, as staff do on a desktop."""
    page.locator(f'[data-nav-group="{group}"]').click()
    page.locator(f'.dropdown-menu [data-nav="{item}"]').click()
    page.wait_for_load_state("load")


def phone_menu(page: Page, item: str) -> None:
    """At 390 px the navigation sits behind the toggler."""
    page.locator(".navbar-toggler").click()
    page.locator(f'#dx-nav [data-nav="{item}"]').click()
    page.wait_for_load_state("load")


def upload(page: Page, data: bytes, name: str) -> None:
    """Upload a file on the import page in view, preview it without problems and confirm it."""
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#import-errors")).to_have_count(0)
    page.locator("#confirm-import").click()
    expect(page.locator(".alert-success")).to_contain_text("导入完成")


def success(page: Page):
    return page.locator(".alert-success")


def next_tuesday() -> date:
    today = datetime.now(BEIJING).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def test_from_an_empty_install_to_study_hours_in_pages(live_server, new_page):
    tuesday = next_tuesday()  # the first class, at 19:00; the clock stands at 18:45 that evening
    thursday_next_week = tuesday + timedelta(days=9)
    with time_machine.travel(datetime.combine(tuesday, time(18, 45), BEIJING), tick=False) as clock:
        User.objects.create_superuser("admin", "", f.PASSWORD)  # `manage.py createsuperuser`

        # 1. The superuser creates the working committee, its school and the principal on the first-run page.
        admin = new_page(viewport=DESKTOP, base_url=live_server.url)
        sign_in(admin, "admin", f.PASSWORD)
        expect(admin).to_have_url(re.compile(r"/school/first-run/$"))
        admin.fill("#id_name", "文源街道党工委")
        admin.fill("#id_code", "WY")
        admin.fill("#id_school_name", "文源街道党校")
        admin.fill("#id_school_brand", "源课堂")
        admin.fill("#id_principal_username", "13900000001")
        admin.fill("#id_principal_name", "李建国")
        admin.get_by_role("button", name="建立").click()
        expect(admin.locator("h1")).to_contain_text("已建立 文源街道党工委 和 文源街道党校")
        principal_password = temporary_password(admin)
        admin.close()

        # 2. The principal chooses a password, imports the tree, then the national system's roster as it is.
        desk = new_page(viewport=DESKTOP, base_url=live_server.url)
        sign_in(desk, "13900000001", principal_password)
        first_password(desk, principal_password, PASSWORDS["principal"])
        menu(desk, "people", "organizations")
        desk.get_by_test_id("tree-import").click()
        upload(desk, tree_xlsx(), "组织架构.xlsx")
        expect(desk.locator(".tree")).to_contain_text(BRANCH)
        menu(desk, "people", "import")
        expect(desk.locator("#national-layout")).to_contain_text("全国党员管理信息系统")
        upload(desk, national_roster(), "全国党员管理信息系统导出.xlsx")
        expect(success(desk)).to_contain_text("新增 3 人")
        roster = desk.locator("#roster")
        for name in ("张秀兰", "王志强", "赵敏"):
            expect(roster).to_contain_text(name)
        expect(roster.locator("tr", has_text="赵敏")).to_contain_text("预备党员")
        expect(roster.locator("tr", has_text="王志强")).to_contain_text(BRANCH)
        expect(roster.locator("tr", has_text="王志强")).to_contain_text("流动")

        # 3. ... appoints 张秀兰 the branch's administrator (its secretary), picked by name.
        menu(desk, "people", "organizations")
        desk.get_by_role("link", name=BRANCH).click()
        desk.select_option("#grant-form select[name=kind]", "org_admin")
        desk.locator("#grant-form input[name=q]").fill("张秀兰")
        pick = desk.locator("#picker input[name=member]")
        expect(pick).to_have_count(1)
        pick.check()
        desk.get_by_role("button", name="授予角色").click()
        expect(desk.locator("#org-roles")).to_contain_text("张秀兰")
        secretary_password = temporary_password(desk)

        # 4. ... adds the branch's teaching point, an outside teacher and a course.
        menu(desk, "teaching", "school")
        desk.get_by_role("link", name="阵地", exact=True).click()
        desk.get_by_role("link", name="新建阵地").click()
        desk.fill("#id_name", "青山祠社区党群服务中心")
        desk.select_option("#id_tier", "community")
        desk.select_option("#id_kind", "service_center")
        desk.select_option("#id_organization", label=f"\u3000\u3000{BRANCH}")
        desk.fill("#id_address", "青山祠路8号")
        desk.fill("#id_capacity", "60")
        desk.get_by_role("button", name="保存").click()
        expect(success(desk)).to_contain_text("已新建阵地“青山祠社区党群服务中心”")

        menu(desk, "teaching", "school")
        desk.get_by_role("link", name="师资库讲师").click()
        desk.get_by_role("link", name="新增讲师").click()
        desk.check("#teacher-form input[name=kind][value=outsider]")
        desk.fill("#id_name", "刘老师")
        desk.select_option("#id_source", "party_school")
        desk.fill("#id_affiliation", "天心区委党校")
        desk.get_by_role("button", name="保存").click()
        expect(success(desk)).to_contain_text("讲师刘老师已加入师资库")

        menu(desk, "teaching", "courses")
        desk.get_by_role("link", name="新增课程").click()
        desk.fill("#id_title", "新修订党章学习")
        desk.select_option("#id_kind", "theory")
        desk.fill("#id_default_hours", "2")
        desk.get_by_role("button", name="保存").click()
        expect(success(desk)).to_contain_text("课程《新修订党章学习》已创建")

        # 5. ... creates the branch's class for its mobile members (the rule), open to enrol, with the course,
        # then Tuesday and Thursday evenings for three weeks.
        menu(desk, "teaching", "cohorts")
        desk.get_by_role("link", name="新建班次").click()
        desk.fill("#id_name", COHORT)
        desk.select_option("#id_organization", label=f"\u3000\u3000{BRANCH}")
        desk.select_option("#id_courses", label="新修订党章学习")
        desk.check('input[name="flags"][value="is_mobile"]')
        desk.fill("#id_seat_limit", "30")
        desk.check("#id_self_enrol_open")
        desk.fill("#id_starts_on", tuesday.isoformat())
        desk.fill("#id_ends_on", (tuesday + timedelta(days=27)).isoformat())
        desk.get_by_role("button", name="创建班次").click()
        expect(success(desk)).to_contain_text("班次已创建")
        expect(desk.locator("h1")).to_contain_text(COHORT)
        expect(desk.locator('[data-count="eligible"]')).to_have_text("1")  # 王志强, the only mobile member
        expect(desk.locator('[data-count="enrolled"]')).to_have_text("0")

        desk.get_by_role("button", name="按周排课").click()
        rule = desk.locator("#rule-form")
        rule.locator('input[name="weekdays"][value="1"]').check()
        rule.locator('input[name="weekdays"][value="3"]').check()
        rule.locator('input[name="start_time"]').fill("19:00")
        rule.locator('input[name="end_time"]').fill("21:00")
        rule.locator('input[name="starts_on"]').fill(tuesday.isoformat())
        rule.locator('input[name="ends_on"]').fill((tuesday + timedelta(days=20)).isoformat())
        rule.locator('input[name="title"]').fill(LESSON)
        rule.locator('select[name="venue"]').select_option(label="青山祠社区党群服务中心")
        rule.locator('select[name="teacher"]').select_option(label="刘老师")
        rule.get_by_role("button", name="生成课次").click()
        expect(success(desk)).to_contain_text("已按规则生成6个课次")
        expect(desk.locator("#sessions tbody tr")).to_have_count(6)

        # Each of those steps is in the school's audit log, the class and its schedule included.
        desk.locator('[data-nav="audit"]').click()
        log = desk.locator("main table tbody")
        for summary in ("新建阵地：青山祠社区党群服务中心", f"新建班次：{COHORT}", f"按周排课：{COHORT}，6个课次"):
            expect(log).to_contain_text(summary)
        for action in ("导入组织架构", "导入名单", "授予角色", "新增讲师", "新增课程"):
            expect(log).to_contain_text(action)
        desk.close()

        # 6. The secretary chooses her password and gives 王志强 an activation code from his page.
        secretary = new_page(viewport=DESKTOP, base_url=live_server.url)
        sign_in(secretary, "13900000002", secretary_password)
        first_password(secretary, secretary_password, PASSWORDS["secretary"])
        menu(secretary, "people", "members")
        secretary.locator("#roster").get_by_role("link", name="王志强").click()
        expect(secretary.locator("#account")).to_contain_text("未激活 · 未发放激活码")
        secretary.get_by_role("button", name="生成激活码").click()
        code = secretary.get_by_test_id("activation-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)

        # 7. On his phone he activates the account, finds the class open to him and enrols.
        phone = new_page(viewport=PHONE, base_url=live_server.url)
        phone.goto("/accounts/activate/")
        phone.fill("#id_username", "13900000003")
        phone.fill("#id_code", code)
        phone.fill("#id_new_password1", PASSWORDS["member"])
        phone.fill("#id_new_password2", PASSWORDS["member"])
        phone.get_by_role("button", name="设置密码并登录").click()
        expect(success(phone)).to_contain_text("密码已设置，账号已激活")
        phone_menu(phone, "schedule")
        expect(phone.locator("main")).to_contain_text("近期没有安排课程")
        phone.get_by_role("link", name="报名班次").click()
        card = phone.locator("[data-cohort]", has_text=COHORT)
        expect(card).to_contain_text("剩余名额 30")
        expect(card).to_contain_text("青山祠社区党群服务中心")
        card.get_by_role("button", name="报名").click()
        expect(phone.locator("[data-cohort]", has_text=COHORT).locator('[data-status="enrolled"]')).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

        # 8. A quarter of an hour before the class the secretary puts the check-in screen up; he types its code.
        menu(secretary, "teaching", "cohorts")
        secretary.get_by_role("link", name=COHORT).click()
        today_row = secretary.locator("#sessions tbody tr", has_text=f"{tuesday.isoformat()}")
        today_row.get_by_role("link", name="考勤").click()
        screen_url = secretary.get_by_role("link", name="签到大屏").get_attribute("href")
        roll_url = secretary.url
        secretary.goto(screen_url)
        digits = secretary.locator("#digits")
        expect(digits).to_have_text(re.compile(r"^\d{6}$"))
        expect(secretary.locator("#count")).to_have_text("0")

        phone_menu(phone, "schedule")
        today = phone.locator(f'[data-date="{tuesday.isoformat()}"]')
        expect(today).to_contain_text("今天")
        expect(today).to_contain_text("19:00–21:00")
        today.get_by_role("link", name="签到").click()
        expect(phone.locator("#session option")).to_have_count(1)
        phone.fill("#digits", digits.inner_text())
        phone.get_by_role("button", name="签到").click()
        expect(phone.locator("#checkin-ok")).to_contain_text("签到成功")
        expect(secretary.locator("#count")).to_have_text("1")
        secretary.goto("about:blank")  # the screen polls; stop it before the data goes

        # Checked in before the start: the hours come once the class has begun.
        phone_menu(phone, "hours")
        expect(phone.locator("[data-total]")).to_have_attribute("data-total", "0")
        clock.move_to(datetime.combine(tuesday, time(19, 1), BEIJING), tick=False)
        assert credit_started_sessions.call_local() == 1

        # 9. The secretary cancels next week's Thursday class.
        secretary.goto(roll_url)
        expect(secretary.locator("#roll tbody tr", has_text="王志强").locator("select")).to_have_value("present")
        menu(secretary, "teaching", "cohorts")
        secretary.get_by_role("link", name=COHORT).click()
        later = secretary.locator("#sessions tbody tr", has_text=thursday_next_week.isoformat())
        later.get_by_role("link", name="修改").click()
        secretary.fill("#session-cancel input[name=reason]", "场地维修")
        secretary.get_by_role("button", name="取消本课次").click()
        cancelled = secretary.locator("#sessions tbody tr", has_text=thursday_next_week.isoformat())
        expect(cancelled.locator("[data-cancelled]")).to_have_text("已取消")

        # 10. His schedule and his calendar feed show it cancelled, and only it.
        phone_menu(phone, "schedule")
        day = phone.locator(f'[data-date="{thursday_next_week.isoformat()}"]')
        expect(day.locator("[data-cancelled]")).to_contain_text("已取消：场地维修")
        expect(phone.locator("[data-cancelled]")).to_have_count(1)
        expect(phone.locator(f'[data-date="{tuesday.isoformat()}"]')).not_to_contain_text("已取消")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        feed_url = phone.locator("#feed-url").inner_text().strip()
        response = phone.request.get(feed_url)
        assert response.ok and response.headers["content-type"].startswith("text/calendar")
        events = Calendar.from_ical(response.body()).walk("VEVENT")
        status = {e.decoded("DTSTART").astimezone(BEIJING).date(): str(e.get("STATUS", "")) for e in events}
        assert len(status) == 6
        assert [d for d, s in status.items() if s == "CANCELLED"] == [thursday_next_week]

        # 11. The ledger shows the two hours: on his phone, and on the secretary's compliance page.
        phone_menu(phone, "hours")
        expect(phone.locator("[data-total]")).to_have_attribute("data-total", "2.0")
        entry = phone.locator("#entries [data-entry]")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(LESSON)
        expect(entry).to_contain_text(COHORT)
        expect(entry).to_contain_text("+2")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

        menu(secretary, "study", "ledger")
        expect(secretary.locator('[data-stat="members"]')).to_have_text("3")
        expect(secretary.locator('[data-stat="hours"]')).to_have_text("2")
        expect(secretary.locator("#compliance tbody tr", has_text=BRANCH)).to_contain_text("2")
