"""项目一线党旗红 and 传帮带 / 老带青: the lifecycle of a project and of a pair, who may write, when a
trainee may be assessed, and what the appraisal and the home pages read of them."""

from datetime import date, timedelta

import pytest

from dangxiao.practice import projects_selectors as selectors
from dangxiao.practice import projects_services as S
from dangxiao.practice.models.projects import FrontlineProject, Grade, Mentorship, ProjectPhase

from .factories import make_member

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture
def project(people):
    """湘林家园老旧小区改造 of community C1, March to August, led by a member of C1-1, with one trainee."""
    tree, members = people["tree"], people["members"]
    p = S.project_create(
        tree["C1"], name="湘林家园老旧小区改造", starts_on=date(2026, 3, 1), ends_on=date(2026, 8, 31), lead=members["c1_1"][1]
    )
    S.trainee_assign(p, members["c1_1"][0], role="施工协调员", starts_on=date(2026, 3, 1), ends_on=date(2026, 8, 31))
    return p


def test_a_project_runs_through_ordered_phases_logs_and_ends_with_each_trainee_assessed(project, people):
    members = people["members"]
    for name, a, b in (("需求征集", 3, 4), ("施工改造", 5, 7), ("竣工验收", 8, 8)):
        S.phase_add(project, name=name, starts_on=date(2026, a, 1), ends_on=date(2026, b, 28))
    assert [(p.order, p.name) for p in project.phases.all()] == [(1, "需求征集"), (2, "施工改造"), (3, "竣工验收")]
    S.log_write(project, members["c1_1"][0], written_on=date(2026, 6, 1), text="入户发放问卷 60 份", today=TODAY)
    S.log_write(project, members["c1_1"][1], written_on=date(2026, 6, 2), text="召开居民议事会", today=TODAY)
    trainee = project.trainees.get()
    with pytest.raises(S.ProjectError, match="结束后才能考核"):
        S.trainee_assess(trainee, grade=Grade.GOOD, comment="认真", by=None, today=TODAY)

    S.project_close(project, today=TODAY)
    project.refresh_from_db()
    assert project.status == FrontlineProject.Status.CLOSED and project.ends_on == TODAY
    assert set(project.phases.values_list("status", flat=True)) == {ProjectPhase.Status.DONE}
    S.trainee_assess(trainee, grade=Grade.EXCELLENT, comment="协调细致", by=people["users"]["committee"], today=TODAY)
    trainee.refresh_from_db()
    assert (trainee.grade, trainee.assessed_on) == (Grade.EXCELLENT, TODAY)
    with pytest.raises(S.ProjectError, match="已结项"):
        S.project_update(project, name="改名")
    with pytest.raises(S.ProjectError, match="已结项"):
        S.log_write(project, members["c1_1"][0], written_on=TODAY, text="补记", today=TODAY)


def test_a_trainee_is_assessed_on_the_last_day_of_the_project_not_the_day_before(project):
    trainee = project.trainees.get()
    with pytest.raises(S.ProjectError):
        S.trainee_assess(trainee, grade=Grade.PASS, comment="合格", by=None, today=date(2026, 8, 30))
    S.trainee_assess(trainee, grade=Grade.PASS, comment="合格", by=None, today=date(2026, 8, 31))
    with pytest.raises(S.ProjectError, match="考核等次"):
        S.trainee_assess(trainee, grade="superb", comment="合格", by=None, today=date(2026, 9, 1))


def test_only_the_lead_and_the_trainees_write_logs_within_the_project_and_not_in_the_future(project, people):
    third = people["members"]["c1_1"][2]
    trainee = people["members"]["c1_1"][0]
    assert not S.can_log(project, third.pk)
    with pytest.raises(S.ProjectError, match="只有项目负责人和项目学员"):
        S.log_write(project, third, written_on=TODAY, text="我也来写", today=TODAY)
    for day, message in ((TODAY + timedelta(days=1), "不能晚于今天"), (date(2026, 2, 1), "项目周期"), (date(1900, 1, 1), "不能晚于今天")):
        with pytest.raises(S.ProjectError, match=message):
            S.log_write(project, trainee, written_on=day, text="日志", today=TODAY)
    with pytest.raises(S.ProjectError, match="工作内容"):
        S.log_write(project, trainee, written_on=TODAY, text="   ", today=TODAY)
    assert project.logs.count() == 0


def test_phases_and_assignments_stay_within_the_project_and_removing_a_phase_closes_the_gap(project, people):
    with pytest.raises(S.ProjectError, match="项目周期"):
        S.phase_add(project, name="超期", starts_on=date(2026, 8, 1), ends_on=date(2026, 9, 30))
    with pytest.raises(S.ProjectError, match="不能早于"):
        S.phase_add(project, name="倒序", starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    a, b, c = (S.phase_add(project, name=n, starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 1)) for n in "甲乙丙")
    S.phase_remove(b)
    assert list(project.phases.values_list("name", "order")) == [("甲", 1), ("丙", 2)]
    with pytest.raises(S.ProjectError, match="已在本项目中"):
        S.trainee_assign(project, people["members"]["c1_1"][0], role="重复", starts_on=date(2026, 3, 1), ends_on=date(2026, 8, 31))
    with pytest.raises(S.ProjectError, match="项目周期"):
        S.trainee_assign(project, people["members"]["c1_2"][0], role="超期", starts_on=date(2026, 2, 1), ends_on=date(2026, 8, 31))


