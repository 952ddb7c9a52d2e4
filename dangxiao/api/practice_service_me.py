"""Volunteer service (志愿服务) for the signed-in member: the activities offered to them (their organisation's
and those above it), sign-up and withdrawal, their service by year with its sources, correction requests.
A refusal the caller can cause is 422 `{detail, errors}` in Chinese, and changes nothing."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.core.params import FIRST_YEAR, LAST_YEAR
from dangxiao.practice import service_selectors as selectors
from dangxiao.practice import service_services as services
from dangxiao.practice.models import ServiceParticipant, VolunteerService

from .cohorts import ErrorBody, _refused
from .params import Id
from .practice_service import PARTICIPANT_RELATED, ParticipantOut, ServiceOut, _participant, _service
from .school import PageQuery, paginate

me_router = Router(tags=["me"])


class OpenServiceOut(Schema):
    service: ServiceOut
    my_status: str = Field(description="''、signed_up 或 withdrawn")
    checked_in: bool
    seats_left: int | None


class OpenPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OpenServiceOut]


class CorrectionIn(Schema):
    minutes: int = Field(..., ge=1, le=services.MAX_MINUTES)
    reason: str = Field(..., min_length=1, max_length=300)


class HoursQuery(Schema):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="年度，默认今年")


class VisitOut(Schema):
    date: date
    minutes: int
    note: str


class MatterOut(Schema):
    id: int
    resolved_at: datetime
    compound: str
    category: str


class MyHoursOut(Schema):
    year: int
    activity_minutes: int
    pending_minutes: int
    visit_minutes: int
    matter_count: int
    matter_minutes: int
    total_minutes: int
    activities: list[ParticipantOut]
    visits: list[VisitOut]
    matters: list[MatterOut]


def _member(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    return access.get_member_or_404(request.user, scope.member_id)


# --- The member -----------------------------------------------------------------------------------


def _open(row) -> dict:
    o = selectors.as_open([row])[0]
    return {"service": _service(row), "my_status": o.my_status, "checked_in": o.checked_in, "seats_left": o.seats_left}


@me_router.get(
    "/me/service/activities",
    response={200: OpenPage, 404: ErrorBody},
    summary="Activities offered to the signed-in member (their organisation's and those above it), not ended",
)
def my_open(request, query: Query[PageQuery]):
    member = _member(request)
    return paginate(selectors.open_services(request.user, member), query, _open)


def _joinable(request, activity_id: int):
    member = _member(request)
    return member, access.get_joinable_service_or_404(request.user, activity_id, VolunteerService.objects.select_related("organization"))


@me_router.post(
    "/me/service/activities/{activity_id}/sign-up",
    response={201: ParticipantOut, 404: ErrorBody, 422: ErrorBody},
    summary="Sign up (before the start, while seats are left)",
)
def my_sign_up(request, activity_id: Id):
    member, service = _joinable(request, activity_id)
    try:
        p = services.service_sign_up(service, member)
    except services.ServiceError as exc:
        return _refused(str(exc))
    return Status(201, _participant(ServiceParticipant.objects.select_related(*PARTICIPANT_RELATED).get(pk=p.pk)))


@me_router.post(
    "/me/service/activities/{activity_id}/withdraw",
    response={200: ParticipantOut, 404: ErrorBody, 422: ErrorBody},
    summary="Withdraw before the start",
)
def my_withdraw(request, activity_id: Id):
    member, service = _joinable(request, activity_id)
    try:
        p = services.service_withdraw(service, member)
    except services.ServiceError as exc:
        return _refused(str(exc))
    return _participant(ServiceParticipant.objects.select_related(*PARTICIPANT_RELATED).get(pk=p.pk))


@me_router.get(
    "/me/service/hours",
    response={200: MyHoursOut, 404: ErrorBody, 422: ErrorBody},
    summary="The signed-in member's service in a year: approved activity hours, home visits, resolved matters",
)
def my_hours(request, query: Query[HoursQuery]):
    member = _member(request)
    year = query.year or timezone.localdate().year
    record = selectors.member_record(member, year)
    activities = [p for p in record["activities"]]
    for p in activities:
        p.member = member
    return {
        "year": year,
        **{
            k: record[k]
            for k in ("activity_minutes", "pending_minutes", "visit_minutes", "matter_count", "matter_minutes", "total_minutes")
        },
        "activities": [_participant(p) for p in activities],
        "visits": [{"date": v.date, "minutes": v.minutes, "note": v.note} for v in record["visits"]],
        "matters": [
            {"id": m.pk, "resolved_at": timezone.localtime(m.resolved_at), "compound": m.compound.name, "category": m.category.name}
            for m in record["matters"]
        ],
    }


@me_router.post(
    "/me/service/participants/{participant_id}/correction",
    response={200: ParticipantOut, 404: ErrorBody, 422: ErrorBody},
    summary="Ask for one's minutes of an activity to be corrected, with a reason (back to the approval queue)",
)
def my_correction(request, participant_id: Id, body: CorrectionIn):
    _member(request)
    participant = access.get_service_participant_or_404(request.user, participant_id, own=True)
    try:
        services.hours_correction_ask(participant, minutes=body.minutes, reason=body.reason, request=request)
    except services.ServiceError as exc:
        return _refused(str(exc))
    return _participant(ServiceParticipant.objects.select_related(*PARTICIPANT_RELATED).get(pk=participant.pk))
