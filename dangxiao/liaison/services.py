"""Write paths of the matter lifecycle: report, accept, assign, progress, resolve, close, merge,
confirm, reopen, follow up, and escalate when a deadline passes.

Every change is one MatterUpdate (who, when, from → to, a note). Every function takes `now`, so
that tests and the periodic jobs drive the clock. Errors a user can cause raise MatterError with a
Chinese message and change nothing.
"""

import hashlib
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangxiao.core.uploads import PHOTO_KINDS, check_upload
from dangxiao.people.models import Member

from .models import (
    LEVEL_KIND,
    LEVELS,
    OPEN_STATES,
    STATE_TYPES,
    Building,
    Compound,
    GridRole,
    Household,
    Level,
    Matter,
    MatterCategory,
    MatterPhoto,
    MatterUpdate,
    Party,
    StateType,
)
from .selectors import compound_committee_id

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
MAX_PHOTOS = 3
# Anti-abuse for reports without an account: per address and per phone, within a window.
LIMITS = {"address_hour": 5, "address_day": 20, "phone_day": 5}
FOLLOW_UP_AFTER = timedelta(days=7)
DUPLICATE_WINDOW = timedelta(days=30)
KIND_LEVEL = {kind: level for level, kind in LEVEL_KIND.items()}


class MatterError(Exception):
    """A refusal a user can cause; the message is shown as is."""


class RateLimited(MatterError):
    """A report refused because its address or phone has reported too much lately (HTTP 429)."""

    def __init__(self, message, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def fingerprint(address: str | None) -> str:
    """A keyed hash of the reporting address: enough to rate-limit, useless to identify anyone."""
    if not address:
        return ""
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]


def check_report_limits(*, fingerprint: str, phone: str, now: datetime) -> None:
    """Refuse a public report when the same address (QR page) or phone (QR page and Open311) has reported
    too much lately. Open311 posts are limited per key instead of per address (liaison.open311)."""
    recent = Matter.objects.filter(source__in=[Matter.Source.PUBLIC, Matter.Source.OPEN311])
    if fingerprint:
        by_address = recent.filter(source=Matter.Source.PUBLIC, reporter_fingerprint=fingerprint)
        if by_address.filter(created_at__gte=now - timedelta(hours=1)).count() >= LIMITS["address_hour"]:
            raise RateLimited(_("提交过于频繁，请一小时后再试"), retry_after=3600)
        if by_address.filter(created_at__gte=now - timedelta(days=1)).count() >= LIMITS["address_day"]:
            raise RateLimited(_("今天从这个网络提交的反映已经很多了，请明天再试，或直接联系您的邻长"), retry_after=86400)
    if phone and recent.filter(reporter_phone=phone, created_at__gte=now - timedelta(days=1)).count() >= LIMITS["phone_day"]:
        raise RateLimited(_("这个手机号今天已提交多条反映，请明天再试，或直接联系您的邻长"), retry_after=86400)


def actor_label(user) -> str:
    """How an actor appears in the history: the member's name with their grid role, or the account.

    The label is stored with the update, so it is always written in Chinese (whatever language the
    actor reads), and worked out once per user object (two queries)."""
    if user is None:
        return "反映人"
    cached = getattr(user, "_dangxiao_actor_label", None)
    if cached is not None:
        return cached
    member = Member.objects.filter(user_id=user.pk).values_list("name", flat=True).first()
    role = GridRole.objects.filter(user_id=user.pk).first()
    name = member or (role.name if role else "") or user.get_full_name() or user.get_username()
    with translation.override("zh-hans"):
        label = f"{name}（{role.get_kind_display()}）" if role else name
    user._dangxiao_actor_label = label
    return label


def _log(
    matter: Matter, kind: str, *, actor=None, label: str = "", note: str = "", public: bool = True, from_state: str = "", now: datetime
) -> MatterUpdate:
    matter.updated_at = now
    Matter.objects.filter(pk=matter.pk).update(updated_at=now)
    return MatterUpdate.objects.create(
        matter=matter,
        at=now,
        kind=kind,
        actor=actor,
        actor_label=label or actor_label(actor),
        from_state=from_state,
        to_state=matter.state,
        note=note.strip()[:1000],
        public=public,
    )


def _deadlines(matter: Matter, now: datetime, *, first: bool = False) -> None:
    """Deadlines counted from `now`. `first` when they start a cycle (a report, a reopening): they are
    then also the original deadlines that keep a late matter overdue; an escalation renews only the
    current level's."""
    category = matter.category
    if matter.accepted_at is None:
        matter.respond_by = now + timedelta(hours=category.respond_hours)
    matter.resolve_by = now + timedelta(days=category.resolve_days)
    if first:
        # After a reopening the response is long done: only the fix is due again.
        matter.first_respond_by = matter.respond_by if matter.accepted_at is None else None
        matter.first_resolve_by = matter.resolve_by