def test_a_project_ending_before_it_starts_is_refused_and_nothing_is_saved(people):
    with pytest.raises(S.ProjectError, match="不能早于"):
        S.project_create(people["tree"]["C1"], name="倒序", starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    with pytest.raises(S.ProjectError, match="项目名称"):
        S.project_create(people["tree"]["C1"], name=" ", starts_on=date(2026, 5, 1), ends_on=date(2026, 6, 1))
    assert not FrontlineProject.objects.exists()


# --- Mentorships ------------------------------------------------------------------------------------------


@pytest.fixture
def pair(project, people):
    veteran, young = people["members"]["c1_1"][1], people["members"]["c1_1"][0]
    return S.mentorship_create(
        Mentorship.Kind.CADRE,
        people["tree"]["C1"],
        mentor=veteran,
        mentee=young,
        goals="学会群众工作",
        starts_on=date(2026, 3, 1),
        project=project,
    )


def test_either_side_logs_meetings_and_the_mentor_closes_the_pair_with_an_assessment(pair, people):
    veteran, young, third = people["members"]["c1_1"][1], people["members"]["c1_1"][0], people["members"]["c1_1"][2]
    S.meeting_log(pair, veteran, met_on=date(2026, 4, 1), minutes="复盘入户", today=TODAY)
    S.meeting_log(pair, young, met_on=date(2026, 5, 1), minutes="汇报进展", notes="下次带问卷", today=TODAY)
    with pytest.raises(S.ProjectError, match="结对双方"):
        S.meeting_log(pair, third, met_on=date(2026, 5, 2), minutes="旁听", today=TODAY)
    with pytest.raises(S.ProjectError, match="早于结对开始"):
        S.meeting_log(pair, young, met_on=date(2026, 2, 1), minutes="太早", today=TODAY)
    S.mentorship_close(pair, grade=Grade.GOOD, assessment="能独立做群众工作", today=TODAY)
    pair.refresh_from_db()
    assert (pair.status, pair.closed_on, pair.grade) == (Mentorship.Status.CLOSED, TODAY, Grade.GOOD)
    with pytest.raises(S.ProjectError, match="已结束"):
        S.meeting_log(pair, young, met_on=TODAY, minutes="结束后", today=TODAY)
    assert pair.meetings.count() == 2


def test_a_pair_is_refused_with_oneself_twice_at_once_or_intergenerational_on_a_project(pair, project, people):
    young, veteran, elder = (
        people["members"]["c1_1"][0],
        people["members"]["c1_1"][1],
        make_member(people["tree"]["C1-1"], birth_date=date(1940, 1, 1)),
    )
    org = people["tree"]["C1"]
    with pytest.raises(S.ProjectError, match="本人"):
        S.mentorship_create(Mentorship.Kind.CADRE, org, mentor=young, mentee=young, goals="目标", starts_on=TODAY)
    with pytest.raises(S.ProjectError, match="进行中的同类结对"):
        S.mentorship_create(Mentorship.Kind.CADRE, org, mentor=veteran, mentee=young, goals="目标", starts_on=TODAY)
    with pytest.raises(S.ProjectError, match="只有传帮带"):
        S.mentorship_create(
            Mentorship.Kind.INTERGENERATIONAL, org, mentor=elder, mentee=young, goals="目标", starts_on=TODAY, project=project
        )
    old_young = S.mentorship_create(Mentorship.Kind.INTERGENERATIONAL, org, mentor=elder, mentee=young, goals="老带青", starts_on=TODAY)
    assert old_young.project is None and Mentorship.objects.count() == 2


# --- For the appraisal and the home pages ---------------------------------------------------------------------


def test_member_practice_counts_projects_logs_grades_and_pairs_in_a_fixed_number_of_queries(
    pair, project, people, django_assert_num_queries
):
    young, veteran = people["members"]["c1_1"][0], people["members"]["c1_1"][1]
    S.log_write(project, young, written_on=date(2026, 4, 1), text="日志一", today=TODAY)
    S.log_write(project, young, written_on=date(2026, 5, 1), text="日志二", today=TODAY)
    S.trainee_assess(project.trainees.get(), grade=Grade.EXCELLENT, comment="好", by=None, today=date(2026, 9, 1))
    outsider = people["members"]["c2_1"][0]
    with django_assert_num_queries(3):
        found = selectors.member_practice([young.pk, veteran.pk, outsider.pk], 2026)
    assert found[young.pk] == {
        "projects": 1,
        "logs": 2,
        "grades": ["excellent"],
        "mentor": {"active": 0, "closed": 0},
        "mentee": {"active": 1, "closed": 0},
    }
    assert found[veteran.pk]["mentor"] == {"active": 1, "closed": 0} and found[veteran.pk]["projects"] == 0
    assert found[outsider.pk]["projects"] == 0
    assert selectors.member_practice([young.pk], 2025)[young.pk]["projects"] == 0


def test_duties_name_ended_projects_to_assess_and_quiet_pairs_in_the_users_scope_only(pair, project, people):
    users = people["users"]
    after = date(2026, 9, 10)  # the project ended on 31 August; the pair never met
    labels = [d.label for d in selectors.duties(users["committee"], after)]
    assert labels == ["1 个项目已到期待考核学员", "1 对结对两个月未开展活动"]
    assert selectors.duties(users["principal"], after)[0].level == "overdue"
    assert selectors.duties(users["secretary"], after) == []  # C1-1's secretary: the project is C1's
    assert selectors.duties(users["member"], after) == []
    S.meeting_log(pair, people["members"]["c1_1"][0], met_on=date(2026, 9, 1), minutes="见面", today=after)
    S.trainee_assess(project.trainees.get(), grade=Grade.PASS, comment="合格", by=None, today=after)
    assert selectors.duties(users["committee"], after) == []
