"""Writing the school and its network through the API: the school's record, the yearly plan (write,
submit, return, approve; read with its targets against the year's records), venues, partners and their
agreements (create, edit, retire; renew and end an agreement).

Scoped like the pages (`dangxiao.school.network_views`): the school, its plans, partners and agreements
are its board's to change and its staff's to read; a venue is changed by the board or by the staff over
the organisation running it. Anything out of scope is 404. Input the services refuse is 422 with
`{detail, errors: [{field, message}]}`, as a body that does not validate.

These endpoints sit on the school router: django-ninja makes one URL pattern per path and router, so a
PATCH of /venues/{venue_id} must live on the router that has its GET.
"""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from dangxiao.attendance.plan_figures import plan_actuals
from dangxiao.core import access
from dangxiao.people.models import Role
from dangxiao.school import network_services as services
from dangxiao.school import plan_services
from dangxiao.school.models import Partner, PartnerAgreement, School, TrainingPlan, Venue
from dangxiao.school.selectors import user_school
from dangxiao.school.services import SchoolError, plan_approve

from .params import Id, SaneDate
from .school import PageQuery, PartnerOut, Ref, VenueOut, _partner, _partners, _venue, _venues, paginate, ref
from .school import router as router

# --- Shared ------------------------------------------------------------------------------------


class FieldError(Schema):
    field: str | None
    message: str


class Invalid(Schema):
    detail: str
    errors: list[FieldError]


class Detail(Schema):
    detail: str


# The services name a venue's organisation and partner; the API's bodies name their ids.
API_NAMES = {"organization": "organization_id", "partner": "partner_id"}


def _refused(exc: Exception) -> Status:
    """422 naming the field as a body that does not validate names it (`body.<field>`)."""
    message, field = str(exc), getattr(exc, "field", None)
    return Status(
        422, {"detail": message, "errors": [{"field": f"body.{API_NAMES.get(field, field)}" if field else None, "message": message}]}
    )


def _fields(body: Schema, renames: dict[str, str] | None = None) -> dict:
    """The fields the caller sent (a PATCH changes only those), under the services' names."""
    sent = body.model_dump(exclude_unset=True)
    return {(renames or {}).get(k, k): v for k, v in sent.items()}


def _school(request) -> School:
    access.require(access.scope_for(request.user).is_staff)
    school = user_school(request.user)
    if school is None:
        raise Http404(_("尚未设立党校"))
    return school


def _board_school(request) -> School:
    school = _school(request)
    access.require(access.can_manage_school(request.user, school))
    return school


NOT_FOUND = {404: Detail}


# --- The school --------------------------------------------------------------------------------


class BoardSeat(Schema):
    kind: str
    kind_label: str
    name: str


class SchoolOut(Schema):
    id: int
    name: str
    brand: str
    address: str
    organization: Ref
    board: list[BoardSeat]


class SchoolPatch(Schema):
    name: str | None = Field(None, max_length=100)
    brand: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)


def _school_out(school: School) -> dict:
    board = Role.objects.filter(organization=school.organization, kind__in=Role.BOARD_KINDS).select_related("user").order_by("kind")
    return {
        "id": school.pk,
        "name": school.name,
        "brand": school.brand,
        "address": school.address,
        "organization": ref(school.organization),
        "board": [{"kind": r.kind, "kind_label": r.get_kind_display(), "name": r.user.first_name or r.user.username} for r in board],
    }


@router.get("/school", response={200: SchoolOut, **NOT_FOUND}, summary="The caller's school with its board (staff)")
def school_detail(request):
    return _school_out(_school(request))