def responsible_role(compound: Compound, *, household: Household | None = None, building: Building | None = None) -> GridRole | None:
    """Who answers first: the household's 邻长; else a 邻长 of the building; else the nearest level up."""
    roles = GridRole.objects.filter(compound=compound)
    if household is not None:
        role = roles.filter(kind=GridRole.Kind.NEIGHBOUR_LEADER, households=household).first()
        if role:
            return role
    if building is not None:
        role = roles.filter(kind=GridRole.Kind.NEIGHBOUR_LEADER, households__building=building).distinct().order_by("pk").first()
        if role:
            return role
    for kind in (GridRole.Kind.GROUP_LEADER, GridRole.Kind.AREA_CHIEF):
        role = roles.filter(kind=kind).order_by("pk").first()
        if role:
            return role
    return None


def _clean_phone(phone: str) -> str:
    phone = re.sub(r"\s|-", "", phone or "")
    if phone and not PHONE_RE.match(phone):
        raise MatterError(_("手机号码格式不对，应为 11 位手机号"))
    return phone


def _add_photos(matter: Matter, photos, stage: str) -> None:
    for upload in photos:
        kind = check_upload(upload, PHOTO_KINDS)
        MatterPhoto.objects.create(matter=matter, stage=stage, file=upload, content_type=kind.content_type)


def check_photos(photos) -> None:
    """Refuse before anything is written: too many photos, or one of the wrong type or size."""
    from django.core.exceptions import ValidationError

    if len(photos) > MAX_PHOTOS:
        raise MatterError(_("最多上传 %(count)s 张照片") % {"count": MAX_PHOTOS})
    for i, upload in enumerate(photos, start=1):
        try:
            check_upload(upload, PHOTO_KINDS)
        except ValidationError as exc:
            raise MatterError(_("第 %(number)s 张照片：%(error)s") % {"number": i, "error": exc.messages[0]}) from None


@transaction.atomic
def matter_report(
    compound: Compound,
    *,
    category: MatterCategory,
    description: str,
    location: str = "",
    building: Building | None = None,
    household: Household | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos=(),
    source: str = Matter.Source.PUBLIC,
    recorded_by=None,
    address_fingerprint: str = "",
    open311_client=None,
    latitude=None,
    longitude=None,
    now: datetime | None = None,
) -> Matter:
    """A new matter in `compound`, unconfirmed (待受理) until a grid leader accepts it — unless a
    grid leader or staff member records it on a resident's behalf, which accepts it at once.
    Public reports are rate-limited per address and phone. Refusals raise MatterError."""
    now = now or timezone.now()
    description = (description or "").strip()
    if not description:
        raise MatterError(_("请描述遇到的问题"))
    if len(description) > 1000:
        raise MatterError(_("描述不能超过 1000 字"))
    if not category.active:
        raise MatterError(_("该类别已停用，请选择其他类别"))
    if category.working_committee_id != compound_committee_id(compound):
        raise MatterError(_("该类别不属于本小区所在党工委，请选择其他类别"))
    if building is not None and building.compound_id != compound.pk:
        raise MatterError(_("楼栋不属于该小区"))
    if household is not None and household.building.compound_id != compound.pk:
        raise MatterError(_("住户不属于该小区"))
    phone = _clean_phone(reporter_phone)
    photos = list(photos)
    check_photos(photos)
    if source in (Matter.Source.PUBLIC, Matter.Source.OPEN311):
        check_report_limits(fingerprint=address_fingerprint if source == Matter.Source.PUBLIC else "", phone=phone, now=now)
    role = responsible_role(compound, household=household, building=building or (household.building if household else None))
    matter = Matter(
        compound=compound,
        category=category,
        description=description,
        location=(location or "").strip()[:100],
        building=building or (household.building if household else None),
        household=household,
        latitude=latitude if latitude is not None else compound.latitude,
        longitude=longitude if longitude is not None else compound.longitude,
        source=source,
        reporter_name=(reporter_name or "").strip()[:40],
        reporter_phone=phone,
        reporter_fingerprint=address_fingerprint,
        open311_client=open311_client,
        recorded_by=recorded_by,
        assigned_role=role,
        level=KIND_LEVEL[role.kind] if role else Level.COMMUNITY,
        created_at=now,
        updated_at=now,
    )
    _deadlines(matter, now, first=True)
    matter.save()
    _add_photos(matter, photos, MatterPhoto.Stage.REPORT)
    label = actor_label(recorded_by) if recorded_by else (matter.reporter_name or "居民")
    _log(matter, MatterUpdate.Kind.REPORTED, actor=recorded_by, label=label, note="", now=now)
    if recorded_by is not None:
        _accept(matter, recorded_by, "代居民登记并受理", now)
    return matter


