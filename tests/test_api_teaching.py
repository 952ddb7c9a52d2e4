"""The JSON API of the school and its teaching: scoping, enrolment, booking clashes, the member's own timetable."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.attendance.models import SessionRating
from dangxiao.people.models import Organization
from dangxiao.school.models import Partner, PartnerAgreement, School, Topic, Venue
from dangxiao.teaching import services
from dangxiao.teaching.models import CalendarFeed, Course, Enrollment, Session

from .factories import make_cohort, make_member, make_school, make_teacher
from .test_api import api

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, "teacher": make_teacher(school), **people}


@pytest.fixture
def elsewhere(db):
    """Another street's school, which nobody in the `people` fixture belongs to."""
    K, U = Organization.Kind, Organization.UnitType
    root = Organization.objects.add_root(
        instance=Organization(name="东塘街道党工委", code="DT", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT)
    )
    other = School.objects.create(name="东塘街道党校", organization=root)
    venue = Venue.objects.create(school=other, name="东塘党校", tier="main", kind="party_school", organization=root)
    course = Course.objects.create(school=other, title="东塘课程", kind="theory")
    return {"school": other, "venue": venue, "course": course, "teacher": make_teacher(other, name="东塘老师")}


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def book(cohort, day: date, hour: int, **fields) -> Session:
    return Session.objects.create(
        cohort=cohort, title=fields.pop("title", "党课"), starts_at=at(day, hour), ends_at=at(day, hour + 2), **fields
    )


# --- Venues, partners, teachers, courses --------------------------------------------------------


def test_venues_are_listed_to_everyone_in_the_school_and_filter_by_tier(school, elsewhere):
    for role in ("member", "teacher", "secretary", "principal"):
        body = api(school["users"][role]).get("/api/v1/venues").json()
        assert body["count"] == 2 and {v["name"] for v in body["items"]} == {"源课堂", "青山祠社区党群服务中心"}, role
    client = api(school["users"]["member"])
    main = client.get("/api/v1/venues", {"tier": "main"}).json()
    assert main["count"] == 1 and main["items"][0]["tier_label"] == "主阵地" and main["items"][0]["capacity"] == 120
    assert client.get(f"/api/v1/venues/{school['small'].pk}").json()["organization"]["name"] == "青山祠社区党委"
    assert client.get(f"/api/v1/venues/{elsewhere['venue'].pk}").status_code == 404
    assert api(school["users"]["superuser"]).get(f"/api/v1/venues/{elsewhere['venue'].pk}").status_code == 200


def test_a_partner_shows_its_agreements_scopes_status_and_contributions_to_staff_only(school):
    partner = Partner.objects.create(school=school["school"], name="中南大学", kind="university")
    today = timezone.localdate()
    PartnerAgreement.objects.create(
        partner=partner,
        title="2024共建协议",
        shares_talent=True,
        signed_on=date(2024, 1, 1),
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
    )
    PartnerAgreement.objects.create(
        partner=partner,
        title="阵地与活动共建协议",
        shares_venues=True,
        joint_activities=True,
        signed_on=today - timedelta(days=30),
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
    )
    Venue.objects.filter(pk=school["small"].pk).update(partner=partner)
    make_teacher(school["school"], name="王教授", source="university", partner=partner)
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    book(cohort, date(2026, 9, 1), 9, co_host=partner)
    book(cohort, date(2026, 9, 2), 9, co_host=partner, status=Session.Status.CANCELLED)

    body = api(school["users"]["principal"]).get(f"/api/v1/partners/{partner.pk}").json()
    assert (body["status"], body["status_label"], body["scopes"]) == ("active", "履行中", ["阵地共建", "活动共联"])
    assert [a["status"] for a in body["agreements"]] == ["active", "expired"]
    assert body["agreements"][1]["scopes"] == ["人才共育"]
    assert (body["venues_lent"], body["teachers_provided"], body["sessions_cohosted"]) == (1, 1, 1)
    assert api(school["users"]["secretary"]).get("/api/v1/partners").json()["count"] == 1
    for role in ("member", "teacher"):
        client = api(school["users"][role])
        assert client.get("/api/v1/partners").status_code == 404, role
        assert client.get(f"/api/v1/partners/{partner.pk}").status_code == 404, role


