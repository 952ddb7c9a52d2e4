"""The liaison grid of a compound: who covers which households, and the rules for changing it.

Reads (`compound_list`, `compound_grid`, `household_rows`) run a fixed number of queries whatever
the size of the compound. Writes (`grid_role_save`, `grid_role_delete`, `party_save`,
`party_delete`) check every rule first and raise GridError with a Chinese message, changing
nothing; the caller has already checked that the actor manages the compound.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.people import normalize
from dangxiao.people.models import Member, User

from .models import OPEN_STATES, Building, Compound, GridRole, Household, Matter, Party
from .selectors import overdue_q

Kind = GridRole.Kind
PARENT_KIND = {Kind.GROUP_LEADER: Kind.AREA_CHIEF, Kind.NEIGHBOUR_LEADER: Kind.GROUP_LEADER}
MIN_HOUSEHOLDS = 5  # below this the page warns (the 12580 method's 5–15 households per 邻长)
MAX_HOUSEHOLDS = 15  # above this a save is refused
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"


class GridError(Exception):
    """A change to the grid that breaks a rule; nothing was changed."""


# --- Reads ---------------------------------------------------------------------------------------


def _count(queryset: QuerySet, outer: str) -> Coalesce:
    """A correlated COUNT(*) subquery, so several counts can be annotated without multiplying joins."""
    sub = queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(c=Count("pk", distinct=True)).values("c")
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def compound_list(user, *, community_id: int | None = None, now: datetime | None = None) -> QuerySet:
    """The compounds the user may see, each with its grid and matter counts (one query)."""
    now = now or timezone.now()
    qs = access.filter_compounds(user, Compound.objects.select_related("community"))
    if community_id:
        qs = qs.filter(community_id=community_id)
    households = Household.objects.all()
    roles = GridRole.objects.all()
    matters = Matter.objects.filter(state__in=OPEN_STATES)
    return qs.annotate(
        building_count=_count(Building.objects.all(), "compound"),
        household_count=_count(households, "building__compound"),
        covered_count=_count(households.filter(grid_roles__kind=Kind.NEIGHBOUR_LEADER), "building__compound"),
        area_chief_count=_count(roles.filter(kind=Kind.AREA_CHIEF), "compound"),
        group_leader_count=_count(roles.filter(kind=Kind.GROUP_LEADER), "compound"),
        neighbour_leader_count=_count(roles.filter(kind=Kind.NEIGHBOUR_LEADER), "compound"),
        open_count=_count(matters, "compound"),
        overdue_count=_count(matters.filter(overdue_q(now)), "compound"),
    ).order_by("community__path", "name")


def compound_communities(user) -> list:
    """The communities of the compounds the user may see, for the filter (one query)."""
    from dangxiao.people.models import Organization

    ids = access.filter_compounds(user).values("community_id")
    return list(Organization.objects.filter(pk__in=ids).only("id", "name", "path").order_by("path"))


def _room_key(room: str) -> tuple:
    """Natural order: 1单元101 < 1单元602 < 2单元101 < 10单元101."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", room))


def household_key(h: Household) -> tuple:
    return (_room_key(h.building.name), _room_key(h.room))


@dataclass
class HouseholdRange:
    building: str
    first: str
    last: str
    count: int

    def __str__(self) -> str:
        rooms = self.first if self.count == 1 else f"{self.first}–{self.last}"
        return _("%(building)s %(rooms)s（%(count)d 户）") % {"building": self.building, "rooms": rooms, "count": self.count}


def household_ranges(households) -> list[HouseholdRange]:
    """Households grouped by building, each group as its first and last room and a count."""
    by_building: dict[str, list[Household]] = {}
    for h in sorted(households, key=household_key):
        by_building.setdefault(h.building.name, []).append(h)
    return [HouseholdRange(name, hs[0].room, hs[-1].room, len(hs)) for name, hs in by_building.items()]


@dataclass
class RoleNode:
    role: GridRole
    children: list["RoleNode"] = field(default_factory=list)
    ranges: list[HouseholdRange] = field(default_factory=list)
    household_count: int = 0
    warning: str = ""

    @property
    def holder_phone(self) -> str:
        return role_phone(self.role)


