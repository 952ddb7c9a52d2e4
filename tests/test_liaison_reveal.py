"""Who may see a reporter's full phone number: those handling the matter, but a 邻长 only for the
households they cover or a matter assigned to them. Every reveal is audited."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.liaison import services

from .conftest import login

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


def report(liaison, household):
    return services.matter_report(
        liaison["a"],
        category=liaison["categories"]["lighting"],
        description="楼道灯不亮",
        household=household,
        reporter_name="陈阿姨",
        reporter_phone=PHONE,
        now=timezone.now(),
    )


def page_reveal(user, matter):
    return login(user).post(reverse("liaison:matter_reveal", args=[matter.pk]), HTTP_HX_REQUEST="true")


def api_reveal(user, matter):
    return login(user).get(f"/api/v1/liaison/matters/{matter.pk}", {"reveal": "1"})


@pytest.fixture
def uncovered(liaison):
    """A matter of a household in building 2, which no 邻长 covers: it starts with the 组长."""
    matter = report(liaison, liaison["households"]["2栋"][0])
    assert matter.assigned_role == liaison["roles"]["group"]
    return matter


def test_a_neighbour_leader_cannot_reveal_the_phone_for_a_household_they_do_not_cover(liaison, uncovered):
    neighbour = liaison["users"]["neighbour"]
    page = login(neighbour).get(reverse("liaison:matter_detail", args=[uncovered.pk]))
    assert page.status_code == 200 and "138****5678" in page.content.decode()
    assert 'data-testid="reveal"' not in page.content.decode()
    assert page_reveal(neighbour, uncovered).status_code == 404
    assert api_reveal(neighbour, uncovered).status_code == 404
    masked = login(neighbour).get(f"/api/v1/liaison/matters/{uncovered.pk}").json()
    assert masked["reporter_phone"] == "138****5678" and masked["phone_revealed"] is False
    assert not AuditEvent.objects.exists()


def test_a_neighbour_leader_reveals_the_phone_of_a_household_they_cover(liaison):
    matter = report(liaison, liaison["households"]["1栋"][0])  # 李邻长 covers it
    neighbour = liaison["users"]["neighbour"]
    assert 'data-testid="reveal"' in login(neighbour).get(reverse("liaison:matter_detail", args=[matter.pk])).content.decode()
    assert PHONE in page_reveal(neighbour, matter).content.decode()
    assert api_reveal(neighbour, matter).json()["reporter_phone"] == PHONE
    assert list(AuditEvent.objects.values_list("action", "object_id", "actor_id")) == [("reveal", str(matter.pk), neighbour.pk)] * 2


def test_a_neighbour_leader_reveals_the_phone_once_the_matter_is_assigned_to_them(liaison, uncovered):
    neighbour = liaison["users"]["neighbour"]
    services.matter_assign(uncovered, liaison["users"]["group"], role=liaison["roles"]["n1"])
    assert PHONE in page_reveal(neighbour, uncovered).content.decode()
    assert AuditEvent.objects.get().actor == neighbour


def test_another_neighbour_leaders_household_stays_masked(liaison):
    matter = report(liaison, liaison["households"]["1栋"][6])  # 王邻长's household
    assert page_reveal(liaison["users"]["neighbour"], matter).status_code == 404


@pytest.mark.parametrize("who", ["group", "chief", "committee", "principal"])
def test_group_leaders_area_chiefs_and_staff_reveal_any_matter_of_the_compound(liaison, uncovered, who):
    assert PHONE in page_reveal(liaison["users"][who], uncovered).content.decode()
    assert AuditEvent.objects.get().actor == liaison["users"][who]
