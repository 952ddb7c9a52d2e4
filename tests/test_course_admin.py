"""Courses in pages: the board creates school-wide courses and courses of any organisation, a secretary
only for their own subtree; edit, retire (gone from the cohort form, history kept) and reinstate."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.school.models import Topic
from dangxiao.teaching.models import Course, Session

from .conftest import login
from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    topic = Topic.objects.create(school=school, name="党的理论")
    return {"school": school, "main": main, "topic": topic, **people}


def form(title="基层治理实务", **extra):
    return {"title": title, "kind": "theory", "owner": "school", "default_hours": "2", "description": "", **extra}


def test_the_board_creates_a_school_wide_course_and_edits_it(school):
    board = login(school["users"]["principal"])
    response = board.post(reverse("teaching:course_create"), form(topic=school["topic"].pk, online_capable="on"))
    course = Course.objects.get(title="基层治理实务")
    assert response.status_code == 302 and response.url == reverse("teaching:course_detail", args=[course.pk])
    assert course.organization is None and course.topic == school["topic"] and course.online_capable and course.is_active
    edited = board.post(
        reverse("teaching:course_edit", args=[course.pk]),
        form("基层治理", kind="practice", owner=school["tree"]["C1"].pk, default_hours="1.5"),
    )
    assert edited.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.kind, course.organization, str(course.default_hours)) == (
        "基层治理",
        "practice",
        school["tree"]["C1"],
        "1.5",
    )
    assert list(AuditEvent.objects.filter(object_type="course").values_list("action", flat=True).order_by("pk")) == [
        "course_create",
        "course_update",
    ]


def test_a_secretary_creates_courses_for_their_own_subtree_only(school):
    secretary = login(school["users"]["secretary"])
    owners = [v for v, _l in secretary.get(reverse("teaching:course_create")).context["form"].fields["owner"].choices]
    assert owners == [str(school["tree"]["C1-1"].pk)]
    for owner in ("school", school["tree"]["C2-1"].pk):
        refused = secretary.post(reverse("teaching:course_create"), form(owner=owner))
        assert refused.status_code == 422 and "有效的选项" in refused.content.decode()
    assert not Course.objects.exists()
    assert secretary.post(reverse("teaching:course_create"), form(owner=school["tree"]["C1-1"].pk)).status_code == 302
    own = Course.objects.get()
    assert own.organization == school["tree"]["C1-1"]
    # A school-wide course is the board's: the secretary cannot edit or retire it.
    wide = Course.objects.create(school=school["school"], title="全校课", kind="theory")
    for name in ("course_edit", "course_retire", "course_reinstate"):
        assert secretary.post(reverse(f"teaching:{name}", args=[wide.pk]), form()).status_code == 404
    assert Course.objects.get(pk=wide.pk).is_active and Course.objects.get(pk=wide.pk).title == "全校课"
    assert secretary.post(reverse("teaching:course_retire", args=[own.pk])).status_code == 302
    assert not Course.objects.get(pk=own.pk).is_active


def test_bad_course_input_is_refused_with_a_message(school):
    board = login(school["users"]["principal"])
    for data, message in [
        (form(title=""), "这个字段是必填项"),
        (form(default_hours="0"), "0.1"),
        (form(default_hours="100000000000000000000"), "99.9"),
        (form(kind="lecture"), "有效的选项"),
        (form(topic=999999999999), "有效的选项"),
    ]:
        response = board.post(reverse("teaching:course_create"), data)
        assert response.status_code == 422 and message in response.content.decode(), data
    assert not Course.objects.exists()


def test_a_retired_course_leaves_the_cohort_form_but_its_sessions_keep_it(school):
    board = login(school["users"]["principal"])
    old = Course.objects.create(school=school["school"], title="旧课程", kind="theory")
    Course.objects.create(school=school["school"], title="新课程", kind="theory")
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    cohort.courses.add(old)
    start = timezone.now() - timedelta(days=5)
    Session.objects.create(cohort=cohort, course=old, title="旧课程第一讲", starts_at=start, ends_at=start + timedelta(hours=2))
    assert board.post(reverse("teaching:course_retire", args=[old.pk])).status_code == 302
    old.refresh_from_db()
    assert not old.is_active and old.retired_at is not None
    offered = [c.title for c in board.get(reverse("teaching:cohort_create")).context["form"].fields["courses"].queryset]
    assert offered == ["新课程"]
    assert list(cohort.courses.all()) == [old] and Session.objects.get(course=old).title == "旧课程第一讲"
    detail = board.get(reverse("teaching:course_detail", args=[old.pk])).content.decode()
    assert "已停用" in detail and "恢复使用" in detail
    assert "旧课程" not in board.get(reverse("teaching:course_list")).content.decode()
    assert "旧课程" in board.get(reverse("teaching:course_list"), {"status": "retired"}).content.decode()
    again = board.post(reverse("teaching:course_retire", args=[old.pk]), follow=True)
    assert "该课程已停用" in again.content.decode()
    board.post(reverse("teaching:course_reinstate", args=[old.pk]))
    assert Course.objects.get(pk=old.pk).is_active


def test_course_pages_keep_a_query_budget(school, django_assert_max_num_queries):
    board = login(school["users"]["principal"])
    for i in range(60):
        Course.objects.create(
            school=school["school"], title=f"课程{i}", kind="theory", topic=school["topic"], organization=school["tree"]["C1"]
        )
    with django_assert_max_num_queries(10):
        page = board.get(reverse("teaching:course_list"))
    assert page.status_code == 200 and len(page.context["courses"]) == 50
    with django_assert_max_num_queries(12):
        assert board.get(reverse("teaching:course_create")).status_code == 200
    course = Course.objects.first()
    with django_assert_max_num_queries(12):
        assert board.get(reverse("teaching:course_edit", args=[course.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert board.get(reverse("teaching:course_detail", args=[course.pk])).status_code == 200
