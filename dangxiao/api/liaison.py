"""Residents' liaison over the API, for our own clients: compounds, categories and matters with
their lifecycle.

Compounds and matters are loaded through `access.filter_compounds` / `filter_matters` (404 outside
them). Writes go through `dangxiao.liaison.services`; a refusal users can cause (MatterError) is a
400 with its message. The reporter's phone is masked unless `?reveal=1`, which is audited.
"""

from datetime import datetime
from typing import Literal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.masking import mask_phone
from dangxiao.liaison import selectors, services
from dangxiao.liaison.models import OPEN_STATES, STATE_TYPES, Building, GridRole, Household, Matter, MatterCategory, MatterUpdate, Party
from dangxiao.liaison.selectors import overdue_q
from dangxiao.people.models import Member

from .params import Id
from .school import PageQuery, Ref, paginate, ref

router = Router(tags=["liaison"])


class Detail(Schema):
    detail: str


def _local(dt: datetime | None) -> datetime | None:
    return timezone.localtime(dt) if dt is not None else None


# --- Compounds and categories ------------------------------------------------------------------


class CompoundOut(Schema):
    id: int
    name: str
    community: Ref
    address: str
    latitude: float | None
    longitude: float | None
    open_matters: int


class CompoundPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CompoundOut]


def _compound(c) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "community": ref(c.community),
        "address": c.address,
        "latitude": float(c.latitude) if c.latitude is not None else None,
        "longitude": float(c.longitude) if c.longitude is not None else None,
        "open_matters": c.open_matters,
    }


@router.get("/liaison/compounds", response=CompoundPage, summary="Compounds (小区) whose matters the caller handles")
def compound_list(request, query: Query[PageQuery]):
    qs = (
        access.filter_compounds(request.user)
        .select_related("community")
        .annotate(open_matters=Count("matters", filter=Q(matters__state__in=OPEN_STATES)))
        .order_by("name", "id")
    )
    return paginate(qs, query, _compound)


class CategoryOut(Schema):
    id: int
    working_committee: Ref = Field(description="类别所属的党工委：各党工委各有一套类别")
    code: str = Field(description="也是 Open311 的 service_code")
    name: str
    description: str
    respond_hours: int
    resolve_days: int
    active: bool


@router.get(
    "/liaison/categories",
    response=list[CategoryOut],
    summary="Matter categories (事项类别) of the caller's working committees, with their deadlines",
)
def category_list(request):
    committees = selectors.committee_ids_of(selectors.with_committee(access.filter_compounds(request.user)).only("id"))
    return [
        {
            "id": c.pk,
            "working_committee": ref(c.working_committee),
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "respond_hours": c.respond_hours,
            "resolve_days": c.resolve_days,
            "active": c.active,
        }
        for c in MatterCategory.objects.filter(working_committee_id__in=committees)
        .select_related("working_committee")
        .order_by("working_committee__path", "order", "code")
    ]


# --- Matters -----------------------------------------------------------------------------------


class CategoryRef(Schema):
    code: str
    name: str


class MatterOut(Schema):
    id: int
    compound: Ref
    category: CategoryRef
    description: str
    location: str
    state: str
    state_label: str
    state_type: str = Field(description="open | closed | fixed")
    source: str
    level: str
    level_label: str
    assigned_to: str | None = Field(description="承办的网格职务、党员或协同方")
    assigned_role_id: int | None
    assigned_member_id: int | None
    assigned_party_id: int | None
    duplicate_of_id: int | None
    households_benefited: int
    overdue: bool = Field(description="逾期：自首个期限错过起，直至解决或关闭（升级不改变）")
    deadline: datetime | None = Field(description="当前层级的期限（待受理时为响应期限，其后为办结期限）")
    original_deadline: datetime | None = Field(description="最初的期限（升级前；受理迟于响应期限时为响应期限）")
    created_at: datetime
    updated_at: datetime
    respond_by: datetime | None
    resolve_by: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class MatterPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MatterOut]


class UpdateOut(Schema):
    id: int
    at: datetime
    kind: str
    kind_label: str
    actor: str
    from_state: str
    to_state: str
    note: str
    public: bool


class MatterDetailOut(MatterOut):
    reporter_name: str
    reporter_phone: str = Field(description="反映人手机号，默认脱敏；?reveal=1 显示完整号码并记入审计")
    phone_revealed: bool
    building: Ref | None
    household: Ref | None
    latitude: float | None
    longitude: float | None
    confirmed_fixed_at: datetime | None
    stayed_fixed: bool | None
    updates: list[UpdateOut]


class MatterQuery(PageQuery):
    state: str | None = None
    state_type: Literal["open", "closed", "fixed"] | None = None
    category: str | None = Field(None, description="类别代码")
    compound: Id | None = None
    overdue: bool | None = None


def _assigned(m: Matter) -> str | None:
    if m.assigned_party_id:
        return f"{m.assigned_party.get_kind_display()} {m.assigned_party.name}"
    if m.assigned_member_id:
        return f"党员 {m.assigned_member.name}"
    if m.assigned_role_id:
        return f"{m.assigned_role.get_kind_display()} {m.assigned_role.name}"
    return None