def role_phone(role: GridRole) -> str:
    return role.phone or (role.member.phone if role.member_id and role.member else "")


@dataclass
class Grid:
    compound: Compound
    roots: list[RoleNode]
    orphans: list[RoleNode]
    uncovered: list[HouseholdRange]
    uncovered_count: int
    household_count: int
    warnings: list[str]
    parties: list[Party]
    roles: list[GridRole]

    @property
    def covered_count(self) -> int:
        return self.household_count - self.uncovered_count


def compound_grid(compound: Compound) -> Grid:
    """The tree 片长 → 组长 → 邻长 with the households each 邻长 covers, the warnings, the households
    nobody covers and the parties (four queries)."""
    roles = list(
        GridRole.objects.filter(compound=compound)
        .select_related("member", "user")
        .prefetch_related("households__building")
        .order_by("kind", "name", "pk")
    )
    households = list(Household.objects.filter(building__compound=compound).select_related("building"))
    nodes = {r.pk: RoleNode(r) for r in roles}
    covered: set[int] = set()
    warnings: list[str] = []
    for node in nodes.values():
        role = node.role
        if role.kind != Kind.NEIGHBOUR_LEADER:
            continue
        mine = list(role.households.all())
        covered.update(h.pk for h in mine)
        node.ranges = household_ranges(mine)
        node.household_count = len(mine)
        if len(mine) < MIN_HOUSEHOLDS:
            node.warning = _("联系 %(count)d 户，少于 %(min)d 户") % {"count": len(mine), "min": MIN_HOUSEHOLDS}
        elif len(mine) > MAX_HOUSEHOLDS:
            node.warning = _("联系 %(count)d 户，超过 %(max)d 户") % {"count": len(mine), "max": MAX_HOUSEHOLDS}
        if node.warning:
            warnings.append(_("邻长%(name)s%(warning)s") % {"name": role.name, "warning": node.warning})
    roots, orphans = [], []
    order = {Kind.AREA_CHIEF: 0, Kind.GROUP_LEADER: 1, Kind.NEIGHBOUR_LEADER: 2}
    for node in sorted(nodes.values(), key=lambda n: (order[n.role.kind], n.role.name, n.role.pk)):
        role = node.role
        parent = nodes.get(role.parent_id)
        if role.kind == Kind.AREA_CHIEF:
            roots.append(node)
        elif parent is not None and parent.role.kind == PARENT_KIND[role.kind]:
            parent.children.append(node)
        else:
            orphans.append(node)
            warnings.append(_("%(kind)s%(name)s没有正确的上级") % {"kind": role.get_kind_display(), "name": role.name})
    uncovered = [h for h in households if h.pk not in covered]
    if uncovered:
        warnings.append(_("%(count)d 户没有邻长联系") % {"count": len(uncovered)})
    return Grid(
        compound=compound,
        roots=roots,
        orphans=orphans,
        uncovered=household_ranges(uncovered),
        uncovered_count=len(uncovered),
        household_count=len(households),
        warnings=warnings,
        parties=list(compound.parties.order_by("kind", "name")),
        roles=roles,
    )


def household_rows(compound: Compound) -> list[Household]:
    """Every household of the compound with its building and the 邻长 covering it (two queries)."""
    rows = list(
        Household.objects.filter(building__compound=compound)
        .select_related("building")
        .prefetch_related("grid_roles")
        .order_by("building__name", "room")
    )
    for h in rows:
        h.neighbour_leader = next((r for r in h.grid_roles.all() if r.kind == Kind.NEIGHBOUR_LEADER), None)
    rows.sort(key=household_key)
    return rows


def compound_members(user, compound: Compound) -> QuerySet:
    """Members who may hold a role in the compound: those of its community's subtree the user sees."""
    return access.filter_members(user, Member.objects.filter(organization__path__startswith=compound.community.path)).order_by("name")


# --- Writes --------------------------------------------------------------------------------------


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(10))


