"""The teacher pool and the topic taxonomy in pages: add a teacher from a member or an outsider, edit,
appoint / renew / end a term with its history, retire (gone from the pickers, past sessions kept);
topics created, edited, retired; all the board's, and nobody else's."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.school.models import Teacher, TeacherAppointment, Topic
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_school, make_teacher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    topic = Topic.objects.create(school=school, name="党的理论")
    return {"school": school, "main": main, "small": small, "topic": topic, **people}


def board(school):
    return login(school["users"]["principal"])


def test_the_board_adds_an_outsider_with_a_term_and_the_phone_is_masked(school):
    today = timezone.localdate()
    response = board(school).post(
        reverse("school:teacher_create"),
        {
            "kind": "outsider",
            "name": "周教授",
            "phone": "139 0731 1234",
            "source": "expert",
            "affiliation": "中南林业科技大学",
            "topics": [school["topic"].pk],
            "appointed_from": today.isoformat(),
            "appointed_until": (today + timedelta(days=365)).isoformat(),
        },
    )
    teacher = Teacher.objects.get(name="周教授")
    assert response.status_code == 302 and response.url == reverse("school:teacher_detail", args=[teacher.pk])
    assert teacher.phone == "13907311234" and teacher.get_source_display() == "专家学者"
    assert list(teacher.topics.all()) == [school["topic"]]
    assert teacher.appointments.get().ends_on == today + timedelta(days=365)
    page = board(school).get(response.url).content.decode()
    assert "139****1234" in page and "13907311234" not in page
    assert AuditEvent.objects.filter(action="teacher_create", organization_id=school["tree"]["WY"].pk).exists()
    assert "新增讲师" in board(school).get(reverse("audit_log"), {"action": "teacher_create"}).content.decode()


def test_a_teacher_added_from_a_member_takes_their_name_and_account(school):
    member = school["members"]["c1_1"][0]
    picker = board(school).get(reverse("school:teacher_member_picker"), {"q": member.name})
    assert f'value="{member.pk}"' in picker.content.decode()
    response = board(school).post(
        reverse("school:teacher_create"), {"kind": "member", "member_id": member.pk, "name": "别的名字", "source": "member"}
    )
    assert response.status_code == 302
    teacher = Teacher.objects.get(member=member)
    assert teacher.name == member.name and teacher.user == school["users"]["member"] and teacher.phone == ""
    # Already in the pool: no longer offered, and refused if posted again.
    again_found = board(school).get(reverse("school:teacher_member_picker"), {"q": member.name}).content.decode()
    assert f'value="{member.pk}"' not in again_found
    again = board(school).post(reverse("school:teacher_create"), {"kind": "member", "member_id": member.pk, "source": "member"})
    assert again.status_code == 422 and "已在师资库中" in again.content.decode()
    assert Teacher.objects.filter(member=member).count() == 1


def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(school):
    url = reverse("school:teacher_create")
    cases = [
        ({"kind": "outsider", "name": "", "source": "expert"}, "请填写讲师姓名"),
        ({"kind": "outsider", "name": "张三", "source": "expert", "phone": "12345"}, "不是有效的11位大陆手机号"),
        ({"kind": "member", "source": "member"}, "请先查找并选择一名党员"),
        (
            {"kind": "outsider", "name": "张三", "source": "expert", "appointed_from": "2026-05-01", "appointed_until": "2026-01-01"},
            "聘期结束日期不能早于开始日期",
        ),
        ({"kind": "outsider", "name": "张三", "source": "expert", "appointed_until": "9999-01-01"}, "日期须在2000年至2100年之间"),
    ]
    for data, message in cases:
        response = board(school).post(url, data)
        assert response.status_code == 422 and message in response.content.decode(), data
    assert not Teacher.objects.exists()


def test_the_pool_is_the_boards_a_secretary_gets_404_on_every_write(school):
    secretary = login(school["users"]["secretary"])
    teacher = make_teacher(school["school"], name="刘老师")
    assert secretary.get(reverse("school:teacher_create")).status_code == 404
    assert secretary.get(reverse("school:teacher_member_picker"), {"q": "党员"}).status_code == 404
    for name in ("teacher_edit", "teacher_renew", "teacher_end", "teacher_retire", "teacher_reinstate"):
        assert secretary.post(reverse(f"school:{name}", args=[teacher.pk]), {"reason": "x"}).status_code == 404, name
    assert secretary.get(reverse("school:teacher_detail", args=[teacher.pk])).status_code == 200
    assert Teacher.objects.get(pk=teacher.pk).is_active


def test_the_board_edits_a_teacher(school):
    teacher = make_teacher(school["school"], name="刘老师", source="party_school")
    response = board(school).post(
        reverse("school:teacher_edit", args=[teacher.pk]),
        {"name": "刘建华", "source": "leader", "title": "区委常委", "topics": [school["topic"].pk], "phone": ""},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.name, teacher.source, teacher.title) == ("刘建华", "leader", "区委常委")
    assert list(teacher.topics.all()) == [school["topic"]]


def test_renewing_and_ending_a_term_keeps_every_appointment(school):
    today = timezone.localdate()
    teacher = make_teacher(school["school"])
    client = board(school)
    client.post(reverse("school:teacher_renew", args=[teacher.pk]), {"ends_on": (today + timedelta(days=30)).isoformat()})
    client.post(reverse("school:teacher_renew", args=[teacher.pk]), {"ends_on": (today + timedelta(days=400)).isoformat()})
    teacher.refresh_from_db()
    assert (teacher.appointed_from, teacher.appointed_until) == (today, today + timedelta(days=400))
    kinds = list(teacher.appointments.order_by("starts_on").values_list("kind", "starts_on", "ends_on"))
    assert kinds == [("appoint", today, today + timedelta(days=30)), ("renew", today + timedelta(days=31), today + timedelta(days=400))]
    # A renewal that does not go past the current term is refused.
    refused = client.post(
        reverse("school:teacher_renew", args=[teacher.pk]), {"ends_on": (today + timedelta(days=100)).isoformat()}, follow=True
    )
    assert "新聘期须在当前聘期" in refused.content.decode() and teacher.appointments.count() == 2
    ended = client.post(reverse("school:teacher_end", args=[teacher.pk]), {"reason": "工作调动"}, follow=True)
    assert "已结束" in ended.content.decode()
    teacher.refresh_from_db()
    assert teacher.appointed_until == today and not teacher.in_term_on(today + timedelta(days=1))
    rows = TeacherAppointment.objects.filter(teacher=teacher)
    assert rows.count() == 2 and all(a.ended_on == today and a.end_reason == "工作调动" for a in rows)
    page = client.get(reverse("school:teacher_detail", args=[teacher.pk])).content.decode()
    assert page.count("工作调动") == 2
    assert set(AuditEvent.objects.filter(object_type="teacher").values_list("action", flat=True)) == {"teacher_renew", "teacher_end"}


def test_a_retired_teacher_leaves_the_pickers_but_their_sessions_still_show_them(school):
    today = timezone.localdate()
    teacher = make_teacher(school["school"], name="退休的老师", appointed_until=today + timedelta(days=100))
    current = make_teacher(school["school"], name="在任的老师")
    expired = make_teacher(school["school"], name="聘期已过的老师", appointed_until=today - timedelta(days=1))
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    start = datetime.combine(today - timedelta(days=10), datetime.min.time(), SHANGHAI).replace(hour=9)
    Session.objects.create(cohort=cohort, title="往期党课", starts_at=start, ends_at=start + timedelta(hours=2), teacher=teacher)
    client = board(school)
    response = client.post(reverse("school:teacher_retire", args=[teacher.pk]), {"reason": "退休"})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active and teacher.retired_reason == "退休"
    cohort_page = client.get(reverse("teaching:cohort_detail", args=[cohort.pk]))
    offered = {label for _v, label in cohort_page.context["session_form"].fields["teacher"].choices}
    assert "在任的老师" in offered and "退休的老师" not in offered and "聘期已过的老师" not in offered
    assert "往期党课" in cohort_page.content.decode() and "退休的老师" in cohort_page.content.decode()
    assert "往期党课" in client.get(reverse("school:teacher_detail", args=[teacher.pk])).content.decode()
    listing = client.get(reverse("school:teacher_list")).content.decode()
    assert "在任的老师" in listing and "退休的老师" not in listing
    assert "退休的老师" in client.get(reverse("school:teacher_list"), {"status": "retired"}).content.decode()
    # Booking them anyway (a forged form) is refused.
    later = (today + timedelta(days=3)).isoformat()
    refused = client.post(
        reverse("teaching:cohort_session_create", args=[cohort.pk]),
        {"date": later, "start_time": "09:00", "end_time": "11:00", "teacher": teacher.pk, "hours": "2"},
    )
    assert refused.status_code == 422 and not Session.objects.filter(teacher=teacher, starts_at__date__gt=today).exists()
    # Reinstated, they are back (their term ended on retiring: a renewal is needed to book them).
    client.post(reverse("school:teacher_reinstate", args=[teacher.pk]))
    teacher.refresh_from_db()
    assert teacher.is_active and teacher.appointed_until == today
    client.post(reverse("school:teacher_retire", args=[teacher.pk]))
    assert [t.name for t in client.get(reverse("school:overview")).context["expiring"]] == ["聘期已过的老师"]
    assert expired.appointed_until < today and current.is_active


def test_teacher_pages_keep_a_query_budget(school, django_assert_max_num_queries):
    today = timezone.localdate()
    topics = [Topic.objects.create(school=school["school"], name=f"专题{i}") for i in range(5)]
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    for i in range(30):
        t = make_teacher(school["school"], name=f"讲师{i}", appointed_until=today + timedelta(days=i))
        t.topics.set(topics[: i % 5])
        start = timezone.now() - timedelta(days=i + 1)
        Session.objects.create(cohort=cohort, title=f"课{i}", starts_at=start, ends_at=start + timedelta(hours=1), teacher=t)
    client = board(school)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("school:teacher_list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("school:teacher_detail", args=[t.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("school:teacher_create")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("school:topic_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("school:teacher_edit", args=[t.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("school:topic_edit", args=[topics[0].pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("school:teacher_member_picker"), {"q": "党员"}).status_code == 200


def test_topics_are_created_edited_and_retired_in_two_levels(school):
    client = board(school)
    parent = school["topic"]
    assert client.post(reverse("school:topic_create"), {"name": "党史学习", "parent": parent.pk, "order": 1}).status_code == 302
    child = Topic.objects.get(name="党史学习")
    assert child.parent == parent
    # Two levels at most; names unique per school.
    third = client.post(reverse("school:topic_create"), {"name": "更深一级", "parent": child.pk, "order": 0})
    assert third.status_code == 422 and not Topic.objects.filter(name="更深一级").exists()
    assert (child.pk, child.name) not in client.get(reverse("school:topic_list")).context["form"].fields["parent"].choices
    dup = client.post(reverse("school:topic_create"), {"name": "党的理论", "order": 0})
    assert dup.status_code == 422 and "已存在" in dup.content.decode()
    assert client.post(reverse("school:topic_edit", args=[child.pk]), {"name": "党史", "parent": "", "order": 2}).status_code == 302
    child.refresh_from_db()
    assert (child.name, child.parent, child.order) == ("党史", None, 2)
    teacher = make_teacher(school["school"])
    teacher.topics.add(parent)
    client.post(reverse("school:topic_retire", args=[parent.pk]))
    parent.refresh_from_db()
    assert not parent.is_active and list(teacher.topics.all()) == [parent]
    form = client.get(reverse("school:teacher_create")).context["form"]
    assert parent not in form.fields["topics"].queryset and child in form.fields["topics"].queryset
    survey_topics = client.get(reverse("teaching:survey_list")).context["form"].fields["topics"].queryset
    assert parent not in survey_topics and child in survey_topics
    # Editing the teacher keeps the retired topic they already have.
    kept = client.post(
        reverse("school:teacher_edit", args=[teacher.pk]), {"name": teacher.name, "source": "party_school", "topics": [parent.pk]}
    )
    assert kept.status_code == 302 and list(teacher.topics.all()) == [parent]
    assert "已停用" in client.get(reverse("school:topic_list")).content.decode()
    assert login(school["users"]["secretary"]).post(reverse("school:topic_reinstate", args=[parent.pk])).status_code == 404
    client.post(reverse("school:topic_reinstate", args=[parent.pk]))
    parent.refresh_from_db()
    assert parent.is_active


def test_topic_pages_are_staff_only_and_writes_are_the_boards(school):
    assert login(school["users"]["member"]).get(reverse("school:topic_list")).status_code == 404
    secretary = login(school["users"]["secretary"])
    assert secretary.get(reverse("school:topic_list")).status_code == 200
    assert secretary.post(reverse("school:topic_create"), {"name": "新专题", "order": 0}).status_code == 404
    assert secretary.post(reverse("school:topic_edit", args=[school["topic"].pk]), {"name": "改名", "order": 0}).status_code == 404
    assert secretary.post(reverse("school:topic_retire", args=[school["topic"].pk])).status_code == 404
    assert Topic.objects.get(pk=school["topic"].pk).name == "党的理论" and not Topic.objects.filter(name="新专题").exists()


def test_a_member_who_left_is_not_added_to_the_pool(school):
    from dangxiao.people.models import Member

    member = school["members"]["c1_1"][1]
    Member.objects.filter(pk=member.pk).update(left_on=timezone.localdate(), left_reason=Member.LeftReason.values[0])
    picker = board(school).get(reverse("school:teacher_member_picker"), {"q": member.name})
    assert f'value="{member.pk}"' not in picker.content.decode()
    response = board(school).post(reverse("school:teacher_create"), {"kind": "member", "member_id": member.pk, "source": "member"})
    assert response.status_code == 422
    assert not Teacher.objects.filter(member=member).exists()