@router.patch("/school", response={200: SchoolOut, 422: Invalid, **NOT_FOUND}, summary="Edit the school's name, brand, address (board)")
def school_update(request, body: SchoolPatch):
    school = _board_school(request)
    try:
        services.school_update(request, school, **_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return _school_out(school)


# --- The yearly plan ---------------------------------------------------------------------------


class PlanActualOut(Schema):
    person_times: int = Field(description="培训人次：本年已举行课次的出勤记录数（出席、迟到、早退）")
    study_hours: float = Field(description="本年学时台账中本校党员所得学时合计")
    hours_per_member: float = Field(description="人均学时（合计 ÷ 在册党员数）")
    members: int
    credited_members: int
    planned_courses: int
    planned_courses_run: int
    courses_run: int
    planned_cohorts: int
    planned_cohorts_run: int
    cohorts_run: int


class PlanOut(Schema):
    id: int
    year: int
    title: str
    goals: str
    status: str
    status_label: str
    target_person_times: int
    target_study_hours: float
    submitted_at: datetime | None
    approved_at: datetime | None
    approved_by: str | None
    review_note: str
    actual: PlanActualOut | None = Field(None, description="只在单个计划中给出")


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PlanOut]


class PlanIn(Schema):
    year: int = Field(ge=2000, le=2100)
    title: str = Field(max_length=100)
    goals: str = Field("", max_length=5000)
    target_person_times: int = Field(0, ge=0, le=plan_services.MAX_PERSON_TIMES)
    target_study_hours: Decimal = Field(Decimal("0"), ge=0, le=plan_services.MAX_HOURS, decimal_places=1)


