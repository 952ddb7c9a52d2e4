"""iCalendar (RFC 5545) documents for the private feeds, readable by standard calendar software."""

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneStandard

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The feeds render with this DTSTAMP first, so that the digest of the document (its ETag) depends on what
# it carries only; `restamp` then puts the time the feed last changed in its place.
STABLE_STAMP = datetime(1970, 1, 1, tzinfo=UTC)
_STABLE_LINE = b"DTSTAMP:19700101T000000Z"


def _vtimezone() -> Timezone:
    tz = Timezone()
    tz.add("tzid", "Asia/Shanghai")
    standard = TimezoneStandard()
    standard.add("dtstart", timezone.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(hours=8))
    standard.add("tzoffsetto", timedelta(hours=8))
    standard.add("tzname", "CST")
    tz.add_component(standard)
    return tz


def build(name: str, sessions, site_url: str, stamp: datetime | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Dangxiao//党校管理平台//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    cal.add_component(_vtimezone())
    now = stamp or timezone.now()
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s.pk}@dangxiao")
        event.add("dtstamp", now)
        event.add("dtstart", s.starts_at.astimezone(SHANGHAI))
        event.add("dtend", s.ends_at.astimezone(SHANGHAI))
        event.add("summary", f"{s.title}（{s.cohort.name}）")
        if s.venue:
            event.add("location", f"{s.venue.name} {s.venue.address}".strip())
        details = [f"班次：{s.cohort.name}", f"学时：{s.hours}"]
        if s.teacher:
            details.append(f"讲师：{s.teacher.name}")
        if s.status == "cancelled" and s.cancel_reason:
            details.insert(0, f"已取消：{s.cancel_reason}")
        event.add("description", "\n".join(details))
        event.add("url", site_url)
        # Clients replace an event they hold when its SEQUENCE grows (a reschedule, a cancellation).
        event.add("sequence", s.sequence)
        if s.status == "cancelled":
            event.add("status", "CANCELLED")
        cal.add_component(event)
    return cal.to_ical()


def restamp(document: bytes, stamp: datetime) -> bytes:
    """`document`, built with STABLE_STAMP, with `stamp` as every event's DTSTAMP."""
    return document.replace(_STABLE_LINE, b"DTSTAMP:" + stamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ").encode())


def digest(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()[:32]
