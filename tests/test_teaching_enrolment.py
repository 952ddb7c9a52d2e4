"""Eligibility rules on member attributes, seat limits and the waiting list."""

from datetime import date

import pytest

from dangxiao.teaching import services
from dangxiao.teaching.models import Enrollment
from dangxiao.teaching.selectors import cohort_eligible_members, cohort_enrollments

from .factories import make_cohort, make_member, make_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, **people}


def test_rules_on_member_attributes_select_the_target_group(school):
    tree = school["tree"]
    organ = make_member(tree["C2-1"], is_organ_worker=True)
    secretary = make_member(tree["C1-2"], position="secretary")
    worker = make_member(tree["C1-1"], position="party_affairs_worker")
    elderly = make_member(tree["C1-1"], is_elderly_infirm=True, birth_date=date(1938, 1, 1))
    rider = make_member(tree["N1"], is_mobile=True, is_new_employment=True)
    s = school["school"]
    cases = {
        "organ": ({"flags": ["is_organ_worker"]}, {organ}),
        "leaders": ({"positions": ["secretary", "party_affairs_worker"]}, {secretary, worker}),
        "home": ({"flags": ["is_elderly_infirm"]}, {elderly}),
        "online": ({"flags": ["is_mobile"]}, {rider}),
        "old": ({"age_bands": ["76+"]}, {elderly}),
    }
    for name, (rule, expected) in cases.items():
        cohort = make_cohort(s, tree["WY"], name=name, target_rule=rule)
        assert set(cohort_eligible_members(cohort)) == expected, name


def test_rules_stay_inside_the_running_organisation(school):
    tree = school["tree"]
    make_member(tree["C2-1"], is_mobile=True)
    inside = make_member(tree["C1-1"], is_mobile=True)
    cohort = make_cohort(school["school"], tree["C1"], target_rule={"flags": ["is_mobile"]})
    assert list(cohort_eligible_members(cohort)) == [inside]


def test_seat_limit_then_waiting_list_then_promotion(school):
    tree = school["tree"]
    cohort = make_cohort(school["school"], tree["C1"], seat_limit=2)
    a, b, c, d = (make_member(tree["C1-1"]) for _ in range(4))
    assert services.cohort_enroll(cohort, a).status == "enrolled"
    assert services.cohort_enroll(cohort, b).status == "enrolled"
    assert services.cohort_enroll(cohort, c).status == "waitlisted"
    assert services.cohort_enroll(cohort, d).status == "waitlisted"
    promoted = services.cohort_unenroll(cohort, a)
    assert promoted.member == c
    statuses = dict(Enrollment.objects.filter(cohort=cohort).values_list("member_id", "status"))
    assert statuses == {a.pk: "removed", b.pk: "enrolled", c.pk: "enrolled", d.pk: "waitlisted"}


def test_enrolling_twice_is_refused(school):
    cohort = make_cohort(school["school"], school["tree"]["C1"])
    m = school["members"]["c1_1"][0]
    services.cohort_enroll(cohort, m)
    with pytest.raises(services.TeachingError, match="已在本班次"):
        services.cohort_enroll(cohort, m)


def test_self_enrolment_only_when_open_and_eligible(school):
    tree = school["tree"]
    cohort = make_cohort(school["school"], tree["C1"], target_rule={"flags": ["is_mobile"]})
    mobile = make_member(tree["C1-1"], is_mobile=True)
    other = make_member(tree["C1-1"])
    with pytest.raises(services.TeachingError, match="未开放"):
        services.cohort_enroll(cohort, mobile, source="self")
    cohort.self_enrol_open = True
    cohort.save()
    with pytest.raises(services.TeachingError, match="培训对象"):
        services.cohort_enroll(cohort, other, source="self")
    assert services.cohort_enroll(cohort, mobile, source="self").status == "enrolled"


