"""Members one at a time: add, edit, 转正, transfer (direct or a request the receiver accepts or refuses),
leaving. Scoped like the pages (a member or organisation out of scope is a 404); a refused write is a
422 `{detail, errors: [{field, message}]}` with the same messages as the forms and the import."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from dangxiao.core import access
from dangxiao.people import member_services as ms
from dangxiao.people import selectors
from dangxiao.people.models import Member, MemberTransfer

from .params import Id, SaneDate
from .people import Detail, MemberOut, OrgRef, _member
from .people import router as people_router

# The people router's own: POST /members and PATCH /members/{id} share their paths with its GETs, and
# one path must live in one router for every method of it to be reachable.
router: Router = people_router
TAGS = ["members"]


class FieldError(Schema):
    field: str | None
    message: str


class Problems(Schema):
    detail: str
    errors: list[FieldError]


def _refused(exc: ms.MemberError) -> Status:
    return Status(422, {"detail": _("没有保存：请修正以下问题"), "errors": [{"field": f or None, "message": m} for f, m in exc.errors]})


# Values are taken as typed (text, numbers, dates in the spellings a roster uses) and checked by the
# roster import's own parsers, so the API accepts and refuses exactly what a form or an import would.
Value = str | int | None


class MemberFields(Schema):
    name: Value = None
    gender: Value = None
    birth_date: Value = None
    ethnicity: Value = None
    education: Value = None
    joined_party_on: Value = None
    status: Value = None
    confirmed_on: Value = None
    occupation: Value = None
    industry: Value = None
    phone: Value = None
    id_number: Value = None
    home_compound: Value = None
    address: Value = None
    is_mobile: bool | None = None
    mobile_location: Value = None
    is_elderly_infirm: bool | None = None
    is_organ_worker: bool | None = None
    is_new_employment: bool | None = None
    position: Value = None


class MemberIn(MemberFields):
    organization_id: Id


class MemberStateOut(MemberOut):
    confirmed_on: date | None
    left_on: date | None
    left_reason: str


def _out(member: Member) -> dict:
    member = Member.objects.select_related("organization").get(pk=member.pk)
    return {**_member(member), "confirmed_on": member.confirmed_on, "left_on": member.left_on, "left_reason": member.left_reason}


def _managed_member(request, member_id: int) -> Member:
    access.require(access.scope_for(request.user).can_import_roster)
    return access.get_member_or_404(request.user, member_id, access.filter_roster(request.user).select_related("organization"))


def _raw(body: MemberFields) -> dict:
    return {k: ("" if v is None else v) for k, v in body.dict(exclude_unset=True).items() if k != "organization_id"}


@router.post(
    "/members", tags=TAGS, response={201: MemberStateOut, 404: Detail, 422: Problems}, summary="Add a member (the import's checks)"
)
def member_create(request, body: MemberIn):
    access.require(access.scope_for(request.user).can_import_roster)
    org = selectors.managed_organizations(request.user).filter(pk=body.organization_id).first()
    access.require(org is not None)
    try:
        member = ms.member_create(request.user, org, _raw(body), request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(201, _out(member))


@router.patch("/members/{member_id}", tags=TAGS, response={200: MemberStateOut, 404: Detail, 422: Problems}, summary="Edit a member")
def member_update(request, member_id: Id, body: MemberFields):
    member = _managed_member(request, member_id)
    try:
        ms.member_update(request.user, member, _raw(body), request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(200, _out(member))


class ConfirmIn(Schema):
    confirmed_on: SaneDate


@router.post(
    "/members/{member_id}/confirm", tags=TAGS, response={200: MemberStateOut, 404: Detail, 422: Problems}, summary="预备 → 正式 (转正)"
)
def member_confirm(request, member_id: Id, body: ConfirmIn):
    member = _managed_member(request, member_id)
    try:
        ms.member_confirm(request.user, member, body.confirmed_on, request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(200, _out(member))


class LeaveIn(Schema):
    left_on: SaneDate
    reason: str
    note: str = ""


@router.post(
    "/members/{member_id}/leave", tags=TAGS, response={200: MemberStateOut, 404: Detail, 422: Problems}, summary="Record a member leaving"
)
def member_leave(request, member_id: Id, body: LeaveIn):
    member = _managed_member(request, member_id)
    try:
        ms.member_leave(request.user, member, on=body.left_on, reason=body.reason, note=body.note, request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(200, _out(member))


class TransferIn(Schema):
    to_organization_id: Id
    transferred_on: SaneDate | None = None
    note: str = ""


class MemberRef(Schema):
    id: int
    name: str


class TransferOut(Schema):
    id: int
    member: MemberRef
    from_organization: OrgRef
    to_organization: OrgRef
    kind: str
    status: str
    transferred_on: date
    note: str
    requested_at: datetime
    decided_at: datetime | None
    refusal_reason: str


def _transfer(t: MemberTransfer) -> dict:
    def ref(o):
        return {"id": o.id, "name": o.name, "code": o.code}

    return {
        "id": t.pk,
        "member": {"id": t.member.pk, "name": t.member.name},
        "from_organization": ref(t.from_organization),
        "to_organization": ref(t.to_organization),
        "kind": t.kind,
        "status": t.status,
        "transferred_on": t.transferred_on,
        "note": t.note,
        "requested_at": t.requested_at,
        "decided_at": t.decided_at,
        "refusal_reason": t.refusal_reason,
    }


@router.post(
    "/members/{member_id}/transfer",
    tags=TAGS,
    response={201: TransferOut, 404: Detail, 422: Problems},
    summary="Transfer a member: direct within scope, otherwise a request the receiving organisation decides",
)
def member_transfer(request, member_id: Id, body: TransferIn):
    member = _managed_member(request, member_id)
    target = selectors.same_committee_organizations(member.organization).filter(pk=body.to_organization_id).first()
    access.require(target is not None)  # another working committee's organisation is not even named
    try:
        transfer = ms.member_transfer(request.user, member, target, on=body.transferred_on, note=body.note, request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(201, _transfer(transfer))


class InboxOut(Schema):
    incoming: list[TransferOut]
    outgoing: list[TransferOut]
    decided: list[TransferOut]


@router.get(
    "/member-transfers", tags=TAGS, response={200: InboxOut, 404: Detail}, summary="Transfer requests for the organisations in scope"
)
def transfer_inbox(request):
    access.require(access.scope_for(request.user).can_import_roster)
    inbox = selectors.transfer_inbox(request.user)
    return {k: [_transfer(t) for t in v] for k, v in inbox.items()}


@router.post(
    "/member-transfers/{transfer_id}/accept", tags=TAGS, response={200: TransferOut, 404: Detail, 422: Problems}, summary="Accept a request"
)
def transfer_accept(request, transfer_id: Id):
    access.require(access.scope_for(request.user).can_import_roster)
    transfer = selectors.get_incoming_transfer_or_404(request.user, transfer_id)
    try:
        transfer = ms.transfer_accept(request.user, transfer, request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(200, _transfer(transfer))


@router.post(
    "/member-transfers/{transfer_id}/withdraw",
    tags=TAGS,
    response={200: TransferOut, 404: Detail, 422: Problems},
    summary="Withdraw a request the caller's side sent",
)
def transfer_withdraw(request, transfer_id: Id):
    access.require(access.scope_for(request.user).can_import_roster)
    transfer = selectors.get_outgoing_transfer_or_404(request.user, transfer_id)
    try:
        transfer = ms.transfer_withdraw(request.user, transfer, request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(200, _transfer(transfer))


class RefuseIn(Schema):
    reason: str


@router.post(
    "/member-transfers/{transfer_id}/refuse", tags=TAGS, response={200: TransferOut, 404: Detail, 422: Problems}, summary="Refuse a request"
)
def transfer_refuse(request, transfer_id: Id, body: RefuseIn):
    access.require(access.scope_for(request.user).can_import_roster)
    transfer = selectors.get_incoming_transfer_or_404(request.user, transfer_id)
    try:
        transfer = ms.transfer_refuse(request.user, transfer, body.reason, request=request)
    except ms.MemberError as exc:
        return _refused(exc)
    return Status(200, _transfer(transfer))
