"""Where points come from: one adapter per kind of source record.

Each adapter answers two questions, both in bulk (no query per member):
- `candidates(member_ids, year, now)`: the points events its records imply for these members (None: all)
  in that year — one `Candidate` per (record, action);
- `changes(since, now)`: records written at or after `since`, as (member_id or None, year, source_id,
  stamp), so the periodic job reconciles only the member-years touched. The stamp is a column the
  writer sets on every write, in wall-clock time (the check-in fast path writes `marked_at` in its raw
  SQL too); deletions and moves without a stamp are caught by the daily full pass.

`SOURCES` is the list the engine reads. An app added later plugs in by appending an adapter (see
`register`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.attendance.models import Attendance, VolunteerTime
from dangxiao.liaison.models import FIXED_STATES, Matter
from dangxiao.online.models import QuizAttempt
from dangxiao.practice.models import OrganizationalMeeting, Reflection, ServiceParticipant
from dangxiao.teaching.models import Session

from .models import PointsAction


@dataclass(frozen=True)
class Candidate:
    member_id: int
    date: date
    action: str
    source_kind: str
    source_id: int
    line: str
    quantity: int = 1  # units of the rule (hours for volunteer time); base points = rule points × quantity


def year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(date(year, 1, 1), time.min, tz), datetime.combine(date(year + 1, 1, 1), time.min, tz)


def local_date(moment: datetime, tz=None) -> date:
    return moment.astimezone(tz or timezone.get_current_timezone()).date()


def _members(qs, member_ids, field: str = "member_id"):
    return qs if member_ids is None else qs.filter(**{f"{field}__in": list(member_ids)})


class AttendanceSource:
    """Attendance marks of held sessions: present → attending, late or left early → late, absent (without
    leave) → absent; excused earns nothing. A corrected mark corrects its line."""

    kind = "attendance"
    ACTIONS = {
        Attendance.Status.PRESENT: PointsAction.ATTEND,
        Attendance.Status.LATE: PointsAction.LATE,
        Attendance.Status.LEFT_EARLY: PointsAction.LATE,
        Attendance.Status.ABSENT: PointsAction.ABSENT,
    }

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        start, end = year_bounds(year)
        rows = _members(
            Attendance.objects.filter(session__starts_at__gte=start, session__starts_at__lt=end, status__in=list(self.ACTIONS)).exclude(
                session__status=Session.Status.CANCELLED
            ),
            member_ids,
        ).values_list("id", "member_id", "status", "session__starts_at", "session__title")
        # Translated once per call, not per row: 25,000 marks a year would spend seconds in gettext.
        template, tz = _("%(status)s：%(title)s"), timezone.get_current_timezone()
        labels = {value: str(label) for value, label in Attendance.Status.choices}
        for pk, member_id, status, starts_at, title in rows.iterator(chunk_size=5000):
            line = template % {"status": labels[status], "title": title}
            yield Candidate(member_id, local_date(starts_at, tz), self.ACTIONS[status], self.kind, pk, line[:200])

    def changes(self, since: datetime, now: datetime):
        rows = Attendance.objects.filter(marked_at__gte=since).values_list("member_id", "session__starts_at", "id", "marked_at")
        return [(m, local_date(s).year, pk, stamp) for m, s, pk, stamp in rows]


class ReflectionSource:
    """Reflections approved by the secretary, on the day of approval; a withdrawn approval removes it."""

    kind = "reflection"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        rows = _members(Reflection.objects.filter(status=Reflection.Status.APPROVED, approved_on__year=year), member_ids).values_list(
            "id", "member_id", "approved_on", "title"
        )
        for pk, member_id, day, title in rows:
            yield Candidate(
                member_id, day, PointsAction.REFLECTION, self.kind, pk, (_("学习心得通过审核：%(title)s") % {"title": title})[:200]
            )

    def changes(self, since: datetime, now: datetime):
        rows = Reflection.objects.filter(updated_at__gte=since).values_list("member_id", "approved_on", "submitted_at", "id", "updated_at")
        return [(m, (approved or local_date(submitted)).year, pk, stamp) for m, approved, submitted, pk, stamp in rows]


class MatterSource:
    """Residents' matters resolved (and still fixed), for the member who resolved them."""

    kind = "matter"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        start, end = year_bounds(year)
        rows = _members(
            Matter.objects.filter(resolved_by__isnull=False, state__in=FIXED_STATES, resolved_at__gte=start, resolved_at__lt=end),
            member_ids,
            "resolved_by_id",
        ).values_list("id", "resolved_by_id", "resolved_at", "category__name")
        for pk, member_id, resolved_at, category in rows:
            line = _("办结关键小事 #%(id)s（%(category)s）") % {"id": pk, "category": category}
            yield Candidate(member_id, local_date(resolved_at), PointsAction.MATTER, self.kind, pk, line[:200])

    def changes(self, since: datetime, now: datetime):
        rows = Matter.objects.filter(updated_at__gte=since).values_list("resolved_by_id", "resolved_at", "created_at", "id", "updated_at")
        return [(m, local_date(resolved or created).year, pk, stamp) for m, resolved, created, pk, stamp in rows]


