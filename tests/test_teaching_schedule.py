"""Schedules and conflicts: the Tuesday/Thursday class over two months, double bookings, small venues."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dangxiao.teaching import services
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_cohort, make_member, make_school, make_teacher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, "teacher": make_teacher(school), **people}


def organ_class(school, **rule):
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    fields = dict(
        weekdays=[1, 3],
        start_time=time(19, 0),
        end_time=time(21, 0),
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 10, 31),
        skip_dates=[date(2026, 10, 1)],
        venue=school["main"],
        teacher=school["teacher"],
        title="素质提升课",
    )
    fields.update(rule)
    return cohort, fields


def test_tuesday_thursday_rule_generates_two_months_of_evenings_skipping_the_holiday(school):
    cohort, fields = organ_class(school)
    rule, sessions = services.schedule_rule_create(cohort, by=school["users"]["principal"], **fields)
    saved = list(Session.objects.filter(rule=rule).order_by("starts_at"))
    # September 2026 has 9 Tuesdays/Thursdays, October 9; 1 October (a Thursday) is skipped.
    assert len(saved) == 17
    assert {s.starts_at.astimezone(SHANGHAI).weekday() for s in saved} == {1, 3}
    assert all(s.starts_at.astimezone(SHANGHAI).time() == time(19, 0) for s in saved)
    assert date(2026, 10, 1) not in {s.starts_at.astimezone(SHANGHAI).date() for s in saved}
    assert saved[0].starts_at == datetime(2026, 9, 1, 19, 0, tzinfo=SHANGHAI)


def test_a_teacher_booked_twice_is_refused_naming_the_other_booking(school):
    cohort, fields = organ_class(school)
    services.schedule_rule_create(cohort, by=school["users"]["principal"], **fields)
    other = make_cohort(school["school"], school["tree"]["C1"], name="领头雁培训班")
    with pytest.raises(services.ConflictError) as refused:
        services.session_create(
            other,
            by=school["users"]["principal"],
            title="党务实务",
            starts_at=datetime(2026, 9, 3, 20, 0, tzinfo=SHANGHAI),
            ends_at=datetime(2026, 9, 3, 22, 0, tzinfo=SHANGHAI),
            teacher=school["teacher"],
            venue=school["small"],
        )
    kinds = {c.kind for c in refused.value.conflicts}
    assert kinds == {"teacher"}
    message = refused.value.conflicts[0].message
    assert "刘老师" in message and "机关党员素质提升班" in message and "2026-09-03 19:00" in message
    assert not Session.objects.filter(cohort=other).exists()


def test_a_venue_booked_twice_is_refused_and_a_written_reason_overrides_it(school):
    cohort, fields = organ_class(school)
    services.schedule_rule_create(cohort, by=school["users"]["principal"], **fields)
    other = make_cohort(school["school"], school["tree"]["C1"], name="领头雁培训班")
    when = dict(starts_at=datetime(2026, 9, 8, 19, 30, tzinfo=SHANGHAI), ends_at=datetime(2026, 9, 8, 20, 30, tzinfo=SHANGHAI))
    with pytest.raises(services.ConflictError) as refused:
        services.session_create(other, by=school["users"]["principal"], venue=school["main"], **when)
    assert [c.kind for c in refused.value.conflicts] == ["venue"] and "源课堂" in refused.value.conflicts[0].message
    kept = services.session_create(other, by=school["users"]["principal"], venue=school["main"], override_reason="两班合堂上课", **when)
    assert kept.override_reason == "两班合堂上课" and kept.overridden_by == school["users"]["principal"]


def test_a_venue_too_small_for_the_cohort_is_refused(school):
    cohort = make_cohort(school["school"], school["tree"]["C1"], name="社区党员冬训班")
    for m in school["members"]["c1_1"] + school["members"]["c1_2"] + [make_member(school["tree"]["C1-1"])]:
        Enrollment.objects.create(cohort=cohort, member=m)
    with pytest.raises(services.ConflictError) as refused:
        services.session_create(
            cohort,
            by=school["users"]["committee"],
            venue=school["small"],
            starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
            ends_at=datetime(2026, 12, 1, 11, 0, tzinfo=SHANGHAI),
        )
    assert [c.kind for c in refused.value.conflicts] == ["capacity"]
    assert "只能容纳5人" in refused.value.conflicts[0].message and "已报名6人" in refused.value.conflicts[0].message


def test_a_member_in_two_sessions_at_the_same_time_is_refused(school):
    member = school["members"]["c1_1"][0]
    first, fields = organ_class(school)
    Enrollment.objects.create(cohort=first, member=member)
    services.schedule_rule_create(first, by=school["users"]["principal"], **fields)
    second = make_cohort(school["school"], school["tree"]["C1"], name="社区夜校")
    Enrollment.objects.create(cohort=second, member=member)
    with pytest.raises(services.ConflictError) as refused:
        services.session_create(
            second,
            by=school["users"]["committee"],
            starts_at=datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI),
            ends_at=datetime(2026, 9, 1, 21, 0, tzinfo=SHANGHAI),
        )
    assert [c.kind for c in refused.value.conflicts] == ["member"]
    assert "1名学员" in refused.value.conflicts[0].message and "机关党员素质提升班" in refused.value.conflicts[0].message


def test_enrolling_a_member_whose_sessions_clash_is_refused(school):
    member = school["members"]["c1_1"][0]
    first, fields = organ_class(school)
    services.schedule_rule_create(first, by=school["users"]["principal"], **fields)
    services.cohort_enroll(first, member)
    second = make_cohort(school["school"], school["tree"]["C1"], name="社区夜校")
    services.session_create(
        second,
        by=school["users"]["committee"],
        starts_at=datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI),
        ends_at=datetime(2026, 9, 1, 21, 0, tzinfo=SHANGHAI),
    )
    with pytest.raises(services.TeachingError, match="时间冲突"):
        services.cohort_enroll(second, member)


def test_a_rule_with_a_clash_creates_no_sessions_at_all(school):
    cohort, fields = organ_class(school)
    services.schedule_rule_create(cohort, by=school["users"]["principal"], **fields)
    again = make_cohort(school["school"], school["tree"]["WY"], name="重复班")
    with pytest.raises(services.ConflictError) as refused:
        services.schedule_rule_create(again, by=school["users"]["principal"], **fields)
    assert len([c for c in refused.value.conflicts if c.kind == "venue"]) == 17
    assert not Session.objects.filter(cohort=again).exists()


@pytest.mark.parametrize(
    "change, message",
    [({"weekdays": []}, "每周"), ({"ends_on": date(2026, 8, 1)}, "截止日期"), ({"end_time": time(18, 0)}, "结束时间")],
)
def test_bad_rules_are_refused_in_chinese(school, change, message):
    cohort, fields = organ_class(school)
    fields.update(change)
    with pytest.raises(services.TeachingError, match=message):
        services.schedule_rule_create(cohort, by=school["users"]["principal"], **fields)