def test_a_teacher_shows_source_topics_term_sessions_and_rating_to_staff_only(school, elsewhere):
    teacher = school["teacher"]
    topic = Topic.objects.create(school=school["school"], name="党的理论")
    teacher.topics.add(topic)
    teacher.appointed_from, teacher.appointed_until = date(2020, 1, 1), date(2020, 12, 31)
    teacher.save()
    cohort = make_cohort(school["school"], school["tree"]["C1-1"])
    first, second = book(cohort, date(2026, 9, 1), 9, teacher=teacher), book(cohort, date(2026, 9, 2), 9, teacher=teacher)
    for session, score in ((first, 5), (second, 4)):
        SessionRating.objects.create(session=session, teacher=teacher, member=school["members"]["c1_1"][1], score=score)

    client = api(school["users"]["committee"])
    body = client.get(f"/api/v1/teachers/{teacher.pk}").json()
    assert (body["source"], body["source_label"]) == ("party_school", "市、区委党校")
    assert [t["name"] for t in body["topics"]] == ["党的理论"]
    assert (body["appointed_until"], body["in_term"]) == ("2020-12-31", False)
    assert (body["session_count"], body["rating_count"], body["average_rating"]) == (2, 2, 4.5)
    assert client.get("/api/v1/teachers", {"topic": topic.pk}).json()["count"] == 1
    assert client.get(f"/api/v1/teachers/{elsewhere['teacher'].pk}").status_code == 404
    for role in ("member", "teacher"):
        assert api(school["users"][role]).get("/api/v1/teachers").status_code == 404, role
        assert api(school["users"][role]).get(f"/api/v1/teachers/{teacher.pk}").status_code == 404, role


def test_courses_of_the_school_are_listed_and_others_are_not_found(school, elsewhere):
    course = Course.objects.create(school=school["school"], title="党章学习", kind="theory")
    client = api(school["users"]["member"])
    body = client.get("/api/v1/courses").json()
    assert body["count"] == 1 and body["items"][0]["kind_label"] == "理论课堂" and body["items"][0]["default_hours"] == 2.0
    assert client.get(f"/api/v1/courses/{course.pk}").json()["title"] == "党章学习"
    assert client.get(f"/api/v1/courses/{elsewhere['course'].pk}").status_code == 404


# --- Cohorts and enrolment ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, org, status",
    [
        ("secretary", "C1-1", 200),
        ("secretary", "C2", 404),
        ("secretary", "C1", 404),
        ("committee", "C1-1", 200),
        ("committee", "C2", 404),
        ("principal", "C2", 200),
        ("superuser", "C2", 200),
        ("member", "C1-1", 404),
        ("teacher", "C1", 404),
    ],
)
def test_cohorts_are_found_only_by_those_who_manage_them(school, role, org, status):
    cohort = make_cohort(school["school"], school["tree"][org])
    client = api(school["users"][role])
    assert client.get(f"/api/v1/cohorts/{cohort.pk}").status_code == status
    assert client.get(f"/api/v1/cohorts/{cohort.pk}/enrollments").status_code == status


def test_cohort_list_is_what_the_caller_manages_with_a_total_count(school):
    tree = school["tree"]
    for i, org in enumerate(("C1-1", "C1-1", "C1-2", "C2", "WY")):
        make_cohort(school["school"], tree[org], name=f"班次{i}")
    assert api(school["users"]["secretary"]).get("/api/v1/cohorts").json()["count"] == 2
    assert api(school["users"]["committee"]).get("/api/v1/cohorts").json()["count"] == 3
    board = api(school["users"]["principal"]).get("/api/v1/cohorts", {"page_size": 2, "page": 3}).json()
    assert (board["count"], board["page"], len(board["items"])) == (5, 3, 1)
    assert api(school["users"]["member"]).get("/api/v1/cohorts").json()["count"] == 0


def test_cohort_detail_describes_its_target_rule_and_counts(school):
    tree = school["tree"]
    leaders = [make_member(tree["C1-1"], position="secretary"), make_member(tree["C1-2"], position="secretary")]
    make_member(tree["C2-1"], position="secretary")
    cohort = make_cohort(school["school"], tree["C1"], name="领头雁培训班", target_rule={"positions": ["secretary"]}, seat_limit=1)
    services.cohort_enroll(cohort, leaders[0])
    services.cohort_enroll(cohort, leaders[1])
    body = api(school["users"]["committee"]).get(f"/api/v1/cohorts/{cohort.pk}").json()
    assert body["target_rule"] == {"positions": ["secretary"]} and "书记" in body["rule_description"]
    assert (body["eligible"], body["enrolled"], body["waitlisted"], body["seat_limit"]) == (2, 1, 1, 1)