def _account(role: GridRole, member: Member | None, phone: str) -> tuple[User, str | None]:
    """The sign-in account for a role's holder: a member's own account, or a new one with a random
    initial password that must be changed at first sign-in (returned once, never stored)."""
    if member is not None:
        if member.user_id:
            return member.user, None
        username = member.phone
    else:
        if not phone:
            raise GridError(_("创建登录账号需要填写手机号码"))
        username = phone
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        # A resident already holding a grid role elsewhere keeps their account; any other account
        # under that phone number belongs to someone else and is not handed over.
        if member is None and existing.grid_roles.exists() and not Member.objects.filter(user_id=existing.pk).exists():
            return existing, None
        raise GridError(_("手机号 %(phone)s 已有登录账号，不能重复创建") % {"phone": username})
    password = _new_password()
    user = User(username=username, first_name=(member.name if member else role.name)[:150], must_change_password=True)
    user.set_password(password)
    user.save()
    if member is not None:
        Member.objects.filter(pk=member.pk, user__isnull=True).update(user=user)
    return user, password


@dataclass
class RoleSaved:
    role: GridRole
    created: bool
    password: str | None = None  # the initial password of a new account, shown once


def grid_role_save(
    compound: Compound,
    *,
    kind: str,
    parent: GridRole | None = None,
    member: Member | None = None,
    name: str = "",
    phone: str = "",
    households=(),
    create_account: bool = False,
    role: GridRole | None = None,
    actor=None,
) -> RoleSaved:
    """Add a role to the compound's grid, or change `role`.

    Rules: a 组长's parent is a 片长 and a 邻长's a 组长, of this compound; a 片长 has no parent;
    only a 邻长 covers households, 1 to MAX_HOUSEHOLDS of this compound's, none covered by another
    邻长; a role with people under it keeps its kind; a member holder comes from the compound's
    community (`compound_members`). Raises GridError and changes nothing when a rule is broken.

    Sign-in: with `create_account` the holder gets one (a member's own account, or a new one for a
    resident under their phone with a random initial password, returned once in RoleSaved). A role
    whose holder changes loses the old holder's account, so access does not pass with the role.
    """
    if kind not in Kind.values:
        raise GridError(_("请选择职务：片长、组长或邻长"))
    if role is not None and role.compound_id != compound.pk:
        raise GridError(_("该职务不属于本小区"))
    if role is not None and role.kind != kind and role.children.exists():
        raise GridError(_("%(name)s还有下级，不能更改职务类别，请先调整其下级") % {"name": role.name})

    wanted_parent = PARENT_KIND.get(kind)
    if wanted_parent is None:
        if parent is not None:
            raise GridError(_("片长没有上级"))
    else:
        if parent is None:
            raise GridError(_("请选择上级%(kind)s") % {"kind": Kind(wanted_parent).label})
        if parent.compound_id != compound.pk:
            raise GridError(_("上级不属于本小区"))
        if parent.kind != wanted_parent:
            raise GridError(_("%(kind)s的上级必须是%(parent)s") % {"kind": Kind(kind).label, "parent": Kind(wanted_parent).label})
        if role is not None and parent.pk == role.pk:
            raise GridError(_("上级不能是自己"))

    if member is not None:
        if actor is not None and not compound_members(actor, compound).filter(pk=member.pk).exists():
            raise GridError(_("所选党员不在本小区所属社区的范围内"))
        name, phone = member.name, ""
    else:
        name = normalize.clean_text(name)
        if not name:
            raise GridError(_("请选择党员，或填写居民姓名"))
        if len(name) > 40:
            raise GridError(_("姓名不能超过40个字"))
        if phone:
            try:
                phone = normalize.parse_phone(phone)
            except ValueError as exc:
                raise GridError(str(exc)) from None

    household_ids = sorted({h.pk if isinstance(h, Household) else int(h) for h in households})
    if household_ids and kind != Kind.NEIGHBOUR_LEADER:
        raise GridError(_("只有邻长联系住户；%(kind)s不能勾选住户") % {"kind": Kind(kind).label})
    if kind == Kind.NEIGHBOUR_LEADER:
        if not household_ids:
            raise GridError(_("邻长至少要联系 1 户"))
        if len(household_ids) > MAX_HOUSEHOLDS:
            raise GridError(_("邻长最多联系 %(max)d 户，已选 %(count)d 户") % {"max": MAX_HOUSEHOLDS, "count": len(household_ids)})
        found = set(Household.objects.filter(pk__in=household_ids, building__compound=compound).values_list("pk", flat=True))
        if len(found) != len(household_ids):
            raise GridError(_("所选住户不属于本小区"))
        through = GridRole.households.through.objects.filter(household_id__in=household_ids, gridrole__kind=Kind.NEIGHBOUR_LEADER)
        if role is not None:
            through = through.exclude(gridrole_id=role.pk)
        taken = list(through.values_list("household__building__name", "household__room", "gridrole__name").order_by("household_id"))
        if taken:
            shown = "、".join(f"{b}{r}（{who}）" for b, r, who in taken[:5])
            more = _("等 %(count)d 户") % {"count": len(taken)} if len(taken) > 5 else ""
            raise GridError(_("一户只能由一位邻长联系：%(households)s%(more)s已有邻长") % {"households": shown, "more": more})

    with transaction.atomic():
        created = role is None
        if created:
            role = GridRole(compound=compound)
        elif role.member_id != (member.pk if member else None) or (member is None and role.phone != phone):
            role.user = None  # a new holder does not inherit the old holder's sign-in
        role.kind, role.parent, role.member, role.name, role.phone = kind, parent, member, name, phone
        password = None
        if create_account and role.user_id is None:
            role.user, password = _account(role, member, phone)
        role.save()
        role.households.set(household_ids)
    return RoleSaved(role, created, password)


