"""The school and its network: board (roles on the working committee), venues "1+5+N", partners, teachers."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.core.params import FIRST_YEAR, LAST_YEAR, year_message
from dangxiao.people.models import Member, Organization


class School(models.Model):
    """A Party school run by one working committee (党工委). Its board are the board roles held there."""

    name = models.CharField(_("名称"), max_length=100)
    brand = models.CharField(_("品牌名"), max_length=40, blank=True, help_text=_("如“源课堂”"))
    organization = models.OneToOneField(Organization, verbose_name=_("所属党工委"), on_delete=models.PROTECT, related_name="school")
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党校")
        verbose_name_plural = _("党校")

    def __str__(self) -> str:
        return self.name


class TrainingPlan(models.Model):
    """年度培训计划: goals for a year; courses and cohorts are planned under it; the board approves it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已批准")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=100)
    goals = models.TextField(_("培训目标"), blank=True)
    target_person_times = models.PositiveIntegerField(_("计划培训人次"), default=0)
    target_study_hours = models.DecimalField(
        _("人均学时目标"), max_digits=5, decimal_places=1, default=0, help_text=_("每名党员全年集中培训学时")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("年度培训计划")
        verbose_name_plural = _("年度培训计划")
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_plan_per_school_year")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # Not a field validator: that would be a migration for a rule that lives in core.params.
        if self.year is not None and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValidationError({"year": year_message()})


class Partner(models.Model):
    """共建单位: a unit in the area that signed a co-building agreement."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("高校")
        RESEARCH = "research_institute", _("科研院所")
        ENTERPRISE = "enterprise", _("企业")
        GOVERNMENT = "government_organ", _("机关单位")
        INSTITUTION = "institution", _("事业单位")
        SOCIAL = "social", _("社会组织")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=24, choices=Kind.choices)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    description = models.TextField(_("简介"), blank=True)
    # Retired partners leave the pickers and current lists; their agreements, venues and sessions stay.
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAgreement(models.Model):
    """共建协议 with its scope: 阵地共建 (venues), 人才共育 (talent), 活动共联 (activities)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    title = models.CharField(_("协议名称"), max_length=120)
    shares_venues = models.BooleanField(_("阵地共建"), default=False)
    shares_talent = models.BooleanField(_("人才共育"), default=False)
    joint_activities = models.BooleanField(_("活动共联"), default=False)
    signed_on = models.DateField(_("签订日期"))
    starts_on = models.DateField(_("生效日期"))
    ends_on = models.DateField(_("到期日期"))
    terminated = models.BooleanField(_("已终止"), default=False)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    # A renewal is a new agreement continuing the old one, which keeps its own dates and status.
    renews = models.ForeignKey("self", verbose_name=_("续签自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals")

    class Meta:
        verbose_name = _("共建协议")
        verbose_name_plural = _("共建协议")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="agreement_ends_after_start")]

    def __str__(self) -> str:
        return self.title

    def status_on(self, day: date) -> str:
        if self.terminated:
            return "terminated"
        if day < self.starts_on:
            return "pending"
        return "active" if day <= self.ends_on else "expired"

    STATUS_LABELS = {"terminated": "已终止", "pending": "未生效", "active": "履行中", "expired": "已到期"}

    @property
    def scopes(self) -> list[str]:
        return [
            label
            for flag, label in (("shares_venues", "阵地共建"), ("shares_talent", "人才共育"), ("joint_activities", "活动共联"))
            if getattr(self, flag)
        ]