def test_seat_limit_puts_the_next_on_the_waiting_list_and_removal_promotes_them(school):
    first, second = school["members"]["c1_1"][1:3]
    cohort = make_cohort(school["school"], school["tree"]["C1-1"], seat_limit=1)
    client = api(school["users"]["secretary"])
    url = f"/api/v1/cohorts/{cohort.pk}/enrollments"
    assert post(client, url, {"member_id": first.pk}).json()["status"] == "enrolled"
    waiting = post(client, url, {"member_id": second.pk})
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"
    listed = client.get(url, {"status": "waitlisted"}).json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == second.name
    assert listed["items"][0]["phone"] == second.phone[:3] + "****" + second.phone[-4:]

    removed = client.delete(f"{url}/{first.pk}")
    assert removed.status_code == 200
    assert removed.json()["promoted"]["member_id"] == second.pk and removed.json()["promoted"]["status"] == "enrolled"
    assert [e["member_id"] for e in client.get(url).json()["items"]] == [second.pk]
    assert client.delete(f"{url}/{first.pk}").status_code == 422


def test_removal_when_the_seats_were_cut_promotes_nobody(school):
    first, second = school["members"]["c1_1"][1:3]
    cohort = make_cohort(school["school"], school["tree"]["C1-1"], seat_limit=1)
    services.cohort_enroll(cohort, first)
    services.cohort_enroll(cohort, second)
    cohort.seat_limit = 0
    cohort.save()
    removed = api(school["users"]["secretary"]).delete(f"/api/v1/cohorts/{cohort.pk}/enrollments/{first.pk}").json()
    assert removed == {"member_id": first.pk, "status": "removed", "promoted": None}
    assert Enrollment.objects.get(cohort=cohort, member=second).status == "waitlisted"


def test_enrolment_refusals(school):
    cohort = make_cohort(school["school"], school["tree"]["C1-1"])
    client = api(school["users"]["secretary"])
    url = f"/api/v1/cohorts/{cohort.pk}/enrollments"
    inside = school["members"]["c1_1"][1]
    assert post(client, url, {"member_id": school["members"]["c2_1"][0].pk}).status_code == 404
    assert post(client, url, {"member_id": inside.pk}).status_code == 201
    again = post(client, url, {"member_id": inside.pk})
    assert again.status_code == 422 and again.json()["detail"] == "已在本班次中"
    assert client.delete(f"{url}/{school['members']['c1_1'][2].pk}").status_code == 404
    c2_cohort = make_cohort(school["school"], school["tree"]["C2"])
    assert post(client, f"/api/v1/cohorts/{c2_cohort.pk}/enrollments", {"member_id": inside.pk}).status_code == 404
    assert not Enrollment.objects.filter(cohort=c2_cohort).exists()


def test_enrol_by_rule_fills_seats_then_the_waiting_list(school):
    cohort = make_cohort(school["school"], school["tree"]["C1"], seat_limit=3)
    body = post(api(school["users"]["committee"]), f"/api/v1/cohorts/{cohort.pk}/enrol-by-rule").json()
    assert (body["enrolled"], body["waitlisted"]) == (3, 2)
    assert post(api(school["users"]["secretary"]), f"/api/v1/cohorts/{cohort.pk}/enrol-by-rule").status_code == 404


def test_a_member_enrols_themselves_in_an_open_cohort_above_them_that_they_cannot_otherwise_see(school):
    tree = school["tree"]
    member = school["members"]["c1_1"][0]
    open_cohort = make_cohort(school["school"], tree["WY"], self_enrol_open=True)
    client = api(school["users"]["member"])
    assert client.get(f"/api/v1/cohorts/{open_cohort.pk}").status_code == 404
    response = post(client, f"/api/v1/cohorts/{open_cohort.pk}/enrol-self")
    assert response.status_code == 201 and response.json()["member_id"] == member.pk
    assert Enrollment.objects.get(cohort=open_cohort, member=member).source == "self"
    assert post(client, f"/api/v1/cohorts/{open_cohort.pk}/enrol-self").status_code == 422


