"""The online class over the API: the player's heartbeat and the member's lessons with progress."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.attendance.models import StudyHourEntry
from dangxiao.online import quizzes, services
from dangxiao.online.models import LessonProgress
from dangxiao.online.watching import SLACK_SECONDS
from dangxiao.teaching.models import Enrollment

from .conftest import login
from .factories import make_cohort, make_user
from .test_api import api
from .test_online import make_online

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(people, settings, tmp_path):
    return make_online(people, settings, tmp_path)


def heartbeat(client: Client, lesson, **body):
    return client.post(f"/api/v1/online/lessons/{lesson.pk}/heartbeat", body, content_type="application/json")


def opened_ago(lesson, member, seconds: float):
    """As if the member had opened the lesson `seconds` ago; returns when that was."""
    opened = timezone.now() - timedelta(seconds=seconds)
    services.lesson_open(lesson, member, now=opened)
    return opened


def test_a_heartbeat_counts_what_was_played_and_answers_with_the_progress(online):
    lesson, member = online["lesson"], online["member"]
    opened_ago(lesson, member, 60)
    response = heartbeat(api(online["users"]["member"]), lesson, position=54, **{"from": 0, "to": 54})
    assert response.status_code == 200
    assert response.json() == {"watched_seconds": 54, "percent": 2, "completed": False, "position_seconds": 54, "counted_seconds": 54}


def test_a_heartbeat_skipping_ahead_counts_only_the_time_that_passed(online):
    lesson, member = online["lesson"], online["member"]
    client = login(online["users"]["member"])
    opened = opened_ago(lesson, member, 10)
    body = heartbeat(client, lesson, position=600, **{"from": 0, "to": 600}).json()
    elapsed = (timezone.now() - opened).total_seconds()
    # counted_seconds is rounded to 0.01 s, so it may sit up to 0.005 s above the exact budget
    assert 10 <= body["counted_seconds"] <= elapsed + SLACK_SECONDS + 0.01 and body["position_seconds"] == 600


def test_the_heartbeat_that_reaches_ninety_percent_completes_and_credits_once(online):
    lesson, member = online["lesson"], online["member"]
    opened_ago(lesson, member, 15)
    LessonProgress.objects.filter(lesson=lesson, member=member).update(watched=[[0, 2420]], watched_seconds=2420)
    client = api(online["users"]["member"])
    body = heartbeat(client, lesson, position=2430, **{"from": 2420, "to": 2430}).json()
    assert body["completed"] is True and body["percent"] == 100 and body["watched_seconds"] == 2430
    heartbeat(client, lesson, position=2431, **{"from": 2430, "to": 2431})
    entry = StudyHourEntry.objects.get(member=member)
    assert (entry.hours, entry.source, entry.reference) == (1, "online", f"lesson:{lesson.pk}")


def test_heartbeats_are_refused_outside_the_members_lessons(online):
    lesson = online["lesson"]
    stranger = online["members"]["c2_1"][0]
    Enrollment.objects.create(cohort=make_cohort(online["school"], online["tree"]["C2-1"], name="别的班", mode="online"), member=stranger)
    body = {"position": 5, "from": 0, "to": 5}
    assert heartbeat(api(make_user(member=stranger)), lesson, **body).status_code == 404
    assert heartbeat(api(online["users"]["secretary"]), lesson, **body).status_code == 404  # staff preview records nothing
    assert heartbeat(Client(), lesson, **body).status_code == 401
    article = services.lesson_create(online["cohort"], title="文章", kind="article", body="正文", study_minutes=5)
    refused = heartbeat(api(online["users"]["member"]), article, **body)
    assert refused.status_code == 422 and "图文课程" in refused.json()["detail"]
    assert heartbeat(api(online["users"]["member"]), lesson, position=-1).status_code == 422


def test_a_session_heartbeat_needs_the_csrf_token(online):
    client = Client(enforce_csrf_checks=True)
    client.force_login(online["users"]["member"])
    response = heartbeat(client, online["lesson"], position=5, **{"from": 0, "to": 5})
    assert response.status_code in (401, 403) and not LessonProgress.objects.filter(watched_seconds__gt=0).exists()


def test_my_lessons_lists_progress_hours_and_quiz(online):
    lesson, member = online["lesson"], online["member"]
    quiz = quizzes.quiz_configure(lesson, pass_mark=60, max_attempts=3)
    quizzes.question_add(quiz, text="题", kind="single", choices=[("对", True), ("错", False)])
    article = services.lesson_create(online["cohort"], title="文章", kind="article", body="正文", study_minutes=9)
    hidden = services.lesson_create(online["cohort"], title="未发布", kind="article", body="正文", study_minutes=9, published=False)
    opened_ago(lesson, member, 100)
    services.lesson_heartbeat(lesson, member, position=90, start=0, end=90)
    items = api(online["users"]["member"]).get("/api/v1/online/lessons").json()["items"]
    assert [i["id"] for i in items] == [lesson.pk, article.pk] and hidden.pk not in [i["id"] for i in items]
    video = items[0]
    assert (video["watched_seconds"], video["percent"], video["position_seconds"], video["hours"]) == (90, 3, 90, 1.0)
    assert (video["quiz_required"], video["quiz_passed"], video["completed"]) == (True, False, False)
    assert video["video_url"] == f"/online/lessons/{lesson.pk}/video" and items[1]["video_url"] is None
    assert items[1]["hours"] == 0.2


def test_my_lessons_is_for_members_and_keeps_to_a_query_budget(online, django_assert_max_num_queries):
    for i in range(10):
        services.lesson_create(online["cohort"], title=f"第{i}课", kind="article", body="正文", study_minutes=5)
    assert api(online["users"]["principal"]).get("/api/v1/online/lessons").status_code == 404
    client = api(online["users"]["member"])
    client.get("/api/v1/me")
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/online/lessons").json()["count"] == 11
