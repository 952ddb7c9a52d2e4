"""Needs surveys: members answer on their phones; results by group; topics in demand that the plan misses."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.school.models import Topic, TrainingPlan
from dangxiao.teaching.models import Course, NeedsSurvey, SurveyResponse

from .conftest import login
from .factories import make_member, make_school, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(people):
    school, _m, _s = make_school(people["tree"])
    names = ["党的理论", "政策法规", "工作技能", "基层治理"]
    topics = {n: Topic.objects.create(school=school, name=n, order=i) for i, n in enumerate(names)}
    today = timezone.localdate()
    plan = TrainingPlan.objects.create(school=school, year=today.year, title="计划")
    Course.objects.create(school=school, plan=plan, title="理论课", kind="theory", topic=topics["党的理论"])
    s = NeedsSurvey.objects.create(
        school=school,
        organization=people["tree"]["C1"],
        title="2027年学习需求调研",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
    )
    s.topics.set(topics.values())
    return {"survey": s, "topics": topics, **people}


def answer(client, survey, topics, **extra):
    return client.post(reverse("teaching:survey_answer", args=[survey.pk]), {"topics": [t.pk for t in topics], **extra})


def test_member_answers_on_the_phone_and_can_change_the_answer(survey):
    client = login(survey["users"]["member"])
    assert "2027年学习需求调研" in client.get(reverse("attendance:my_schedule")).content.decode()
    t = survey["topics"]
    assert answer(client, survey["survey"], [t["政策法规"]], times=["工作日晚上"], modes=["online"]).status_code == 302
    answer(client, survey["survey"], [t["工作技能"], t["基层治理"]])
    response = SurveyResponse.objects.get()
    assert {x.name for x in response.topics.all()} == {"工作技能", "基层治理"}


def test_an_empty_answer_is_refused_in_chinese(survey):
    response = answer(login(survey["users"]["member"]), survey["survey"], [])
    assert response.status_code == 422 and "至少选择一个" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_members_outside_the_surveys_scope_or_after_it_closes_get_404(survey):
    outsider = make_user(member=survey["members"]["c2_1"][0])
    assert login(outsider).get(reverse("teaching:survey_answer", args=[survey["survey"].pk])).status_code == 404
    survey["survey"].closes_on = date(2020, 1, 1)
    survey["survey"].save()
    assert login(survey["users"]["member"]).get(reverse("teaching:survey_answer", args=[survey["survey"].pk])).status_code == 404


def test_results_aggregate_by_group_and_list_topics_the_plan_does_not_cover(survey):
    t = survey["topics"]
    tree = survey["tree"]
    answers = [
        (make_member(tree["C1-1"], is_mobile=True, industry="外卖配送", birth_date=date(1995, 1, 1)), [t["政策法规"], t["党的理论"]]),
        (make_member(tree["C1-2"], industry="教育", birth_date=date(1950, 1, 1)), [t["政策法规"]]),
        (make_member(tree["C1-2"], industry="教育", birth_date=date(1970, 6, 1)), [t["基层治理"]]),
    ]
    for member, topics in answers:
        answer(login(make_user(member=member)), survey["survey"], topics)
    response = login(survey["users"]["committee"]).get(reverse("teaching:survey_results", args=[survey["survey"].pk]))
    results = response.context["results"]
    assert results.respondents == 3
    assert results.topics[0] == ("政策法规", 2)
    assert results.uncovered == [("政策法规", 2), ("基层治理", 1)]
    by_org = dict(results.by_group["组织"])
    assert by_org["青山祠社区第一党支部"] == {"政策法规": 1, "党的理论": 1}
    assert by_org["青山祠社区第二党支部"] == {"政策法规": 1, "基层治理": 1}
    assert dict(results.by_group["行业"])["教育"] == {"政策法规": 1, "基层治理": 1}
    assert dict(results.by_group["标记"])["流动党员"] == {"政策法规": 1, "党的理论": 1}
    assert dict(results.by_group["年龄段"])["35岁及以下"] == {"政策法规": 1, "党的理论": 1}


def test_survey_results_are_scoped(survey):
    assert login(survey["users"]["secretary"]).get(reverse("teaching:survey_results", args=[survey["survey"].pk])).status_code == 404
    assert login(survey["users"]["principal"]).get(reverse("teaching:survey_results", args=[survey["survey"].pk])).status_code == 200
    assert login(survey["users"]["member"]).get(reverse("teaching:survey_results", args=[survey["survey"].pk])).status_code == 404


def test_staff_publish_a_survey(survey):
    t = survey["topics"]
    today = timezone.localdate()
    response = login(survey["users"]["secretary"]).post(
        reverse("teaching:survey_list"),
        {
            "title": "支部需求调研",
            "organization": survey["tree"]["C1-1"].pk,
            "topics": [t["党的理论"].pk],
            "opens_on": today,
            "closes_on": today + timedelta(days=7),
        },
    )
    assert response.status_code == 302
    assert NeedsSurvey.objects.get(title="支部需求调研").organization == survey["tree"]["C1-1"]
