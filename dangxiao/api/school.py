"""The school's network: venues (1+5+N) and partners (the teacher pool and topics: `api.teachers`).

Venues are shown to anyone signed in to the school; partners and teachers only to its staff.
Everything is loaded through `access.filter_school_objects` / `get_school_object_or_404`.
"""

from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from dangxiao.core import access
from dangxiao.school.models import Partner, PartnerAgreement, Teacher, Venue
from dangxiao.teaching.models import Session

from .params import MAX_PAGE_SIZE, PageNumber, PageSize

router = Router(tags=["school"])


# --- Shared by the API modules of the school and its teaching ----------------------------------


class Ref(Schema):
    id: int
    name: str


class PageQuery(Schema):
    page: PageNumber = 1
    page_size: PageSize = 50


def ref(obj, attr: str = "name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, attr)} if obj is not None else None


def paginate(qs: QuerySet, query: PageQuery, item) -> dict:
    """`{"count", "page", "page_size", "items"}` with the total count, as the members list does."""
    page_size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    page = max(1, query.page)
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [item(obj) for obj in qs[(page - 1) * page_size : page * page_size]],
    }


def require_staff(request) -> None:
    """Partners and the teacher pool are staff matters; anyone else is told they do not exist."""
    access.require(access.scope_for(request.user).is_staff)


def _count(qs: QuerySet, fk: str) -> Coalesce:
    # A correlated subquery per count, so that several counts don't multiply each other's joins.
    counted = qs.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- Venues ------------------------------------------------------------------------------------


class VenueOut(Schema):
    id: int
    name: str
    tier: str
    tier_label: str
    kind: str
    kind_label: str
    address: str
    latitude: float | None
    longitude: float | None
    capacity: int
    facilities: str
    opening_hours: str
    organization: Ref
    partner: Ref | None
    is_active: bool
    retired_on: date | None


class VenuePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VenueOut]


class VenueQuery(PageQuery):
    tier: Venue.Tier | None = None
    retired: bool = Field(False, description="true: the retired venues instead of those in use")


def _venue(v: Venue) -> dict:
    return {
        "id": v.pk,
        "name": v.name,
        "tier": v.tier,
        "tier_label": v.get_tier_display(),
        "kind": v.kind,
        "kind_label": v.get_kind_display(),
        "address": v.address,
        "latitude": float(v.latitude) if v.latitude is not None else None,
        "longitude": float(v.longitude) if v.longitude is not None else None,
        "capacity": v.capacity,
        "facilities": v.facilities,
        "opening_hours": v.opening_hours,
        "organization": ref(v.organization),
        "partner": ref(v.partner),
        "is_active": v.is_active,
        "retired_on": v.retired_on,
    }


def _venues(request) -> QuerySet:
    return access.filter_school_objects(request.user, "school.Venue", Venue.objects.select_related("organization", "partner"))


@router.get("/venues", response=VenuePage, summary="Venues (阵地) of the caller's schools, optionally of one tier")
def venue_list(request, query: Query[VenueQuery]):
    qs = _venues(request).filter(is_active=not query.retired).order_by("tier", "name", "id")
    if query.tier:
        qs = qs.filter(tier=query.tier)
    return paginate(qs, query, _venue)


@router.get("/venues/{venue_id}", response=VenueOut, summary="One venue")
def venue_detail(request, venue_id: int):
    return _venue(access.get_school_object_or_404(request.user, "school.Venue", venue_id, _venues(request)))


# --- Partners ----------------------------------------------------------------------------------

# The partner's overall status is that of its most current agreement.
_STATUS_ORDER = ("active", "pending", "expired", "terminated")


class AgreementOut(Schema):
    id: int
    title: str
    scopes: list[str]
    signed_on: date
    starts_on: date
    ends_on: date
    status: str
    status_label: str


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    contact_name: str
    description: str
    retired_on: date | None
    status: str
    status_label: str
    scopes: list[str]
    agreements: list[AgreementOut]
    venues_lent: int
    teachers_provided: int
    sessions_cohosted: int


class PartnerPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PartnerOut]


class PartnerQuery(PageQuery):
    kind: Partner.Kind | None = None
    retired: bool = Field(False, description="true: the retired partners instead of those current")


def _partner(p: Partner) -> dict:
    today = timezone.localdate()
    agreements = [(a, a.status_on(today)) for a in p.agreements.all()]
    statuses = {s for _a, s in agreements}
    status = next((s for s in _STATUS_ORDER if s in statuses), "none")
    active_scopes = [a.scopes for a, s in agreements if s == "active"]
    scopes = [label for label in ("阵地共建", "人才共育", "活动共联") if any(label in these for these in active_scopes)]
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "contact_name": p.contact_name,
        "description": p.description,
        "retired_on": p.retired_on,
        "status": status,
        "status_label": PartnerAgreement.STATUS_LABELS.get(status, _("无协议")),
        "scopes": scopes,
        "agreements": [
            {
                "id": a.pk,
                "title": a.title,
                "scopes": a.scopes,
                "signed_on": a.signed_on,
                "starts_on": a.starts_on,
                "ends_on": a.ends_on,
                "status": s,
                "status_label": PartnerAgreement.STATUS_LABELS[s],
            }
            for a, s in agreements
        ],
        "venues_lent": p.venues_lent,
        "teachers_provided": p.teachers_provided,
        "sessions_cohosted": p.sessions_cohosted,
    }


def _partners(request) -> QuerySet:
    require_staff(request)
    qs = Partner.objects.prefetch_related(Prefetch("agreements", PartnerAgreement.objects.order_by("-starts_on", "id"))).annotate(
        venues_lent=_count(Venue.objects.all(), "partner"),
        teachers_provided=_count(Teacher.objects.all(), "partner"),
        sessions_cohosted=_count(Session.objects.exclude(status=Session.Status.CANCELLED), "co_host"),
    )
    return access.filter_school_objects(request.user, "school.Partner", qs)


@router.get("/partners", response=PartnerPage, summary="Partner units (共建单位) with agreements and contributions (staff)")
def partner_list(request, query: Query[PartnerQuery]):
    qs = _partners(request).filter(retired_on__isnull=not query.retired).order_by("name", "id")
    if query.kind:
        qs = qs.filter(kind=query.kind)
    return paginate(qs, query, _partner)


@router.get("/partners/{partner_id}", response=PartnerOut, summary="One partner unit (staff)")
def partner_detail(request, partner_id: int):
    return _partner(access.get_school_object_or_404(request.user, "school.Partner", partner_id, _partners(request)))
