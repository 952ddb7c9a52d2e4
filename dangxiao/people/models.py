"""Organisations (a materialised-path tree), members, accounts and the roles held on the tree."""

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class User(AbstractUser):
    """An account. Members sign in with their phone number as the username."""

    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")


class Organization(MP_Node):
    """党工委 → 党委 / 党总支 → 党支部 → 党小组. A subtree is a path prefix, so scoping is one LIKE."""

    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", _("党工委")
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        GROUP = "group", _("党小组")

    class UnitType(models.TextChoices):
        SUB_DISTRICT = "sub_district", _("街道")
        COMMUNITY = "community", _("社区")
        ORGAN = "organ", _("机关")
        ENTERPRISE = "enterprise", _("企业/非公")
        SOCIAL = "social", _("社会组织")
        NEW_EMPLOYMENT = "new_employment", _("新就业群体")
        INSTITUTION = "institution", _("事业单位")

    # 基层党组织 (grassroots organisations) are 党委, 党总支 and 党支部: not the 党工委 above them, not 党小组.
    GRASSROOTS_KINDS = (Kind.COMMITTEE, Kind.GENERAL_BRANCH, Kind.BRANCH)

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.CharField(_("组织编码"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    unit_type = models.CharField(_("所在单位类型"), max_length=20, choices=UnitType.choices)
    # Dissolved (撤销) organisations keep their row, path and history; they leave pickers and current trees.
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    # db_default too: rows written by code that predates the column (an older migration state) stay valid.
    dissolved_reason = models.CharField(_("撤销原因"), max_length=200, blank=True, default="", db_default="")

    node_order_by = ["code"]

    class Meta:
        # A subtree is `path LIKE 'prefix%'`; on PostgreSQL that needs a pattern-ops index unless the
        # database collation is C (other backends ignore opclasses and get a plain index).
        indexes = [models.Index(fields=["path"], name="organization_path_prefix", opclasses=["varchar_pattern_ops"])]
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(models.QuerySet):
    def current(self) -> "MemberQuerySet":
        """Members still on the rolls: those who have not left (a member who left keeps their row, for history)."""
        return self.filter(left_on__isnull=True)


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Status(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", _("研究生")
        BACHELOR = "bachelor", _("大学本科")
        COLLEGE = "college", _("大专")
        SECONDARY = "secondary", _("中专/高中")
        JUNIOR = "junior", _("初中及以下")

    class Position(models.TextChoices):
        NONE = "", _("无")
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        COMMITTEE_MEMBER = "committee_member", _("委员")
        PARTY_AFFAIRS_WORKER = "party_affairs_worker", _("党务工作者")

    class LeftReason(models.TextChoices):
        TRANSFERRED_OUT = "transferred_out", _("转出（街道外）")
        DECEASED = "deceased", _("去世")
        REMOVED = "removed", _("出党")
        WITHDREW = "withdrew", _("退党")
        OTHER = "other", _("其他")

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    joined_party_on = models.DateField(_("入党日期"), null=True, blank=True)
    status = models.CharField(_("党员类别"), max_length=20, choices=Status.choices, default=Status.FULL)
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    organization = models.ForeignKey(Organization, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="members")
    occupation = models.CharField(_("职业"), max_length=50, blank=True)
    industry = models.CharField(_("行业"), max_length=30, blank=True, db_index=True)
    phone = models.CharField(_("手机号码"), max_length=11, unique=True)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, null=True, blank=True)
    home_compound = models.CharField(_("居住小区"), max_length=60, blank=True)
    address = models.CharField(_("家庭住址"), max_length=120, blank=True)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    mobile_location = models.CharField(_("流动去向"), max_length=60, blank=True)
    is_elderly_infirm = models.BooleanField(_("年老体弱/行动不便"), default=False)
    is_organ_worker = models.BooleanField(_("机关党员"), default=False)
    is_new_employment = models.BooleanField(_("新就业群体"), default=False)
    position = models.CharField(_("党内职务"), max_length=30, choices=Position.choices, blank=True, default="")
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="member")
    # Leaving (转出 outside the sub-district, 去世, 出党 …) keeps the row: only `current()` members are on the rolls.
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    # Database defaults too, so that rows written by code that predates these columns (an older
    # migration's historical model) still insert.
    left_reason = models.CharField(_("离开原因"), max_length=20, choices=LeftReason.choices, blank=True, default="", db_default="")
    left_note = models.CharField(_("离开说明"), max_length=200, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organization_id", "name", "id"]
        # updated_at: members changed since a moment (the dashboards' refresh reads it every minute).
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["birth_date"]),
            models.Index(fields=["updated_at"], name="member_updated_at"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, timezone.localdate())  # Beijing's date, not the server clock's


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class MemberTransfer(models.Model):
    """One move of a member between organisations (组织关系转接), kept as the member's organisation history.

    Direct when the user manages both organisations (accepted at once); otherwise a request that the
    receiving organisation's staff accept or refuse — the member stays where they are until accepted."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("直接转接")
        REQUEST = "request", _("转接申请")

    class Status(models.TextChoices):
        PENDING = "pending", _("待接收")
        ACCEPTED = "accepted", _("已转接")
        REFUSED = "refused", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    from_organization = models.ForeignKey(Organization, verbose_name=_("转出组织"), on_delete=models.PROTECT, related_name="+")
    to_organization = models.ForeignKey(Organization, verbose_name=_("接收组织"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    transferred_on = models.DateField(_("转接日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("拒绝理由"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="pending"), name="member_transfer_one_pending_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.from_organization} → {self.to_organization}"


class Role(models.Model):
    """A role held on an organisation node; it covers that node's whole subtree."""

    class Kind(models.TextChoices):
        PRINCIPAL = "principal", _("校长")
        VICE_PRINCIPAL = "vice_principal", _("副校长")
        DEAN = "dean", _("教学副校长")
        ORG_ADMIN = "org_admin", _("组织管理员")
        TEACHER = "teacher", _("教师")
        MEMBER = "member", _("党员")

    BOARD_KINDS = (Kind.PRINCIPAL, Kind.VICE_PRINCIPAL, Kind.DEAN)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("角色"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [models.UniqueConstraint(fields=["user", "organization", "kind"], name="role_unique_per_node")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.organization}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; revoking keeps the row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.name or 'token'}"


class ActivationCode(models.Model):
    """A member's one-time code for the first sign-in (people/activation.py).

    Only a keyed hash is stored (HMAC-SHA256 under SECRET_KEY, salted with the member), so the code can
    be printed once and never shown again. A code is live until it is used, replaced or past `expires_at`.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        constraints = [
            # At most one code in hand per member: issuing another retires the previous one first.
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="activation_code_one_open_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.expires_at:%Y-%m-%d}"