def _labels():
    """A matter's working committee's labels for the states, read once per committee."""
    read: dict[int, dict[str, str]] = {}

    def labels(m: Matter) -> dict[str, str]:
        committee = m.category.working_committee_id
        if committee not in read:
            read[committee] = selectors.state_labels(committee)
        return read[committee]

    return labels


def _matter(m: Matter, labels: dict[str, str], now: datetime) -> dict:
    return {
        "id": m.pk,
        "compound": ref(m.compound),
        "category": {"code": m.category.code, "name": m.category.name},
        "description": m.description,
        "location": m.location,
        "state": m.state,
        "state_label": labels.get(m.state, m.state),
        "state_type": str(STATE_TYPES.get(m.state, "open")),
        "source": m.source,
        "level": m.level,
        "level_label": m.get_level_display(),
        "assigned_to": _assigned(m),
        "assigned_role_id": m.assigned_role_id,
        "assigned_member_id": m.assigned_member_id,
        "assigned_party_id": m.assigned_party_id,
        "duplicate_of_id": m.duplicate_of_id,
        "households_benefited": m.households_benefited,
        "overdue": m.is_overdue(now),
        "deadline": _local(m.current_deadline),
        "original_deadline": _local(m.first_deadline),
        "created_at": _local(m.created_at),
        "updated_at": _local(m.updated_at),
        "respond_by": _local(m.respond_by),
        "resolve_by": _local(m.resolve_by),
        "accepted_at": _local(m.accepted_at),
        "resolved_at": _local(m.resolved_at),
        "closed_at": _local(m.closed_at),
    }


def _matters(request) -> QuerySet:
    return access.filter_matters(request.user, selectors.matter_list(Matter.objects.all()))


@router.get("/liaison/matters", response=MatterPage, summary="Matters (关键小事) of the caller's compounds, newest first")
def matter_list(request, query: Query[MatterQuery]):
    now = timezone.now()
    qs = _matters(request).order_by("-created_at", "-id")
    if query.state:
        qs = qs.filter(state=query.state)
    if query.state_type:
        qs = qs.filter(state__in=[code for code, kind in STATE_TYPES.items() if kind == query.state_type])
    if query.category:
        qs = qs.filter(category__code=query.category)
    if query.compound:
        qs = qs.filter(compound_id=query.compound)
    if query.overdue is not None:
        qs = qs.filter(overdue_q(now)) if query.overdue else qs.exclude(overdue_q(now))
    labels = _labels()
    return paginate(qs, query, lambda m: _matter(m, labels(m), now))


def _detail(request, pk: int, *, reveal: bool = False) -> dict:
    matter = access.get_matter_or_404(request.user, pk, _matters(request).select_related("building", "household"))
    if reveal and matter.reporter_phone:
        access.require(access.can_reveal_reporter(request.user, matter))
        audit_record(
            request,
            "reveal",
            organization_id=matter.compound.community_id,
            object_type="matter",
            object_id=matter.pk,
            summary=f"查看关键小事 #{matter.pk} 反映人的完整手机号",
        )
    updates = MatterUpdate.objects.filter(matter=matter).order_by("at", "id")
    return {
        **_matter(matter, selectors.state_labels(matter.category.working_committee_id), timezone.now()),
        "reporter_name": matter.reporter_name,
        "reporter_phone": matter.reporter_phone if reveal else mask_phone(matter.reporter_phone),
        "phone_revealed": bool(reveal and matter.reporter_phone),
        "building": ref(matter.building),
        "household": ref(matter.household, "room"),
        "latitude": float(matter.latitude) if matter.latitude is not None else None,
        "longitude": float(matter.longitude) if matter.longitude is not None else None,
        "confirmed_fixed_at": _local(matter.confirmed_fixed_at),
        "stayed_fixed": matter.stayed_fixed,
        "updates": [_update(u) for u in updates],
    }


def _update(u: MatterUpdate) -> dict:
    return {
        "id": u.pk,
        "at": _local(u.at),
        "kind": u.kind,
        "kind_label": u.get_kind_display(),
        "actor": u.actor_label,
        "from_state": u.from_state,
        "to_state": u.to_state,
        "note": u.note,
        "public": u.public,
    }


@router.get(
    "/liaison/matters/{matter_id}", response=MatterDetailOut, summary="One matter with its history; ?reveal=1 shows the phone (audited)"
)
def matter_detail(request, matter_id: int, reveal: bool = False):
    return _detail(request, matter_id, reveal=reveal)


class MatterIn(Schema):
    compound_id: int
    category: str = Field(description="类别代码")
    description: str = Field(max_length=1000)
    location: str = Field("", max_length=100)
    building_id: int | None = None
    household_id: int | None = None
    reporter_name: str = Field("", max_length=40)
    reporter_phone: str = Field("", max_length=20)


def _failed(exc: services.MatterError) -> Status:
    return Status(400, {"detail": str(exc)})