@pytest.mark.parametrize(
    "org, fields, status",
    [
        ("WY", {"self_enrol_open": False}, 404),
        ("C2", {"self_enrol_open": True}, 404),
        ("C1-2", {"self_enrol_open": True}, 404),
        ("C1", {"self_enrol_open": True, "target_rule": {"flags": ["is_mobile"]}}, 422),
        ("C1-1", {"self_enrol_open": True}, 201),
    ],
)
def test_self_enrolment_is_only_for_open_cohorts_at_or_above_the_member_and_in_the_target_group(school, org, fields, status):
    cohort = make_cohort(school["school"], school["tree"][org], **fields)
    assert post(api(school["users"]["member"]), f"/api/v1/cohorts/{cohort.pk}/enrol-self").status_code == status


def test_self_enrolment_needs_a_member_record(school):
    cohort = make_cohort(school["school"], school["tree"]["WY"], self_enrol_open=True)
    assert post(api(school["users"]["principal"]), f"/api/v1/cohorts/{cohort.pk}/enrol-self").status_code == 404


# --- Sessions and schedules ---------------------------------------------------------------------


@pytest.fixture
def booked(school):
    """An organ class at 源课堂 with 刘老师 on 8 September 2026, 19:00–21:00."""
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    book(cohort, date(2026, 9, 8), 19, venue=school["main"], teacher=school["teacher"], title="素质提升课")
    other = make_cohort(school["school"], school["tree"]["C1"], name="领头雁培训班")
    return {"cohort": cohort, "other": other, **school}


def new_session(booked, **fields) -> dict:
    body = {
        "cohort_id": booked["other"].pk,
        "title": "党务实务",
        "starts_at": "2026-09-08T20:00:00+08:00",
        "ends_at": "2026-09-08T22:00:00+08:00",
    }
    return body | fields


def test_booking_a_venue_already_taken_is_409_naming_the_clash(booked):
    response = post(api(booked["users"]["committee"]), "/api/v1/sessions", new_session(booked, venue_id=booked["main"].pk))
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] and [c["kind"] for c in body["conflicts"]] == ["venue"]
    assert "源课堂" in body["conflicts"][0]["message"] and "2026-09-08 19:00" in body["conflicts"][0]["message"]
    assert body["conflicts"][0]["other_session_id"] == Session.objects.get(cohort=booked["cohort"]).pk
    assert not Session.objects.filter(cohort=booked["other"]).exists()


def test_booking_a_teacher_already_taken_is_409_naming_the_clash(booked):
    response = post(
        api(booked["users"]["committee"]),
        "/api/v1/sessions",
        new_session(booked, teacher_id=booked["teacher"].pk, venue_id=booked["small"].pk),
    )
    assert response.status_code == 409
    conflicts = response.json()["conflicts"]
    assert [c["kind"] for c in conflicts] == ["teacher"] and "刘老师" in conflicts[0]["message"]


