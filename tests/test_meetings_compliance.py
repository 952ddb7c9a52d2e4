"""The compliance grid of 主题党日 and 三会一课 against the year's frequencies (SYSTEM.md §3): held, due in the
current period, overdue once a period has ended without one; frequencies edited per year change the grid."""

from datetime import date

import pytest

from dangxiao.practice import meetings_selectors as selectors
from dangxiao.practice import meetings_services as services
from dangxiao.practice.models import OrganizationalMeeting

from .factories import make_meeting, make_school, make_themed_day

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 15)  # May: January to April are over, May is the current month, Q2 the current quarter


@pytest.fixture
def school(people):
    return make_school(people["tree"])[0]


def row(grid, org):
    return next(r for r in grid.rows if r.organization_id == org.pk)


def statuses(grid, org) -> list[str]:
    return [c.status for c in row(grid, org).cells]


def test_a_monthly_themed_day_is_held_overdue_due_or_upcoming_by_month(people, school):
    c1_1 = people["tree"]["C1-1"]
    make_themed_day(c1_1, date(2026, 1, 20))
    make_themed_day(c1_1, date(2026, 3, 5))
    grid = selectors.compliance(people["users"]["principal"], 2026, "themed_day", TODAY)
    assert statuses(grid, c1_1) == ["held", "overdue", "held", "overdue", "due"] + ["upcoming"] * 7
    assert row(grid, c1_1).held == 2 and row(grid, c1_1).overdue == 2
    # Another branch without anything: every past month overdue.
    assert statuses(grid, people["tree"]["C2-1"])[:5] == ["overdue"] * 4 + ["due"]


def test_quarterly_general_meetings_and_a_yearly_life_meeting(people, school):
    c1_1 = people["tree"]["C1-1"]
    make_meeting(c1_1, "general", date(2026, 2, 10))
    make_meeting(c1_1, "life", date(2026, 1, 25))
    general = selectors.compliance(people["users"]["principal"], 2026, "general", TODAY)
    assert [p.label for p in general.periods] == ["第1季度", "第2季度", "第3季度", "第4季度"]
    assert statuses(general, c1_1) == ["held", "due", "upcoming", "upcoming"]
    assert statuses(general, people["tree"]["C1-2"]) == ["overdue", "due", "upcoming", "upcoming"]
    life = selectors.compliance(people["users"]["principal"], 2026, "life", TODAY)
    assert statuses(life, c1_1) == ["held"] and statuses(life, people["tree"]["C1-2"]) == ["due"]
    # A year that has ended without one: overdue.
    assert statuses(selectors.compliance(people["users"]["principal"], 2025, "life", TODAY), c1_1) == ["overdue"]


def test_a_meeting_of_another_kind_or_retired_does_not_count(people, school):
    c1_1 = people["tree"]["C1-1"]
    make_meeting(c1_1, "committee", date(2026, 1, 10))
    retired = make_meeting(c1_1, "group", date(2026, 1, 12))
    services.meeting_retire(retired)
    assert statuses(selectors.compliance(people["users"]["principal"], 2026, "group", TODAY), c1_1)[0] == "overdue"
    assert statuses(selectors.compliance(people["users"]["principal"], 2026, "committee", TODAY), c1_1)[0] == "held"


def test_editing_a_years_frequency_changes_that_years_grid_only(people, school):
    c1_1 = people["tree"]["C1-1"]
    make_meeting(c1_1, "committee", date(2026, 2, 10))
    services.rule_save(school, 2026, {"committee": "quarter"})
    grid = selectors.compliance(people["users"]["principal"], 2026, "committee", TODAY)
    assert grid.period_label == "每季度" and statuses(grid, c1_1) == ["held", "due", "upcoming", "upcoming"]
    assert len(selectors.compliance(people["users"]["principal"], 2025, "committee", TODAY).periods) == 12  # the default
    services.rule_save(school, 2026, {"committee": "half"})
    assert statuses(selectors.compliance(people["users"]["principal"], 2026, "committee", TODAY), c1_1) == ["held", "upcoming"]
    with pytest.raises(services.MeetingError):
        services.rule_save(school, 2026, {"committee": "weekly"})