class QuizSource:
    """A quiz passed, once per member and quiz: the first passing attempt counts, on its day."""

    kind = "quiz"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        start, end = year_bounds(year)
        rows = (
            _members(QuizAttempt.objects.filter(passed=True, created_at__lt=end), member_ids)
            .order_by("member_id", "quiz_id", "created_at", "id")
            .values_list("id", "member_id", "quiz_id", "created_at", "quiz__lesson__title")
        )
        seen = set()
        for pk, member_id, quiz_id, created_at, title in rows:
            if (member_id, quiz_id) in seen:
                continue
            seen.add((member_id, quiz_id))
            if created_at >= start:
                yield Candidate(
                    member_id, local_date(created_at), PointsAction.QUIZ, self.kind, pk, (_("测验合格：%(title)s") % {"title": title})[:200]
                )

    def changes(self, since: datetime, now: datetime):
        rows = QuizAttempt.objects.filter(created_at__gte=since, passed=True).values_list("member_id", "created_at", "id", "created_at")
        return [(m, local_date(c).year, pk, stamp) for m, c, pk, stamp in rows]


class LectureSource:
    """党课我主讲: a session a member taught (as a teacher of the pool linked to their member record),
    once it has ended and was not cancelled."""

    kind = "lecture"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        start, end = year_bounds(year)
        rows = _members(
            Session.objects.filter(starts_at__gte=start, starts_at__lt=end, ends_at__lte=now, teacher__member__isnull=False).exclude(
                status=Session.Status.CANCELLED
            ),
            member_ids,
            "teacher__member_id",
        ).values_list("id", "teacher__member_id", "starts_at", "title")
        for pk, member_id, starts_at, title in rows:
            yield Candidate(
                member_id, local_date(starts_at), PointsAction.LECTURE, self.kind, pk, (_("主讲：%(title)s") % {"title": title})[:200]
            )

    def changes(self, since: datetime, now: datetime):
        # A session becomes a lecture given when it ends: the stamp is its end (sessions carry no write stamp;
        # a teacher changed afterwards is caught by the daily full pass).
        rows = Session.objects.filter(Q(ends_at__gte=since, ends_at__lte=now), teacher__member__isnull=False).values_list(
            "teacher__member_id", "starts_at", "id", "ends_at"
        )
        return [(m, local_date(s).year, pk, stamp) for m, s, pk, stamp in rows]


def _hours(minutes: int) -> int:
    """Whole hours of volunteer time, half an hour and over counting as one."""
    return (minutes + 30) // 60