def test_a_written_reason_books_the_clash_anyway_and_is_kept(booked):
    body = new_session(booked, venue_id=booked["main"].pk, teacher_id=booked["teacher"].pk, override_reason="大礼堂分两区同时使用")
    response = post(api(booked["users"]["committee"]), "/api/v1/sessions", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["override_reason"] == "大礼堂分两区同时使用"
    assert created["starts_at"] == "2026-09-08T20:00:00+08:00" and created["venue"]["name"] == "源课堂"
    session = Session.objects.get(pk=created["id"])
    assert session.overridden_by == booked["users"]["committee"]


def test_session_creation_is_scoped_and_validated(booked, elsewhere):
    secretary = api(booked["users"]["secretary"])
    assert post(secretary, "/api/v1/sessions", new_session(booked)).status_code == 404
    committee = api(booked["users"]["committee"])
    assert post(committee, "/api/v1/sessions", new_session(booked, venue_id=elsewhere["venue"].pk)).status_code == 404
    backwards = post(committee, "/api/v1/sessions", new_session(booked, ends_at="2026-09-08T19:00:00+08:00"))
    assert backwards.status_code == 422 and backwards.json()["detail"] == "结束时间须晚于开始时间"
    naive = post(committee, "/api/v1/sessions", new_session(booked, starts_at="2026-09-09T09:00:00", ends_at="2026-09-09T11:00:00"))
    assert naive.status_code == 201 and naive.json()["starts_at"] == "2026-09-09T09:00:00+08:00"


def rule_body(school, **fields) -> dict:
    body = {
        "weekdays": [1, 3],
        "start_time": "19:00",
        "end_time": "21:00",
        "starts_on": "2026-09-01",
        "ends_on": "2026-10-31",
        "skip_dates": ["2026-10-01"],
        "venue_id": school["main"].pk,
        "teacher_id": school["teacher"].pk,
        "title": "素质提升课",
        "hours": 2,
    }
    return body | fields


def test_a_schedule_rule_generates_the_tuesday_and_thursday_evenings(school):
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    client = api(school["users"]["principal"])
    response = post(client, f"/api/v1/cohorts/{cohort.pk}/schedule-rules", rule_body(school))
    assert response.status_code == 201, response.content
    assert response.json()["sessions_created"] == 17
    saved = Session.objects.filter(rule_id=response.json()["rule_id"])
    assert {s.starts_at.astimezone(SHANGHAI).weekday() for s in saved} == {1, 3}
    listed = client.get("/api/v1/sessions", {"cohort": cohort.pk, "page_size": 5}).json()
    assert (listed["count"], len(listed["items"])) == (17, 5)
    assert listed["items"][0]["starts_at"] == "2026-09-01T19:00:00+08:00"
    assert listed["items"][0]["ends_at"] == "2026-09-01T21:00:00+08:00"


def test_a_schedule_rule_that_clashes_is_409_and_creates_nothing(school):
    first = make_cohort(school["school"], school["tree"]["WY"])
    second = make_cohort(school["school"], school["tree"]["C1"], name="领头雁培训班")
    client = api(school["users"]["principal"])
    assert post(client, f"/api/v1/cohorts/{first.pk}/schedule-rules", rule_body(school)).status_code == 201
    response = post(client, f"/api/v1/cohorts/{second.pk}/schedule-rules", rule_body(school, teacher_id=None, weekdays=[3]))
    assert response.status_code == 409 and {c["kind"] for c in response.json()["conflicts"]} == {"venue"}
    assert not second.sessions.exists() and not second.rules.exists()
    empty = post(client, f"/api/v1/cohorts/{second.pk}/schedule-rules", rule_body(school, weekdays=[]))
    assert empty.status_code == 422 and empty.json()["detail"] == "请选择每周上课的日子"
    assert post(api(school["users"]["secretary"]), f"/api/v1/cohorts/{first.pk}/schedule-rules", rule_body(school)).status_code == 404


def test_sessions_are_what_the_caller_may_see_and_filter_by_venue_teacher_and_dates(school):
    tree = school["tree"]
    mine = make_cohort(school["school"], tree["C1-1"])
    theirs = make_cohort(school["school"], tree["C2"])
    taught = book(mine, date(2026, 9, 1), 9, venue=school["small"], teacher=school["teacher"])
    book(mine, date(2026, 9, 10), 9)
    other = book(theirs, date(2026, 9, 2), 9, venue=school["main"])
    services.cohort_enroll(mine, school["members"]["c1_1"][0])

    assert api(school["users"]["principal"]).get("/api/v1/sessions").json()["count"] == 3
    secretary = api(school["users"]["secretary"])
    assert secretary.get("/api/v1/sessions").json()["count"] == 2
    assert secretary.get(f"/api/v1/sessions/{other.pk}").status_code == 404
    assert secretary.get("/api/v1/sessions", {"venue": school["small"].pk}).json()["count"] == 1
    assert secretary.get("/api/v1/sessions", {"date_from": "2026-09-05"}).json()["count"] == 1
    assert secretary.get("/api/v1/sessions", {"date_to": "2026-09-01"}).json()["count"] == 1
    member = api(school["users"]["member"])
    assert member.get("/api/v1/sessions").json()["count"] == 2 and member.get(f"/api/v1/sessions/{other.pk}").status_code == 404

    school["teacher"].user = school["users"]["teacher"]
    school["teacher"].save()
    teacher = api(school["users"]["teacher"])
    assert [s["id"] for s in teacher.get("/api/v1/sessions").json()["items"]] == [taught.pk]
    assert teacher.get(f"/api/v1/sessions/{taught.pk}").json()["teacher"]["name"] == "刘老师"


def test_list_endpoints_keep_to_a_query_budget(school, django_assert_max_num_queries):
    cohort = make_cohort(school["school"], school["tree"]["C1-1"])
    for i in range(8):
        book(cohort, date(2026, 9, 1) + timedelta(days=i), 9, venue=school["main"], teacher=school["teacher"])
        services.cohort_enroll(cohort, make_member(school["tree"]["C1-1"]))
    Partner.objects.create(school=school["school"], name="中南大学", kind="university")
    client = api(school["users"]["principal"])
    client.get("/api/v1/me")  # warm the token
    for url in ("/api/v1/sessions", "/api/v1/venues", "/api/v1/teachers", "/api/v1/partners", f"/api/v1/cohorts/{cohort.pk}/enrollments"):
        with django_assert_max_num_queries(8):
            assert client.get(url).json()["count"] >= 1, url


# --- The signed-in member -----------------------------------------------------------------------


def test_my_schedule_has_only_my_cohorts_sessions_in_the_next_sixty_days(school):
    tree = school["tree"]
    today = timezone.localdate()
    mine = make_cohort(school["school"], tree["C1"], name="我的班次")
    waiting = make_cohort(school["school"], tree["C1"], name="候补班次", seat_limit=0)
    other = make_cohort(school["school"], tree["C1"], name="别人的班次")
    member = school["members"]["c1_1"][0]
    services.cohort_enroll(mine, member)
    services.cohort_enroll(waiting, member)
    services.cohort_enroll(other, school["members"]["c1_1"][1])
    soon = book(mine, today + timedelta(days=3), 9)
    book(mine, today + timedelta(days=90), 9)
    book(waiting, today + timedelta(days=4), 9)
    book(other, today + timedelta(days=5), 9)

    client = api(school["users"]["member"])
    body = client.get("/api/v1/me/schedule").json()
    assert [s["id"] for s in body["items"]] == [soon.pk] and body["count"] == 1
    assert body["items"][0]["cohort"]["name"] == "我的班次" and body["items"][0]["starts_at"].endswith("+08:00")
    later = client.get("/api/v1/me/schedule", {"date_from": str(today), "date_to": str(today + timedelta(days=120))}).json()
    assert later["count"] == 2
    assert api(school["users"]["principal"]).get("/api/v1/me/schedule").status_code == 404


def test_my_calendar_feed_is_a_private_url_and_resetting_it_changes_the_token(school):
    client = api(school["users"]["member"])
    url = client.get("/api/v1/me/calendar-feed").json()["url"]
    feed = CalendarFeed.objects.get(member=school["members"]["c1_1"][0])
    assert url == f"http://testserver/calendar/feed/{feed.token}.ics"
    assert client.get("/api/v1/me/calendar-feed").json()["url"] == url
    reset = post(client, "/api/v1/me/calendar-feed/reset").json()["url"]
    feed.refresh_from_db()
    assert reset != url and feed.token in reset and CalendarFeed.objects.count() == 1
    assert api(school["users"]["principal"]).get("/api/v1/me/calendar-feed").status_code == 404


def test_openapi_documents_the_school_and_teaching_endpoints_with_tags(db):
    doc = Client().get("/api/v1/openapi.json").json()
    expected = {
        "/api/v1/venues": "school",
        "/api/v1/partners/{partner_id}": "school",
        "/api/v1/teachers": "school",
        "/api/v1/courses": "teaching",
        "/api/v1/cohorts/{cohort_id}/enrollments": "teaching",
        "/api/v1/sessions": "teaching",
        "/api/v1/cohorts/{cohort_id}/schedule-rules": "teaching",
        "/api/v1/me/schedule": "me",
        "/api/v1/me/calendar-feed": "me",
    }
    for path, tag in expected.items():
        operations = doc["paths"][path].values()
        assert all(tag in op["tags"] and op["summary"] for op in operations), path
    assert "409" in doc["paths"]["/api/v1/sessions"]["post"]["responses"]


def test_a_member_who_left_is_not_enrolled_through_the_api(school):
    from dangxiao.people.models import Member

    cohort = make_cohort(school["school"], school["tree"]["C1-1"])
    gone = school["members"]["c1_1"][1]
    Member.objects.filter(pk=gone.pk).update(left_on=date.today(), left_reason=Member.LeftReason.values[0])
    response = post(api(school["users"]["secretary"]), f"/api/v1/cohorts/{cohort.pk}/enrollments", {"member_id": gone.pk})
    assert response.status_code == 422
    assert not Enrollment.objects.filter(cohort=cohort, member=gone).exists()
