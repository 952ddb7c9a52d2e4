"""Check-in, the screen's current code, marks and leave requests."""

import json
from datetime import datetime

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema, Status

from dangxiao.attendance import codes, selectors, services
from dangxiao.attendance.leave import leave_decide_many
from dangxiao.attendance.models import LeaveRequest
from dangxiao.core import access
from dangxiao.core.audit import client_ip
from dangxiao.people.models import Member
from dangxiao.teaching.models import Session
from dangxiao.teaching.services import TeachingError

from .auth import BearerToken, PasswordSetSessionAuth, UncheckedToken, token_refused

router = Router(tags=["attendance"])
_JSON = "application/json; charset=utf-8"


class Detail(Schema):
    detail: str


class Refusal(Schema):
    reason: str
    detail: str


class CheckInIn(Schema):
    session_id: int
    code: str  # the QR's token ("<step>.<signature>") or the 6 typed digits
    device_id: str = ""


class CheckInOut(Schema):
    attendance_id: int
    session_id: int
    status: str
    created: bool
    message: str
    is_walk_in: bool


@router.post(
    "/checkin",
    response={200: CheckInOut, 201: CheckInOut, 404: Detail, 422: Refusal},
    auth=[BearerToken(deferred=True), PasswordSetSessionAuth()],
    summary="The signed-in member checks in with the code on the screen",
)
def check_in(request, body: CheckInIn):
    device = body.device_id or request.headers.get("X-Device-Id", "")
    facts = None
    if isinstance(request.auth, UncheckedToken):
        # The token, its member and everything the check-in decides on, in one read.
        user, facts = selectors.token_check_in_facts(request.auth.key, body.session_id, device)
        if user is None:
            raise token_refused(request.auth.key)
        request.user, request.api_token, member_id = user, request.auth.key, user.api_member_id
        access.require(member_id is not None and facts is not None)
    else:  # a signed-in page
        member_id = Member.objects.filter(user_id=request.user.pk).values_list("pk", flat=True).first()
        access.require(member_id is not None)
    code = body.code.strip()
    kind = {"token": code} if "." in code else {"digits": code}
    try:
        result = services.member_check_in(
            body.session_id, member_id, device_id=device, ip=client_ip(request), by=request.user, facts=facts, **kind
        )
    except Session.DoesNotExist:
        access.require(False)
    except services.CheckInRefused as exc:
        return Status(422, {"reason": exc.reason, "detail": str(exc)})
    a = result.attendance
    body_out = {
        "attendance_id": a.pk,
        "session_id": body.session_id,
        "status": str(a.status),
        "created": result.created,
        "message": str(result.message),
        "is_walk_in": a.is_walk_in,
    }
    # Rendered here, as django-ninja would render CheckInOut (the schema `response=` declares), without
    # its validation of a dict whose types are already those of the schema: the check-in's hot path.
    return HttpResponse(json.dumps(body_out), status=201 if result.created else 200, content_type=_JSON)


class DisplayCodeOut(Schema):
    token: str
    digits: str
    url: str
    expires_at: datetime
    checked_in: int


@router.get(
    "/sessions/{session_id}/display-code", response=DisplayCodeOut, summary="The current rotating code for the session's screen (staff)"
)
def display_code(request, session_id: int):
    session = access.get_session_for_marking_or_404(request.user, session_id)
    policy = services.policy_for(session.cohort.school_id)
    code = codes.current(session.pk, timezone.now(), policy.code_step_seconds)
    return {
        "token": code.token,
        "digits": code.digits,
        "url": request.build_absolute_uri(reverse("attendance:scan", args=[session.pk, code.token])),
        "expires_at": datetime.fromtimestamp(code.expires_at, tz=timezone.get_current_timezone()),
        "checked_in": selectors.checked_in_count(session.pk),
    }


class RollRow(Schema):
    member_id: int
    name: str
    organization: str
    status: str | None
    method: str | None
    marked_at: datetime | None
    is_walk_in: bool
    leave_status: str | None


