"""Venue and teacher calendar feeds: who is shown an address, how it is made, and what it carries."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from dangxiao.people.models import Role
from dangxiao.teaching import services
from dangxiao.teaching.models import CalendarFeed, Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_teacher, make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def feeds(people):
    """The community venue (run by C1) hosts a C1-1 class and a C2 class; the teacher gives both, and a
    teacher with an account gives one."""
    tree = people["tree"]
    school, main, small = make_school(tree)
    teacher = make_teacher(school)
    own = make_teacher(school, name="王老师", user=people["users"]["teacher"])
    c1 = make_cohort(school, tree["C1-1"], name="第一支部冬训班")
    c2 = make_cohort(school, tree["C2"], name="赤岭路社区夜校")
    start = timezone.now().astimezone(SHANGHAI).replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=2)
    for i, (cohort, title, by) in enumerate(((c1, "支部的课", teacher), (c2, "别的社区的课", teacher), (c1, "王老师的课", own))):
        at = start + timedelta(days=i)
        Session.objects.create(cohort=cohort, title=title, starts_at=at, ends_at=at + timedelta(hours=1), venue=small, teacher=by)
    return {"school": school, "main": main, "small": small, "teacher": teacher, "own": own, **people}


def calendar(user, **params):
    return login(user).get(reverse("teaching:calendar"), params)


def make_feed(user, **owner):
    return login(user).post(reverse("teaching:calendar_feed_make"), owner)


def titles(token: str) -> list[str]:
    response = Client().get(reverse("teaching:calendar_feed", args=[token]))
    assert response.status_code == 200
    return sorted(str(e["summary"]).split("（")[0] for e in Calendar.from_ical(response.content).walk("VEVENT"))


def test_viewing_a_venue_calendar_makes_no_feed_and_a_member_is_shown_none(feeds):
    page = calendar(feeds["users"]["member"], venue=feeds["small"].pk)
    assert page.status_code == 200 and "/calendar/feed/" not in page.content.decode()
    assert not page.context["can_hold_feed"]
    page = calendar(feeds["users"]["principal"], venue=feeds["small"].pk)
    assert "/calendar/feed/" not in page.content.decode() and "生成订阅地址" in page.content.decode()
    assert not CalendarFeed.objects.exists()


def test_a_member_cannot_make_a_venue_or_teacher_feed(feeds):
    member = feeds["users"]["member"]
    assert make_feed(member, venue=feeds["small"].pk).status_code == 404
    assert make_feed(member, teacher=feeds["teacher"].pk).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_staff_who_manage_the_venue_make_its_feed_by_post_and_it_carries_only_their_sessions(feeds):
    committee = feeds["users"]["committee"]  # runs C1, which runs the venue; C2's class is not theirs
    assert make_feed(committee, venue=feeds["small"].pk).status_code == 302
    feed = CalendarFeed.objects.get(venue=feeds["small"], holder=committee)
    assert feed.token in calendar(committee, venue=feeds["small"].pk).content.decode()
    assert titles(feed.token) == ["支部的课", "王老师的课"]
    make_feed(feeds["users"]["principal"], venue=feeds["small"].pk)
    board = CalendarFeed.objects.get(venue=feeds["small"], holder=feeds["users"]["principal"])
    assert titles(board.token) == ["别的社区的课", "支部的课", "王老师的课"]


def test_staff_who_do_not_manage_the_venue_are_shown_no_address(feeds):
    secretary = feeds["users"]["secretary"]  # a branch of C1: the community's venue is not theirs to run
    page = calendar(secretary, venue=feeds["small"].pk)
    assert page.status_code == 200 and not page.context["can_hold_feed"] and "生成订阅地址" not in page.content.decode()
    assert make_feed(secretary, venue=feeds["small"].pk).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_teachers_feed_is_for_the_board_and_the_teacher_themself(feeds):
    assert make_feed(feeds["users"]["committee"], teacher=feeds["teacher"].pk).status_code == 404
    make_feed(feeds["users"]["principal"], teacher=feeds["teacher"].pk)
    assert titles(CalendarFeed.objects.get(teacher=feeds["teacher"]).token) == ["别的社区的课", "支部的课"]
    own = feeds["users"]["teacher"]
    assert calendar(own, teacher=feeds["own"].pk).context["can_hold_feed"]
    make_feed(own, teacher=feeds["own"].pk)
    assert titles(CalendarFeed.objects.get(teacher=feeds["own"], holder=own).token) == ["王老师的课"]


def test_a_feed_stops_when_its_holder_no_longer_manages_the_venue(feeds):
    holder = make_user(role="org_admin", org=feeds["tree"]["C1"])
    make_feed(holder, venue=feeds["small"].pk)
    token = CalendarFeed.objects.get(holder=holder).token
    assert Client().get(reverse("teaching:calendar_feed", args=[token])).status_code == 200
    Role.objects.filter(user=holder).delete()
    assert Client().get(reverse("teaching:calendar_feed", args=[token])).status_code == 404


def test_resetting_a_venue_feed_revokes_only_that_holders_address(feeds):
    committee, principal = feeds["users"]["committee"], feeds["users"]["principal"]
    make_feed(committee, venue=feeds["small"].pk)
    make_feed(principal, venue=feeds["small"].pk)
    old = CalendarFeed.objects.get(holder=committee).token
    make_feed(committee, venue=feeds["small"].pk, reset="1")
    assert Client().get(reverse("teaching:calendar_feed", args=[old])).status_code == 404
    assert CalendarFeed.objects.get(holder=committee).token != old
    assert titles(CalendarFeed.objects.get(holder=principal).token)


def test_a_members_own_feed_never_carries_another_organisations_classes(feeds):
    member = feeds["members"]["c1_1"][0]
    other = make_member(feeds["tree"]["C2-1"])
    c1 = Session.objects.get(title="支部的课").cohort
    Enrollment.objects.create(cohort=c1, member=member)
    Enrollment.objects.create(cohort=Session.objects.get(title="别的社区的课").cohort, member=other)
    assert titles(services.calendar_feed_for(member=member).token) == ["支部的课", "王老师的课"]