class PlanPatch(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    title: str | None = Field(None, max_length=100)
    goals: str | None = Field(None, max_length=5000)
    target_person_times: int | None = Field(None, ge=0, le=plan_services.MAX_PERSON_TIMES)
    target_study_hours: Decimal | None = Field(None, ge=0, le=plan_services.MAX_HOURS, decimal_places=1)


class ReturnIn(Schema):
    note: str = Field(max_length=300, description="退回意见")


def _plan_out(plan: TrainingPlan, with_actual: bool = False) -> dict:
    out = {
        "id": plan.pk,
        "year": plan.year,
        "title": plan.title,
        "goals": plan.goals,
        "status": plan.status,
        "status_label": plan.get_status_display(),
        "target_person_times": plan.target_person_times,
        "target_study_hours": float(plan.target_study_hours),
        "submitted_at": timezone.localtime(plan.submitted_at) if plan.submitted_at else None,
        "approved_at": timezone.localtime(plan.approved_at) if plan.approved_at else None,
        "approved_by": (plan.approved_by.first_name or plan.approved_by.username) if plan.approved_by else None,
        "review_note": plan.review_note,
        "actual": None,
    }
    if with_actual:
        a = plan_actuals(plan)
        out["actual"] = {
            "person_times": a.person_times,
            "study_hours": float(a.study_hours),
            "hours_per_member": float(a.hours_per_member),
            "members": a.members,
            "credited_members": a.credited_members,
            "planned_courses": a.planned_courses,
            "planned_courses_run": a.planned_courses_run,
            "courses_run": a.courses_run,
            "planned_cohorts": a.planned_cohorts,
            "planned_cohorts_run": a.planned_cohorts_run,
            "cohorts_run": a.cohorts_run,
        }
    return out


def _plans(request):
    access.require(access.scope_for(request.user).is_staff)
    return access.filter_school_objects(request.user, "school.TrainingPlan", TrainingPlan.objects.select_related("approved_by"))


def _plan(request, plan_id: int, *, manage: bool = False) -> TrainingPlan:
    plan = access.get_school_object_or_404(request.user, "school.TrainingPlan", plan_id, _plans(request).select_related("school"))
    if manage:
        access.require(access.can_manage_school(request.user, plan.school))
    return plan


@router.get("/plans", response=PlanPage, summary="The yearly training plans of the caller's schools (staff)")
def plan_list(request, query: Query[PageQuery]):
    return paginate(_plans(request).order_by("-year", "id"), query, _plan_out)


@router.get("/plans/{plan_id}", response={200: PlanOut, **NOT_FOUND}, summary="One plan, with each target's actual figure (staff)")
def plan_detail(request, plan_id: Id):
    return _plan_out(_plan(request, plan_id), with_actual=True)


@router.post("/plans", response={201: PlanOut, 422: Invalid, **NOT_FOUND}, summary="Write a draft plan for a year (board)")
def plan_create(request, body: PlanIn):
    school = _board_school(request)
    try:
        plan = plan_services.plan_create(request, school, **_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return Status(201, _plan_out(plan))


@router.patch("/plans/{plan_id}", response={200: PlanOut, 422: Invalid, **NOT_FOUND}, summary="Edit a draft or returned plan (board)")
def plan_update(request, plan_id: Id, body: PlanPatch):
    plan = _plan(request, plan_id, manage=True)
    try:
        plan_services.plan_update(request, plan, **_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return _plan_out(plan)


@router.post("/plans/{plan_id}/submit", response={200: PlanOut, 422: Invalid, **NOT_FOUND}, summary="Submit a plan for approval (board)")
def plan_submit(request, plan_id: Id):
    plan = _plan(request, plan_id, manage=True)
    try:
        plan_services.plan_submit(request, plan)
    except services.NetworkError as exc:
        return _refused(exc)
    return _plan_out(plan)


@router.post(
    "/plans/{plan_id}/return", response={200: PlanOut, 422: Invalid, **NOT_FOUND}, summary="Return a submitted plan for changes (board)"
)
def plan_return(request, plan_id: Id, body: ReturnIn):
    plan = _plan(request, plan_id, manage=True)
    try:
        plan_services.plan_return(request, plan, note=body.note)
    except services.NetworkError as exc:
        return _refused(exc)
    return _plan_out(plan)


@router.post("/plans/{plan_id}/approve", response={200: PlanOut, 422: Invalid, **NOT_FOUND}, summary="Approve a plan (board)")
def plan_approve_endpoint(request, plan_id: Id):
    plan = _plan(request, plan_id, manage=True)
    try:
        plan_approve(plan, request.user, request)
    except SchoolError as exc:
        return _refused(exc)
    return _plan_out(plan)


# --- Venues ------------------------------------------------------------------------------------

Latitude = Field(None, ge=-90, le=90)
Longitude = Field(None, ge=-180, le=180)


class VenueIn(Schema):
    name: str = Field(max_length=100)
    tier: Venue.Tier
    kind: Venue.Kind
    organization_id: Id = Field(description="管理组织：须在本校及您的管理范围内")
    partner_id: Id | None = Field(None, description="共建单位：本校在册的")
    address: str = Field("", max_length=200)
    latitude: float | None = Latitude
    longitude: float | None = Longitude
    capacity: int = Field(30, ge=1, le=services.MAX_CAPACITY)
    facilities: str = Field("", max_length=200)
    opening_hours: str = Field("", max_length=100)


class VenuePatch(Schema):
    name: str | None = Field(None, max_length=100)
    tier: Venue.Tier | None = None
    kind: Venue.Kind | None = None
    organization_id: Id | None = None
    partner_id: Id | None = None
    address: str | None = Field(None, max_length=200)
    latitude: float | None = Latitude
    longitude: float | None = Longitude
    capacity: int | None = Field(None, ge=1, le=services.MAX_CAPACITY)
    facilities: str | None = Field(None, max_length=200)
    opening_hours: str | None = Field(None, max_length=100)


VENUE_RENAMES = {"organization_id": "organization", "partner_id": "partner"}


def _managed_venue(request, venue_id: int) -> Venue:
    access.require(access.scope_for(request.user).is_staff)
    try:
        return access.filter_managed_venues(request.user, _venues(request).select_related("school__organization")).get(pk=venue_id)
    except Venue.DoesNotExist:
        raise Http404 from None


def _venue_fields(body: Schema) -> dict:
    fields = _fields(body, VENUE_RENAMES)
    for name in ("name", "address", "facilities", "opening_hours"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    for name in ("tier", "kind"):
        if name in fields and fields[name] is not None:
            fields[name] = str(fields[name].value if hasattr(fields[name], "value") else fields[name])
    return fields


@router.post("/venues", response={201: VenueOut, 422: Invalid, **NOT_FOUND}, summary="Create a venue (board; staff for their subtree)")
def venue_create(request, body: VenueIn):
    school = _school(request)
    try:
        venue = services.venue_create(request, school, **_venue_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return Status(201, _venue(_venues(request).get(pk=venue.pk)))


@router.patch("/venues/{venue_id}", response={200: VenueOut, 422: Invalid, **NOT_FOUND}, summary="Edit a venue (who manages it)")
def venue_update(request, venue_id: Id, body: VenuePatch):
    venue = _managed_venue(request, venue_id)
    try:
        services.venue_update(request, venue, **_venue_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return _venue(_venues(request).get(pk=venue.pk))


@router.delete(
    "/venues/{venue_id}",
    response={200: VenueOut, 422: Invalid, **NOT_FOUND},
    summary="Retire a venue: out of pickers and current lists, its sessions keep it (who manages it)",
)
def venue_retire(request, venue_id: Id):
    venue = _managed_venue(request, venue_id)
    try:
        services.venue_retire(request, venue)
    except services.NetworkError as exc:
        return _refused(exc)
    return _venue(_venues(request).get(pk=venue.pk))


@router.post("/venues/{venue_id}/reinstate", response={200: VenueOut, 422: Invalid, **NOT_FOUND}, summary="Bring a retired venue back")
def venue_reinstate(request, venue_id: Id):
    venue = _managed_venue(request, venue_id)
    try:
        services.venue_reinstate(request, venue)
    except services.NetworkError as exc:
        return _refused(exc)
    return _venue(_venues(request).get(pk=venue.pk))


# --- Partners and agreements -------------------------------------------------------------------


class PartnerIn(Schema):
    name: str = Field(max_length=100)
    kind: Partner.Kind
    contact_name: str = Field("", max_length=50)
    description: str = Field("", max_length=2000)


class PartnerPatch(Schema):
    name: str | None = Field(None, max_length=100)
    kind: Partner.Kind | None = None
    contact_name: str | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=2000)


def _partner_fields(body: Schema) -> dict:
    fields = _fields(body)
    if fields.get("kind") is not None:
        fields["kind"] = str(getattr(fields["kind"], "value", fields["kind"]))
    for name in ("contact_name", "description"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return fields


def _managed_partner(request, partner_id: int) -> Partner:
    partner = access.get_school_object_or_404(
        request.user, "school.Partner", partner_id, _partners(request).select_related("school__organization")
    )
    access.require(access.can_manage_school(request.user, partner.school))
    return partner


def _partner_out(request, partner_id: int) -> dict:
    return _partner(_partners(request).get(pk=partner_id))


@router.post("/partners", response={201: PartnerOut, 422: Invalid, **NOT_FOUND}, summary="Create a partner unit (board)")
def partner_create(request, body: PartnerIn):
    school = _board_school(request)
    try:
        partner = services.partner_create(request, school, **_partner_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return Status(201, _partner_out(request, partner.pk))


@router.patch("/partners/{partner_id}", response={200: PartnerOut, 422: Invalid, **NOT_FOUND}, summary="Edit a partner unit (board)")
def partner_update(request, partner_id: Id, body: PartnerPatch):
    partner = _managed_partner(request, partner_id)
    try:
        services.partner_update(request, partner, **_partner_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return _partner_out(request, partner.pk)


@router.delete(
    "/partners/{partner_id}",
    response={200: PartnerOut, 422: Invalid, **NOT_FOUND},
    summary="Retire a partner: its agreements in force end the same day; history is kept (board)",
)
def partner_retire(request, partner_id: Id):
    partner = _managed_partner(request, partner_id)
    try:
        services.partner_retire(request, partner)
    except services.NetworkError as exc:
        return _refused(exc)
    return _partner_out(request, partner.pk)


class AgreementIn(Schema):
    title: str = Field(max_length=120)
    shares_venues: bool = False
    shares_talent: bool = False
    joint_activities: bool = False
    signed_on: SaneDate
    starts_on: SaneDate
    ends_on: SaneDate


class AgreementPatch(Schema):
    title: str | None = Field(None, max_length=120)
    shares_venues: bool | None = None
    shares_talent: bool | None = None
    joint_activities: bool | None = None
    signed_on: SaneDate | None = None
    starts_on: SaneDate | None = None
    ends_on: SaneDate | None = None


class RenewIn(Schema):
    """Anything left out is taken from the old agreement: same title and scope, from the day after it ends."""

    title: str | None = Field(None, max_length=120)
    shares_venues: bool | None = None
    shares_talent: bool | None = None
    joint_activities: bool | None = None
    signed_on: SaneDate | None = None
    starts_on: SaneDate | None = None
    ends_on: SaneDate | None = None


class EndIn(Schema):
    reason: str = Field(max_length=200, description="终止原因")
    on: SaneDate | None = Field(None, description="终止日期，缺省为今天")


class AgreementDetail(Schema):
    id: int
    partner: Ref
    title: str
    scopes: list[str]
    shares_venues: bool
    shares_talent: bool
    joint_activities: bool
    signed_on: date
    starts_on: date
    ends_on: date
    status: str
    status_label: str
    ended_on: date | None
    end_reason: str
    renews_id: int | None


def _agreement_out(a: PartnerAgreement) -> dict:
    status = a.status_on(timezone.localdate())
    return {
        "id": a.pk,
        "partner": ref(a.partner),
        "title": a.title,
        "scopes": a.scopes,
        "shares_venues": a.shares_venues,
        "shares_talent": a.shares_talent,
        "joint_activities": a.joint_activities,
        "signed_on": a.signed_on,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "status": status,
        "status_label": PartnerAgreement.STATUS_LABELS[status],
        "ended_on": a.ended_on,
        "end_reason": a.end_reason,
        "renews_id": a.renews_id,
    }


def _agreement(request, agreement_id: int, *, manage: bool = False) -> PartnerAgreement:
    partners = access.filter_school_objects(request.user, "school.Partner").values("pk")
    access.require(access.scope_for(request.user).is_staff)
    try:
        agreement = PartnerAgreement.objects.select_related("partner__school__organization").get(partner__in=partners, pk=agreement_id)
    except PartnerAgreement.DoesNotExist:
        raise Http404 from None
    if manage:
        access.require(access.can_manage_school(request.user, agreement.partner.school))
    return agreement


@router.get("/agreements/{agreement_id}", response={200: AgreementDetail, **NOT_FOUND}, summary="One partner agreement (staff)")
def agreement_detail(request, agreement_id: Id):
    return _agreement_out(_agreement(request, agreement_id))


@router.post(
    "/partners/{partner_id}/agreements",
    response={201: AgreementDetail, 422: Invalid, **NOT_FOUND},
    summary="Sign an agreement with a partner (board)",
)
def agreement_create(request, partner_id: Id, body: AgreementIn):
    partner = _managed_partner(request, partner_id)
    try:
        agreement = services.agreement_create(request, partner, **_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return Status(201, _agreement_out(agreement))


@router.patch(
    "/agreements/{agreement_id}", response={200: AgreementDetail, 422: Invalid, **NOT_FOUND}, summary="Correct an agreement (board)"
)
def agreement_update(request, agreement_id: Id, body: AgreementPatch):
    agreement = _agreement(request, agreement_id, manage=True)
    fields = {k: v for k, v in _fields(body).items() if v is not None}
    try:
        services.agreement_update(request, agreement, **fields)
    except services.NetworkError as exc:
        return _refused(exc)
    return _agreement_out(agreement)


@router.post(
    "/agreements/{agreement_id}/renew",
    response={201: AgreementDetail, 422: Invalid, **NOT_FOUND},
    summary="Renew: a new agreement continuing this one, which keeps its history (board)",
)
def agreement_renew(request, agreement_id: Id, body: RenewIn):
    agreement = _agreement(request, agreement_id, manage=True)
    try:
        renewal = services.agreement_renew(request, agreement, **_fields(body))
    except services.NetworkError as exc:
        return _refused(exc)
    return Status(201, _agreement_out(renewal))


@router.post(
    "/agreements/{agreement_id}/end", response={200: AgreementDetail, 422: Invalid, **NOT_FOUND}, summary="End an agreement early (board)"
)
def agreement_end(request, agreement_id: Id, body: EndIn):
    agreement = _agreement(request, agreement_id, manage=True)
    try:
        services.agreement_end(request, agreement, reason=body.reason, on=body.on)
    except services.NetworkError as exc:
        return _refused(exc)
    return _agreement_out(agreement)


@router.delete(
    "/agreements/{agreement_id}",
    response={200: AgreementDetail, 422: Invalid, **NOT_FOUND},
    summary="End an agreement today, with a reason (board); the record is kept",
)
def agreement_retire(request, agreement_id: Id, query: Query[EndIn]):
    return agreement_end(request, agreement_id, query)
