"""Accessible pages: axe-core (from the npm registry, injected into Debian's Chromium) finds no critical and no
serious violation on the main pages of each role, on the phone for members and residents, on the desktop
for staff. A failure lists each rule, its impact and the elements it names."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from dangxiao.liaison import services as liaison_services
from dangxiao.notify.services import notify
from dangxiao.teaching.models import Enrollment, Session
from tests import factories as f

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Axe-check-2026"


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.filter(v => v.impact === 'critical' || v.impact === 'serious').map(v =>
                `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 4).map(n => n.target.join(' ') + (n.any[0] && n.any[0].data && n.any[0].data.fgColor ? ` (${n.any[0].data.fgColor} on ${n.any[0].data.bgColor}: ${n.any[0].data.contrastRatio})` : '')).join(' | '));
        }"""
    )
    return found


@pytest.fixture
def school(people):
    liaison = f.make_liaison(people)
    school, main, _small = f.make_school(people["tree"])
    cohort = f.make_cohort(school, people["tree"]["C1"])
    member = people["users"]["member"].member
    Enrollment.objects.create(cohort=cohort, member=member)
    start = timezone.now() + timedelta(minutes=10)
    session = Session.objects.create(cohort=cohort, title="冬训第一课", starts_at=start, ends_at=start + timedelta(hours=2), venue=main)
    liaison_services.matter_report(
        liaison["a"],
        category=liaison["categories"]["e_bike_charging"],
        description="3栋楼下飞线充电",
        reporter_name="陈阿姨",
        source="grid",
    )
    from tests.service_fixtures import past_service_with

    service = past_service_with([member], people["tree"]["C1-1"])
    notify([people["users"]["member"]], "axe:1", "课次取消：冬训第一课", "原因：场地停电", "/me/schedule/", kind="session_changed")
    for user in liaison["users"].values():
        user.set_password(PASSWORD)
        user.save()
    from dangxiao.practice import projects_services as practice

    project = practice.project_create(
        people["tree"]["C1-1"], name="湘林家园老旧小区改造", starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=30), lead=people["members"]["c1_1"][1],
    )  # fmt: skip
    practice.phase_add(project, name="需求征集", starts_on=project.starts_on, ends_on=project.ends_on)
    practice.trainee_assign(project, member, role="施工协调员", starts_on=project.starts_on, ends_on=project.ends_on)
    pair = practice.mentorship_create(
        "cadre", people["tree"]["C1-1"], mentor=people["members"]["c1_1"][1], mentee=member, goals="学会施工协调",
        starts_on=project.starts_on, project=project,
    )  # fmt: skip
    return {**people, **liaison, "session": session, "project": project, "pair": pair, "volunteer_service": service}


def pages(school) -> list[tuple[str | None, str, tuple[int, int]]]:
    compound = school["a"]
    return [
        (None, "/accounts/login/", PHONE),
        (None, f"/r/{compound.public_token}/", PHONE),
        ("member", "/", PHONE),
        ("member", "/me/schedule/", PHONE),
        ("member", "/me/hours/", PHONE),
        ("member", "/checkin/", PHONE),
        ("member", "/practice/reflections/new/", PHONE),
        ("member", "/appraisal/points/", PHONE),
        ("member", "/practice/mine/", PHONE),
        ("member", f"/practice/mentorships/{school['pair'].pk}/", PHONE),
        ("member", f"/practice/projects/{school['project'].pk}/log/", PHONE),
        ("member", "/notifications/", PHONE),
        ("member", "/notifications/preferences/", PHONE),
        ("principal", "/", DESKTOP),
        ("principal", "/members/", DESKTOP),
        ("principal", f"/sessions/{school['session'].pk}/roll/", DESKTOP),
        ("principal", "/study-hours/", DESKTOP),
        ("principal", "/liaison/matters/", DESKTOP),
        ("principal", "/liaison/figures/", DESKTOP),
        ("principal", "/practice/reflections/review/", DESKTOP),
        ("principal", f"/appraisal/points/organizations/{school['tree']['WY'].pk}/", DESKTOP),
        ("principal", "/appraisal/points/rules/", DESKTOP),
        ("principal", "/practice/projects/", DESKTOP),
        ("principal", f"/practice/projects/{school['project'].pk}/", DESKTOP),
        ("principal", "/practice/mentorships/", DESKTOP),
        ("principal", "/sessions/?sort=-starts_at", DESKTOP),
        ("principal", "/attendance/analysis/", DESKTOP),
        ("principal", "/reports/yearly/", DESKTOP),
        ("principal", "/lobby/", DESKTOP),
        ("principal", "/lobby/screens/", DESKTOP),
        ("principal", "/notifications/robots/", DESKTOP),
        ("neighbour", "/liaison/matters/", PHONE),
        ("member", "/practice/me/service/", PHONE),
        ("member", "/practice/me/service/hours/", PHONE),
        ("principal", "/practice/service/", DESKTOP),
        ("principal", f"/practice/service/{school['volunteer_service'].pk}/", DESKTOP),
        ("principal", "/practice/service/queue/", DESKTOP),
    ]


def test_main_pages_of_each_role_have_no_serious_accessibility_violations(school, live_server, new_page):
    problems = []
    signed_in: dict[str, object] = {}
    for who, url, viewport in pages(school):
        key = f"{who}-{viewport}"
        if key not in signed_in:
            page = new_page(viewport=viewport, base_url=live_server.url)
            if who is not None:
                page.goto("/accounts/login/")
                page.fill("#id_username", school["users"][who].username)
                page.fill("#id_password", PASSWORD)
                page.locator("form button[type=submit]").last.click()
                page.wait_for_load_state("load")
            signed_in[key] = page
        page = signed_in[key]
        response = page.goto(url)
        assert response.status == 200, f"{who} {url}: {response.status}"
        problems += [f"{who or 'anonymous'} {url}: {v}" for v in violations(page)]
        # Every chart is hidden from screen readers and has its figures in text beside it.
        charts = page.locator(".chart")
        for i in range(charts.count()):
            chart = charts.nth(i)
            if chart.get_attribute("aria-hidden") != "true" or chart.locator("xpath=..").locator("table, p").count() == 0:
                problems.append(f"{who} {url}: chart #{chart.get_attribute('id')} has no text beside it")
        if (headings := page.locator("h1").count()) != 1:
            problems.append(f"{who or 'anonymous'} {url}: {headings} h1 elements, one expected")
    assert problems == [], "\n".join(problems)
