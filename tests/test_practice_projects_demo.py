"""The demo's frontline projects and mentor pairs: the two projects the article names, with phases, trainee
cadres, logs and 传帮带 pairs; intergenerational pairs; a staff home with something owed; the demo member's
own practice; and the records the API's examples name."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dangxiao.people.models import User
from dangxiao.practice import projects_selectors as selectors
from dangxiao.practice.models.projects import FrontlineProject, Mentorship

from .conftest import login

pytestmark = pytest.mark.django_db
DEMO_DAY = date(2026, 11, 27)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # seed_demo refuses to run with it off
    call_command("seed_demo", "--today", DEMO_DAY.isoformat(), stdout=StringIO())


def test_the_demo_has_the_two_named_projects_with_trainees_logs_and_pairs_and_the_member_sees_his(demo, django_assert_max_num_queries):
    projects = list(FrontlineProject.objects.order_by("pk"))
    assert [p.name for p in projects[:2]] == ["中化地勘院棚改征收", "湘林家园老旧小区改造"]
    zh, xl = projects[:2]
    assert zh.status == "active" and zh.starts_on < DEMO_DAY < zh.ends_on and zh.lead.phone == "13900000001"
    assert xl.ends_on == DEMO_DAY - timedelta(days=10) and xl.trainees.filter(grade="").exists()
    for p in (zh, xl):
        assert p.phases.count() == 4 and p.trainees.count() == 4 and p.logs.count() >= 7
        assert p.mentorships.filter(kind=Mentorship.Kind.CADRE).count() == 2
        assert not p.logs.filter(written_on__gt=DEMO_DAY).exists()
    assert list(zh.phases.values_list("status", flat=True)) == ["done", "done", "in_progress", "planned"]
    assert Mentorship.objects.filter(kind=Mentorship.Kind.INTERGENERATIONAL).count() == 4
    assert Mentorship.objects.filter(status="closed", grade="excellent").count() == 1
    # The API's examples: project 1 is led by the principal, who is also the mentor of the first pair; the
    # trainee they assess is on 湘林家园, unassessed; the pair they close is running.
    pairs = list(Mentorship.objects.order_by("pk"))
    assert pairs[0].mentor.phone == "13900000001" and pairs[1].status == "active"
    trainee = xl.trainees.order_by("pk")[3]
    assert (
        trainee.grade == ""
        and list(FrontlineProject.objects.values_list("trainees__pk", flat=True).order_by("trainees__pk")).index(trainee.pk) == 7
    )

    # The demo member sees his project and pair; the principal is owed both duties (one build for both checks).
    member = User.objects.get(username="13900000003")
    client = login(member)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("practice_projects:my_practice")).content.decode()
    assert "湘林家园老旧小区改造" in page and "居民议事协调员" in page and "我是结对对象" in page
    labels = [d.label for d in selectors.duties(User.objects.get(username="13900000001"), DEMO_DAY)]
    assert labels == ["1 个项目已到期待考核学员", "1 对结对两个月未开展活动"]
    found = selectors.member_practice([member.member.pk], DEMO_DAY.year)[member.member.pk]
    assert found["projects"] == 1 and found["logs"] >= 1 and found["mentee"]["active"] == 1