def grid_role_delete(role: GridRole) -> None:
    """Remove a role. Refused while roles hang under it, so no 组长 or 邻长 is left without a parent.
    Its open matters stay with the compound (their assigned role is cleared)."""
    if role.children.exists():
        raise GridError(_("%(name)s还有下级，请先调整或删除其下级") % {"name": role.name})
    role.delete()


def party_save(compound: Compound, *, kind: str, name: str, contact_name: str = "", phone: str = "", party: Party | None = None) -> Party:
    """Add or change a party (物业, 业委会, 志愿者) of the compound. A phone may be a landline."""
    if kind not in Party.Kind.values:
        raise GridError(_("请选择类别：物业、业委会或志愿者"))
    name = normalize.clean_text(name)
    if not name:
        raise GridError(_("名称不能为空"))
    if party is not None and party.compound_id != compound.pk:
        raise GridError(_("该协同方不属于本小区"))
    phone = normalize.clean_text(phone).replace(" ", "")
    if phone and not re.match(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8}|400-?\d{3}-?\d{4})$", phone):
        raise GridError(_("联系电话“%(phone)s”格式不正确（手机号或 0731-12345678 这样的固定电话）") % {"phone": phone})
    party = party or Party(compound=compound)
    party.kind, party.name, party.contact_name, party.phone = kind, name[:80], normalize.clean_text(contact_name)[:40], phone
    party.save()
    return party


def party_delete(party: Party) -> None:
    party.delete()


def household_reveal(request, household: Household) -> dict:
    """One household's full contact, audited."""
    audit_record(
        request,
        "reveal",
        organization_id=household.building.compound.community_id,
        object_type="household",
        object_id=household.pk,
        summary=f"查看住户{household.building.compound.name}{household.building.name}{household.room}的联系方式",
    )
    return {"name": household.contact_name, "phone": household.contact_phone}


def role_reveal(request, role: GridRole) -> dict:
    """One grid role holder's full phone, audited."""
    audit_record(
        request,
        "reveal",
        organization_id=role.compound.community_id,
        object_type="grid_role",
        object_id=role.pk,
        summary=f"查看{role.compound.name}{role.get_kind_display()}{role.name}的手机号",
    )
    return {"name": role.name, "phone": role_phone(role)}
