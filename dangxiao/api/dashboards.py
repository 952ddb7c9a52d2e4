"""The board's and secretaries' dashboard figures as JSON (the home page's, from the same selector), and
the lobby screens' kiosk accounts (created and retired by the board)."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.core.params import year_param
from dangxiao.people.models import Organization
from dangxiao.people.selectors import scope_root
from dangxiao.reports import dashboards, duties, kiosk

from .cohorts import ErrorBody
from .params import Id

router = Router(tags=["dashboards"])


class HomeQuery(Schema):
    org: Id | None = Field(None, description="组织（默认：调用者管理的最高组织）")
    year: int | None = Field(None, description="年度（默认：今年）")


class FigureOut(Schema):
    key: str
    label: str
    value: float | None
    target: float | None
    url: str = Field(description="背后记录的页面地址（已筛选）")


class ComplianceOut(Schema):
    organization_id: int
    organization: str
    is_self: bool
    members: int
    exempt: int
    met: int
    at_risk: int
    met_rate: float | None
    url: str


class MonthOut(Schema):
    month: int
    sessions_held: int
    person_times: int
    venues_active: int


class DutyOut(Schema):
    label: str
    count: int
    url: str
    level: str


class HomeOut(Schema):
    organization_id: int
    organization: str
    year: int
    refreshed_at: datetime | None
    figures: list[FigureOut]
    compliance: list[ComplianceOut] = Field(description="学时达标率由低到高")
    months: list[MonthOut]
    duties: list[DutyOut]


def _number(value) -> float | None:
    return None if value is None else float(value)


@router.get(
    "/dashboards/home",
    response={200: HomeOut, 404: ErrorBody},
    summary="The caller's home-page figures (board: the school; secretary: their subtree), each with the link to its records",
)
def home(request, query: Query[HomeQuery]):
    scope = access.scope_for(request.user)
    access.require(scope.is_staff)
    if query.org:
        q = access.staff_q(scope, "path")
        orgs = Organization.objects.all() if q is None else Organization.objects.filter(q)
        root = access.get_organization_or_404(request.user, query.org, orgs)
    else:
        root = scope_root(request.user)
        access.require(root is not None)
    today = timezone.localdate()
    year = year_param(query.year, today.year)
    d = dashboards.dashboard(request.user, root, year, today=today)
    return {
        "organization_id": root.pk,
        "organization": root.name,
        "year": year,
        "refreshed_at": d.refreshed_at,
        "figures": [
            {"key": f.key, "label": f.label, "value": _number(f.value), "target": _number(f.target), "url": f.url}
            for f in d.figures.values()
        ],
        "compliance": [
            {
                "organization_id": r.organization.pk,
                "organization": r.organization.name,
                "is_self": r.is_self,
                "members": r.members,
                "exempt": r.exempt,
                "met": r.met,
                "at_risk": r.at_risk,
                "met_rate": r.met_rate,
                "url": r.url,
            }
            for r in d.compliance
        ],
        "months": [{"month": m, "sessions_held": h, "person_times": p, "venues_active": v} for m, h, p, v in d.by_month],
        "duties": [{"label": x.label, "count": x.count, "url": x.url, "level": x.level} for x in duties.duties(request.user, today)],
    }


class KioskOut(Schema):
    id: int
    name: str
    school_id: int
    created_at: datetime
    retired_at: datetime | None


class KioskIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    school_id: Id | None = Field(None, description="默认：调用者所在校务委员会的党校")


class KioskCreated(KioskOut):
    link: str = Field(description="大屏登录链接（只显示这一次）")


def _kiosk(k) -> dict:
    return {"id": k.pk, "name": k.name, "school_id": k.school_id, "created_at": k.created_at, "retired_at": k.retired_at}


@router.get(
    "/kiosks", response={200: list[KioskOut], 404: ErrorBody}, summary="The lobby screens' accounts of the caller's schools (board)"
)
def kiosk_list(request):
    access.require(access.board_schools(request.user).exists())
    return [_kiosk(k) for k in access.filter_kiosks(request.user)[:100]]


@router.post(
    "/kiosks",
    response={201: KioskCreated, 404: ErrorBody, 422: ErrorBody},
    summary="Create a lobby screen's account; its sign-in link is returned once",
)
def kiosk_create(request, body: KioskIn):
    schools = access.board_schools(request.user).order_by("organization__depth", "pk")
    school = schools.filter(pk=body.school_id).first() if body.school_id else schools.first()
    access.require(school is not None)
    try:
        account, key = kiosk.kiosk_create(request.user, school, body.name, request=request)
    except kiosk.KioskError as exc:
        return Status(422, {"detail": str(exc), "errors": [{"field": "name", "message": str(exc)}]})
    return Status(201, {**_kiosk(account), "link": request.build_absolute_uri(f"/lobby/enter/{key}/")})


@router.post(
    "/kiosks/{kiosk_id}/retire",
    response={200: KioskOut, 404: ErrorBody, 422: ErrorBody},
    summary="Retire a lobby screen's account: the screen is signed out, its link stops working",
)
def kiosk_retire(request, kiosk_id: Id):
    account = access.get_kiosk_or_404(request.user, kiosk_id, access.filter_kiosks(request.user).select_related("school"))
    try:
        kiosk.kiosk_retire(request.user, account, request=request)
    except kiosk.KioskError as exc:
        return Status(422, {"detail": str(exc), "errors": [{"field": "kiosk_id", "message": str(exc)}]})
    return _kiosk(account)
