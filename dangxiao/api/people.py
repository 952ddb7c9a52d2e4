"""The signed-in user and members (tokens and activation: api/account.py; organisations and roles: api/organizations.py)."""

from datetime import date
from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from dangxiao.core import access
from dangxiao.core.masking import mask_id_number, mask_phone
from dangxiao.core.tables import MAX_EXPORT_ROWS
from dangxiao.people import selectors, services
from dangxiao.people.models import Member
from dangxiao.people.roster import RosterFileError, template_workbook

from .openapi import binary
from .params import MAX_PAGE_SIZE, Id, PageNumber, PageSize

router = Router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    member_id: int | None
    must_change_password: bool


@router.get("/me", response=MeOut, tags=["auth"])
def me(request):
    scope = access.scope_for(request.user)
    return {
        "username": request.user.username,
        "name": request.user.first_name,
        "roles": sorted(scope.role_kinds),
        "member_id": scope.member_id,
        "must_change_password": request.user.must_change_password,
    }


class OrgRef(Schema):
    id: int
    name: str
    code: str


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: date | None
    age: int | None
    ethnicity: str
    education: str
    joined_party_on: date | None
    status: str
    organization: OrgRef
    occupation: str
    industry: str
    phone: str
    id_number: str
    home_compound: str
    is_mobile: bool
    mobile_location: str
    is_elderly_infirm: bool
    is_organ_worker: bool
    is_new_employment: bool
    position: str


def _member(m: Member) -> dict:
    return {
        **{f: getattr(m, f) for f in MemberOut.model_fields if f not in {"organization", "phone", "id_number", "age"}},
        "age": m.age,
        "organization": {"id": m.organization.id, "name": m.organization.name, "code": m.organization.code},
        "phone": mask_phone(m.phone),
        "id_number": mask_id_number(m.id_number),
    }


class MemberPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MemberOut]


class MemberQuery(Schema):
    q: str = ""
    organization: Id | None = None
    status: str = ""
    age_band: str = ""
    industry: str = ""
    position: str = ""
    is_mobile: bool | None = None
    is_elderly_infirm: bool | None = None
    is_organ_worker: bool | None = None
    is_new_employment: bool | None = None
    left: bool = False  # members who left (kept for history) instead of the current roster
    page: PageNumber = 1
    page_size: PageSize = 50


def _filters(request, query: MemberQuery) -> selectors.MemberFilters:
    org = access.get_organization_or_404(request.user, query.organization) if query.organization else None
    flags = tuple(f for f in selectors.FLAGS if getattr(query, f))
    return selectors.MemberFilters(
        q=query.q.strip(),
        organization=org,
        status=query.status,
        age_band=query.age_band,
        industry=query.industry,
        position=query.position,
        flags=flags,
        left=query.left,
    )


@router.get("/members", response=MemberPage, tags=["members"], summary="Members in scope, paginated, masked")
def member_list(request, query: Query[MemberQuery]):
    access.require(access.scope_for(request.user).can_view_roster)
    qs = selectors.member_list(request.user, _filters(request, query))
    page_size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    page = max(1, query.page)
    count = qs.count()
    items = list(qs[(page - 1) * page_size : page * page_size])
    return {"count": count, "page": page, "page_size": page_size, "items": [_member(m) for m in items]}


@router.get(
    "/members/import-template",
    tags=["members"],
    summary="The roster import template (.xlsx)",
    response={200: None},
    openapi_extra=binary(XLSX, "花名册导入模板（.xlsx）"),
)
def member_import_template(request):
    access.require(access.scope_for(request.user).can_import_roster)
    data = template_workbook(access.filter_organizations(request.user).order_by("path"))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=import-template.xlsx"
    return response


class Detail(Schema):
    detail: str


class ExportLayout(Schema):
    layout: Literal["template", "national"] = "template"  # national: 全国党员管理信息系统's columns


@router.get(
    "/members/export",
    tags=["members"],
    summary="The scoped roster as .xlsx (audited)",
    response={200: None, 422: Detail},
    openapi_extra=binary(XLSX, "范围内的花名册（.xlsx）"),
)
def member_export(request, query: Query[MemberQuery], layout: Query[ExportLayout]):
    """Up to MAX_EXPORT_ROWS members at once; a larger roster is refused (422): narrow the filters, or export
    it from the roster page, which builds it on the task queue."""
    access.require(access.scope_for(request.user).can_view_roster)
    filters = _filters(request, query)
    members = selectors.member_list(request.user, filters)
    count = members.count()
    if count > MAX_EXPORT_ROWS:
        message = _("共 %(count)s 人，超过接口单次导出上限 %(limit)s 人：请缩小范围，或在党员名单页面导出（后台生成）")
        return Status(422, {"detail": message % {"count": count, "limit": MAX_EXPORT_ROWS}})
    data = services.roster_export(request.user, members, request=request, description=filters.describe(), layout=layout.layout)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=members.xlsx"
    return response


class ImportError_(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    committed: bool
    errors: list[ImportError_]


@router.post(
    "/members/import", response={200: ImportOut, 422: ImportOut}, tags=["members"], summary="Import a roster (.xlsx); all or nothing"
)
def member_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    access.require(access.scope_for(request.user).can_import_roster)
    dry_run = dry_run or request.GET.get("dry_run", "").lower() in {"1", "true", "yes"}
    try:
        result = services.roster_import(request.user, file.read(), dry_run=dry_run, request=request)
    except RosterFileError as exc:
        return Status(
            422,
            {
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "committed": False,
                "errors": [{"row": 0, "column": "", "message": str(exc)}],
            },
        )
    return Status((422 if result.errors else 200), result.as_dict())


class RevealOut(Schema):
    phone: str
    id_number: str


@router.post(
    "/members/{member_id}/reveal", response=RevealOut, tags=["members"], summary="Full phone and ID number of one member (audited)"
)
def member_reveal(request, member_id: int):
    access.require(access.scope_for(request.user).can_reveal_personal_data)
    member = access.get_member_or_404(request.user, member_id, access.filter_roster(request.user))
    return services.member_reveal(request, member)


@router.get("/members/{member_id}", response=MemberOut, tags=["members"])
def member_detail(request, member_id: int):
    member = access.get_member_or_404(request.user, member_id, Member.objects.select_related("organization"))
    return _member(member)
