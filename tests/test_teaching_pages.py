"""Cohort, calendar and schedule pages; the iCalendar feeds; scoping and query budgets."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from dangxiao.teaching import services
from dangxiao.teaching.models import Cohort, Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_teacher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    c1_cohort = make_cohort(school, people["tree"]["C1-1"], name="第一支部冬训班")
    c2_cohort = make_cohort(school, people["tree"]["C2"], name="赤岭路社区夜校")
    return {"school": school, "main": main, "small": small, "teacher": make_teacher(school), "c1": c1_cohort, "c2": c2_cohort, **people}


@pytest.mark.parametrize(
    "role, cohort, status",
    [
        ("secretary", "c1", 200),
        ("secretary", "c2", 404),
        ("committee", "c1", 200),
        ("committee", "c2", 404),
        ("principal", "c2", 200),
        ("member", "c1", 404),
        ("teacher", "c1", 404),
    ],
)
def test_cohort_page_scoping(school, role, cohort, status):
    response = login(school["users"][role]).get(reverse("teaching:cohort_detail", args=[school[cohort].pk]))
    assert response.status_code == status


def test_cohort_list_shows_only_managed_cohorts(school):
    body = login(school["users"]["secretary"]).get(reverse("teaching:cohort_list")).content.decode()
    assert "第一支部冬训班" in body and "赤岭路社区夜校" not in body
    body = login(school["users"]["principal"]).get(reverse("teaching:cohort_list")).content.decode()
    assert "第一支部冬训班" in body and "赤岭路社区夜校" in body


def test_staff_create_a_cohort_by_rule_and_see_who_is_eligible(school):
    tree = school["tree"]
    organ = [make_member(tree["C1-2"], is_organ_worker=True) for _ in range(3)]
    client = login(school["users"]["committee"])
    response = client.post(
        reverse("teaching:cohort_create"),
        {
            "name": "机关党员素质提升班",
            "organization": tree["C1"].pk,
            "mode": "in_person",
            "flags": ["is_organ_worker"],
            "auto_enrol": "on",
            "seat_limit": 2,
        },
    )
    cohort = Cohort.objects.get(name="机关党员素质提升班")
    assert response.status_code == 302
    assert cohort.target_rule == {"flags": ["is_organ_worker"]}
    assert Enrollment.objects.filter(cohort=cohort, status="enrolled").count() == 2
    assert Enrollment.objects.filter(cohort=cohort, status="waitlisted").count() == 1
    page = client.get(reverse("teaching:cohort_detail", args=[cohort.pk]))
    assert page.context["eligible_count"] == 3 and {m.pk for m in page.context["eligible_preview"]} == {m.pk for m in organ}


def test_a_secretary_cannot_create_a_cohort_for_another_organisation(school):
    response = login(school["users"]["secretary"]).post(
        reverse("teaching:cohort_create"), {"name": "越权班", "organization": school["tree"]["C2"].pk, "mode": "in_person"}
    )
    assert response.status_code == 422 and not Cohort.objects.filter(name="越权班").exists()


def rule_post(school, **over):
    data = {
        "weekdays": ["1", "3"],
        "start_time": "19:00",
        "end_time": "21:00",
        "starts_on": "2026-09-01",
        "ends_on": "2026-10-31",
        "skip_dates": "2026-10-01",
        "title": "素质提升课",
        "venue": school["main"].pk,
        "teacher": school["teacher"].pk,
        "hours": "2",
    }
    data.update(over)
    return data


def test_the_weekly_rule_form_generates_sessions(school):
    client = login(school["users"]["principal"])
    response = client.post(reverse("teaching:cohort_rule_create", args=[school["c2"].pk]), rule_post(school))
    assert response.status_code == 302
    assert Session.objects.filter(cohort=school["c2"]).count() == 17


def test_booking_a_teacher_twice_on_the_page_is_refused_and_can_be_overridden_with_a_reason(school):
    client = login(school["users"]["principal"])
    client.post(reverse("teaching:cohort_rule_create", args=[school["c2"].pk]), rule_post(school))
    clash = {
        "title": "加课",
        "date": "2026-09-03",
        "start_time": "20:00",
        "end_time": "21:30",
        "teacher": school["teacher"].pk,
        "hours": "1",
    }
    refused = client.post(reverse("teaching:cohort_session_create", args=[school["c1"].pk]), clash)
    body = refused.content.decode()
    assert refused.status_code == 409
    assert "讲师刘老师在 2026-09-03 19:00–21:00 已安排“赤岭路社区夜校”的“素质提升课”" in body
    assert not Session.objects.filter(cohort=school["c1"]).exists()
    kept = client.post(
        reverse("teaching:cohort_session_create", args=[school["c1"].pk]), {**clash, "override_reason": "讲师确认可连续授课"}
    )
    assert kept.status_code == 302
    assert Session.objects.get(cohort=school["c1"]).override_reason == "讲师确认可连续授课"


def test_enrol_and_remove_on_the_page_promote_the_waiting_list(school):
    cohort = school["c1"]
    cohort.seat_limit = 1
    cohort.save()
    a, b = school["members"]["c1_1"][:2]
    client = login(school["users"]["secretary"])
    client.post(reverse("teaching:cohort_enroll", args=[cohort.pk]), {"member": a.phone})
    client.post(reverse("teaching:cohort_enroll", args=[cohort.pk]), {"member": b.name})
    assert dict(Enrollment.objects.filter(cohort=cohort).values_list("member_id", "status")) == {a.pk: "enrolled", b.pk: "waitlisted"}
    client.post(reverse("teaching:cohort_unenroll", args=[cohort.pk, a.pk]))
    assert Enrollment.objects.get(cohort=cohort, member=b).status == "enrolled"


def test_enrolling_someone_outside_scope_is_refused(school):
    outsider = school["members"]["c2_1"][0]
    response = login(school["users"]["secretary"]).post(
        reverse("teaching:cohort_enroll", args=[school["c1"].pk]), {"member": outsider.phone}, follow=True
    )
    assert "找不到党员" in response.content.decode()
    assert not Enrollment.objects.filter(member=outsider).exists()


def test_enrolling_by_a_name_two_members_share_asks_which_one(school):
    cohort = school["c1"]
    tree = school["tree"]
    first = make_member(tree["C1-1"], name="张伟", phone="13811110001")
    second = make_member(tree["C1-2"], name="张伟", phone="13822220002")
    make_member(tree["C2-1"], name="张伟", phone="13833330003")  # outside the committee's subtree
    client = login(school["users"]["committee"])
    response = client.post(reverse("teaching:cohort_enroll", args=[cohort.pk]), {"member": "张伟"})
    assert response.status_code == 200 and not Enrollment.objects.filter(cohort=cohort).exists()
    body = response.content.decode()
    picker = body[body.index('id="namesakes"') :]
    assert "有 2 名党员叫“张伟”" in picker
    assert "青山祠社区第一党支部" in picker and "138****0001" in picker
    assert "青山祠社区第二党支部" in picker and "138****0002" in picker
    assert "13822220002" not in body and "138****0003" not in picker
    chosen = client.post(reverse("teaching:cohort_enroll", args=[cohort.pk]), {"member_id": second.pk})
    assert chosen.status_code == 302
    assert list(Enrollment.objects.filter(cohort=cohort).values_list("member_id", flat=True)) == [second.pk]
    again = client.post(reverse("teaching:cohort_enroll", args=[cohort.pk]), {"member": "张伟"})
    assert f'value="{second.pk}" disabled' in again.content.decode() and first.pk != second.pk


def test_picking_a_member_outside_scope_enrols_nobody(school):
    outsider = school["members"]["c2_1"][0]
    response = login(school["users"]["secretary"]).post(
        reverse("teaching:cohort_enroll", args=[school["c1"].pk]), {"member_id": outsider.pk}
    )
    assert response.status_code == 404 and not Enrollment.objects.exists()
    bad = login(school["users"]["secretary"]).post(reverse("teaching:cohort_enroll", args=[school["c1"].pk]), {"member_id": "x"})
    assert bad.status_code == 404


def add_sessions(school, cohort, n: int, start: datetime):
    Session.objects.bulk_create(
        [
            Session(
                cohort=cohort,
                title=f"课{i}",
                starts_at=start + timedelta(days=i),
                ends_at=start + timedelta(days=i, hours=2),
                venue=school["main"],
                teacher=school["teacher"],
            )
            for i in range(n)
        ]
    )


def count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_calendar_and_cohort_pages_keep_a_fixed_query_budget(school):
    client = login(school["users"]["principal"])
    start = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    add_sessions(school, school["c1"], 3, start)
    for m in school["members"]["c1_1"]:
        Enrollment.objects.create(cohort=school["c1"], member=m)
    month = {"date": "2026-12-10"}
    week = {"date": "2026-12-02", "view": "week"}
    cal_small = count_queries(client, reverse("teaching:calendar"), month)
    week_small = count_queries(client, reverse("teaching:calendar"), week)
    cohort_small = count_queries(client, reverse("teaching:cohort_detail", args=[school["c1"].pk]), {})
    add_sessions(school, school["c2"], 25, start + timedelta(hours=3))
    for _ in range(40):
        Enrollment.objects.create(cohort=school["c1"], member=make_member(school["tree"]["C1-1"]))
    assert count_queries(client, reverse("teaching:calendar"), month) == cal_small
    assert count_queries(client, reverse("teaching:calendar"), week) == week_small
    assert count_queries(client, reverse("teaching:cohort_detail", args=[school["c1"].pk]), {}) == cohort_small
    assert cal_small <= 12 and cohort_small <= 16


def test_staff_calendar_entries_link_to_their_session_roll(school):
    add_sessions(school, school["c1"], 2, datetime(2026, 12, 1, 19, 0, tzinfo=SHANGHAI))
    body = login(school["users"]["secretary"]).get(reverse("teaching:calendar"), {"date": "2026-12-15"}).content.decode()
    for session in school["c1"].sessions.all():
        assert f'href="{reverse("attendance:roll", args=[session.pk])}"' in body


def test_month_and_week_views_place_sessions_on_their_days(school):
    add_sessions(school, school["c1"], 2, datetime(2026, 12, 1, 19, 0, tzinfo=SHANGHAI))
    client = login(school["users"]["secretary"])
    month = client.get(reverse("teaching:calendar"), {"date": "2026-12-15"})
    days = {d: [s.title for s in ss] for week in month.context["weeks"] for d, ss in week}
    assert days[date(2026, 12, 1)] == ["课0"] and days[date(2026, 12, 2)] == ["课1"]
    week = client.get(reverse("teaching:calendar"), {"date": "2026-12-02", "view": "week"})
    assert [d for d, _ in week.context["weeks"][0]][0] == date(2026, 11, 30)
    venue = client.get(reverse("teaching:calendar"), {"date": "2026-12-15", "venue": school["small"].pk})
    assert all(not ss for week in venue.context["weeks"] for _d, ss in week)


def test_calendar_for_another_subtrees_organisation_is_404(school):
    response = login(school["users"]["secretary"]).get(reverse("teaching:calendar"), {"organization": school["tree"]["C2"].pk})
    assert response.status_code == 404


def test_member_sees_their_schedule_on_a_phone(school):
    member = school["members"]["c1_1"][0]
    Enrollment.objects.create(cohort=school["c1"], member=member)
    soon = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=2)
    add_sessions(school, school["c1"], 2, soon)
    add_sessions(school, school["c2"], 1, soon + timedelta(hours=4))
    response = login(school["users"]["member"]).get(reverse("attendance:my_schedule"))
    titles = [s.title for _d, ss in response.context["groups"] for s in ss]
    assert titles == ["课0", "课1"]
    assert "/calendar/feed/" in response.content.decode()


def parse_feed(body: bytes) -> list:
    cal = Calendar.from_ical(body)
    return [c for c in cal.walk("VEVENT")]


def test_member_teacher_and_venue_feeds_parse_and_carry_the_right_events_in_shanghai_time(school):
    member = school["members"]["c1_1"][0]
    Enrollment.objects.create(cohort=school["c1"], member=member)
    start = timezone.now().astimezone(SHANGHAI).replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=1)
    add_sessions(school, school["c1"], 2, start)
    Session.objects.create(
        cohort=school["c2"],
        title="别班的课",
        starts_at=start + timedelta(days=5),
        ends_at=start + timedelta(days=5, hours=1),
        venue=school["small"],
    )
    client = Client()
    member_feed = services.calendar_feed_for(member=member)
    events = parse_feed(client.get(reverse("teaching:calendar_feed", args=[member_feed.token])).content)
    assert [str(e["summary"]) for e in events] == ["课0（第一支部冬训班）", "课1（第一支部冬训班）"]
    first = events[0].decoded("dtstart")
    assert first.utcoffset() == timedelta(hours=8) and first.hour == 19
    assert events[0]["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert "源课堂" in str(events[0]["location"])
    principal = school["users"]["principal"]
    teacher_feed = services.calendar_feed_for(teacher=school["teacher"], holder=principal)
    assert len(parse_feed(client.get(reverse("teaching:calendar_feed", args=[teacher_feed.token])).content)) == 2
    venue_feed = services.calendar_feed_for(venue=school["small"], holder=principal)
    assert [str(e["summary"]) for e in parse_feed(client.get(reverse("teaching:calendar_feed", args=[venue_feed.token])).content)] == [
        "别班的课（赤岭路社区夜校）"
    ]


def test_a_reset_feed_url_stops_working(school):
    member = school["members"]["c1_1"][0]
    feed = services.calendar_feed_for(member=member)
    old = feed.token
    login(school["users"]["member"]).post(reverse("teaching:my_feed_reset"))
    assert Client().get(reverse("teaching:calendar_feed", args=[old])).status_code == 404
    feed.refresh_from_db()
    assert Client().get(reverse("teaching:calendar_feed", args=[feed.token])).status_code == 200


def test_staff_schedule_pages_are_not_for_members_without_a_record(school):
    assert login(school["users"]["teacher"]).get(reverse("attendance:my_schedule")).status_code == 404
    assert login(school["users"]["member"]).get(reverse("teaching:cohort_list")).status_code == 404
