"""Calendar feeds for apps that poll: ETag and Last-Modified, 304 on a matching If-None-Match or
If-Modified-Since, a new ETag whenever anything the feed shows changes, and a plain 404 for a bad token."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date
from icalendar import Calendar

from dangxiao.teaching import changes, services
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_cohort, make_member, make_school, make_teacher

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def feed(people):
    """A C1-1 member enrolled in a cohort with two evening sessions ahead, and the member's feed."""
    tree = people["tree"]
    school, main, small = make_school(tree)
    teacher = make_teacher(school)
    cohort = make_cohort(school, tree["C1-1"], name="第一支部冬训班")
    member = people["members"]["c1_1"][0]
    services.cohort_enroll(cohort, member)
    evening = timezone.now().astimezone(SHANGHAI).replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=2)
    sessions = [
        Session.objects.create(
            cohort=cohort, title=f"第{i + 1}讲", starts_at=at, ends_at=at + timedelta(hours=2), venue=small, teacher=teacher
        )
        for i, at in enumerate((evening, evening + timedelta(days=7)))
    ]
    url = reverse("teaching:calendar_feed", args=[services.calendar_feed_for(member=member).token])
    return {"url": url, "cohort": cohort, "member": member, "sessions": sessions, "main": main, "small": small, "school": school, **people}


def get(url, **headers):
    return Client().get(url, headers=headers)


def test_a_feed_answers_with_an_etag_and_last_modified(feed):
    response = get(feed["url"])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 34
    assert response["Last-Modified"].endswith(" GMT")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 2
    again = get(feed["url"])
    assert again["ETag"] == response["ETag"] and again["Last-Modified"] == response["Last-Modified"]
    assert again.content == response.content  # byte-identical while nothing changes: DTSTAMP is the change time
    stamp = Calendar.from_ical(response.content).walk("VEVENT")[0].decoded("dtstamp")
    assert http_date(stamp.timestamp()) == response["Last-Modified"]


def test_a_matching_if_none_match_is_a_304_with_no_body_and_the_same_validators(feed):
    first = get(feed["url"])
    response = get(feed["url"], if_none_match=first["ETag"])
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == first["ETag"] and response["Last-Modified"] == first["Last-Modified"]
    assert get(feed["url"], if_none_match='"something-else"').status_code == 200


def test_if_modified_since_is_a_304_until_the_feed_changes(feed):
    first = get(feed["url"])
    assert get(feed["url"], if_modified_since=first["Last-Modified"]).status_code == 304
    later = http_date((timezone.now() + timedelta(hours=1)).timestamp())
    assert get(feed["url"], if_modified_since=later).status_code == 304
    earlier = http_date((timezone.now() - timedelta(days=1)).timestamp())
    assert get(feed["url"], if_modified_since=earlier).status_code == 200


def _changes_etag(feed, change) -> None:
    before = get(feed["url"])
    change()
    after = get(feed["url"], if_none_match=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert get(feed["url"], if_none_match=after["ETag"]).status_code == 304


def test_an_edit_a_reschedule_and_a_cancellation_each_give_a_new_etag(feed):
    session, by = feed["sessions"][0], feed["users"]["secretary"]

    def edit(**fields):
        s = Session.objects.get(pk=session.pk)
        values = {
            "title": s.title,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "venue": s.venue,
            "teacher": s.teacher,
            "hours": s.hours,
        }
        changes.session_update(s, by=by, **{**values, **fields})

    _changes_etag(feed, lambda: edit(title="第一讲（改）"))
    _changes_etag(feed, lambda: edit(starts_at=session.starts_at + timedelta(hours=1), ends_at=session.ends_at + timedelta(hours=1)))
    _changes_etag(feed, lambda: edit(venue=feed["main"]))
    _changes_etag(feed, lambda: changes.session_cancel(Session.objects.get(pk=session.pk), by=by, reason="场地停电"))


def test_a_session_added_or_removed_and_an_enrolment_change_give_a_new_etag(feed):
    at = feed["sessions"][1].starts_at + timedelta(days=7)
    _changes_etag(
        feed, lambda: Session.objects.create(cohort=feed["cohort"], title="第三讲", starts_at=at, ends_at=at + timedelta(hours=2))
    )
    _changes_etag(feed, lambda: Session.objects.filter(title="第三讲").delete())
    other = make_cohort(feed["school"], feed["tree"]["C1-1"], name="第二期")
    Session.objects.create(cohort=other, title="二期第一讲", starts_at=at, ends_at=at + timedelta(hours=2))
    _changes_etag(feed, lambda: services.cohort_enroll(other, feed["member"]))
    _changes_etag(feed, lambda: services.cohort_unenroll(feed["cohort"], feed["member"]))


def test_the_last_modified_date_moves_forward_with_a_change(feed):
    first = get(feed["url"])
    feed_row = services.calendar_feed_for(member=feed["member"])
    type(feed_row).objects.filter(pk=feed_row.pk).update(changed_at=timezone.now() - timedelta(days=2))
    assert get(feed["url"])["Last-Modified"] != first["Last-Modified"]  # unchanged digest: the stored time stands
    Session.objects.filter(pk=feed["sessions"][1].pk).update(title="第二讲（改）")
    changed = get(feed["url"], if_modified_since=http_date((timezone.now() - timedelta(days=1)).timestamp()))
    assert changed.status_code == 200 and parse_http_date(changed["Last-Modified"]) >= timezone.now().timestamp() - 5


def test_an_unknown_or_revoked_token_is_a_short_plain_404(feed):
    response = get(reverse("teaching:calendar_feed", args=["no-such-token"]))
    assert response.status_code == 404 and response["Content-Type"].startswith("text/plain")
    assert b"<html" not in response.content.lower() and len(response.content) < 100
    feed_row = services.calendar_feed_for(member=feed["member"])
    services.calendar_feed_reset(feed_row)
    revoked = get(feed["url"])
    assert revoked.status_code == 404 and revoked["Content-Type"].startswith("text/plain")


def test_a_venue_feed_whose_holder_lost_the_venue_is_a_plain_404(feed):
    holder = feed["users"]["committee"]
    venue_feed = services.calendar_feed_for(venue=feed["small"], holder=holder)
    url = reverse("teaching:calendar_feed", args=[venue_feed.token])
    assert get(url).status_code == 200
    holder.roles.all().delete()
    response = get(url)
    assert response.status_code == 404 and response["Content-Type"].startswith("text/plain")


def test_a_feed_holds_its_query_budget_whatever_its_size(feed, django_assert_max_num_queries):
    get(feed["url"])  # the first read stores the digest
    for i in range(30):
        other = make_member(feed["tree"]["C1-1"])
        Enrollment.objects.create(cohort=feed["cohort"], member=other)
        at = feed["sessions"][1].starts_at + timedelta(days=i + 1)
        Session.objects.create(cohort=feed["cohort"], title=f"加课{i}", starts_at=at, ends_at=at + timedelta(hours=1))
    first = get(feed["url"])  # the change is noted once, with one UPDATE
    with django_assert_max_num_queries(2):
        assert get(feed["url"]).status_code == 200
    with django_assert_max_num_queries(2):
        assert get(feed["url"], if_none_match=first["ETag"]).status_code == 304
