"""Overdue stays overdue: a matter counts as overdue from the moment its first deadline passed until
it is resolved or closed. Escalating it to the next level gives that level fresh deadlines but does
not take it out of 已逾期; the queue shows both the original deadline and the current level's."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.liaison import figures, selectors, services
from dangxiao.liaison.models import Level, Matter

from .conftest import login

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
LIST = reverse("liaison:matter_list")


def report(liaison, at, *, household=None, category="e_bike_charging"):  # e-bike charging: respond in 12 h, fix in 7 days
    return services.matter_report(
        liaison["a"],
        category=liaison["categories"][category],
        description="楼道里有人从窗户拉线给电动车充电",
        household=household or liaison["households"]["1栋"][0],
        now=at,
    )


def listed(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-matter="(\d+)"', response.content.decode())}


def tab_count(response, key: str) -> int:
    return int(re.search(rf'data-count="{key}">(\d+)<', response.content.decode()).group(1))


@pytest.fixture
def escalated(liaison):
    """Reported 14 hours ago; nobody answered within 12 hours, so the job moved it up to the 组长 an
    hour later, whose fresh deadline to respond is still 11 hours away."""
    now = timezone.now()
    matter = report(liaison, now - 14 * H)
    assert services.matters_escalate(now=now - H) == 1
    matter.refresh_from_db()
    assert matter.level == Level.GROUP and matter.respond_by == now + 11 * H
    return matter, now


def test_an_escalated_matter_stays_in_the_overdue_tab(liaison, escalated):
    matter, _now = escalated
    response = login(liaison["users"]["committee"]).get(LIST, {"overdue": "1"})
    assert listed(response) == {matter.pk} and tab_count(response, "overdue") == 1
    assert "data-overdue" in response.content.decode()


def test_the_queue_shows_the_original_deadline_and_the_current_levels(liaison, escalated):
    matter, now = escalated
    html = login(liaison["users"]["committee"]).get(LIST, {"overdue": "1"}).content.decode()
    row = html[html.index(f'data-matter="{matter.pk}"') :]
    row = row[: row.index("</tr>")]
    original = timezone.localtime(now - 2 * H).strftime("%m-%d %H:%M")
    current = timezone.localtime(now + 11 * H).strftime("%m-%d %H:%M")
    assert current in row and "原期限" in row and original in row
    # The overdue badge stands by the deadline that was missed, not by the fresh one of the new level.
    cell = row[row.index("data-deadline") :]
    assert cell.index("data-overdue") > cell.index("data-original-deadline")
    detail = login(liaison["users"]["committee"]).get(reverse("liaison:matter_detail", args=[matter.pk])).content.decode()
    assert 'id="original-deadline"' in detail and timezone.localtime(now - 2 * H).strftime("%Y-%m-%d %H:%M") in detail
    assert "data-overdue" in detail


def test_a_punctual_matter_shows_one_deadline(liaison):
    report(liaison, timezone.now() - H)
    html = login(liaison["users"]["committee"]).get(LIST).content.decode()
    assert "data-original-deadline" not in html and "data-overdue" not in html


def test_escalation_for_a_late_fix_keeps_the_matter_overdue(liaison):
    now = timezone.now()
    matter = report(liaison, now - timedelta(days=8))
    services.matter_accept(matter, liaison["users"]["neighbour"], now=now - timedelta(days=8) + H)
    assert services.matters_escalate(now=now - H) == 1  # the 7-day deadline to fix passed a day ago
    matter.refresh_from_db()
    assert matter.resolve_by > now and matter.level == Level.GROUP
    assert matter.is_overdue(now) and matter.missed_deadline(now) == ("resolve", now - timedelta(days=1))
    assert listed(login(liaison["users"]["committee"]).get(LIST, {"overdue": "1"})) == {matter.pk}


def test_a_matter_accepted_after_its_response_deadline_stays_overdue_until_resolved(liaison):
    now = timezone.now()
    matter = report(liaison, now - 20 * H)
    services.matter_accept(matter, liaison["users"]["neighbour"], now=now - 2 * H)  # 8 hours late
    matter.refresh_from_db()
    assert matter.is_overdue(now) and matter.first_deadline == now - 8 * H
    assert Matter.objects.filter(selectors.overdue_q(now)).get() == matter
    services.matter_resolve(matter, liaison["users"]["group"], households_benefited=2, now=now - H)
    matter.refresh_from_db()
    assert not matter.is_overdue(now) and not Matter.objects.filter(selectors.overdue_q(now)).exists()


@pytest.mark.parametrize("close", ["resolve", "withdraw"])
def test_overdue_ends_when_the_matter_is_resolved_or_closed(liaison, escalated, close):
    matter, now = escalated
    user = liaison["users"]["committee"]
    if close == "resolve":
        services.matter_resolve(matter, user, households_benefited=1, now=now)
    else:
        services.matter_set_state(matter, user, "not_responsible", note="属市政管理", now=now)
    response = login(user).get(LIST, {"overdue": "1"})
    assert listed(response) == set() and tab_count(response, "overdue") == 0


def test_a_reopened_matter_starts_again_with_fresh_deadlines(liaison, escalated):
    matter, now = escalated
    user = liaison["users"]["committee"]
    services.matter_resolve(matter, user, households_benefited=1, now=now - H / 2)
    matter = services.matter_reopen(matter, note="又有人拉线充电", now=now)
    assert not matter.is_overdue(now + 6 * 24 * H)
    assert matter.is_overdue(now + 7 * 24 * H + H) and matter.first_deadline == now + 7 * 24 * H


def test_figures_home_and_api_count_an_escalated_matter_as_overdue(liaison, escalated, client_for):
    matter, now = escalated
    user = liaison["users"]["committee"]
    fig = figures.liaison_figures(user, figures.FigureFilters(), now=now)
    assert [m.pk for m in fig.overdue] == [matter.pk]
    assert fig.overdue[0].deadline == now - 2 * H and fig.overdue[0].deadline_kind == "respond"
    assert selectors.handler_summary(user, now)["overdue"] == 1
    items = client_for(user).get("/api/v1/liaison/matters", {"overdue": "true"}).json()["items"]
    assert [m["id"] for m in items] == [matter.pk] and items[0]["overdue"] is True
    assert items[0]["original_deadline"].startswith(timezone.localtime(now - 2 * H).strftime("%Y-%m-%dT%H:%M"))
    assert items[0]["deadline"].startswith(timezone.localtime(now + 11 * H).strftime("%Y-%m-%dT%H:%M"))
