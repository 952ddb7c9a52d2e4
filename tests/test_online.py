"""The online class (网上班级): real watched time, completion and study hours, quizzes, offline practice.

Services take `now`, so time is controlled: a heartbeat ten seconds after the last one can claim
about ten seconds of video, never more.
"""

import struct
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangxiao.attendance.models import AttendancePolicy, StudyHourEntry
from dangxiao.online import practice, quizzes, services
from dangxiao.online.models import Lesson, LessonProgress, PracticeSubmission, QuizAttempt
from dangxiao.online.watching import MAX_GAP_SECONDS, SLACK_SECONDS
from dangxiao.teaching.models import Enrollment

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def mp4(seconds: int | None = None) -> bytes:
    """A tiny file that passes as mp4: an ftyp box and, if asked, a movie header with a length."""
    data = struct.pack(">I4s4sI8s", 24, b"ftyp", b"mp42", 0, b"mp42isom")
    if seconds is not None:
        mvhd = struct.pack(">I4sB3xIIII", 8 + 20 + 80, b"mvhd", 0, 0, 0, 1000, seconds * 1000) + b"\x00" * 80
        data += struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    return data + b"\x00" * 32


def video_file(name: str = "第一课.mp4", seconds: int | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, mp4(seconds), content_type="video/mp4")


def make_online(people, settings, tmp_path) -> dict:
    """An online cohort run by branch C1-1 (the secretary's), the plain member enrolled, a 45-minute video."""
    settings.MEDIA_ROOT = tmp_path
    school, _main, _small = make_school(people["tree"])
    cohort = make_cohort(school, people["tree"]["C1-1"], name="快递小哥网上班", mode="online")
    member = people["members"]["c1_1"][0]
    Enrollment.objects.create(cohort=cohort, member=member)
    lesson = services.lesson_create(cohort, title="党章学习", kind="video", video=video_file(), duration_seconds=45 * 60)
    return {**people, "school": school, "cohort": cohort, "member": member, "lesson": lesson}


@pytest.fixture
def online(people, settings, tmp_path):
    return make_online(people, settings, tmp_path)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def watch(lesson: Lesson, member, start: int, end: int, *, clock: float = 0, step: int = 10) -> float:
    """Play [start, end) at normal speed with a heartbeat every `step` seconds; returns the clock."""
    for t in range(start, end, step):
        clock += step
        services.lesson_heartbeat(lesson, member, position=t + step, start=t, end=min(t + step, end), now=at(clock))
    return clock


def progress(lesson, member) -> LessonProgress:
    return LessonProgress.objects.get(lesson=lesson, member=member)


def credits(member):
    return list(StudyHourEntry.objects.filter(member=member).values_list("hours", "source", "reference"))


# --- Watching ---------------------------------------------------------------------------------


