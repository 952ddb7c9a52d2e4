"""The API writes the teacher pool, topics and courses: create, edit, retire (DELETE), reinstate, a
teacher's terms renewed and ended; scoped like the pages (404), refusals 422 with field errors."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.school.models import Teacher, TeacherAppointment, Topic
from dangxiao.teaching.models import Course, Session

from .factories import make_cohort, make_school, make_teacher
from .test_api import api
from .two_schools import make_committee

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    topic = Topic.objects.create(school=school, name="党的理论")
    return {"school": school, "main": main, "topic": topic, **people}


def send(client: Client, method: str, url: str, data=None):
    return getattr(client, method)(url, data if data is not None else {}, content_type="application/json")


def fields(response) -> set:
    """The fields named, without the `body.` a validation error of the body starts with."""
    return {(e["field"] or "").removeprefix("body.") for e in response.json()["errors"]}


def test_the_board_adds_edits_renews_ends_and_retires_a_teacher(school):
    board = api(school["users"]["principal"])
    today = timezone.localdate()
    created = send(
        board,
        "post",
        "/api/v1/teachers",
        {
            "name": "周教授",
            "phone": "13907311234",
            "source": "expert",
            "topic_ids": [school["topic"].pk],
            "appointed_until": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == "139****1234" and body["in_term"] and body["is_active"] and len(body["appointments"]) == 1
    tid = body["id"]
    patched = send(board, "patch", f"/api/v1/teachers/{tid}", {"title": "教授", "topic_ids": []})
    assert patched.status_code == 200 and patched.json()["title"] == "教授" and patched.json()["topics"] == []
    assert patched.json()["name"] == "周教授"
    renewed = send(board, "post", f"/api/v1/teachers/{tid}/renew", {"ends_on": (today + timedelta(days=400)).isoformat()})
    assert renewed.status_code == 201 and renewed.json()["kind"] == "renew"
    assert renewed.json()["starts_on"] == (today + timedelta(days=31)).isoformat()
    ended = send(board, "post", f"/api/v1/teachers/{tid}/end", {"reason": "调离"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == today.isoformat()
    assert Teacher.objects.get(pk=tid).appointed_until == today
    assert TeacherAppointment.objects.filter(teacher_id=tid).count() == 2
    retired = board.delete(f"/api/v1/teachers/{tid}?reason=退休")
    assert retired.status_code == 200 and not retired.json()["is_active"] and retired.json()["retired_reason"] == "退休"
    again = board.delete(f"/api/v1/teachers/{tid}")
    assert again.status_code == 422 and again.json()["errors"][0]["message"] == "该讲师已退出师资库"
    assert board.get("/api/v1/teachers", {"active": "false"}).json()["count"] == 1
    assert board.get("/api/v1/teachers", {"active": "true"}).json()["count"] == 0
    assert send(board, "post", f"/api/v1/teachers/{tid}/reinstate").json()["is_active"]
    actions = set(AuditEvent.objects.filter(object_type="teacher").values_list("action", flat=True))
    assert actions == {"teacher_create", "teacher_update", "teacher_renew", "teacher_end", "teacher_retire", "teacher_restore"}


def test_a_teacher_from_a_member_takes_the_members_name_and_cannot_be_renamed(school):
    board = api(school["users"]["principal"])
    member = school["members"]["c2_1"][0]
    created = send(board, "post", "/api/v1/teachers", {"member_id": member.pk, "name": "别名", "source": "member"})
    assert created.status_code == 201 and created.json()["name"] == member.name
    assert created.json()["member"] == {"id": member.pk, "name": member.name}
    refused = send(board, "patch", f"/api/v1/teachers/{created.json()['id']}", {"name": "改名"})
    assert refused.status_code == 422 and fields(refused) == {"name"}
    twice = send(board, "post", "/api/v1/teachers", {"member_id": member.pk, "source": "member"})
    assert twice.status_code == 422 and fields(twice) == {"member_id"}


def test_bad_teacher_bodies_are_422_with_the_field_and_change_nothing(school):
    board = api(school["users"]["principal"])
    other = make_committee()
    cases = [
        ({"source": "expert"}, "name"),
        ({"name": "张三", "source": "astrologer"}, "source"),
        ({"name": "张三", "source": "expert", "phone": "123"}, "phone"),
        ({"name": "张三", "source": "expert", "appointed_until": "1900-01-01"}, "appointed_until"),
        ({"name": "张三", "source": "expert", "appointed_from": "2026-05-01", "appointed_until": "2026-01-01"}, "appointed_until"),
        ({"name": "张三", "source": "expert", "partner_id": other["partner"].pk}, "partner_id"),
        ({"name": "张三", "source": "expert", "topic_ids": [other["topic"].pk]}, "topic_ids"),
        ({"name": "张三", "source": "expert", "topic_ids": [2**70]}, "topic_ids.0"),
        ({"source": "member", "member_id": other["members"][0].pk}, "member_id"),
    ]
    before = Teacher.objects.count()
    for body, field in cases:
        response = send(board, "post", "/api/v1/teachers", body)
        assert response.status_code == 422, (body, response.content)
        assert field in fields(response) and response.json()["detail"], (body, response.json())
    assert Teacher.objects.count() == before
    bad_renew = send(board, "post", f"/api/v1/teachers/{other['teacher'].pk}/renew", {"ends_on": "2030-01-01"})
    assert bad_renew.status_code == 404


def test_only_the_board_writes_the_pool_and_another_schools_teachers_are_not_found(school):
    teacher = make_teacher(school["school"])
    other = make_committee()
    secretary = api(school["users"]["secretary"])
    assert secretary.get(f"/api/v1/teachers/{teacher.pk}").status_code == 200
    assert send(secretary, "post", "/api/v1/teachers", {"name": "张三", "source": "expert"}).status_code == 404
    for method, url in [
        ("patch", f"/api/v1/teachers/{teacher.pk}"),
        ("delete", f"/api/v1/teachers/{teacher.pk}"),
        ("post", f"/api/v1/teachers/{teacher.pk}/renew"),
        ("post", f"/api/v1/teachers/{teacher.pk}/end"),
        ("post", f"/api/v1/teachers/{teacher.pk}/reinstate"),
        ("patch", f"/api/v1/topics/{school['topic'].pk}"),
        ("delete", f"/api/v1/topics/{school['topic'].pk}"),
    ]:
        assert send(secretary, method, url, {"ends_on": "2030-01-01"}).status_code == 404, url
    board = api(school["users"]["principal"])
    assert board.get(f"/api/v1/teachers/{other['teacher'].pk}").status_code == 404
    assert board.delete(f"/api/v1/teachers/{other['teacher'].pk}").status_code == 404
    assert board.delete(f"/api/v1/topics/{other['topic'].pk}").status_code == 404
    assert Teacher.objects.get(pk=other["teacher"].pk).is_active and Teacher.objects.get(pk=teacher.pk).is_active


def test_topics_are_written_in_two_levels_and_retired_with_their_children(school):
    board = api(school["users"]["principal"])
    child = send(board, "post", "/api/v1/topics", {"name": "党史", "parent_id": school["topic"].pk})
    assert child.status_code == 201 and child.json()["parent"]["id"] == school["topic"].pk
    deeper = send(board, "post", "/api/v1/topics", {"name": "更深", "parent_id": child.json()["id"]})
    assert deeper.status_code == 422 and fields(deeper) == {"parent_id"} and "最多两级" in deeper.json()["detail"]
    dup = send(board, "post", "/api/v1/topics", {"name": "党的理论"})
    assert dup.status_code == 422 and fields(dup) == {"name"}
    renamed = send(board, "patch", f"/api/v1/topics/{child.json()['id']}", {"name": "党史学习", "order": 3})
    assert renamed.json()["name"] == "党史学习" and renamed.json()["order"] == 3 and renamed.json()["parent"]
    assert board.delete(f"/api/v1/topics/{school['topic'].pk}").json()["is_active"] is False
    assert [t["is_active"] for t in board.get("/api/v1/topics").json()] == [False, False]
    assert board.get("/api/v1/topics", {"active": "true"}).json() == []
    assert api(school["users"]["member"]).get(f"/api/v1/topics/{school['topic'].pk}").status_code == 200


def test_courses_are_created_edited_and_retired_in_scope(school):
    board = api(school["users"]["principal"])
    created = send(board, "post", "/api/v1/courses", {"title": "党章学习", "kind": "theory", "topic_id": school["topic"].pk})
    assert created.status_code == 201 and created.json()["organization"] is None and created.json()["default_hours"] == 2.0
    cid = created.json()["id"]
    patched = send(board, "patch", f"/api/v1/courses/{cid}", {"default_hours": "1.5", "organization_id": school["tree"]["C1"].pk})
    assert (
        patched.status_code == 200 and patched.json()["default_hours"] == 1.5 and patched.json()["organization"]["name"] == "青山祠社区党委"
    )
    secretary = api(school["users"]["secretary"])
    # The secretary of C1-1 may not touch C1's course, nor make school-wide or others' courses.
    assert send(secretary, "patch", f"/api/v1/courses/{cid}", {"title": "改"}).status_code == 404
    assert secretary.delete(f"/api/v1/courses/{cid}").status_code == 404
    for body in ({"title": "全校", "kind": "theory"}, {"title": "别处", "kind": "theory", "organization_id": school["tree"]["C2-1"].pk}):
        refused = send(secretary, "post", "/api/v1/courses", body)
        assert refused.status_code == 422 and fields(refused) == {"organization_id"}
    own = send(
        secretary, "post", "/api/v1/courses", {"title": "支部党课", "kind": "practice", "organization_id": school["tree"]["C1-1"].pk}
    )
    assert own.status_code == 201
    assert secretary.delete(f"/api/v1/courses/{own.json()['id']}").json()["is_active"] is False
    for body, field in [
        ({"title": "x", "kind": "theory", "default_hours": 0}, "default_hours"),
        ({"title": "x", "kind": "theory", "default_hours": "100"}, "default_hours"),
        ({"title": "x", "kind": "lecture"}, "kind"),
        ({"title": "x", "kind": "theory", "topic_id": 2**40}, "topic_id"),
        ({"kind": "theory"}, "title"),
    ]:
        response = send(board, "post", "/api/v1/courses", body)
        assert response.status_code == 422 and field in fields(response), (body, response.json())
    assert Course.objects.count() == 2
    assert api(school["users"]["member"]).get("/api/v1/courses", {"active": "true"}).json()["count"] == 1


def test_a_retired_course_or_teacher_cannot_be_booked_but_old_sessions_keep_them(school):
    board = api(school["users"]["principal"])
    course = Course.objects.create(school=school["school"], title="旧课程", kind="theory")
    teacher = make_teacher(school["school"], name="老讲师")
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    past = timezone.now() - timedelta(days=3)
    old = Session.objects.create(
        cohort=cohort, course=course, teacher=teacher, title="往期", starts_at=past, ends_at=past + timedelta(hours=1)
    )
    board.delete(f"/api/v1/courses/{course.pk}")
    board.delete(f"/api/v1/teachers/{teacher.pk}")
    later = timezone.localtime() + timedelta(days=5)
    base = {"cohort_id": cohort.pk, "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()}
    with_course = send(board, "post", "/api/v1/sessions", {**base, "course_id": course.pk})
    assert with_course.status_code == 422 and "已停用" in with_course.json()["detail"]
    with_teacher = send(board, "post", "/api/v1/sessions", {**base, "teacher_id": teacher.pk})
    assert with_teacher.status_code == 422 and "已退出师资库" in with_teacher.json()["detail"]
    shown = board.get(f"/api/v1/sessions/{old.pk}").json()
    assert shown["course"]["name"] == "旧课程" and shown["teacher"]["name"] == "老讲师"


def test_openapi_declares_the_refusals_of_every_write(db):
    doc = Client().get("/api/v1/openapi.json").json()["paths"]
    writes = {
        "/api/v1/teachers": ["post"],
        "/api/v1/teachers/{teacher_id}": ["patch", "delete"],
        "/api/v1/teachers/{teacher_id}/renew": ["post"],
        "/api/v1/teachers/{teacher_id}/end": ["post"],
        "/api/v1/teachers/{teacher_id}/reinstate": ["post"],
        "/api/v1/topics": ["post"],
        "/api/v1/topics/{topic_id}": ["patch", "delete"],
        "/api/v1/topics/{topic_id}/reinstate": ["post"],
        "/api/v1/courses": ["post"],
        "/api/v1/courses/{course_id}": ["patch", "delete"],
        "/api/v1/courses/{course_id}/reinstate": ["post"],
    }
    for path, methods in writes.items():
        for method in methods:
            responses = doc[path][method]["responses"]
            assert {"404", "422"} <= set(responses), (path, method)
