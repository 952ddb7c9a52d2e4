"""Residents' liaison (联户): compounds, buildings and households; the 片长/组长/邻长 grid; and the
residents' key small matters (关键小事) with their lifecycle, after FixMyStreet and Open311.

A matter's state is one of a fixed set of codes; each code has a fixed *type* (open, closed,
fixed — what Open311 and the figures read) and a label the school may rename (MatterState).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Compound(models.Model):
    community = models.ForeignKey(Organization, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField(_("小区名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    # The address of the public report page printed on the QR poster; a new token retires old posters.
    public_token = models.CharField(_("公开页令牌"), max_length=32, unique=True, default=new_token)

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_per_community")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(_("楼栋"), max_length=40)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["compound", "name"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="building_unique_per_compound")]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.name}"


class Household(models.Model):
    """A household (户). Its contact is personal data: masked for staff, never shown publicly."""

    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="households")
    room = models.CharField(_("单元门牌"), max_length=40)
    size = models.PositiveSmallIntegerField(_("户人数"), default=1)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["building", "room"]
        constraints = [models.UniqueConstraint(fields=["building", "room"], name="household_unique_per_building")]

    def __str__(self) -> str:
        return f"{self.building.name}{self.room}"


class GridRole(models.Model):
    """片长 / 组长 / 邻长 of a compound, held by a member or a resident. `parent` is the next level up
    the grid (邻长 → 组长 → 片长), which is where an overdue matter escalates to."""

    class Kind(models.TextChoices):
        AREA_CHIEF = "area_chief", _("片长")
        GROUP_LEADER = "group_leader", _("组长")
        NEIGHBOUR_LEADER = "neighbour_leader", _("邻长")

    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="grid_roles")
    kind = models.CharField(_("职务"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    member = models.ForeignKey(Member, verbose_name=_("党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="grid_roles")
    # A resident who is not a member: a name and phone; an account only if they handle matters online.
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="grid_roles")
    households = models.ManyToManyField(Household, verbose_name=_("联系住户"), blank=True, related_name="grid_roles")

    class Meta:
        verbose_name = _("联户网格职务")
        verbose_name_plural = _("联户网格职务")
        ordering = ["compound", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Party(models.Model):
    """Who else a matter can be handed to in a compound: the owners' committee, the property
    company, a volunteer team."""

    class Kind(models.TextChoices):
        OWNERS_COMMITTEE = "owners_committee", _("业委会")
        PROPERTY = "property", _("物业")
        VOLUNTEERS = "volunteers", _("志愿者")

    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=80)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("协同方")
        verbose_name_plural = _("协同方")
        ordering = ["compound", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class MatterCategory(models.Model):
    """What residents can report (the Open311 'service'); deadlines are per category. Each working
    committee has its own (liaison.defaults seeds a new one)."""

    working_committee = models.ForeignKey(Organization, verbose_name=_("所属党工委"), on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=40)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    respond_hours = models.PositiveIntegerField(_("响应时限（小时）"), default=24)
    resolve_days = models.PositiveIntegerField(_("办结时限（天）"), default=7)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["working_committee", "code"], name="category_code_unique_per_committee")]

    def __str__(self) -> str:
        return self.name


class StateType(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已关闭")
    FIXED = "fixed", _("已解决")


# code → (type, default label); the order is the order of the lifecycle.
STATES = {
    "reported": (StateType.OPEN, "待受理"),
    "accepted": (StateType.OPEN, "已受理"),
    "assigned": (StateType.OPEN, "已指派"),
    "in_progress": (StateType.OPEN, "办理中"),
    "resolved": (StateType.FIXED, "已解决"),
    "not_responsible": (StateType.CLOSED, "非职责范围"),
    "duplicate": (StateType.CLOSED, "重复"),
    "withdrawn": (StateType.CLOSED, "已撤回"),
}
STATE_TYPES = {code: kind for code, (kind, _label) in STATES.items()}
OPEN_STATES = tuple(c for c, t in STATE_TYPES.items() if t == StateType.OPEN)
FIXED_STATES = tuple(c for c, t in STATE_TYPES.items() if t == StateType.FIXED)
STATE_CHOICES = [(code, label) for code, (_kind, label) in STATES.items()]


class MatterState(models.Model):
    """A working committee's label for one state code; the codes and their types are fixed (STATE_TYPES)."""

    working_committee = models.ForeignKey(Organization, verbose_name=_("所属党工委"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("代码"), max_length=20, choices=STATE_CHOICES)
    label = models.CharField(_("名称"), max_length=20)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项状态")
        verbose_name_plural = _("事项状态")
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["working_committee", "code"], name="state_label_unique_per_committee")]

    def __str__(self) -> str:
        return self.label

    @property
    def type(self) -> str:
        return STATE_TYPES[self.code]