class ServiceSource:
    """Volunteer service (志愿服务): a participation's approved minutes, in hours, on the activity's day.
    Hours sent back to the queue (adjusted, a correction asked) leave the log until approved again."""

    kind = "service"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        start, end = year_bounds(year)
        rows = _members(
            ServiceParticipant.objects.filter(
                hours_status=ServiceParticipant.Hours.APPROVED,
                minutes__gte=30,
                service__starts_at__gte=start,
                service__starts_at__lt=end,
            ),
            member_ids,
        ).values_list("id", "member_id", "minutes", "service__starts_at", "service__title")
        tz = timezone.get_current_timezone()
        for pk, member_id, minutes, starts_at, title in rows:
            line = _("志愿服务 %(minutes)s 分钟：%(title)s") % {"minutes": minutes, "title": title}
            yield Candidate(member_id, local_date(starts_at, tz), PointsAction.VOLUNTEER_HOUR, self.kind, pk, line[:200], _hours(minutes))

    def changes(self, since: datetime, now: datetime):
        rows = ServiceParticipant.objects.filter(Q(approved_at__gte=since) | Q(correction_asked_at__gte=since)).values_list(
            "member_id", "service__starts_at", "id", "approved_at", "correction_asked_at"
        )
        return [(m, local_date(s).year, pk, max(t for t in (a, c) if t)) for m, s, pk, a, c in rows]


class HomeVisitSource:
    """Volunteer time of 送学上门 visits (attendance.VolunteerTime), in hours, on the visit's day. Visits are
    written once and carry no write stamp: a new one is picked up by the daily full pass."""

    kind = "home_visit"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        rows = _members(VolunteerTime.objects.filter(date__year=year, minutes__gte=30), member_ids).values_list(
            "id", "member_id", "minutes", "date", "note"
        )
        for pk, member_id, minutes, day, note in rows:
            line = _("送学上门 %(minutes)s 分钟") % {"minutes": minutes} + (f"：{note}" if note else "")
            yield Candidate(member_id, day, PointsAction.VOLUNTEER_HOUR, self.kind, pk, line[:200], _hours(minutes))

    def changes(self, since: datetime, now: datetime):
        return []


class MeetingLectureSource:
    """党课我主讲 in 三会一课: a branch 党课 a member lectured (practice.OrganizationalMeeting), on its day;
    a retired record takes its points back."""

    kind = "meeting_lecture"

    def candidates(self, member_ids, year: int, now: datetime) -> Iterable[Candidate]:
        rows = _members(
            OrganizationalMeeting.objects.filter(
                kind=OrganizationalMeeting.Kind.LESSON,
                lecturer_member__isnull=False,
                retired_at__isnull=True,
                held_on__year=year,
                held_on__lte=local_date(now),
            ),
            member_ids,
            "lecturer_member_id",
        ).values_list("id", "lecturer_member_id", "held_on", "topic")
        for pk, member_id, day, topic in rows:
            yield Candidate(
                member_id, day, PointsAction.LECTURE, self.kind, pk, (_("主讲：%(title)s") % {"title": topic or _("党课")})[:200]
            )

    def changes(self, since: datetime, now: datetime):
        rows = OrganizationalMeeting.objects.filter(
            Q(created_at__gte=since) | Q(retired_at__gte=since), kind=OrganizationalMeeting.Kind.LESSON, lecturer_member__isnull=False
        ).values_list("lecturer_member_id", "held_on", "id", "created_at", "retired_at")
        return [(m, day.year, pk, max(t for t in (c, r) if t)) for m, day, pk, c, r in rows]


SOURCES: list = [
    AttendanceSource(),
    ReflectionSource(),
    MatterSource(),
    QuizSource(),
    LectureSource(),
    ServiceSource(),
    HomeVisitSource(),
    MeetingLectureSource(),
]


def register(source) -> None:
    """Add an adapter (an object with `kind`, `candidates` and `changes` as above); its `kind` must be new."""
    if any(s.kind == source.kind for s in SOURCES):
        raise ValueError(f"points source {source.kind!r} is already registered")
    SOURCES.append(source)
