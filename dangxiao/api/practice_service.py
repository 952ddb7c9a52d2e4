"""Volunteer service (志愿服务) for staff: activities, participants, check-in presence, hours and their
approval queue, scoped to the activities of their subtrees (anything else is 404). The member's side is
api/practice_service_me.py.

A refusal the caller can cause is 422 `{detail, errors}` in Chinese, and changes nothing."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.practice import service_selectors as selectors
from dangxiao.practice import service_services as services
from dangxiao.practice.models import ServiceParticipant, VolunteerService

from .cohorts import ErrorBody, _refused
from .params import Id, SaneDate, SaneDateTime
from .school import PageQuery, paginate

router = Router(tags=["practice"])


# --- Schemas --------------------------------------------------------------------------------------


class ServiceOut(Schema):
    id: int
    title: str
    kind: VolunteerService.Kind
    kind_label: str
    organization_id: int
    organization: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None
    place: str
    description: str
    signup_limit: int | None
    signed_up: int
    checked_in: int
    cancelled: bool
    cancel_reason: str


class ServicePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ServiceOut]


class ServiceQuery(PageQuery):
    organization: Id | None = Field(None, description="组织（含下级）")
    since: SaneDate | None = Field(None, description="开始日期不早于")
    until: SaneDate | None = Field(None, description="开始日期不晚于")
    kind: VolunteerService.Kind | None = None


class ServiceIn(Schema):
    organization_id: Id = Field(..., description="组织单位：调用者管理范围内的组织")
    title: str = Field(..., max_length=120)
    kind: VolunteerService.Kind = VolunteerService.Kind.POLICY
    starts_at: SaneDateTime
    ends_at: SaneDateTime
    venue_id: Id | None = Field(None, description="阵地（本党校的），或用 place 写地点")
    place: str = Field("", max_length=120)
    signup_limit: int | None = Field(None, ge=1, le=services.MAX_LIMIT, description="报名名额；null 为不限")
    description: str = Field("", max_length=2000)


class ServicePatch(Schema):
    title: str | None = Field(None, max_length=120)
    kind: VolunteerService.Kind | None = None
    starts_at: SaneDateTime | None = None
    ends_at: SaneDateTime | None = None
    venue_id: Id | None = None
    place: str | None = Field(None, max_length=120)
    signup_limit: int | None = Field(None, ge=1, le=services.MAX_LIMIT)
    description: str | None = Field(None, max_length=2000)


class CancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class ParticipantOut(Schema):
    id: int
    service_id: int
    service_title: str
    member_id: int
    member_name: str
    organization: str
    status: ServiceParticipant.Status
    checked_in_at: datetime | None
    check_in_method: str
    minutes: int | None
    hours_status: str = Field(description="''（未记录）、pending、correction、approved")
    hours_note: str
    correction_minutes: int | None
    correction_reason: str


class ParticipantPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ParticipantOut]


class PresenceIn(Schema):
    member_ids: list[Id] = Field(..., max_length=services.MAX_LIMIT, description="到场的党员（须已报名）；其余已报名者取消签到")


class PresenceOut(Schema):
    marked: int
    cleared: int
    kept_approved: int


class RecordedOut(Schema):
    recorded: int


class MinutesIn(Schema):
    minutes: int = Field(..., ge=1, le=services.MAX_MINUTES)
    note: str = Field("", max_length=200)


class ApproveIn(Schema):
    participant_ids: list[Id] = Field(..., min_length=1, max_length=services.MAX_AT_ONCE)


class ApproveOut(Schema):
    approved: list[int]
    refused: list[str]


class DecisionIn(Schema):
    accept: bool
    note: str = Field("", max_length=200)


class QueueQuery(PageQuery):
    status: str | None = Field(None, pattern="^(pending|correction)$", description="pending 或 correction；不填为两者")


# --- Helpers --------------------------------------------------------------------------------------


def _service(s: VolunteerService, signed: int | None = None, came: int | None = None) -> dict:
    if signed is None:
        signed = getattr(s, "signed", None)
        came = getattr(s, "came", None)
        if signed is None:
            rows = list(s.participants.filter(status=ServiceParticipant.Status.SIGNED_UP).values_list("checked_in_at", flat=True))
            signed, came = len(rows), sum(1 for r in rows if r)
    return {
        "id": s.pk,
        "title": s.title,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "organization_id": s.organization_id,
        "organization": s.organization.name,
        "starts_at": timezone.localtime(s.starts_at),
        "ends_at": timezone.localtime(s.ends_at),
        "venue_id": s.venue_id,
        "place": s.where,
        "description": s.description,
        "signup_limit": s.signup_limit,
        "signed_up": signed,
        "checked_in": came or 0,
        "cancelled": s.is_cancelled,
        "cancel_reason": s.cancel_reason,
    }


def _participant(p: ServiceParticipant) -> dict:
    return {
        "id": p.pk,
        "service_id": p.service_id,
        "service_title": p.service.title,
        "member_id": p.member_id,
        "member_name": p.member.name,
        "organization": p.member.organization.name,
        "status": p.status,
        "checked_in_at": timezone.localtime(p.checked_in_at) if p.checked_in_at else None,
        "check_in_method": p.check_in_method,
        "minutes": p.minutes,
        "hours_status": p.hours_status,
        "hours_note": p.hours_note,
        "correction_minutes": p.correction_minutes,
        "correction_reason": p.correction_reason,
    }


def _staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _managed(request, service_id: int) -> VolunteerService:
    _staff(request)
    return access.get_service_or_404(request.user, service_id, VolunteerService.objects.select_related("organization", "venue"))


def _venue(request, venue_id):
    if venue_id is None:
        return None
    venue = access.filter_school_objects(request.user, "school.Venue").filter(pk=venue_id).first()
    if venue is None:
        raise services.ServiceError(_("阵地不存在或不属于您的党校"))
    return venue


PARTICIPANT_RELATED = ("service", "member__organization")


# --- Staff: activities ------------------------------------------------------------------------------


@router.get("/practice/service/activities", response={200: ServicePage, 404: ErrorBody}, summary="Activities the caller manages")
def service_list(request, query: Query[ServiceQuery]):
    _staff(request)
    qs = selectors.managed_services(
        request.user, organization_id=query.organization, since=query.since, until=query.until, kind=query.kind or ""
    )
    return paginate(qs, query, _service)


@router.post(
    "/practice/service/activities",
    response={201: ServiceOut, 404: ErrorBody, 422: ErrorBody},
    summary="Create an activity run by an organisation the caller manages",
)
def service_create(request, body: ServiceIn):
    _staff(request)
    scope = access.scope_for(request.user)
    managed = access.filter_organizations(request.user).filter(access.staff_q(scope, "path") or Q())
    organization = managed.filter(pk=body.organization_id).first()
    if organization is None:
        return _refused(_("组织不存在或不在您的管理范围内"), "organization_id")
    try:
        service = services.service_create(
            organization,
            title=body.title,
            kind=body.kind,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            venue=_venue(request, body.venue_id),
            place=body.place,
            signup_limit=body.signup_limit,
            description=body.description,
            by=request.user,
            request=request,
        )
    except services.ServiceError as exc:
        return _refused(str(exc))
    return Status(201, _service(service, 0, 0))


@router.get("/practice/service/activities/{activity_id}", response={200: ServiceOut, 404: ErrorBody}, summary="One activity")
def service_get(request, activity_id: Id):
    return _service(_managed(request, activity_id))


@router.patch(
    "/practice/service/activities/{activity_id}",
    response={200: ServiceOut, 404: ErrorBody, 422: ErrorBody},
    summary="Change an activity (only the fields sent; signup_limit null means no limit)",
)
def service_patch(request, activity_id: Id, body: ServicePatch):
    service = _managed(request, activity_id)
    sent = body.dict(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if k != "venue_id"}
    for name in ("title", "kind", "starts_at", "ends_at", "place", "description"):
        if name in changes and changes[name] is None:
            return _refused(_("不能为空"), name)
    try:
        if "venue_id" in sent:
            changes["venue"] = _venue(request, sent["venue_id"])
        service = services.service_update(service, request=request, **changes)
    except services.ServiceError as exc:
        return _refused(str(exc))
    return _service(service)


@router.post(
    "/practice/service/activities/{activity_id}/cancel",
    response={200: ServiceOut, 404: ErrorBody, 422: ErrorBody},
    summary="Cancel (retire) an activity, with a reason; refused once hours are recorded",
)
def service_cancel(request, activity_id: Id, body: CancelIn):
    service = _managed(request, activity_id)
    try:
        service = services.service_cancel(service, reason=body.reason, request=request)
    except services.ServiceError as exc:
        return _refused(str(exc), "reason")
    return _service(service)


@router.get(
    "/practice/service/activities/{activity_id}/participants",
    response={200: ParticipantPage, 404: ErrorBody},
    summary="The members who signed up (and withdrew), their check-in and hours",
)
def service_participants(request, activity_id: Id, query: Query[PageQuery]):
    service = _managed(request, activity_id)
    return paginate(selectors.participants(service).select_related(*PARTICIPANT_RELATED), query, _participant)


@router.put(
    "/practice/service/activities/{activity_id}/presence",
    response={200: PresenceOut, 404: ErrorBody, 422: ErrorBody},
    summary="Mark who came among those signed up (the others lose check-in and hours not yet approved)",
)
def service_presence(request, activity_id: Id, body: PresenceIn):
    service = _managed(request, activity_id)
    try:
        return services.service_mark_presence(service, body.member_ids, request=request)
    except services.ServiceError as exc:
        return _refused(str(exc), "member_ids")


@router.post(
    "/practice/service/activities/{activity_id}/hours",
    response={200: RecordedOut, 404: ErrorBody, 422: ErrorBody},
    summary="After the end: record the activity's duration for everyone checked in without hours (to the queue)",
)
def service_hours(request, activity_id: Id):
    service = _managed(request, activity_id)
    try:
        return {"recorded": services.hours_record(service, request=request)}
    except services.ServiceError as exc:
        return _refused(str(exc))


# --- Staff: hours ---------------------------------------------------------------------------------


def _managed_participant(request, participant_id: int) -> ServiceParticipant:
    _staff(request)
    return access.get_service_participant_or_404(
        request.user, participant_id, ServiceParticipant.objects.select_related(*PARTICIPANT_RELATED)
    )


@router.patch(
    "/practice/service/participants/{participant_id}",
    response={200: ParticipantOut, 404: ErrorBody, 422: ErrorBody},
    summary="Set a participant's minutes (back to the approval queue)",
)
def participant_minutes(request, participant_id: Id, body: MinutesIn):
    participant = _managed_participant(request, participant_id)
    try:
        services.hours_adjust(participant, minutes=body.minutes, note=body.note, request=request)
    except services.ServiceError as exc:
        return _refused(str(exc), "minutes")
    return _participant(_managed_participant(request, participant_id))


@router.get(
    "/practice/service/queue",
    response={200: ParticipantPage, 404: ErrorBody},
    summary="Hours waiting for the caller: pending, and corrections members asked for",
)
def hours_queue(request, query: Query[QueueQuery]):
    _staff(request)
    qs = selectors.queue(request.user)
    if query.status:
        qs = qs.filter(hours_status=query.status)
    return paginate(qs, query, _participant)


@router.post(
    "/practice/service/queue/approve",
    response={200: ApproveOut, 404: ErrorBody, 422: ErrorBody},
    summary="Approve pending hours in bulk; ids not pending or out of scope are named in refused",
)
def hours_approve(request, body: ApproveIn):
    _staff(request)
    try:
        result = services.hours_approve(
            access.filter_service_participants(request.user), body.participant_ids, by=request.user, request=request
        )
    except services.ServiceError as exc:
        return _refused(str(exc), "participant_ids")
    return {"approved": result.approved, "refused": result.refused}


@router.post(
    "/practice/service/participants/{participant_id}/correction",
    response={200: ParticipantOut, 404: ErrorBody, 422: ErrorBody},
    summary="Accept (the minutes asked for are approved) or refuse (the recorded minutes stand) a correction",
)
def correction_decide(request, participant_id: Id, body: DecisionIn):
    participant = _managed_participant(request, participant_id)
    try:
        services.hours_correction_decide(participant, accept=body.accept, note=body.note, by=request.user, request=request)
    except services.ServiceError as exc:
        return _refused(str(exc))
    return _participant(_managed_participant(request, participant_id))