@router.post(
    "/liaison/matters",
    response={201: MatterDetailOut, 400: Detail},
    summary="Record a matter on a resident's behalf (accepted at once)",
)
def matter_create(request, body: MatterIn):
    compound = access.get_compound_or_404(request.user, body.compound_id)
    category = selectors.committee_categories(selectors.compound_committee_id(compound)).filter(code=body.category).first()
    access.require(category is not None)
    building = household = None
    if body.building_id:
        building = Building.objects.filter(pk=body.building_id, compound=compound).first()
        access.require(building is not None)
    if body.household_id:
        household = Household.objects.select_related("building").filter(pk=body.household_id, building__compound=compound).first()
        access.require(household is not None)
    try:
        matter = services.matter_report(
            compound,
            category=category,
            description=body.description,
            location=body.location,
            building=building,
            household=household,
            reporter_name=body.reporter_name,
            reporter_phone=body.reporter_phone,
            source=Matter.Source.API,
            recorded_by=request.user,
        )
    except services.MatterError as exc:
        return _failed(exc)
    return Status(201, _detail(request, matter.pk))


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class AssignIn(Schema):
    role_id: int | None = None
    member_id: int | None = None
    party_id: int | None = None
    note: str = Field("", max_length=1000)


class StateIn(Schema):
    state: str
    note: str = Field("", max_length=1000)
    public: bool = True


class ResolveIn(Schema):
    households_benefited: int
    note: str = Field("", max_length=1000)


class MatterNoteIn(Schema):
    note: str = Field(max_length=1000)
    public: bool = False


class MergeIn(Schema):
    into_id: int
    note: str = Field("", max_length=1000)


ACTION = {200: MatterDetailOut, 400: Detail}


def _act(request, matter_id: int, action) -> Status:
    matter = access.get_matter_or_404(request.user, matter_id)
    try:
        action(matter)
    except services.MatterError as exc:
        return _failed(exc)
    return Status(200, _detail(request, matter.pk))


@router.post("/liaison/matters/{matter_id}/accept", response=ACTION, summary="Accept a reported matter (待受理 → 已受理)")
def matter_accept(request, matter_id: int, body: NoteIn):
    return _act(request, matter_id, lambda m: services.matter_accept(m, request.user, note=body.note))


def _assignee(request, matter: Matter, body: AssignIn) -> dict:
    """The one target, loaded within the matter's compound (a member: one the caller can see, or one
    holding a grid role there); anything else is 404."""
    if body.role_id:
        role = GridRole.objects.filter(pk=body.role_id, compound_id=matter.compound_id).first()
        access.require(role is not None)
        return {"role": role}
    if body.member_id:
        visible = access.filter_members(request.user).values("pk")
        member = (
            Member.objects.filter(pk=body.member_id)
            .filter(Q(pk__in=visible) | Q(grid_roles__compound_id=matter.compound_id))
            .distinct()
            .first()
        )
        access.require(member is not None)
        return {"member": member}
    if body.party_id:
        party = Party.objects.filter(pk=body.party_id, compound_id=matter.compound_id).first()
        access.require(party is not None)
        return {"party": party}
    return {}


@router.post("/liaison/matters/{matter_id}/assign", response=ACTION, summary="Hand the matter to a grid role, a member or a party")
def matter_assign(request, matter_id: int, body: AssignIn):
    matter = access.get_matter_or_404(request.user, matter_id)
    if sum(1 for v in (body.role_id, body.member_id, body.party_id) if v) != 1:
        return _failed(services.MatterError(_("请选择一个承办对象")))
    target = _assignee(request, matter, body)
    return _act(request, matter_id, lambda m: services.matter_assign(m, request.user, note=body.note, **target))


@router.post("/liaison/matters/{matter_id}/state", response=ACTION, summary="Move an open matter to another state, or close it")
def matter_state(request, matter_id: int, body: StateIn):
    return _act(request, matter_id, lambda m: services.matter_set_state(m, request.user, body.state, note=body.note, public=body.public))


@router.post("/liaison/matters/{matter_id}/resolve", response=ACTION, summary="Record the fix and how many households benefited")
def matter_resolve(request, matter_id: int, body: ResolveIn):
    return _act(
        request,
        matter_id,
        lambda m: services.matter_resolve(m, request.user, households_benefited=body.households_benefited, note=body.note),
    )


@router.post("/liaison/matters/{matter_id}/notes", response=ACTION, summary="Add a note (private unless public=true)")
def matter_note(request, matter_id: int, body: MatterNoteIn):
    return _act(request, matter_id, lambda m: services.matter_note(m, request.user, body.note, public=body.public))


@router.post("/liaison/matters/{matter_id}/merge", response=ACTION, summary="Close as a duplicate of another matter of the compound")
def matter_merge(request, matter_id: int, body: MergeIn):
    into = access.get_matter_or_404(request.user, body.into_id)
    return _act(request, matter_id, lambda m: services.matter_merge(m, into, request.user, note=body.note))
