"""Editing, rescheduling and cancelling a session: the checks of creation, what members see on their
schedule and in their calendar feed, and a cancelled session taking no marks, check-ins, leave or 学时."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from dangxiao.attendance import services as attendance
from dangxiao.attendance.models import Attendance, LeaveRequest, StudyHourEntry
from dangxiao.core.models import AuditEvent
from dangxiao.teaching import changes, services
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_school, make_teacher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def week(people):
    """A C1-1 cohort with the first two C1-1 members enrolled and two evening sessions in the days ahead;
    another cohort holds the main venue and the teacher on the evening after."""
    tree = people["tree"]
    school, main, small = make_school(tree)
    teacher = make_teacher(school)
    other_teacher = make_teacher(school, name="陈老师")
    cohort = make_cohort(school, tree["C1-1"], name="第一支部冬训班")
    for m in people["members"]["c1_1"][:2]:
        services.cohort_enroll(cohort, m)
    evening = timezone.now().astimezone(SHANGHAI).replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=2)
    sessions = [
        Session.objects.create(
            cohort=cohort, title=f"第{i + 1}讲", starts_at=at, ends_at=at + timedelta(hours=2), venue=small, teacher=teacher
        )
        for i, at in enumerate((evening, evening + timedelta(days=7)))
    ]
    busy = make_cohort(school, tree["C2"], name="赤岭路夜校")
    clash_at = evening + timedelta(days=1)
    Session.objects.create(
        cohort=busy, title="夜校", starts_at=clash_at, ends_at=clash_at + timedelta(hours=2), venue=main, teacher=teacher
    )
    return {
        "school": school,
        "main": main,
        "small": small,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "cohort": cohort,
        "sessions": sessions,
        "clash_at": clash_at,
        **people,
    }


def edit_form(session, **changes) -> dict:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    data = {
        "title": session.title,
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "venue": session.venue_id or "",
        "teacher": session.teacher_id or "",
        "hours": str(session.hours),
        "override_reason": "",
    }
    data.update(changes)
    return data


def feed_events(member) -> dict:
    feed = services.calendar_feed_for(member=member)
    response = Client().get(reverse("teaching:calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    return {str(e["summary"]).split("（")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")}


# --- Editing and rescheduling ----------------------------------------------------------------------


def test_moving_a_session_onto_a_booked_teacher_is_refused_naming_the_clash(week):
    session = week["sessions"][0]
    secretary = login(week["users"]["secretary"])
    day = timezone.localtime(week["clash_at"]).date().isoformat()
    response = secretary.post(reverse("teaching:session_edit", args=[session.pk]), edit_form(session, date=day))
    assert response.status_code == 409
    assert "讲师刘老师" in response.content.decode() and "赤岭路夜校" in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at == week["sessions"][0].starts_at and session.sequence == 0 and session.previous_starts_at is None


def test_a_written_reason_lets_the_clash_through_and_is_kept(week):
    session = week["sessions"][0]
    day = timezone.localtime(week["clash_at"]).date().isoformat()
    response = login(week["users"]["secretary"]).post(
        reverse("teaching:session_edit", args=[session.pk]), edit_form(session, date=day, override_reason="刘老师同意连上两场")
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.override_reason == "刘老师同意连上两场" and session.overridden_by == week["users"]["secretary"]


def test_rescheduling_keeps_the_old_time_bumps_the_feed_and_is_audited(week):
    session = week["sessions"][0]
    old = session.starts_at
    new_day = (timezone.localtime(old) + timedelta(days=3)).date().isoformat()
    response = login(week["users"]["secretary"]).post(
        reverse("teaching:session_edit", args=[session.pk]), edit_form(session, date=new_day, teacher=week["other_teacher"].pk)
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.previous_starts_at == old and session.starts_at == old + timedelta(days=3)
    assert session.teacher == week["other_teacher"] and session.sequence == 1
    assert AuditEvent.objects.filter(action="session_move", object_id=str(session.pk)).exists()
    member = week["members"]["c1_1"][0]
    event = feed_events(member)["第1讲"]
    assert int(event["SEQUENCE"]) == 1 and event.decoded("dtstart") == old + timedelta(days=3)
    page = login(week["users"]["member"]).get(reverse("attendance:my_schedule"))
    assert "已改期" in page.content.decode()


def test_a_session_that_has_started_keeps_its_time(week):
    session = week["sessions"][0]
    with pytest.raises(services.TeachingError, match="课次已开始"):
        changes.session_update(
            session,
            by=week["users"]["secretary"],
            title=session.title,
            starts_at=session.starts_at + timedelta(hours=1),
            ends_at=session.ends_at + timedelta(hours=1),
            venue=session.venue,
            teacher=session.teacher,
            now=session.starts_at + timedelta(minutes=5),
        )


def test_a_session_cannot_be_moved_into_the_past_or_to_end_before_it_starts(week):
    session = week["sessions"][0]
    secretary = login(week["users"]["secretary"])
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = secretary.post(reverse("teaching:session_edit", args=[session.pk]), edit_form(session, date=past))
    assert response.status_code == 422 and "新的上课时间已过" in response.content.decode()
    response = secretary.post(reverse("teaching:session_edit", args=[session.pk]), edit_form(session, end_time="18:00"))
    assert response.status_code == 422 and "结束时间须晚于开始时间" in response.content.decode()
    session.refresh_from_db()
    assert session.sequence == 0


def test_the_session_page_holds_a_query_budget_and_shows_the_current_values(week, django_assert_max_num_queries):
    client = login(week["users"]["secretary"])
    session = week["sessions"][0]
    with django_assert_max_num_queries(14):
        response = client.get(reverse("teaching:session_edit", args=[session.pk]))
    day = timezone.localtime(session.starts_at).date().isoformat()
    assert response.status_code == 200 and f'value="{day}"' in response.content.decode()


def test_a_teacher_or_member_cannot_edit_and_another_branch_gets_404(week):
    session = week["sessions"][0]
    from .factories import make_user

    other = make_user("c2admin", role="org_admin", org=week["tree"]["C2"])
    for user in (week["users"]["member"], week["users"]["teacher"], other):
        client = login(user)
        assert client.get(reverse("teaching:session_edit", args=[session.pk])).status_code == 404
        assert client.post(reverse("teaching:session_cancel", args=[session.pk]), {"reason": "x"}).status_code == 404
    session.refresh_from_db()
    assert session.status == "planned"


# --- Cancelling --------------------------------------------------------------------------------------


def cancel(week, session, reason="场地停电"):
    return login(week["users"]["secretary"]).post(reverse("teaching:session_cancel", args=[session.pk]), {"reason": reason})


def test_cancelling_needs_a_reason(week):
    session = week["sessions"][0]
    response = cancel(week, session, reason="  ")
    assert response.status_code == 422
    session.refresh_from_db()
    assert session.status == "planned"


def test_a_cancelled_session_shows_cancelled_on_the_members_schedule_and_feed(week):
    session = week["sessions"][0]
    assert cancel(week, session).status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancel_reason == "场地停电" and session.sequence == 1
    assert AuditEvent.objects.filter(action="session_cancel", object_id=str(session.pk)).exists()
    page = login(week["users"]["member"]).get(reverse("attendance:my_schedule")).content.decode()
    assert f'data-session="{session.pk}"' in page and "已取消：场地停电" in page
    events = feed_events(week["members"]["c1_1"][0])
    assert str(events["第1讲"]["STATUS"]) == "CANCELLED" and int(events["第1讲"]["SEQUENCE"]) == 1
    assert "STATUS" not in events["第2讲"]
    day = timezone.localtime(session.starts_at).date().isoformat()
    calendar = login(week["users"]["member"]).get(reverse("teaching:calendar"), {"date": day}).content.decode()
    assert "data-cancelled" in calendar
    api = login(week["users"]["member"]).get("/api/v1/me/schedule").json()
    mine = {i["id"]: i for i in api["items"]}[session.pk]
    assert mine["status"] == "cancelled" and mine["cancel_reason"] == "场地停电" and mine["sequence"] == 1


def test_a_cancelled_session_cannot_be_cancelled_again_or_edited(week):
    session = week["sessions"][0]
    cancel(week, session)
    assert cancel(week, session).status_code == 422
    response = login(week["users"]["secretary"]).post(reverse("teaching:session_edit", args=[session.pk]), edit_form(session))
    assert response.status_code == 422 and "已取消" in response.content.decode()


def test_a_session_that_has_started_cannot_be_cancelled(week):
    session = week["sessions"][0]
    with pytest.raises(services.TeachingError, match="课次已开始"):
        changes.session_cancel(session, by=week["users"]["secretary"], reason="下雨", now=session.starts_at + timedelta(minutes=1))


def test_a_cancelled_session_takes_no_marks_check_ins_leave_or_credits(week):
    session = week["sessions"][0]
    member = week["members"]["c1_1"][0]
    services.calendar_feed_for(member=member)
    LeaveRequest.objects.create(session=session, member=week["members"]["c1_1"][1], reason="出差")
    changes.session_cancel(session, by=week["users"]["secretary"], reason="场地停电")
    session.refresh_from_db()
    during = session.starts_at + timedelta(minutes=5)
    secretary = week["users"]["secretary"]
    with pytest.raises(services.TeachingError, match="该课次已取消"):
        attendance.roll_mark(session, {member.pk: "present"}, by=secretary, now=during)
    with pytest.raises(services.TeachingError, match="该课次已取消"):
        attendance.roll_mark_all_present(session, by=secretary, now=during)
    with pytest.raises(attendance.CheckInRefused, match="该课次已取消"):
        attendance.session_check_in(session, member, now=during, method=Attendance.Method.MANUAL)
    with pytest.raises(services.TeachingError, match="该课次已取消"):
        attendance.leave_request(session, member, "有事", now=session.starts_at - timedelta(hours=3))
    with pytest.raises(services.TeachingError, match="该课次已取消"):
        attendance.leave_decide(LeaveRequest.objects.get(session=session), approve=True, by=secretary)
    assert attendance.session_credits_due(now=during) == 0
    assert not Attendance.objects.filter(session=session).exists() and not StudyHourEntry.objects.filter(session=session).exists()
    roll = login(secretary).post(reverse("attendance:roll", args=[session.pk]), {f"status_{member.pk}": "absent"})
    assert roll.status_code == 302 and not Attendance.objects.filter(session=session).exists()
    assert "本课次已取消：场地停电" in login(secretary).get(reverse("attendance:roll", args=[session.pk])).content.decode()


# --- The API -------------------------------------------------------------------------------------------


def api(user, method, url, body=None):
    client = login(user)
    return getattr(client, method)(url, json.dumps(body) if body is not None else None, content_type="application/json")


def test_api_patch_reschedules_and_a_clash_is_409_with_the_conflicts(week):
    session = week["sessions"][0]
    secretary = week["users"]["secretary"]
    clash = timezone.localtime(week["clash_at"])
    response = api(
        secretary,
        "patch",
        f"/api/v1/sessions/{session.pk}",
        {"starts_at": clash.isoformat(), "ends_at": (clash + timedelta(hours=2)).isoformat()},
    )
    assert response.status_code == 409 and response.json()["conflicts"][0]["kind"] == "teacher"
    later = timezone.localtime(session.starts_at) + timedelta(days=1, hours=-1)
    response = api(
        secretary,
        "patch",
        f"/api/v1/sessions/{session.pk}",
        {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat(), "teacher_id": week["other_teacher"].pk},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sequence"] == 1 and body["previous_starts_at"] is not None and body["teacher"]["id"] == week["other_teacher"].pk
    response = api(secretary, "patch", f"/api/v1/sessions/{session.pk}", {"ends_at": later.isoformat()})
    assert response.status_code == 422 and response.json()["errors"][0]["message"] == "结束时间须晚于开始时间"


def test_api_cancel_needs_a_reason_and_is_404_out_of_scope(week):
    session = week["sessions"][1]
    from .factories import make_user

    other = make_user("c2admin", role="org_admin", org=week["tree"]["C2"])
    assert api(other, "post", f"/api/v1/sessions/{session.pk}/cancel", {"reason": "x"}).status_code == 404
    assert api(week["users"]["member"], "post", f"/api/v1/sessions/{session.pk}/cancel", {"reason": "x"}).status_code == 404
    response = api(week["users"]["secretary"], "post", f"/api/v1/sessions/{session.pk}/cancel", {"reason": ""})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"
    response = api(week["users"]["secretary"], "post", f"/api/v1/sessions/{session.pk}/cancel", {"reason": "讲师生病"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "讲师生病"


def test_the_api_declares_its_error_responses():
    from dangxiao.api.main import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    assert {200, 404, 409, 422} <= set(paths["/api/v1/sessions/{session_id}"]["patch"]["responses"])
    assert {200, 404, 422} <= set(paths["/api/v1/sessions/{session_id}/cancel"]["post"]["responses"])
