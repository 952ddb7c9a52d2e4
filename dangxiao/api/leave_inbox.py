"""The secretary's leave inbox: the leave requests of their scope, decided singly or in bulk (audited)."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangxiao.attendance.leave import MAX_AT_ONCE, leave_decide_many, leave_inbox
from dangxiao.attendance.models import LeaveRequest
from dangxiao.core import access
from dangxiao.teaching.services import TeachingError

from .cohorts import ErrorBody
from .params import Id
from .school import PageQuery, paginate

router = Router(tags=["attendance"])


class InboxQuery(PageQuery):
    status: LeaveRequest.Status = LeaveRequest.Status.PENDING


class InboxItem(Schema):
    id: int
    member_id: int
    member_name: str
    organization: str
    session_id: int
    session_title: str
    cohort: str
    starts_at: datetime
    reason: str
    status: str
    status_label: str
    decision_note: str
    created_at: datetime


class InboxPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InboxItem]


class DecisionsIn(Schema):
    leave_ids: list[Id] = Field(min_length=1, max_length=MAX_AT_ONCE)
    approve: bool
    note: str = Field("", max_length=200)


class DecisionsOut(Schema):
    decided: list[int] = Field(description="处理了的请假申请")
    refused: list[str] = Field(description="未能处理的（如已处理过），每条一句说明")


def _item(lr: LeaveRequest) -> dict:
    return {
        "id": lr.pk,
        "member_id": lr.member_id,
        "member_name": lr.member.name,
        "organization": lr.member.organization.name,
        "session_id": lr.session_id,
        "session_title": lr.session.title,
        "cohort": lr.session.cohort.name,
        "starts_at": timezone.localtime(lr.session.starts_at),
        "reason": lr.reason,
        "status": lr.status,
        "status_label": lr.get_status_display(),
        "decision_note": lr.decision_note,
        "created_at": timezone.localtime(lr.created_at),
    }


@router.get(
    "/leave-inbox",
    response={200: InboxPage, 404: ErrorBody},
    summary="The leave requests of the caller's scope (their members', and their cohorts'), pending by default",
)
def inbox(request, query: Query[InboxQuery]):
    access.require(access.scope_for(request.user).is_staff)
    return paginate(leave_inbox(request.user, query.status), query, _item)


@router.post(
    "/leave-inbox/decisions",
    response={200: DecisionsOut, 404: ErrorBody, 422: ErrorBody},
    summary="Approve (marks excused) or refuse several pending requests at once; ids outside the inbox are ignored",
)
def decide(request, body: DecisionsIn):
    access.require(access.scope_for(request.user).is_staff)
    try:
        result = leave_decide_many(request.user, body.leave_ids, approve=body.approve, note=body.note, request=request)
    except TeachingError as exc:
        return Status(422, {"detail": str(exc), "errors": [{"field": "leave_ids", "message": str(exc)}]})
    return {"decided": [lr.pk for lr in result.decided], "refused": result.refused}