def _accept(matter: Matter, actor, note: str, now: datetime) -> None:
    before = matter.state
    matter.state = "accepted"
    matter.accepted_at = now
    matter.respond_by = matter.respond_by or now
    matter.save()
    _log(matter, MatterUpdate.Kind.ACCEPTED, actor=actor, note=note, from_state=before, now=now)


def _locked(matter: Matter) -> Matter:
    return Matter.objects.select_for_update().select_related("category", "compound").get(pk=matter.pk)


def _require_open(matter: Matter) -> None:
    if not matter.is_open:
        if matter.state_type == StateType.FIXED:
            raise MatterError(_("事项已解决，不能再办理；如需继续，请先重新打开"))
        raise MatterError(_("事项已关闭，不能再办理；如需继续，请先重新打开"))


@transaction.atomic
def matter_accept(matter: Matter, actor, *, note: str = "", now: datetime | None = None) -> Matter:
    """待受理 → 已受理: a grid leader confirms the report is real. Fails if already accepted."""
    now = now or timezone.now()
    matter = _locked(matter)
    if matter.state != "reported":
        raise MatterError(_("事项已受理过了"))
    _accept(matter, actor, note, now)
    return matter


@transaction.atomic
def matter_assign(
    matter: Matter,
    actor,
    *,
    role: GridRole | None = None,
    member: Member | None = None,
    party: Party | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Matter:
    """Hand the matter to one grid leader, member, property company or owners' committee."""
    now = now or timezone.now()
    matter = _locked(matter)
    _require_open(matter)
    targets = [t for t in (role, member, party) if t is not None]
    if len(targets) != 1:
        raise MatterError(_("请选择一个承办对象"))
    if role is not None and role.compound_id != matter.compound_id:
        raise MatterError(_("网格职务不属于该小区"))
    if party is not None and party.compound_id != matter.compound_id:
        raise MatterError(_("协同方不属于该小区"))
    before = matter.state
    if matter.accepted_at is None:
        matter.accepted_at = now
    matter.assigned_role, matter.assigned_member, matter.assigned_party = role, member, party
    if role is not None:
        matter.level = KIND_LEVEL[role.kind]
    matter.state = "assigned"
    matter.save()
    target = targets[0]
    with translation.override("zh-hans"):  # the note is stored: written in Chinese whoever acts
        who = f"{target.get_kind_display()} {target.name}" if isinstance(target, GridRole | Party) else f"党员 {target.name}"
    _log(
        matter,
        MatterUpdate.Kind.ASSIGNED,
        actor=actor,
        note=f"指派给{who}" + (f"：{note.strip()}" if note.strip() else ""),
        from_state=before,
        now=now,
    )
    return matter


@transaction.atomic
def matter_set_state(matter: Matter, actor, state: str, *, note: str = "", public: bool = True, now: datetime | None = None) -> Matter:
    """Move an open matter to another open state (办理中…) or close it (not ours, withdrawn).
    Resolving goes through `matter_resolve`, duplicates through `matter_merge`."""
    now = now or timezone.now()
    if state not in STATE_TYPES:
        raise MatterError(_("未知的状态"))
    if state in ("resolved", "duplicate", "reported"):
        raise MatterError(_("请使用对应的操作：解决、合并重复"))
    matter = _locked(matter)
    _require_open(matter)
    if state == matter.state:
        raise MatterError(_("事项已是该状态"))
    if STATE_TYPES[state] == StateType.CLOSED and not note.strip():
        raise MatterError(_("关闭事项须说明原因"))
    before = matter.state
    matter.state = state
    if matter.accepted_at is None:
        matter.accepted_at = now
    if STATE_TYPES[state] == StateType.CLOSED:
        matter.closed_at = now
    matter.save()
    _log(matter, MatterUpdate.Kind.STATE, actor=actor, note=note, public=public, from_state=before, now=now)
    return matter


@transaction.atomic
def matter_note(matter: Matter, actor, note: str, *, public: bool = False, label: str = "", now: datetime | None = None) -> MatterUpdate:
    """A note on the matter; `label` names an author who is not a user (an Open311 application)."""
    now = now or timezone.now()
    if not (note or "").strip():
        raise MatterError(_("请填写备注内容"))
    matter = _locked(matter)
    return _log(matter, MatterUpdate.Kind.NOTE, actor=actor, label=label, note=note, public=public, from_state=matter.state, now=now)


def _resolver(matter: Matter, actor) -> Member | None:
    if matter.assigned_member_id:
        return matter.assigned_member
    if matter.assigned_role_id and matter.assigned_role.member_id:
        return matter.assigned_role.member
    return Member.objects.filter(user_id=actor.pk).first() if actor is not None else None


@transaction.atomic
def matter_resolve(matter: Matter, actor, *, households_benefited: int, note: str = "", photos=(), now: datetime | None = None) -> Matter:
    """Record the fix: how many households benefited, a note, optional photos. The reporter can then
    confirm or reopen it, and is asked a week later whether it stayed fixed."""
    now = now or timezone.now()
    try:
        households = int(households_benefited)
    except (TypeError, ValueError):
        raise MatterError(_("受益户数须为整数")) from None
    if households < 1:
        raise MatterError(_("受益户数至少为 1"))
    if households > 5000:
        raise MatterError(_("受益户数过大，请核实"))
    photos = list(photos)
    check_photos(photos)
    matter = _locked(matter)
    _require_open(matter)
    before = matter.state
    matter.state = "resolved"
    matter.resolved_at = now
    matter.accepted_at = matter.accepted_at or now
    matter.households_benefited = households
    matter.resolved_by = _resolver(matter, actor)
    matter.confirmed_fixed_at = None
    matter.follow_up_asked_at = None
    matter.stayed_fixed = None
    matter.save()
    _add_photos(matter, photos, MatterPhoto.Stage.RESOLUTION)
    _log(matter, MatterUpdate.Kind.RESOLVED, actor=actor, note=note or f"已解决，受益 {households} 户", from_state=before, now=now)
    return matter


def _root(matter: Matter) -> Matter:
    seen = set()
    while matter.duplicate_of_id and matter.pk not in seen:
        seen.add(matter.pk)
        matter = matter.duplicate_of
    return matter


@transaction.atomic
def matter_merge(matter: Matter, into: Matter, actor, *, note: str = "", now: datetime | None = None) -> Matter:
    """Close `matter` as a duplicate of `into` (same compound); its reporter follows `into` from then on."""
    now = now or timezone.now()
    into = _root(into)
    if into.pk == matter.pk:
        raise MatterError(_("不能与自身合并"))
    if into.compound_id != matter.compound_id:
        raise MatterError(_("只能合并同一小区的事项"))
    matter = _locked(matter)
    _require_open(matter)
    before = matter.state
    matter.state = "duplicate"
    matter.duplicate_of = into
    matter.closed_at = now
    matter.save()
    _log(matter, MatterUpdate.Kind.MERGED, actor=actor, note=note or f"与 #{into.pk} 重复，已合并处理", from_state=before, now=now)
    into = _locked(into)
    _log(into, MatterUpdate.Kind.MERGED, actor=actor, note=f"合并了重复反映 #{matter.pk}", public=False, from_state=into.state, now=now)
    return matter


@transaction.atomic
def matter_confirm_fixed(matter: Matter, *, note: str = "", now: datetime | None = None) -> Matter:
    """The reporter confirms the fix (from their private link)."""
    now = now or timezone.now()
    matter = _locked(matter)
    if matter.state_type != StateType.FIXED:
        raise MatterError(_("事项尚未解决，暂不能确认"))
    if matter.confirmed_fixed_at is None:
        matter.confirmed_fixed_at = now
        matter.save()
        _log(matter, MatterUpdate.Kind.CONFIRMED, label="反映人", note=note or "居民确认问题已解决", from_state=matter.state, now=now)
    return matter


@transaction.atomic
def matter_reopen(matter: Matter, *, actor=None, note: str = "", now: datetime | None = None) -> Matter:
    """The problem is back, or was closed wrongly: the matter is open again with fresh deadlines."""
    now = now or timezone.now()
    if not (note or "").strip():
        raise MatterError(_("请说明重新打开的原因"))
    matter = _locked(matter)
    if matter.is_open:
        raise MatterError(_("事项仍在办理中"))
    if matter.state == "duplicate":
        raise MatterError(_("重复事项已合并，请关注原事项的进展"))
    before = matter.state
    matter.state = "accepted"
    matter.resolved_at = matter.closed_at = matter.confirmed_fixed_at = None
    matter.follow_up_asked_at = None
    matter.stayed_fixed = None
    matter.households_benefited = 0
    matter.resolved_by = None
    matter.accepted_at = matter.accepted_at or now
    _deadlines(matter, now, first=True)
    matter.save()
    _log(matter, MatterUpdate.Kind.REOPENED, actor=actor, label="" if actor else "反映人", note=note, from_state=before, now=now)
    return matter


@transaction.atomic
def matter_follow_up_answer(matter: Matter, *, stayed_fixed: bool, note: str = "", now: datetime | None = None) -> Matter:
    """The reporter's answer to the one-week question; 'no' reopens the matter."""
    now = now or timezone.now()
    matter = _locked(matter)
    if matter.state_type != StateType.FIXED or matter.follow_up_asked_at is None:
        raise MatterError(_("暂无需要回答的回访"))
    if matter.stayed_fixed is not None:
        raise MatterError(_("已回答过回访"))
    matter.stayed_fixed = stayed_fixed
    matter.save()
    _log(
        matter,
        MatterUpdate.Kind.FOLLOW_UP,
        label="反映人",
        note=("回访：问题未再出现" if stayed_fixed else "回访：问题又出现了") + (f"。{note.strip()}" if note.strip() else ""),
        from_state=matter.state,
        now=now,
    )
    if not stayed_fixed:
        return matter_reopen(matter, note=note or "回访时反映问题又出现了", now=now)
    return matter


# --- Periodic work -----------------------------------------------------------------------------


def _next_level(compound_roles: list[GridRole], matter: Matter) -> tuple[str, GridRole | None]:
    """One step up from the matter's level: the assigned leader's own superior if there is one,
    else any leader of the next kind in the compound; levels nobody holds are skipped."""
    index = LEVELS.index(matter.level) if matter.level in LEVELS else 0
    current = matter.assigned_role
    for level in LEVELS[index + 1 :]:
        kind = LEVEL_KIND.get(level)
        if kind is None:
            return level, None
        if current is not None and current.parent_id:
            parent = next((r for r in compound_roles if r.pk == current.parent_id), None)
            if parent is not None and parent.kind == kind:
                return level, parent
        role = next((r for r in compound_roles if r.kind == kind), None)
        if role is not None:
            return level, role
    return matter.level, matter.assigned_role


def matters_escalate(now: datetime | None = None) -> int:
    """Move every open matter whose deadline has passed one level up the grid (邻长 → 组长 → 片长 →
    社区 → 街道), with fresh deadlines at the new level. Returns how many moved."""
    now = now or timezone.now()
    overdue = Matter.objects.filter(state__in=OPEN_STATES).exclude(level=Level.SUB_DISTRICT)
    late_response = overdue.filter(state="reported", respond_by__lt=now)
    late_resolution = overdue.exclude(state="reported").filter(resolve_by__lt=now)
    moved = 0
    for pk in list(late_response.values_list("pk", flat=True)) + list(late_resolution.values_list("pk", flat=True)):
        with transaction.atomic():
            matter = Matter.objects.select_for_update(of=("self",)).select_related("category", "assigned_role").get(pk=pk)
            if matter.state not in OPEN_STATES:
                continue
            late = matter.respond_by if matter.state == "reported" else matter.resolve_by
            if late is None or late >= now:
                continue
            roles = list(GridRole.objects.filter(compound_id=matter.compound_id).order_by("pk"))
            level, role = _next_level(roles, matter)
            if level == matter.level:
                continue
            matter.level = level
            matter.assigned_role = role
            matter.assigned_member = matter.assigned_party = None
            _deadlines(matter, now)
            matter.save()
            what = "响应" if matter.state == "reported" else "办结"
            with translation.override("zh-hans"):
                to = f"{role.get_kind_display()} {role.name}" if role else str(Level(level).label)
            _log(
                matter,
                MatterUpdate.Kind.ESCALATED,
                label="系统",
                note=f"{what}超时，已升级至{to}",
                public=False,
                from_state=matter.state,
                now=now,
            )
            moved += 1
    return moved


def matters_follow_up(now: datetime | None = None) -> int:
    """A week after a fix, ask the reporter whether it stayed fixed (shown on their link and in the
    handlers' follow-up list). Returns how many were asked."""
    now = now or timezone.now()
    due = Matter.objects.filter(state="resolved", resolved_at__lte=now - FOLLOW_UP_AFTER, follow_up_asked_at__isnull=True)
    asked = 0
    for matter in due:
        with transaction.atomic():
            matter.follow_up_asked_at = now
            matter.save(update_fields=["follow_up_asked_at"])
            _log(
                matter,
                MatterUpdate.Kind.FOLLOW_UP,
                label="系统",
                note="解决一周后回访：问题是否再次出现？",
                public=False,
                from_state=matter.state,
                now=now,
            )
            asked += 1
    return asked