def test_heartbeats_accumulate_real_watched_time(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    watch(lesson, member, 0, 60)
    p = progress(lesson, member)
    assert p.watched_seconds == 60 and p.watched == [[0, 60]]
    assert services.lesson_heartbeat(lesson, member, position=60, start=60, end=60, now=at(61)).percent == 2  # 60 of 2700


def test_a_jump_ahead_counts_only_what_could_have_been_watched(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    result = services.lesson_heartbeat(lesson, member, position=600, start=0, end=600, now=at(10))
    assert result.counted_seconds == 10 + SLACK_SECONDS
    assert result.watched_seconds == 10 + SLACK_SECONDS and not result.completed
    # Watching on from where the member skipped to counts as usual, the skipped part does not.
    services.lesson_heartbeat(lesson, member, position=610, start=600, end=610, now=at(20))
    assert progress(lesson, member).watched == [[0, 15], [600, 610]]


def test_fast_fake_heartbeats_do_not_add_up(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    for i in range(50):  # fifty reports of ten seconds each, all within the first second
        services.lesson_heartbeat(lesson, member, position=i * 10 + 10, start=i * 10, end=i * 10 + 10, now=at(1))
    assert progress(lesson, member).watched_seconds <= 1 + SLACK_SECONDS


def test_a_lesson_opened_long_ago_cannot_be_watched_in_one_report(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    result = services.lesson_heartbeat(lesson, member, position=2700, start=0, end=2700, now=at(86400))
    assert result.counted_seconds == MAX_GAP_SECONDS + SLACK_SECONDS and not result.completed


def test_ranges_are_clamped_to_the_video(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    services.lesson_heartbeat(lesson, member, position=9999, start=2695, end=2750, now=at(60))
    p = progress(lesson, member)
    assert p.watched == [[2695, 2700]] and p.position_seconds == 2700


def test_watching_ninety_percent_completes_the_lesson_and_credits_hours_once(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    clock = watch(lesson, member, 0, 2420)
    assert progress(lesson, member).completed_at is None and credits(member) == []  # 2420 s < 90% of 2700
    clock = watch(lesson, member, 2420, 2430, clock=clock)  # 2430 s = 90%
    assert progress(lesson, member).completed_at == at(clock)
    assert credits(member) == [(Decimal("1.0"), "online", f"lesson:{lesson.pk}")]
    watch(lesson, member, 0, 100, clock=clock)  # watching again credits nothing more
    assert len(credits(member)) == 1
    assert StudyHourEntry.objects.get(member=member).category == "online"


def test_study_hours_follow_the_schools_minutes_per_hour(online):
    AttendancePolicy.objects.create(school=online["school"], minutes_per_hour=40)
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    watch(lesson, member, 0, 2430)
    assert credits(member)[0][0] == Decimal("1.1")  # 45 / 40 = 1.125


def test_the_resume_position_is_kept_and_the_page_starts_there(online):
    lesson, member = online["lesson"], online["member"]
    services.lesson_open(lesson, member, now=at(0))
    services.lesson_heartbeat(lesson, member, position=1234.6, start=1225, end=1234.6, now=at(10))
    assert progress(lesson, member).position_seconds == 1234
    page = login(online["users"]["member"]).get(reverse("online:lesson", args=[lesson.pk])).content.decode()
    assert 'data-position="1234"' in page and 'preload="metadata"' in page and "online/player.js" in page


def test_an_article_is_complete_only_after_its_reading_time(online):
    member = online["member"]
    article = services.lesson_create(online["cohort"], title="学习体会范文", kind="article", body="正文……", study_minutes=10)
    services.lesson_open(article, member, now=at(0))
    with pytest.raises(services.OnlineError, match="约 5 分钟后"):
        services.lesson_confirm_read(article, member, now=at(5 * 60))
    services.lesson_confirm_read(article, member, now=at(10 * 60))
    assert progress(article, member).completed_at == at(600)
    assert credits(member) == [(Decimal("0.2"), "online", f"lesson:{article.pk}")]  # 10 / 45
    with pytest.raises(services.OnlineError):
        services.lesson_heartbeat(article, member, position=1, start=0, end=1, now=at(601))


# --- Quizzes ---------------------------------------------------------------------------------


def make_quiz(lesson, *, pass_mark=60, max_attempts=3):
    quiz = quizzes.quiz_configure(lesson, pass_mark=pass_mark, max_attempts=max_attempts)
    single = quizzes.question_add(
        quiz, text="党的最高理想和最终目标是？", kind="single", choices=quizzes.parse_choices("*实现共产主义\n发展经济")
    )
    multiple = quizzes.question_add(
        quiz, text="“三会一课”包括？", kind="multiple", choices=quizzes.parse_choices("*支部党员大会\n*党小组会\n运动会")
    )
    return quiz, single, multiple


def answers(question, *texts):
    return {question.pk: [c.pk for c in question.choices.all() if c.text in texts]}


def test_a_watched_lesson_with_a_quiz_completes_when_the_quiz_is_passed(online):
    lesson, member = online["lesson"], online["member"]
    quiz, single, multiple = make_quiz(lesson)
    services.lesson_open(lesson, member, now=at(0))
    clock = watch(lesson, member, 0, 2430)
    assert progress(lesson, member).completed_at is None  # watched, quiz pending
    failed = quizzes.quiz_submit(quiz, member, {**answers(single, "发展经济"), **answers(multiple, "支部党员大会")}, now=at(clock + 60))
    assert (failed.score, failed.passed) == (0, False)
    half = quizzes.quiz_submit(quiz, member, {**answers(single, "实现共产主义"), **answers(multiple, "支部党员大会")}, now=at(clock + 120))
    assert (half.score, half.passed) == (50, False)  # a multiple choice counts only when exactly right
    passed = quizzes.quiz_submit(
        quiz, member, {**answers(single, "实现共产主义"), **answers(multiple, "支部党员大会", "党小组会")}, now=at(clock + 180)
    )
    assert (passed.score, passed.passed, passed.number) == (100, True, 3)
    assert progress(lesson, member).completed_at == at(clock + 180)
    assert credits(member) == [(Decimal("1.0"), "online", f"lesson:{lesson.pk}")]


def test_attempts_are_limited(online):
    lesson, member = online["lesson"], online["member"]
    quiz, single, multiple = make_quiz(lesson, max_attempts=2)
    wrong = {**answers(single, "发展经济"), **answers(multiple, "运动会")}
    quizzes.quiz_submit(quiz, member, wrong, now=at(1))
    quizzes.quiz_submit(quiz, member, wrong, now=at(2))
    with pytest.raises(services.OnlineError, match="2 次答题机会已用完"):
        quizzes.quiz_submit(quiz, member, wrong, now=at(3))
    assert QuizAttempt.objects.filter(member=member).count() == 2


def test_an_unanswered_question_is_refused_without_using_an_attempt(online):
    quiz, single, _multiple = make_quiz(online["lesson"])
    with pytest.raises(services.OnlineError, match="第 2 题还没有作答"):
        quizzes.quiz_submit(quiz, online["member"], answers(single, "实现共产主义"), now=at(1))
    assert not QuizAttempt.objects.exists()


def test_a_passed_quiz_cannot_be_taken_again(online):
    quiz, single, multiple = make_quiz(online["lesson"])
    right = {**answers(single, "实现共产主义"), **answers(multiple, "支部党员大会", "党小组会")}
    quizzes.quiz_submit(quiz, online["member"], right, now=at(1))
    with pytest.raises(services.OnlineError, match="已通过"):
        quizzes.quiz_submit(quiz, online["member"], right, now=at(2))


def test_a_question_needs_its_right_answer_marked(online):
    quiz = quizzes.quiz_configure(online["lesson"], pass_mark=60, max_attempts=3)
    with pytest.raises(services.OnlineError, match="单选题必须有且只有一个正确答案"):
        quizzes.question_add(quiz, text="题", kind="single", choices=quizzes.parse_choices("*甲\n*乙"))
    with pytest.raises(services.OnlineError, match="至少要有两个选项"):
        quizzes.question_add(quiz, text="题", kind="multiple", choices=quizzes.parse_choices("*甲"))


def test_the_quiz_page_shows_the_result_and_hides_the_answers_while_attempts_remain(online):
    lesson = online["lesson"]
    quiz, single, multiple = make_quiz(lesson)
    client = login(online["users"]["member"])
    url = reverse("online:quiz", args=[lesson.pk])
    assert "提交答卷" in client.get(url).content.decode()
    wrong = {f"q{single.pk}": [c.pk for c in single.choices.all() if c.text == "发展经济"]}
    wrong[f"q{multiple.pk}"] = [c.pk for c in multiple.choices.all() if c.text == "运动会"]
    page = client.post(url, wrong, follow=True).content.decode()
    assert 'data-score="0"' in page and "还可再答 2 次" in page and "正确答案" not in page
    refused = client.post(url, {f"q{single.pk}": []}, follow=True).content.decode()
    assert "第 1 题还没有作答" in refused and QuizAttempt.objects.count() == 1


# --- Practice --------------------------------------------------------------------------------


@pytest.fixture
def task(online):
    return practice.practice_task_create(online["cohort"], title="帮助社区老人代取快递", instructions="拍一张照片，写写做了什么")


def submit(client, task, text="帮三位老人取了快递", photo=None):
    data = {"text": text, **({"photo": photo} if photo else {})}
    return client.post(reverse("online:practice", args=[task.pk]), data, follow=True)


@pytest.mark.parametrize(
    "photo, message",
    [
        (SimpleUploadedFile("现场.gif", b"GIF89a...."), "不支持的文件类型"),
        (SimpleUploadedFile("现场.jpg", b"<html>not a photo</html>"), "文件内容与扩展名不符"),
        (SimpleUploadedFile("现场.jpg", JPEG + b"\x00" * (10 * 1024 * 1024)), "文件过大"),
    ],
)
def test_a_practice_photo_of_the_wrong_type_or_too_big_is_refused(online, task, photo, message):
    response = submit(login(online["users"]["member"]), task, photo=photo)
    assert message in response.content.decode()
    assert not PracticeSubmission.objects.exists()


def test_the_secretary_reviews_practice(online, task):
    member_client, secretary = login(online["users"]["member"]), login(online["users"]["secretary"])
    submit(member_client, task, photo=SimpleUploadedFile("现场.png", PNG))
    submission = PracticeSubmission.objects.get()
    assert submission.status == "pending" and submission.photo_content_type == "image/png"
    cohort_page = secretary.get(reverse("online:cohort", args=[online["cohort"].pk])).content.decode()
    assert f'data-submission="{submission.pk}"' in cohort_page and "帮三位老人取了快递" in cohort_page
    photo = secretary.get(reverse("online:submission_photo", args=[submission.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"

    review = reverse("online:submission_review", args=[submission.pk])
    assert "不通过时请填写原因" in secretary.post(review, {"decision": "reject"}, follow=True).content.decode()
    secretary.post(review, {"decision": "reject", "note": "照片看不清，请重拍"})
    submission.refresh_from_db()
    assert (submission.status, submission.review_note) == ("rejected", "照片看不清，请重拍")
    assert "照片看不清，请重拍" in member_client.get(reverse("online:practice", args=[task.pk])).content.decode()

    submit(member_client, task, text="重新拍了照片", photo=SimpleUploadedFile("现场2.jpg", JPEG))
    submission.refresh_from_db()
    assert (submission.status, submission.review_note, submission.text) == ("pending", "", "重新拍了照片")
    secretary.post(review, {"decision": "approve", "note": "很好"})
    submission.refresh_from_db()
    assert submission.status == "approved" and submission.reviewed_by == online["users"]["secretary"]
    with pytest.raises(services.OnlineError, match="已审核通过"):
        practice.practice_submit(task, online["member"], text="再改改")


def test_practice_needs_text(online, task):
    with pytest.raises(services.OnlineError, match="请写一写"):
        practice.practice_submit(task, online["member"], text="  ")


# --- Scope ------------------------------------------------------------------------------------


def test_a_member_of_another_cohort_gets_404_on_lessons_and_media(online, task):
    lesson = online["lesson"]
    article = services.lesson_create(
        online["cohort"], title="文章", kind="article", document=SimpleUploadedFile("a.pdf", PDF), study_minutes=5
    )
    make_quiz(lesson)
    submit(login(online["users"]["member"]), task, photo=SimpleUploadedFile("现场.png", PNG))
    other_cohort = make_cohort(online["school"], online["tree"]["C2-1"], name="另一个网上班", mode="online")
    stranger = online["members"]["c2_1"][0]
    Enrollment.objects.create(cohort=other_cohort, member=stranger)
    client = login(make_user(member=stranger))
    urls = [
        reverse("online:lesson", args=[lesson.pk]),
        reverse("online:lesson_video", args=[lesson.pk]),
        reverse("online:lesson_document", args=[article.pk]),
        reverse("online:quiz", args=[lesson.pk]),
        reverse("online:practice", args=[task.pk]),
        reverse("online:submission_photo", args=[PracticeSubmission.objects.get().pk]),
        reverse("online:cohort", args=[online["cohort"].pk]),
        reverse("online:lesson_manage", args=[lesson.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("online:lesson_read", args=[article.pk])).status_code == 404
    assert Client().get(urls[1]).status_code == 302  # anonymous: to the login page


def test_enrolled_members_and_the_secretary_get_the_media(online):
    lesson = online["lesson"]
    for user in ("member", "secretary"):
        response = login(online["users"][user]).get(reverse("online:lesson_video", args=[lesson.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == mp4()


def test_the_video_is_served_in_byte_ranges_for_phone_players(online):
    client = login(online["users"]["member"])
    url = reverse("online:lesson_video", args=[online["lesson"].pk])
    response = client.get(url, headers={"Range": "bytes=4-7"})
    assert response.status_code == 206 and b"".join(response.streaming_content) == b"ftyp"
    assert response["Content-Range"] == f"bytes 4-7/{len(mp4())}" and response["Accept-Ranges"] == "bytes"
    assert client.get(url, headers={"Range": "bytes=9999-"}).status_code == 416


def test_members_removed_from_the_cohort_or_unpublished_lessons_are_not_found(online):
    lesson, client = online["lesson"], login(online["users"]["member"])
    services.lesson_set_published(lesson, False)
    assert client.get(reverse("online:lesson", args=[lesson.pk])).status_code == 404
    services.lesson_set_published(lesson, True)
    Enrollment.objects.filter(member=online["member"]).update(status="removed")
    assert client.get(reverse("online:lesson", args=[lesson.pk])).status_code == 404


def test_staff_preview_a_lesson_without_recording_progress(online):
    page = login(online["users"]["secretary"]).get(reverse("online:lesson", args=[online["lesson"].pk])).content.decode()
    assert "管理员预览" in page and "data-heartbeat" not in page
    assert not LessonProgress.objects.exists()


# --- Staff pages ------------------------------------------------------------------------------


def test_staff_add_a_video_lesson_whose_length_is_read_from_the_file(online):
    client = login(online["users"]["secretary"])
    response = client.post(
        reverse("online:lesson_add", args=[online["cohort"].pk]),
        {"title": "新时代党员的责任", "kind": "video", "video": video_file("责任.mp4", seconds=1800), "published": "on"},
        follow=True,
    )
    lesson = Lesson.objects.get(title="新时代党员的责任")
    assert (lesson.duration_seconds, lesson.order, lesson.published) == (1800, 2, True)
    assert response.redirect_chain[-1][0] == reverse("online:lesson_manage", args=[lesson.pk])


def test_a_video_whose_length_cannot_be_read_needs_one_typed(online):
    client = login(online["users"]["secretary"])
    url = reverse("online:lesson_add", args=[online["cohort"].pk])
    page = client.post(url, {"title": "无时长", "kind": "video", "video": video_file()}, follow=True).content.decode()
    assert "无法从文件读出视频时长" in page and not Lesson.objects.filter(title="无时长").exists()
    page = client.post(
        url, {"title": "假视频", "kind": "video", "video": SimpleUploadedFile("x.mp4", b"not a video at all")}
    ).content.decode()
    assert "文件内容与扩展名不符" in page


def test_lessons_belong_only_to_online_cohorts(online):
    in_person = make_cohort(online["school"], online["tree"]["C1-1"], name="面授班")
    with pytest.raises(services.OnlineError, match="网上班级"):
        services.lesson_create(in_person, title="课", kind="article", body="正文", study_minutes=5)
    assert login(online["users"]["secretary"]).get(reverse("online:cohort", args=[in_person.pk])).status_code == 404


def test_staff_set_up_the_quiz_on_the_lesson_page(online):
    client = login(online["users"]["secretary"])
    url = reverse("online:lesson_manage", args=[online["lesson"].pk])
    client.post(url, {"action": "quiz", "pass_mark": 80, "max_attempts": 2})
    client.post(url, {"action": "question", "text": "入党誓词中要求？", "kind": "single", "choices": "*永不叛党\n随便"})
    quiz = online["lesson"].quiz
    assert (quiz.pass_mark, quiz.max_attempts) == (80, 2)
    assert [(c.text, c.is_correct) for c in quiz.questions.get().choices.all()] == [("永不叛党", True), ("随便", False)]
    assert "永不叛党" in client.get(url).content.decode()


def test_the_progress_table_shows_each_member_on_each_lesson(online):
    lesson, member = online["lesson"], online["member"]
    other = make_member(online["tree"]["C1-1"], name="李骑手")
    Enrollment.objects.create(cohort=online["cohort"], member=other)
    services.lesson_open(lesson, member, now=at(0))
    watch(lesson, member, 0, 2430)
    services.lesson_open(lesson, other, now=at(0))
    watch(lesson, other, 0, 270)
    page = login(online["users"]["secretary"]).get(reverse("online:cohort", args=[online["cohort"].pk])).content.decode()
    row = page.split(f'data-member="{other.pk}"')[1].split("</tr>")[0]
    assert "10%" in row
    assert "✓" in page.split(f'data-member="{member.pk}"')[1].split("</tr>")[0]


# --- Pages and their query budgets -----------------------------------------------------------


def test_my_lessons_shows_progress_within_a_query_budget(online, task, django_assert_max_num_queries):
    member = online["member"]
    for i in range(6):
        lesson = services.lesson_create(online["cohort"], title=f"第{i}课", kind="article", body="正文", study_minutes=5)
        services.lesson_open(lesson, member, now=at(0))
    services.lesson_open(online["lesson"], member, now=at(0))
    watch(online["lesson"], member, 0, 540)
    client = login(online["users"]["member"])
    client.get(reverse("online:my_lessons"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("online:my_lessons")).content.decode()
    assert "快递小哥网上班" in page and 'aria-valuenow="20"' in page and "帮助社区老人代取快递" in page


def test_the_cohort_page_keeps_to_a_query_budget(online, task, django_assert_max_num_queries):
    for i in range(8):
        m = make_member(online["tree"]["C1-1"])
        Enrollment.objects.create(cohort=online["cohort"], member=m)
        services.lesson_open(online["lesson"], m, now=at(0))
        practice.practice_submit(task, m, text=f"做了{i}")
    for i in range(4):
        services.lesson_create(online["cohort"], title=f"第{i}课", kind="article", body="正文", study_minutes=5)
    client = login(online["users"]["secretary"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("online:cohort", args=[online["cohort"].pk])).content.decode()
    assert page.count("data-submission=") == 8
