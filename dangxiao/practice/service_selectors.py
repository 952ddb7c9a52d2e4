"""Read paths of volunteer service (志愿服务), and what it exposes to other apps.

`service_minutes(member_ids, year)` is a member's service for the year from three sources, each counted
once where it is recorded:
- approved hours of volunteer activities (ServiceParticipant, by the activity's start, Beijing time);
- home-delivery visits (attendance.VolunteerTime, one row per visit, by the visit's date);
- residents' matters resolved (liaison.Matter.resolved_by, one per matter while it stays resolved, by the
  day it was resolved), each counted as MATTER_MINUTES.
Nothing here writes another app's rows, so no source is counted twice.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.attendance import selectors as attendance_selectors
from dangxiao.core import access
from dangxiao.core.duties import Duty
from dangxiao.liaison import selectors as liaison_selectors
from dangxiao.people.models import Member

from .models import ServiceParticipant, VolunteerService

MATTER_MINUTES = 60  # a resolved residents' matter counts as one hour of service
Hours = ServiceParticipant.Hours
SIGNED_UP = ServiceParticipant.Status.SIGNED_UP


def _approved(member_ids, year: int) -> QuerySet:
    return ServiceParticipant.objects.filter(
        member_id__in=list(member_ids), status=SIGNED_UP, hours_status=Hours.APPROVED, service__starts_at__year=year
    )


def service_minutes(member_ids, year: int) -> dict[int, int]:
    """Minutes of service per member in `year`: approved activity hours, home visits, resolved matters
    (three queries whatever the number of members). Members without any are left out."""
    member_ids = list(member_ids)
    totals: dict[int, int] = {}
    for row in _approved(member_ids, year).values("member_id").annotate(m=Sum("minutes")):
        totals[row["member_id"]] = int(row["m"] or 0)
    for member_id, minutes in attendance_selectors.volunteer_minutes(member_ids, year).items():
        totals[member_id] = totals.get(member_id, 0) + minutes
    for member_id, count in liaison_selectors.resolved_matter_counts(member_ids, year).items():
        totals[member_id] = totals.get(member_id, 0) + count * MATTER_MINUTES
    return {k: v for k, v in totals.items() if v}


def queue(user) -> QuerySet:
    """Hours waiting for the user: pending ones and corrections asked, of the activities they manage."""
    return (
        access.filter_service_participants(user)
        .filter(status=SIGNED_UP, hours_status__in=ServiceParticipant.QUEUE)
        .select_related("service__organization", "member__organization")
        .order_by("service__starts_at", "service_id", "member__name", "pk")
    )


def duties(user, today: date) -> list[Duty]:
    """What the user owes on volunteer service now: hours to approve, corrections to decide (one query)."""
    if not access.scope_for(user).is_staff:
        return []
    counts = (
        queue(user)
        .order_by()
        .aggregate(
            pending=Count("pk", filter=Q(hours_status=Hours.PENDING)), corrections=Count("pk", filter=Q(hours_status=Hours.CORRECTION))
        )
    )
    url = reverse("practice:service_queue")
    found = []
    if counts["pending"]:
        found.append(Duty(_("%(n)s 人次志愿服务时长待审核") % {"n": counts["pending"]}, counts["pending"], url))
    if counts["corrections"]:
        found.append(
            Duty(_("%(n)s 条服务时长更正申请待处理") % {"n": counts["corrections"]}, counts["corrections"], url + "?kind=correction")
        )
    return found


# --- Activities ----------------------------------------------------------------------------------------


def _with_counts(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        signed=Count("participants", filter=Q(participants__status=SIGNED_UP)),
        came=Count("participants", filter=Q(participants__status=SIGNED_UP, participants__checked_in_at__isnull=False)),
    )


def managed_services(user, *, organization_id: int | None = None, since=None, until=None, kind: str = "") -> QuerySet:
    """The activities the user manages, newest first, with their sign-up and check-in counts."""
    qs = access.filter_services(user).select_related("organization", "venue")
    if organization_id:
        org = access.filter_organizations(user).filter(pk=organization_id).values_list("path", flat=True).first()
        qs = qs.filter(organization__path__startswith=org) if org else qs.none()
    if since:
        qs = qs.filter(starts_at__date__gte=since)
    if until:
        qs = qs.filter(starts_at__date__lte=until)
    if kind in VolunteerService.Kind.values:
        qs = qs.filter(kind=kind)
    return _with_counts(qs).order_by("-starts_at", "-pk")


def participants(service: VolunteerService) -> QuerySet:
    return service.participants.select_related("member__organization").order_by(
        "status", "member__organization__path", "member__name", "pk"
    )


@dataclass
class OpenService:
    service: VolunteerService
    my_status: str  # "", "signed_up", "withdrawn"
    checked_in: bool

    @property
    def seats_left(self) -> int | None:
        limit = self.service.signup_limit
        return None if limit is None else max(0, limit - self.service.signed)

    @property
    def full(self) -> bool:
        return self.seats_left == 0


def open_services(user, member: Member, *, now=None) -> QuerySet:
    """Activities offered to the member that have not ended and are not cancelled, soonest first, with
    the member's own part annotated (a fixed number of queries)."""
    now = now or timezone.now()

    mine = ServiceParticipant.objects.filter(service=OuterRef("pk"), member=member)
    return _with_counts(
        access.filter_joinable_services(user)
        .filter(cancelled_at__isnull=True, ends_at__gt=now)
        .select_related("organization", "venue")
        .annotate(my_status=Subquery(mine.values("status")[:1]), my_checked_in=Subquery(mine.values("checked_in_at")[:1]))
    ).order_by("starts_at", "pk")


