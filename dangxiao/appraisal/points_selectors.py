"""Reads of the points log: totals for other domains (民主评议, 评优评先), a member's log line by line,
and an organisation's members ranked."""

from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from dangxiao.core import access
from dangxiao.people.models import Member, Organization

from .models import PointsEntry

SORTS = {
    "total": ("-total", "name", "id"),
    "-total": ("total", "name", "id"),
    "month": ("-month", "name", "id"),
    "name": ("name", "id"),
    "organization": ("organization__path", "name", "id"),
}


def points_totals(member_ids, year: int) -> dict[int, int]:
    """member id → the year's points (members without any line are 0). One query."""
    ids = list(member_ids)
    totals = dict.fromkeys(ids, 0)
    rows = PointsEntry.objects.filter(member_id__in=ids, year=year).values_list("member_id").annotate(total=Sum("points"))
    totals.update(dict(rows))
    return totals


def member_log(member_id: int, year: int) -> QuerySet:
    """The member's lines for the year, newest first (page it)."""
    return PointsEntry.objects.filter(member_id=member_id, year=year).order_by("-date", "-id")


def member_summary(member_id: int, year: int, today: date) -> dict:
    """Total, this month's points, lines and capped lines of the year (one query)."""
    month = Q(date__year=today.year, date__month=today.month)
    row = PointsEntry.objects.filter(member_id=member_id, year=year).aggregate(
        total=Coalesce(Sum("points"), 0),
        month=Coalesce(Sum("points", filter=month), 0),
        lines=Count("id"),
        capped=Count("id", filter=~Q(capped="")),
    )
    return row


def _sum(year: int, extra: Q | None = None):
    qs = PointsEntry.objects.filter(member_id=OuterRef("pk"), year=year)
    if extra is not None:
        qs = qs.filter(extra)
    return Coalesce(
        Subquery(qs.order_by().values("member_id").annotate(s=Sum("points")).values("s"), output_field=IntegerField()), Value(0)
    )


def organization_ranking(user, root: Organization, year: int, today: date, *, sort: str = "total", q: str = "") -> QuerySet:
    """Current members of `root`'s subtree that `user` manages, with the year's total and this month's
    points, ranked (page it). Out-of-scope members are not there."""
    members = access.filter_roster(user, Member.objects.current().filter(organization__path__startswith=root.path))
    if q:
        members = members.filter(name__icontains=q[:50])
    month = Q(date__year=today.year, date__month=today.month) if today.year == year else Q(pk__in=[])
    return (
        members.select_related("organization")
        .annotate(total=_sum(year), month=_sum(year, month))
        .order_by(*SORTS.get(sort, SORTS["total"]))
    )
