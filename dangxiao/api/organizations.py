"""The organisation tree and its roles over the API: read, add, edit, move, dissolve, import, export; grant, withdraw.

Everything is loaded through the same scope as the pages (`people.organizations.get_managed_organization_or_404`,
`people.roles.get_managed_role_or_404`, `access.filter_roster`): out of scope is a 404. A refusal users
can cause is a 422 `{detail, errors: [{field, message}]}`, as a body that does not validate.
"""

from typing import Literal

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dangxiao.core import access
from dangxiao.people import org_tree_io, organizations, roles, selectors
from dangxiao.people.models import Organization, Role
from dangxiao.people.roster import RosterFileError
from dangxiao.school.first_run import committee_create

from .openapi import binary
from .params import Id, PageNumber, PageSize
from .school import paginate

router = Router(tags=["organizations"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Kind = Literal["working_committee", "committee", "general_branch", "branch", "group"]
UnitType = Literal["sub_district", "community", "organ", "enterprise", "social", "new_employment", "institution"]
RoleKind = Literal["principal", "vice_principal", "dean", "org_admin", "teacher"]


class FieldError(Schema):
    field: str | None
    message: str


class Invalid(Schema):
    detail: str
    errors: list[FieldError] = []


class Detail(Schema):
    detail: str


# The services name the form's fields; the API names what was sent, as a body that does not validate does.
API_FIELDS = {"parent": "parent_id", "member": "member_id", "organization": "organization_id"}


def _invalid(exc: organizations.OrganizationError) -> Status:
    field = f"body.{API_FIELDS.get(exc.field, exc.field)}" if exc.field else None
    return Status(422, {"detail": str(exc), "errors": [{"field": field, "message": str(exc)}]})


class OrganizationRecord(Schema):
    id: int
    name: str
    short_name: str
    code: str
    kind: str
    kind_label: str
    unit_type: str
    parent_id: int | None
    dissolved_on: str | None
    dissolved_reason: str


def _org(org: Organization) -> dict:
    parent = Organization.objects.get_parent(org) if not org.is_root() else None
    return {
        "id": org.pk,
        "name": org.name,
        "short_name": org.short_name,
        "code": org.code,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "unit_type": org.unit_type,
        "parent_id": parent.pk if parent else None,
        "dissolved_on": org.dissolved_on.isoformat() if org.dissolved_on else None,
        "dissolved_reason": org.dissolved_reason,
    }


class OrganizationIn(Schema):
    parent_id: Id
    name: str = Field(max_length=100)
    short_name: str = Field("", max_length=40)
    code: str = Field(max_length=40)
    kind: Kind
    unit_type: UnitType


class OrganizationPatch(Schema):
    name: str | None = Field(None, max_length=100)
    short_name: str | None = Field(None, max_length=40)
    code: str | None = Field(None, max_length=40)
    kind: Kind | None = None
    unit_type: UnitType | None = None


class MoveIn(Schema):
    parent_id: Id


class DissolveIn(Schema):
    reason: str = Field(max_length=200)


ERRORS = {404: Detail, 422: Invalid}


# --- Reads ---------------------------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    kind_label: str
    unit_type: str
    parent_id: int | None = None
    member_count: int = 0
    children: list["OrganizationOut"] = []


OrganizationOut.model_rebuild()


def _tree_node(node: dict, parent_id: int | None) -> dict:
    org = node["org"]
    return {
        "id": org.id,
        "name": org.name,
        "code": org.code,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "unit_type": org.unit_type,
        "parent_id": parent_id,
        "member_count": org.member_count,
        "children": [_tree_node(child, org.id) for child in node["children"]],
    }


@router.get("/organizations", response=list[OrganizationOut], summary="The current organisation tree in scope, with member counts")
def organization_tree(request):
    return [_tree_node(node, None) for node in selectors.organization_tree(request.user)]


@router.get("/organizations/{org_id}", response={200: OrganizationOut, 404: Detail}, summary="One organisation in scope")
def organization_detail(request, org_id: Id):
    org = access.get_organization_or_404(request.user, org_id)
    parent = Organization.objects.get_parent(org)
    return {
        "id": org.id,
        "name": org.name,
        "code": org.code,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "unit_type": org.unit_type,
        "parent_id": parent.id if parent else None,
        "member_count": org.members.current().count(),
        "children": [],
    }


# --- Writes --------------------------------------------------------------------------------------


@router.post("/organizations", response={201: OrganizationRecord, **ERRORS}, summary="Add an organisation under a parent in scope")
def organization_create(request, body: OrganizationIn):
    parent = organizations.get_managed_organization_or_404(request.user, body.parent_id)
    try:
        org = organizations.organization_add(request.user, parent, request=request, **body.dict(exclude={"parent_id"}))
    except organizations.OrganizationError as exc:
        return _invalid(exc)
    return Status(201, _org(org))


@router.patch(
    "/organizations/{org_id}", response={200: OrganizationRecord, **ERRORS}, summary="Rename, re-code or re-classify an organisation"
)
def organization_update(request, org_id: Id, body: OrganizationPatch):
    org = organizations.get_managed_organization_or_404(request.user, org_id)
    fields = {k: getattr(org, k) for k in ("name", "short_name", "code", "kind", "unit_type")}
    fields |= body.dict(exclude_none=True)
    try:
        org = organizations.organization_update(request.user, org, request=request, **fields)
    except organizations.OrganizationError as exc:
        return _invalid(exc)
    return _org(org)


@router.post(
    "/organizations/{org_id}/move",
    response={200: OrganizationRecord, **ERRORS},
    summary="Move an organisation and its subtree under another parent",
)
def organization_move(request, org_id: Id, body: MoveIn):
    org = organizations.get_managed_organization_or_404(request.user, org_id)
    parent = organizations.get_managed_organization_or_404(request.user, body.parent_id)
    try:
        org = organizations.organization_move(request.user, org, parent, request=request)
    except organizations.OrganizationError as exc:
        return _invalid(exc)
    return _org(org)


def _dissolve(request, org_id: int, reason: str):
    org = organizations.get_managed_organization_or_404(request.user, org_id)
    try:
        org = organizations.organization_dissolve(request.user, org, reason=reason, request=request)
    except organizations.OrganizationError as exc:
        return _invalid(exc)
    return _org(org)


@router.post(
    "/organizations/{org_id}/dissolve",
    response={200: OrganizationRecord, **ERRORS},
    summary="Dissolve (retire) an organisation with no members and no current child; its row stays",
)
def organization_dissolve(request, org_id: Id, body: DissolveIn):
    return _dissolve(request, org_id, body.reason)


class DissolveQuery(Schema):
    reason: str = Field(max_length=200)


@router.delete(
    "/organizations/{org_id}", response={200: OrganizationRecord, **ERRORS}, summary="Dissolve (retire) an organisation: as POST …/dissolve"
)
def organization_delete(request, org_id: Id, query: Query[DissolveQuery]):
    return _dissolve(request, org_id, query.reason)


class CommitteeIn(Schema):
    name: str = Field(max_length=100)
    code: str = Field(max_length=40)
    unit_type: UnitType = "sub_district"
    school_name: str = Field(max_length=100)
    school_brand: str = Field("", max_length=40)
    principal_username: str = Field(max_length=150, description="An existing account is appointed; otherwise one is created")
    principal_name: str = Field("", max_length=150, description="Required for a new account")


class CommitteeOut(Schema):
    committee: OrganizationRecord
    school_id: int
    principal_username: str
    temporary_password: str = Field("", description="Set when the principal's account was created: shown this once")


@router.post(
    "/working-committees",
    response={201: CommitteeOut, **ERRORS},
    summary="A new working committee (党工委) with its school and principal (superusers only)",
)
def working_committee_create(request, body: CommitteeIn):
    access.require(request.user.is_superuser)
    try:
        created = committee_create(request.user, request=request, **body.dict())
    except organizations.OrganizationError as exc:
        return _invalid(exc)
    return Status(
        201,
        {
            "committee": _org(created.committee),
            "school_id": created.school.pk,
            "principal_username": created.principal.username,
            "temporary_password": created.temporary_password,
        },
    )


# --- The tree as a spreadsheet -------------------------------------------------------------------


@router.get(
    "/organization-tree/export",
    response={200: None, 404: Detail},
    summary="The organisations the caller manages as .xlsx",
    openapi_extra=binary(XLSX, "所管理的组织（.xlsx）"),
)
def tree_export(request):
    access.require(access.scope_for(request.user).is_staff)
    response = HttpResponse(org_tree_io.export_workbook(request.user), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=organizations.xlsx"
    return response


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class TreeImportOut(Schema):
    created: int
    updated: int
    moved: int
    unchanged: int
    committed: bool
    errors: list[RowErrorOut]


@router.post(
    "/organization-tree/import",
    response={200: TreeImportOut, 404: Detail, 422: TreeImportOut},
    summary="Import the organisation tree (.xlsx); all or nothing; dry_run previews",
)
def tree_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    access.require(access.scope_for(request.user).is_staff)
    try:
        result = org_tree_io.tree_import(request.user, file.read(), dry_run=dry_run, request=request)
    except RosterFileError as exc:
        empty = {"created": 0, "updated": 0, "moved": 0, "unchanged": 0, "committed": False}
        return Status(422, {**empty, "errors": [{"row": 0, "column": "", "message": str(exc)}]})
    return Status(422 if result.errors else 200, result.as_dict())


# --- Roles ---------------------------------------------------------------------------------------


class RoleOut(Schema):
    id: int
    kind: str
    kind_label: str
    organization_id: int
    organization: str
    username: str
    name: str


class GrantOut(RoleOut):
    created: bool
    temporary_password: str = Field("", description="Set when an account was created for the member: shown this once")


class RolePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RoleOut]


class RoleQuery(Schema):
    organization_id: Id | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


class GrantIn(Schema):
    organization_id: Id
    kind: RoleKind
    member_id: Id


def _role(role: Role) -> dict:
    return {
        "id": role.pk,
        "kind": role.kind,
        "kind_label": role.get_kind_display(),
        "organization_id": role.organization_id,
        "organization": role.organization.name,
        "username": role.user.username,
        "name": role.user.first_name,
    }


@router.get("/roles", response={200: RolePage, 404: Detail}, summary="Roles held in the organisations the caller manages")
def role_list(request, query: Query[RoleQuery]):
    access.require(access.scope_for(request.user).is_staff)
    qs = roles.managed_roles(request.user).select_related("user", "organization").order_by("organization__path", "kind", "id")
    if query.organization_id:
        org = organizations.get_managed_organization_or_404(request.user, query.organization_id)
        qs = qs.filter(organization=org)
    return paginate(qs, query, _role)


@router.post(
    "/roles", response={201: GrantOut, 200: GrantOut, **ERRORS}, summary="Grant a role to a member, within the caller's rank and subtree"
)
def role_grant(request, body: GrantIn):
    org = organizations.get_managed_organization_or_404(request.user, body.organization_id)
    member = access.get_member_or_404(request.user, body.member_id, access.filter_roster(request.user))
    try:
        grant = roles.role_grant(request.user, org, body.kind, member=member, request=request)
    except roles.RoleError as exc:
        return _invalid(exc)
    out = {**_role(grant.role), "created": grant.created, "temporary_password": grant.temporary_password}
    return Status(201 if grant.created else 200, out)


@router.delete(
    "/roles/{role_id}", response={204: None, **ERRORS}, summary="Withdraw a role (not one's own last board or administrator role)"
)
def role_withdraw(request, role_id: Id):
    role = roles.get_managed_role_or_404(request.user, role_id)
    try:
        roles.role_withdraw(request.user, role, request=request)
    except roles.RoleError as exc:
        return _invalid(exc)
    return Status(204, None)