def test_enrolment_by_rule_fills_seats_then_the_waiting_list(school):
    tree = school["tree"]
    for _ in range(5):
        make_member(tree["C1-2"], is_organ_worker=True)
    cohort = make_cohort(school["school"], tree["C1"], target_rule={"flags": ["is_organ_worker"]}, seat_limit=3)
    result = services.cohort_enroll_by_rule(cohort)
    assert (result.enrolled, result.waitlisted) == (3, 2)
    again = services.cohort_enroll_by_rule(cohort)
    assert (again.enrolled, again.waitlisted) == (0, 0)


def test_enrolment_by_rule_skips_members_whose_classes_clash(school):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from dangxiao.teaching.models import Session

    tree = school["tree"]
    busy, free = make_member(tree["C1-1"], is_organ_worker=True, name="忙人"), make_member(tree["C1-1"], is_organ_worker=True)
    start = datetime(2026, 12, 1, 19, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    other = make_cohort(school["school"], tree["C1"], name="夜校")
    Session.objects.create(cohort=other, title="夜课", starts_at=start, ends_at=start + timedelta(hours=2))
    services.cohort_enroll(other, busy)
    cohort = make_cohort(school["school"], tree["C1"], target_rule={"flags": ["is_organ_worker"]})
    Session.objects.create(cohort=cohort, title="同一晚", starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=3))
    result = services.cohort_enroll_by_rule(cohort)
    assert result.enrolled == 1 and list(Enrollment.objects.filter(cohort=cohort).values_list("member_id", flat=True)) == [free.pk]
    assert len(result.skipped) == 1 and result.skipped[0].startswith("忙人：") and "夜校" in result.skipped[0]


def test_removing_a_member_promotes_nobody_when_seats_were_cut(school):
    tree = school["tree"]
    cohort = make_cohort(school["school"], tree["C1"], seat_limit=2)
    a, b, c = (make_member(tree["C1-1"]) for _ in range(3))
    for m in (a, b, c):
        services.cohort_enroll(cohort, m)
    cohort.seat_limit = 1
    cohort.save()
    assert services.cohort_unenroll(cohort, a) is None
    assert Enrollment.objects.get(cohort=cohort, member=c).status == "waitlisted"


def test_a_venue_of_another_school_or_an_expired_teacher_cannot_be_booked(school):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from dangxiao.people.models import Organization
    from dangxiao.school.models import School, Venue

    from .factories import make_teacher

    other_root = Organization.objects.add_root(
        instance=Organization(name="他处党工委", code="ZZ", kind="working_committee", unit_type="sub_district")
    )
    elsewhere = Venue.objects.create(
        school=School.objects.create(name="他校", organization=other_root),
        name="他处",
        tier="main",
        kind="party_school",
        organization=other_root,
    )
    cohort = make_cohort(school["school"], school["tree"]["C1"])
    start = datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with pytest.raises(services.TeachingError, match="不属于"):
        services.session_create(
            cohort, by=school["users"]["principal"], starts_at=start, ends_at=start + timedelta(hours=1), venue=elsewhere
        )
    expired = make_teacher(school["school"], name="老讲师", appointed_until=date(2026, 6, 30))
    with pytest.raises(services.TeachingError, match="聘期"):
        services.session_create(
            cohort, by=school["users"]["principal"], starts_at=start, ends_at=start + timedelta(hours=1), teacher=expired
        )


def test_a_member_who_leaves_the_waiting_list_and_rejoins_goes_to_the_back(school):
    tree = school["tree"]
    cohort = make_cohort(school["school"], tree["C1"], seat_limit=1)
    a, b, c, d = (make_member(tree["C1-1"]) for _ in range(4))
    for m in (a, b, c, d):
        services.cohort_enroll(cohort, m)
    services.cohort_unenroll(cohort, b)  # leaves the waiting list…
    assert services.cohort_enroll(cohort, b).status == "waitlisted"  # …and comes back
    waiting = [e.member for e in cohort_enrollments(cohort, Enrollment.Status.WAITLISTED)]
    assert waiting == [c, d, b]
    assert services.cohort_unenroll(cohort, a).member == c
    assert services.cohort_unenroll(cohort, c).member == d
    assert services.cohort_unenroll(cohort, d).member == b
