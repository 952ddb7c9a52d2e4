"""A trainee cadre on a frontline project writes a work log and logs a meeting with their mentor on a
390-px phone; the mentor then closes the pair with an assessment, and a third member is not shown either."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangxiao.practice import projects_services as S
from dangxiao.practice.models.projects import Mentorship, MentorshipMeeting, ProjectLog
from tests import factories as f

from .conftest import PHONE
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_trainee_logs_work_and_a_meeting_on_the_phone_and_the_mentor_closes_the_pair(live_server, new_page):
    tree = f.make_tree()
    today = timezone.localdate()
    young, veteran, third = (f.make_member(tree["C1-1"], name=n) for n in ("小李", "老张", "小王"))
    young_user, veteran_user, third_user = (f.make_user(member=m) for m in (young, veteran, third))
    project = S.project_create(
        tree["C1"], name="湘林家园老旧小区改造", starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30)
    )
    S.trainee_assign(project, young, role="施工协调员", starts_on=project.starts_on, ends_on=project.ends_on)
    pair = S.mentorship_create(
        Mentorship.Kind.CADRE,
        tree["C1"],
        mentor=veteran,
        mentee=young,
        goals="学会施工协调",
        starts_on=today - timedelta(days=20),
        project=project,
    )

    phone = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(phone, young_user.username, f.PASSWORD)
    phone.goto("/practice/mine/")
    expect(phone.locator("h1")).to_have_text("我的实践")
    phone.get_by_role("link", name="写工作日志").click()
    phone.get_by_label("工作内容").fill("协调施工单位调整雨污管网施工时间")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".alert-success, .alert").first).to_contain_text("已记录工作日志")
    phone.get_by_role("link", name="记录结对活动").click()
    phone.get_by_label("谈话纪要").fill("汇报本周施工协调情况，导师讲了如何回应居民投诉")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".alert").first).to_contain_text("已记录结对活动")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert ProjectLog.objects.filter(project=project, author=young).count() == 1
    assert MentorshipMeeting.objects.filter(mentorship=pair, logged_by=young).count() == 1

    mentor = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(mentor, veteran_user.username, f.PASSWORD)
    mentor.goto(f"/practice/mentorships/{pair.pk}/")
    expect(mentor.get_by_text("汇报本周施工协调情况")).to_be_visible()
    mentor.get_by_label("评价等次").select_option("good")
    mentor.get_by_label("结对总结").fill("能独立协调施工与居民关系")
    mentor.get_by_role("button", name="结束结对并提交总结").click()
    expect(mentor.locator(".alert").first).to_contain_text("结对已结束")
    pair.refresh_from_db()
    assert pair.status == "closed" and pair.grade == "good"

    other = new_page(viewport=PHONE, base_url=live_server.url)
    sign_in(other, third_user.username, f.PASSWORD)
    assert other.goto(f"/practice/mentorships/{pair.pk}/").status == 404
    other.goto("/practice/mine/")
    expect(other.get_by_text("您目前没有参与一线项目。")).to_be_visible()