def as_open(services) -> list[OpenService]:
    return [OpenService(s, s.my_status or "", s.my_checked_in is not None) for s in services]


def my_participations(member: Member) -> QuerySet:
    return (
        ServiceParticipant.objects.filter(member=member)
        .select_related("service__organization", "service__venue")
        .order_by("-service__starts_at", "-pk")
    )


# --- A member's service record -----------------------------------------------------------------------


def service_years(member: Member, this_year: int) -> list[int]:
    years = {this_year}
    years |= {d.year for d in ServiceParticipant.objects.filter(member=member, status=SIGNED_UP).dates("service__starts_at", "year")}
    years |= attendance_selectors.volunteer_years(member.pk)
    years |= liaison_selectors.resolved_matter_years(member.pk)
    return sorted(years, reverse=True)


def member_record(member: Member, year: int) -> dict:
    """A member's service in `year` by source, with the approved totals that `service_minutes` counts;
    hours still in the queue are listed but not counted."""
    activities = list(
        ServiceParticipant.objects.filter(member=member, status=SIGNED_UP, service__starts_at__year=year)
        .exclude(hours_status=Hours.NONE, checked_in_at__isnull=True, service__ends_at__gt=timezone.now())
        .select_related("service__organization")
        .order_by("-service__starts_at", "-pk")[:100]
    )
    visits = attendance_selectors.volunteer_times(member.pk, year)
    matters = liaison_selectors.resolved_matters(member.pk, year)
    approved = sum(p.minutes or 0 for p in activities if p.hours_status == Hours.APPROVED)
    visit_minutes = attendance_selectors.volunteer_minutes([member.pk], year).get(member.pk, 0)
    matter_count = liaison_selectors.resolved_matter_counts([member.pk], year).get(member.pk, 0)
    return {
        "activities": activities,
        "visits": visits,
        "matters": matters,
        "activity_minutes": approved,
        "pending_minutes": sum(p.minutes or 0 for p in activities if p.hours_status in ServiceParticipant.QUEUE),
        "visit_minutes": visit_minutes,
        "matter_count": matter_count,
        "matter_minutes": matter_count * MATTER_MINUTES,
        "total_minutes": approved + visit_minutes + matter_count * MATTER_MINUTES,
    }


def export_rows(user, year: int, organization_id: int | None = None) -> list[tuple[Member, dict]]:
    """Every member on the user's roster with service in `year`: (member, minutes by source), by organisation."""
    members = access.filter_roster(user, Member.objects.filter(left_on__isnull=True))
    if organization_id:
        path = access.filter_organizations(user).filter(pk=organization_id).values_list("path", flat=True).first()
        members = members.filter(organization__path__startswith=path) if path else members.none()
    ids = list(members.values_list("pk", flat=True))
    activity = {r["member_id"]: int(r["m"] or 0) for r in _approved(ids, year).values("member_id").annotate(m=Sum("minutes"))}
    visits = attendance_selectors.volunteer_minutes(ids, year)
    matters = liaison_selectors.resolved_matter_counts(ids, year)
    with_any = set(activity) | set(visits) | set(matters)
    rows = []
    for m in members.filter(pk__in=with_any).select_related("organization").order_by("organization__path", "name", "pk"):
        a, v, n = activity.get(m.pk, 0), visits.get(m.pk, 0), matters.get(m.pk, 0)
        rows.append(
            (m, {"activity": a, "visits": v, "matters": n, "matter_minutes": n * MATTER_MINUTES, "total": a + v + n * MATTER_MINUTES})
        )
    return rows
