"""A member browses the cohorts open to them, nearest venue first, and enrols on their phone."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.liaison.models import Compound
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(people):
    """The member (C1-1) lives at 远方小区, ~3.9 km from the main venue and further from the community one.
    Open to them: a WY class at the main venue and a C1 class at the community venue (one seat, taken);
    not open: a closed class, an archived one, a class of C2 (another branch's) and one for mobile members."""
    tree = people["tree"]
    school, main, small = make_school(tree)
    Compound.objects.create(community=tree["C1"], name="远方小区", latitude=Decimal("28.2100"), longitude=Decimal("112.9812"))
    member = people["members"]["c1_1"][0]
    member.home_compound = "远方小区"
    member.save()
    at = timezone.now() + timedelta(days=5)
    near = make_cohort(school, tree["WY"], name="全街道理论班", self_enrol_open=True, default_venue=main)
    far = make_cohort(school, tree["C1"], name="社区夜校", self_enrol_open=True, seat_limit=1)
    Session.objects.create(cohort=far, title="夜校第一课", starts_at=at, ends_at=at + timedelta(hours=2), venue=small)
    Enrollment.objects.create(cohort=far, member=people["members"]["c1_2"][0])
    hidden = [
        make_cohort(school, tree["C1"], name="已关闭的班", self_enrol_open=False),
        make_cohort(school, tree["C1"], name="已归档的班", self_enrol_open=True, archived_at=timezone.now()),
        make_cohort(school, tree["C2"], name="别的社区的班", self_enrol_open=True),
        make_cohort(school, tree["WY"], name="流动党员班", self_enrol_open=True, target_rule={"flags": ["is_mobile"]}),
    ]
    return {"near": near, "far": far, "hidden": hidden, "member": member, **people}


def test_the_member_sees_the_cohorts_open_to_them_nearest_first(offer, django_assert_max_num_queries):
    client = login(offer["users"]["member"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("teaching:my_cohorts"), HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [r.cohort.name for r in rows] == ["全街道理论班", "社区夜校"]
    assert 3.5 < rows[0].km < 4.2 and rows[1].full and rows[1].venue == Session.objects.get().venue
    page = response.content.decode()
    assert "名额已满，可候补" in page and 'name="viewport"' in page and "<table" not in page
    for cohort in offer["hidden"]:
        assert cohort.name not in page


def test_the_page_keeps_its_queries_as_cohorts_grow(offer, django_assert_max_num_queries):
    from .factories import make_cohort

    for i in range(30):
        make_cohort(
            offer["near"].school, offer["tree"]["WY"], name=f"加开班{i}", self_enrol_open=True, target_rule={"flags": ["is_elderly_infirm"]}
        )
        make_cohort(offer["near"].school, offer["tree"]["C1"], name=f"社区班{i}", self_enrol_open=True)
    client = login(offer["users"]["member"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("teaching:my_cohorts")).status_code == 200


def test_enrolling_from_the_phone_puts_the_cohort_on_the_schedule(offer):
    client = login(offer["users"]["member"])
    response = client.post(reverse("teaching:my_cohort_enrol", args=[offer["far"].pk]), follow=True)
    assert "候补名单" in response.content.decode()
    assert Enrollment.objects.get(cohort=offer["far"], member=offer["member"]).status == "waitlisted"
    client.post(reverse("teaching:my_cohort_enrol", args=[offer["near"].pk]))
    assert Enrollment.objects.get(cohort=offer["near"], member=offer["member"]).source == "self"
    page = client.get(reverse("teaching:my_cohorts")).content.decode()
    assert 'data-status="enrolled"' in page and 'data-status="waitlisted"' in page


def test_closed_archived_foreign_or_unfitting_cohorts_cannot_be_enrolled(offer):
    client = login(offer["users"]["member"])
    for cohort in offer["hidden"][:3]:
        assert client.post(reverse("teaching:my_cohort_enrol", args=[cohort.pk])).status_code == 404
    response = client.post(reverse("teaching:my_cohort_enrol", args=[offer["hidden"][3].pk]), follow=True)
    assert "不在本班次的培训对象范围内" in response.content.decode()
    assert not Enrollment.objects.filter(member=offer["member"]).exists()


def test_closing_enrolment_takes_the_cohort_off_the_members_list(offer):
    login(offer["users"]["principal"]).post(reverse("teaching:cohort_close_enrolment", args=[offer["near"].pk]))
    client = login(offer["users"]["member"])
    assert "全街道理论班" not in client.get(reverse("teaching:my_cohorts")).content.decode()
    assert client.post(reverse("teaching:my_cohort_enrol", args=[offer["near"].pk])).status_code == 404


def test_the_api_lists_open_cohorts_and_enrols_the_member(offer):
    client = login(offer["users"]["member"])
    items = client.get("/api/v1/me/cohorts").json()
    assert [i["name"] for i in items] == ["全街道理论班", "社区夜校"] and items[1]["seats_left"] == 0
    response = client.post(f"/api/v1/cohorts/{offer['near'].pk}/enrol-self", json.dumps({}), content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "enrolled"
    assert client.post(f"/api/v1/cohorts/{offer['hidden'][1].pk}/enrol-self").status_code == 404
    assert login(offer["users"]["principal"]).get("/api/v1/me/cohorts").status_code == 404