def test_a_secretary_sees_their_branch_only_and_the_grid_runs_a_fixed_number_of_queries(people, school, django_assert_max_num_queries):
    secretary = people["users"]["secretary"]
    with django_assert_max_num_queries(7):
        grid = selectors.compliance(secretary, 2026, "themed_day", TODAY)
    assert [r.organization_id for r in grid.rows] == [people["tree"]["C1-1"].pk]
    for org in (people["tree"]["C1-2"], people["tree"]["C2-1"]):
        for month in (1, 2, 3):
            make_themed_day(org, date(2026, month, 8))
    with django_assert_max_num_queries(7):
        board = selectors.compliance(people["users"]["principal"], 2026, "themed_day", TODAY)
    assert len(board.rows) == 4


def test_lectures_given_counts_a_members_lectures_of_the_year(people, school):
    c1_1 = people["tree"]["C1-1"]
    lecturer = people["members"]["c1_1"][1]
    make_meeting(c1_1, "lesson", date(2026, 3, 1), lecturer_member=lecturer, topic="学习二十大精神")
    make_meeting(c1_1, "lesson", date(2026, 4, 1), lecturer_member=lecturer, topic="守纪律讲规矩")
    make_meeting(c1_1, "lesson", date(2025, 4, 1), lecturer_member=lecturer)
    assert selectors.lectures_given([lecturer.pk, people["members"]["c1_1"][2].pk], 2026) == {lecturer.pk: 2}


def test_duties_name_the_branches_due_and_overdue_and_link_to_the_grid(people, school):
    c1_1 = people["tree"]["C1-1"]
    for month in (1, 2, 3, 4):
        make_themed_day(c1_1, date(2026, month, 8))
    secretary = selectors.duties(people["users"]["secretary"], TODAY)
    themed = [d for d in secretary if "主题党日" in d.label]
    assert [(d.level, d.count) for d in themed] == [("due", 1)]
    assert themed[0].url == "/practice/compliance/?year=2026&kind=themed_day"
    overdue = {d.label: d.count for d in selectors.duties(people["users"]["principal"], TODAY) if d.level == "overdue"}
    assert overdue["主题党日逾期未开展的支部"] == 3  # C1-2, C2-1, N1
    assert selectors.duties(people["users"]["member"], TODAY) == []


def test_a_lecturer_only_for_a_lesson_and_from_the_branch(people, school):
    c1_1 = people["tree"]["C1-1"]
    with pytest.raises(services.MeetingError, match="只有党课"):
        make_meeting(c1_1, "committee", date(2026, 3, 1), lecturer_member=people["members"]["c1_1"][1])
    with pytest.raises(services.MeetingError, match="本支部"):
        make_meeting(c1_1, "lesson", date(2026, 3, 1), lecturer_member=people["members"]["c2_1"][0])
    with pytest.raises(services.MeetingError, match="党支部"):
        make_meeting(people["tree"]["C1"], "general", date(2026, 3, 1))
    assert not OrganizationalMeeting.objects.exists()


def test_meeting_attendance_counts_each_members_marks_of_the_year(people, school):
    c1_1 = people["tree"]["C1-1"]
    a, b, _c = people["members"]["c1_1"]
    make_meeting(c1_1, "general", date(2026, 2, 1), marks={a.pk: "present", b.pk: "leave"})
    make_meeting(c1_1, "lesson", date(2026, 3, 1), marks={a.pk: "present", b.pk: "absent"})
    services.meeting_retire(make_meeting(c1_1, "group", date(2026, 3, 2), marks={a.pk: "absent"}))
    make_meeting(c1_1, "general", date(2025, 11, 1), marks={a.pk: "absent"})
    assert selectors.meeting_attendance([a.pk, b.pk], 2026) == {a.pk: {"present": 2}, b.pk: {"leave": 1, "absent": 1}}