@router.get("/sessions/{session_id}/marks", response=list[RollRow], summary="The session's roll (staff or its teacher)")
def marks(request, session_id: int):
    session = access.get_session_for_marking_or_404(request.user, session_id)
    return [
        {
            "member_id": r["member"].pk,
            "name": r["member"].name,
            "organization": r["member"].organization.name,
            "status": r["attendance"].status if r["attendance"] else None,
            "method": r["attendance"].method if r["attendance"] else None,
            "marked_at": r["attendance"].marked_at if r["attendance"] else None,
            "is_walk_in": bool(r["attendance"] and r["attendance"].is_walk_in),
            "leave_status": r["leave"].status if r["leave"] else None,
        }
        for r in selectors.session_roll(session)
    ]


class MarksIn(Schema):
    marks: dict[int, str]


class MarksOut(Schema):
    changed: int


@router.put(
    "/sessions/{session_id}/marks",
    response={200: MarksOut, 422: Detail},
    summary="Set statuses (present, late, left_early, excused, absent); all or nothing",
)
def marks_set(request, session_id: int, body: MarksIn):
    session = access.get_session_for_marking_or_404(request.user, session_id)
    try:
        return Status(200, {"changed": services.roll_mark(session, body.marks, by=request.user, ip=client_ip(request))})
    except TeachingError as exc:
        return Status(422, {"detail": str(exc)})


class LeaveIn(Schema):
    reason: str


class LeaveOut(Schema):
    id: int
    session_id: int
    session_title: str
    starts_at: datetime
    member_id: int
    member_name: str
    reason: str
    status: str
    decision_note: str


def _leave(lr: LeaveRequest) -> dict:
    return {
        "id": lr.pk,
        "session_id": lr.session_id,
        "session_title": lr.session.title,
        "starts_at": lr.session.starts_at,
        "member_id": lr.member_id,
        "member_name": lr.member.name,
        "reason": lr.reason,
        "status": lr.status,
        "decision_note": lr.decision_note,
    }


@router.post(
    "/sessions/{session_id}/leave-requests",
    response={201: LeaveOut, 422: Detail},
    tags=["me"],
    summary="The signed-in member asks for leave before a session",
)
def leave_create(request, session_id: int, body: LeaveIn):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    session = access.get_session_or_404(request.user, session_id)
    member = Member.objects.get(pk=scope.member_id)
    try:
        lr = services.leave_request(session, member, body.reason)
    except TeachingError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _leave(LeaveRequest.objects.select_related("session", "member").get(pk=lr.pk)))


@router.get(
    "/leave-requests", response=list[LeaveOut], summary="Leave requests: a member's own, or those staff may decide (filter by status)"
)
def leave_list(request, status: str = ""):
    scope = access.scope_for(request.user)
    qs = LeaveRequest.objects.select_related("session", "member")
    if scope.is_staff:
        qs = qs.filter(session__cohort__in=access.filter_cohorts(request.user).values("pk"))
    else:
        qs = qs.filter(member_id=scope.member_id or 0)
    if status:
        qs = qs.filter(status=status)
    return [_leave(lr) for lr in qs.order_by("session__starts_at", "id")[:500]]


class DecisionIn(Schema):
    approve: bool
    note: str = ""


@router.post(
    "/leave-requests/{leave_id}/decision",
    response={200: LeaveOut, 422: Detail},
    summary="Approve (marks excused) or refuse a pending request",
)
def leave_decide(request, leave_id: int, body: DecisionIn):
    lr = LeaveRequest.objects.select_related("session", "member").filter(pk=leave_id).first()
    access.require(lr is not None and access.filter_cohorts(request.user).filter(pk=lr.session.cohort_id).exists())
    result = leave_decide_many(request.user, [lr.pk], approve=body.approve, note=body.note, request=request)  # audited
    if result.refused:
        return Status(422, {"detail": result.refused[0].split("：", 1)[-1]})
    return _leave(LeaveRequest.objects.select_related("session", "member").get(pk=lr.pk))
