"""What a member may enrol in themselves: the cohorts open to them, nearest venue first (就近就便).

A cohort is open to a member when its self-enrolment is open, it is not archived, it is run by the
member's organisation or one above it (`access.filter_open_cohorts`) and the member matches its target
rule. Its venue is its default venue, else the venue of its next session. A fixed number of queries
whatever the number of cohorts.
"""

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone

from dangxiao.core import access
from dangxiao.liaison.geo import distance_km
from dangxiao.liaison.selectors import compound_coordinates
from dangxiao.people.models import Member, User
from dangxiao.school.models import Venue

from .models import Cohort, Enrollment, Session
from .rules import TargetRule

LIMIT = 200  # cohorts open at once to one member; more than a phone list can show anyway


@dataclass
class OpenCohort:
    cohort: Cohort
    venue: Venue | None
    km: float | None
    seats_left: int | None  # None: no limit
    my_status: str  # "", "enrolled" or "waitlisted"
    next_start: object

    @property
    def full(self) -> bool:
        return self.seats_left is not None and self.seats_left <= 0


def open_cohorts(user: User, member: Member) -> list[OpenCohort]:
    now = timezone.now()
    upcoming = Session.objects.filter(cohort=OuterRef("pk"), starts_at__gt=now).exclude(status=Session.Status.CANCELLED)
    mine = Enrollment.objects.filter(cohort=OuterRef("pk"), member=member).exclude(status=Enrollment.Status.REMOVED)
    cohorts = list(
        access.filter_open_cohorts(user)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
        .select_related("organization")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED), distinct=True),
            next_venue_id=Subquery(upcoming.order_by("starts_at").values("venue_id")[:1]),
            next_start=Subquery(upcoming.order_by("starts_at").values("starts_at")[:1]),
            my_status=Subquery(mine.values("status")[:1]),
        )
        .order_by("starts_on", "pk")[:LIMIT]
    )
    eligible = _eligible(member, cohorts)
    cohorts = [c for c in cohorts if c.pk in eligible]
    venue_ids = {c.default_venue_id or c.next_venue_id for c in cohorts} - {None}
    venues = Venue.objects.in_bulk(venue_ids)
    home = compound_coordinates([member.home_compound]).get(member.home_compound) if member.home_compound else None
    rows = []
    for c in cohorts:
        venue = venues.get(c.default_venue_id or c.next_venue_id)
        km = distance_km(*home, venue.latitude, venue.longitude) if home and venue and venue.latitude is not None else None
        seats = None if c.seat_limit is None else c.seat_limit - c.enrolled
        rows.append(OpenCohort(c, venue, km, seats, c.my_status or "", c.next_start))
    rows.sort(key=lambda r: (r.km is None, r.km or 0, r.cohort.starts_on or timezone.localdate(), r.cohort.pk))
    return rows


def _eligible(member: Member, cohorts: list[Cohort]) -> set[int]:
    """Which of the cohorts' target rules the member matches, in one query."""
    found, checks = set(), {}
    for c in cohorts:
        q = TargetRule.from_json(c.target_rule).q()
        if not q:
            found.add(c.pk)
        else:
            checks[f"c{c.pk}"] = ExpressionWrapper(q, output_field=BooleanField())
    if checks:
        row = Member.objects.filter(pk=member.pk).annotate(**checks).values(*checks).first() or {}
        found |= {int(k[1:]) for k, v in row.items() if v}
    return found
