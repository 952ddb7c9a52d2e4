"""Read paths of the school: its network, partners' real contributions, teachers and their terms."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from dangxiao.core import access
from dangxiao.people.models import Organization, User

from .models import Partner, School, Teacher, Venue

TERM_ALERT_DAYS = 30
# The school's figures count the sessions held at its venues, by its teachers and with its partners. Sessions
# are teaching's (teaching imports school, never the reverse): they are read here through the relations
# teaching's Session declares on the school's models (`venue.sessions`, `teacher.sessions`,
# `partner.sessions`), and a cancelled session, teaching.Session.Status.CANCELLED, is left out.
CANCELLED = "cancelled"


def school_for_organization(org: Organization) -> School | None:
    """The school of the nearest working committee at or above the organisation."""
    step = Organization.steplen
    prefixes = [org.path[:i] for i in range(step, len(org.path) + 1, step)]
    return School.objects.filter(organization__path__in=prefixes).order_by("-organization__depth").first()


def user_school(user: User) -> School | None:
    return access.filter_schools(user).select_related("organization").order_by("organization__depth").first()


@dataclass
class VenueActivity:
    venue: Venue
    sessions: int
    months: list[int]  # sessions per month, January first
    idle_months: list[int]  # 1-based months up to `through` with no session


def network(school: School, year: int, through_month: int) -> list[VenueActivity]:
    """Each venue's sessions this year by month, flagging months without activity (2 queries)."""
    venues = list(school.venues.filter(is_active=True).select_related("organization", "partner").order_by("tier", "name"))
    counts: dict[tuple[int, int], int] = {}
    rows = (
        Venue.objects.filter(school=school, sessions__starts_at__year=year)
        .annotate(month=ExtractMonth("sessions__starts_at"))
        .values_list("id", "month")
        .annotate(c=Count("sessions", filter=~Q(sessions__status=CANCELLED)))
        .values_list("id", "month", "c")
    )
    for venue_id, month, c in rows:
        counts[(venue_id, month)] = c
    result = []
    for v in venues:
        months = [counts.get((v.pk, m), 0) for m in range(1, 13)]
        result.append(VenueActivity(v, sum(months), months, [m for m in range(1, through_month + 1) if months[m - 1] == 0]))
    return result


def partner_list(user: User) -> QuerySet:
    return (
        access.filter_school_objects(user, "school.Partner")
        .annotate(
            venue_count=Count("venues", distinct=True),
            teacher_count=Count("teachers", distinct=True),
            session_count=Count("sessions", distinct=True),
            agreement_count=Count("agreements", distinct=True),
        )
        .order_by("kind", "name")
    )


def partner_contribution(partner: Partner) -> dict:
    return {
        "venues": list(partner.venues.all()),
        "teachers": list(partner.teachers.annotate(session_count=Count("sessions")).order_by("name")),
        "sessions": list(partner.sessions.select_related("cohort", "venue").order_by("-starts_at")[:50]),
        "session_count": partner.sessions.count(),
        "hosted_at_venues": partner.venues.aggregate(n=Count("sessions"))["n"],
    }


def teacher_sessions(teacher: Teacher, limit: int = 100) -> QuerySet:
    """The teacher's lectures, latest first."""
    return teacher.sessions.select_related("cohort", "venue").order_by("-starts_at")[:limit]


def teacher_list(user: User) -> QuerySet:
    return (
        access.filter_school_objects(user, "school.Teacher")
        .select_related("partner", "member__organization")
        .prefetch_related("topics")
        .annotate(
            session_count=Count("sessions", distinct=True), rating_avg=Avg("ratings__score"), rating_count=Count("ratings", distinct=True)
        )
        .order_by("name", "id")
    )


def expiring_teachers(school: School, today: date | None = None) -> QuerySet:
    """Appointments ending within the alert window, or already ended (聘期到期提醒), of teachers still in the pool."""
    today = today or timezone.localdate()
    return school.teachers.filter(
        is_active=True, appointed_until__isnull=False, appointed_until__lte=today + timedelta(days=TERM_ALERT_DAYS)
    ).order_by("appointed_until")


def member_lecturers(school: School, year: int) -> list[dict]:
    """党课我主讲: sessions given by members (secretaries and members) in their own organisations."""
    held = ~Q(sessions__status=CANCELLED)
    rows = (
        Teacher.objects.filter(sessions__cohort__school=school, sessions__starts_at__year=year, member__isnull=False)
        .values("id", "name", "source", "member__organization__name", "sessions__cohort__organization__name")
        .annotate(
            held=Count("sessions", filter=held),
            own=Count("sessions", filter=held & Q(sessions__cohort__organization_id=F("member__organization_id"))),
        )
        .filter(held__gt=0)
        .order_by("-held", "name")
    )
    labels = dict(Teacher.Source.choices)
    return [
        {
            "teacher_id": row["id"],
            "teacher__name": row["name"],
            "teacher__source": row["source"],
            "teacher__member__organization__name": row["member__organization__name"],
            "cohort__organization__name": row["sessions__cohort__organization__name"],
            "sessions": row["held"],
            "own": row["own"],
            "source_label": labels.get(row["source"], ""),
        }
        for row in rows
    ]