class Level(models.TextChoices):
    """Where a matter sits on the escalation ladder, from the household up."""

    NEIGHBOUR = "neighbour", _("邻长")
    GROUP = "group", _("组长")
    AREA = "area", _("片长")
    COMMUNITY = "community", _("社区")
    SUB_DISTRICT = "sub_district", _("街道")


LEVELS = [c for c, _label in Level.choices]
LEVEL_KIND = {
    Level.NEIGHBOUR: GridRole.Kind.NEIGHBOUR_LEADER,
    Level.GROUP: GridRole.Kind.GROUP_LEADER,
    Level.AREA: GridRole.Kind.AREA_CHIEF,
}


class Matter(models.Model):
    """A resident's key small matter. Reporter name and phone are for those handling it only."""

    class Source(models.TextChoices):
        PUBLIC = "public", _("居民扫码反映")
        GRID = "grid", _("网格代为登记")
        OPEN311 = "open311", _("Open311 接口")
        API = "api", _("API")

    compound = models.ForeignKey(Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="matters")
    category = models.ForeignKey(MatterCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="matters")
    description = models.TextField(_("描述"), max_length=1000)
    location = models.CharField(_("位置"), max_length=100, blank=True)
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="matters")
    household = models.ForeignKey(
        Household, verbose_name=_("住户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    state = models.CharField(_("状态"), max_length=20, default="reported", db_index=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.PUBLIC)
    reporter_name = models.CharField(_("反映人"), max_length=40, blank=True)
    reporter_phone = models.CharField(_("反映人电话"), max_length=11, blank=True)
    # A hash of the reporting address (never the address itself), for the rate limit.
    reporter_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    open311_client = models.ForeignKey(
        "Open311Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="matters", verbose_name=_("Open311 接入应用")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The reporter's private link (follow, confirm fixed, reopen, answer the follow-up).
    token = models.CharField(max_length=32, unique=True, default=new_token)

    level = models.CharField(_("责任层级"), max_length=20, choices=Level.choices, default=Level.NEIGHBOUR)
    assigned_role = models.ForeignKey(
        GridRole, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    assigned_member = models.ForeignKey(
        Member, verbose_name=_("承办党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="liaison_matters"
    )
    assigned_party = models.ForeignKey(
        Party, verbose_name=_("协同方"), null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    created_at = models.DateTimeField(_("反映时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    respond_by = models.DateTimeField(_("响应期限"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("办结期限"), null=True, blank=True)
    # The deadlines as first set (on report, or on reopening for the fix); escalation moves
    # respond_by/resolve_by to the new level's, never these: a matter stays overdue once late.
    first_respond_by = models.DateTimeField(_("原响应期限"), null=True, blank=True)
    first_resolve_by = models.DateTimeField(_("原办结期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    households_benefited = models.PositiveIntegerField(_("受益户数"), default=0)
    confirmed_fixed_at = models.DateTimeField(_("居民确认解决"), null=True, blank=True)
    follow_up_asked_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    stayed_fixed = models.BooleanField(_("回访：问题未再出现"), null=True, blank=True)
    resolved_by = models.ForeignKey(Member, verbose_name=_("解决人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("关键小事")
        verbose_name_plural = _("关键小事")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["compound", "category", "created_at"], name="matter_nearby")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category.name}"

    @property
    def state_type(self) -> str:
        return STATE_TYPES.get(self.state, StateType.OPEN)

    @property
    def is_open(self) -> bool:
        return self.state_type == StateType.OPEN

    @property
    def current_deadline(self):
        """The deadline of the current level: to respond while still reported, to resolve after that;
        None once closed or fixed."""
        if not self.is_open:
            return None
        return self.respond_by if self.state == "reported" else self.resolve_by

    @property
    def first_deadline(self):
        """The deadline as first set for what is due: the response while still reported, or when it
        came late (accepted after it); the fix otherwise. None once closed or fixed."""
        if not self.is_open:
            return None
        first_respond = self.first_respond_by
        if first_respond is not None and (self.state == "reported" or (self.accepted_at is not None and self.accepted_at > first_respond)):
            return first_respond
        return self.first_resolve_by

    def missed_deadline(self, now) -> tuple[str, object] | None:
        """("respond" | "resolve", when) of the earliest deadline this open matter has missed, or None.

        A matter is overdue from the moment its first deadline passed until it is resolved or closed:
        escalating it gives the new level fresh deadlines but does not make it punctual again.
        `selectors.overdue_q` is the same test in SQL."""
        if not self.is_open:
            return None
        missed = []
        first_respond = self.first_respond_by
        if first_respond is not None and first_respond < now:
            if self.state == "reported" or (self.accepted_at is not None and self.accepted_at > first_respond):
                missed.append((first_respond, "respond"))
        if self.first_resolve_by is not None and self.first_resolve_by < now:
            missed.append((self.first_resolve_by, "resolve"))
        current = self.current_deadline
        if current is not None and current < now:
            missed.append((current, "respond" if self.state == "reported" else "resolve"))
        if not missed:
            return None
        when, kind = min(missed)
        return kind, when

    def is_overdue(self, now) -> bool:
        return self.missed_deadline(now) is not None


class MatterUpdate(models.Model):
    """One change to a matter: who, when, what, and a note. Public notes are the Open311 status_notes
    and appear on the compound's progress board; private notes stay with those handling it."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("反映")
        ACCEPTED = "accepted", _("受理")
        ASSIGNED = "assigned", _("指派")
        STATE = "state", _("状态变更")
        NOTE = "note", _("备注")
        ESCALATED = "escalated", _("逾期升级")
        RESOLVED = "resolved", _("解决")
        CONFIRMED = "confirmed", _("居民确认")
        REOPENED = "reopened", _("重新打开")
        MERGED = "merged", _("合并")
        FOLLOW_UP = "follow_up", _("回访")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    public = models.BooleanField(_("公开"), default=True)

    class Meta:
        verbose_name = _("事项进展")
        verbose_name_plural = _("事项进展")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.get_kind_display()}"


class MatterPhoto(models.Model):
    class Stage(models.TextChoices):
        REPORT = "report", _("反映时")
        RESOLUTION = "resolution", _("解决后")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REPORT)
    file = models.FileField(_("照片"), upload_to="matters/%Y/%m/")
    content_type = models.CharField(max_length=40, default="image/jpeg")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.get_stage_display()}"


class CannedReply(models.Model):
    """A ready-made note offered when a matter moves to a state (FixMyStreet's response templates), set
    up per working committee."""

    working_committee = models.ForeignKey(Organization, verbose_name=_("所属党工委"), on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("状态"), max_length=20, choices=STATE_CHOICES)
    category = models.ForeignKey(MatterCategory, verbose_name=_("类别（空为全部）"), null=True, blank=True, on_delete=models.CASCADE)
    title = models.CharField(_("标题"), max_length=40)
    text = models.TextField(_("内容"), max_length=500)

    class Meta:
        verbose_name = _("常用回复")
        verbose_name_plural = _("常用回复")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class Open311Client(models.Model):
    """An outside application allowed to post requests through Open311 (its api_key), issued by the board."""

    name = models.CharField(_("应用名称"), max_length=80)
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    working_committee = models.ForeignKey(Organization, verbose_name=_("所属党工委"), on_delete=models.CASCADE, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Requests this key may post per hour, set by the board: one app speaks for many residents from one
    # server, so its limit is per key, not per address (the QR page keeps its per-address limits).
    hourly_limit = models.PositiveIntegerField(_("每小时提交上限"), default=60)

    class Meta:
        verbose_name = _("Open311 接入应用")
        verbose_name_plural = _("Open311 接入应用")

    def __str__(self) -> str:
        return self.name
