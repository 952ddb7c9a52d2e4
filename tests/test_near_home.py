"""就近就便: members see venues by distance; staff see how many target members live near a venue."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dangxiao.liaison.geo import distance_km
from dangxiao.liaison.models import Compound

from .conftest import login
from .factories import make_cohort, make_member, make_school

pytestmark = pytest.mark.django_db


def test_haversine_is_right_within_a_city():
    # 0.01 degree of latitude is about 1.11 km anywhere.
    assert abs(distance_km(28.17, 112.98, 28.18, 112.98) - 1.112) < 0.01


@pytest.fixture
def places(people):
    school, main, small = make_school(people["tree"])  # main at 28.1745,112.9812; small at 28.1702,112.9790
    c1 = people["tree"]["C1"]
    near = Compound.objects.create(
        community=c1, name="湘林家园", latitude=Decimal("28.1750"), longitude=Decimal("112.9815")
    )  # ~0.06 km from main
    mid = Compound.objects.create(community=c1, name="书香苑", latitude=Decimal("28.1900"), longitude=Decimal("112.9812"))  # ~1.7 km
    far = Compound.objects.create(community=c1, name="远方小区", latitude=Decimal("28.2100"), longitude=Decimal("112.9812"))  # ~3.9 km
    return {"school": school, "main": main, "small": small, "near": near, "mid": mid, "far": far, **people}


def test_staff_see_how_many_target_members_live_within_1_2_and_5_km(places):
    tree = places["tree"]
    for compound, n in (("湘林家园", 3), ("书香苑", 2), ("远方小区", 1), ("没标注的小区", 4)):
        for _ in range(n):
            make_member(tree["C1-1"], home_compound=compound, is_organ_worker=True)
    cohort = make_cohort(places["school"], tree["C1"], target_rule={"flags": ["is_organ_worker"]}, default_venue=places["main"])
    response = login(places["users"]["committee"]).get(reverse("teaching:cohort_detail", args=[cohort.pk]))
    near = response.context["near"]
    assert near["within"] == {1: 3, 2: 5, 5: 6}
    assert (near["total"], near["unlocated"]) == (10, 4)


def test_member_sees_venues_sorted_by_distance(places):
    member = places["members"]["c1_1"][0]
    member.home_compound = "远方小区"
    member.save()
    rows = login(places["users"]["member"]).get(reverse("teaching:venues_near_me")).context["rows"]
    assert [v.name for v, _d in rows] == ["源课堂", "青山祠社区党群服务中心"]
    assert 3.5 < rows[0][1] < 4.2