class Venue(models.Model):
    """阵地 / 教学点: 1 main site, 5 community teaching points, N on-site points."""

    class Tier(models.TextChoices):
        MAIN = "main", _("主阵地")
        COMMUNITY = "community", _("集中教学点")
        SITE = "site", _("现场教学点")

    class Kind(models.TextChoices):
        PARTY_SCHOOL = "party_school", _("街道党校")
        SERVICE_CENTER = "service_center", _("社区党群服务中心")
        SERVICE_STATION = "service_station", _("小区党群服务站")
        RED_HOME = "red_home", _("红色之家")
        PARTNER_PREMISES = "partner_premises", _("共建单位场所")
        PROJECT_SITE = "project_site", _("项目现场")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("名称"), max_length=100)
    tier = models.CharField(_("层级"), max_length=12, choices=Tier.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"), default=30)
    facilities = models.CharField(_("设施"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    organization = models.ForeignKey(Organization, verbose_name=_("管理组织"), on_delete=models.PROTECT, related_name="venues")
    partner = models.ForeignKey(
        Partner, verbose_name=_("共建单位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="venues"
    )
    # Retiring clears `is_active` (what the pickers read) and dates it; the venue's sessions keep it.
    is_active = models.BooleanField(_("启用"), default=True)
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("阵地")
        verbose_name_plural = _("阵地")
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """The editable taxonomy of what is taught (Party theory, policy and law, work skills, …), in two
    levels at most: a topic may sit under a top-level one. A retired topic leaves the pickers; what
    already names it keeps it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(_("专题"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    parent = models.ForeignKey("self", verbose_name=_("上级专题"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("专题")
        verbose_name_plural = _("专题")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="topic_unique_per_school")]

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    """讲师 in the 师资库: a member of ours or an outsider, appointed for a term (聘任制)."""

    class Source(models.TextChoices):
        PARTY_SCHOOL = "party_school", _("市、区委党校")
        UNIVERSITY = "university", _("高校")
        MODEL_WORKER = "model_worker", _("劳动模范")
        INDUSTRY = "industry", _("行业人才")
        VETERAN = "veteran", _("五老四教")
        LEADER = "leader", _("领导干部")
        SECRETARY = "secretary", _("党组织书记")
        PARTY_WORKER = "party_worker", _("党务工作者")
        EXPERT = "expert", _("专家学者")
        MEMBER = "member", _("党员")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teachers")
    member = models.OneToOneField(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher")
    name = models.CharField(_("姓名"), max_length=50)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    affiliation = models.CharField(_("工作单位"), max_length=100, blank=True)
    title = models.CharField(_("职务/职称"), max_length=60, blank=True)
    partner = models.ForeignKey(
        Partner, verbose_name=_("共建单位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="teachers"
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("擅长专题"), blank=True, related_name="teachers")
    bio = models.TextField(_("简介"), blank=True)
    # An outsider's mobile phone (masked wherever shown); a member's is on their member record.
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    # The current (latest) term, kept by the services from the appointments below: bookings read it.
    appointed_from = models.DateField(_("聘期开始"), null=True, blank=True)
    appointed_until = models.DateField(_("聘期结束"), null=True, blank=True)
    # A retired teacher leaves the pool's pickers; their past sessions and ratings keep naming them.
    is_active = models.BooleanField(_("在库"), default=True)
    retired_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    retired_reason = models.CharField(_("退出原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("讲师")
        verbose_name_plural = _("讲师")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def in_term_on(self, day: date) -> bool:
        """Appointed on the day (a teacher without any term recorded counts as appointed)."""
        return (
            self.is_active
            and (self.appointed_from is None or self.appointed_from <= day)
            and (self.appointed_until is None or day <= self.appointed_until)
        )


class TeacherAppointment(models.Model):
    """One term of a teacher's appointment (聘任制): the first, each renewal, and how it ended. Never
    deleted: the teacher's page lists them all."""

    class Kind(models.TextChoices):
        APPOINT = "appoint", _("聘任")
        RENEW = "renew", _("续聘")

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.APPOINT)
    starts_on = models.DateField(_("聘期开始"))
    ends_on = models.DateField(_("聘期结束"))
    ended_on = models.DateField(_("提前结束于"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("聘任记录")
        verbose_name_plural = _("聘任记录")
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="appointment_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.teacher} {self.starts_on}–{self.ends_on}"

    @property
    def last_day(self) -> date:
        return self.ended_on if self.ended_on is not None and self.ended_on < self.ends_on else self.ends_on
