"""The school and its network: board (roles on the working committee), venues "1+5+N", partners, teachers."""

from datetime import date

from django.conf import settings
from django.db import models

from dangxiao.people.models import Member, Organization


class School(models.Model):
    """A Party school run by one working committee (党工委). Its board are the board roles held there."""

    name = models.CharField("名称", max_length=100)
    brand = models.CharField("品牌名", max_length=40, blank=True, help_text="如“源课堂”")
    organization = models.OneToOneField(Organization, verbose_name="所属党工委", on_delete=models.PROTECT, related_name="school")
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "党校"
        verbose_name_plural = "党校"

    def __str__(self) -> str:
        return self.name


class TrainingPlan(models.Model):
    """年度培训计划: goals for a year; courses and cohorts are planned under it; the board approves it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=100)
    goals = models.TextField("培训目标", blank=True)
    target_person_times = models.PositiveIntegerField("计划培训人次", default=0)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "年度培训计划"
        verbose_name_plural = "年度培训计划"
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_plan_per_school_year")]

    def __str__(self) -> str:
        return self.title


class Partner(models.Model):
    """共建单位: a unit in the area that signed a co-building agreement."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", "高校"
        RESEARCH = "research_institute", "科研院所"
        ENTERPRISE = "enterprise", "企业"
        GOVERNMENT = "government_organ", "机关单位"
        INSTITUTION = "institution", "事业单位"
        SOCIAL = "social", "社会组织"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("单位类型", max_length=24, choices=Kind.choices)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    description = models.TextField("简介", blank=True)

    class Meta:
        verbose_name = "共建单位"
        verbose_name_plural = "共建单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAgreement(models.Model):
    """共建协议 with its scope: 阵地共建 (venues), 人才共育 (talent), 活动共联 (activities)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    title = models.CharField("协议名称", max_length=120)
    shares_venues = models.BooleanField("阵地共建", default=False)
    shares_talent = models.BooleanField("人才共育", default=False)
    joint_activities = models.BooleanField("活动共联", default=False)
    signed_on = models.DateField("签订日期")
    starts_on = models.DateField("生效日期")
    ends_on = models.DateField("到期日期")
    terminated = models.BooleanField("已终止", default=False)

    class Meta:
        verbose_name = "共建协议"
        verbose_name_plural = "共建协议"
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
        MAIN = "main", "主阵地"
        COMMUNITY = "community", "集中教学点"
        SITE = "site", "现场教学点"

    class Kind(models.TextChoices):
        PARTY_SCHOOL = "party_school", "街道党校"
        SERVICE_CENTER = "service_center", "社区党群服务中心"
        SERVICE_STATION = "service_station", "小区党群服务站"
        RED_HOME = "red_home", "红色之家"
        PARTNER_PREMISES = "partner_premises", "共建单位场所"
        PROJECT_SITE = "project_site", "项目现场"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField("名称", max_length=100)
    tier = models.CharField("层级", max_length=12, choices=Tier.choices)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField("容纳人数", default=30)
    facilities = models.CharField("设施", max_length=200, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True)
    organization = models.ForeignKey(Organization, verbose_name="管理组织", on_delete=models.PROTECT, related_name="venues")
    partner = models.ForeignKey(Partner, verbose_name="共建单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="venues")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "阵地"
        verbose_name_plural = "阵地"
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """The editable taxonomy of what is taught (Party theory, policy and law, work skills, …)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField("专题", max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "专题"
        verbose_name_plural = "专题"
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="topic_unique_per_school")]

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    """讲师 in the 师资库: a member of ours or an outsider, appointed for a term (聘任制)."""

    class Source(models.TextChoices):
        PARTY_SCHOOL = "party_school", "市、区委党校"
        UNIVERSITY = "university", "高校"
        MODEL_WORKER = "model_worker", "劳动模范"
        INDUSTRY = "industry", "行业人才"
        VETERAN = "veteran", "五老四教"
        LEADER = "leader", "领导干部"
        SECRETARY = "secretary", "党组织书记"
        MEMBER = "member", "党员"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teachers")
    member = models.OneToOneField(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher")
    name = models.CharField("姓名", max_length=50)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    affiliation = models.CharField("工作单位", max_length=100, blank=True)
    title = models.CharField("职务/职称", max_length=60, blank=True)
    partner = models.ForeignKey(Partner, verbose_name="共建单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="teachers")
    topics = models.ManyToManyField(Topic, verbose_name="擅长专题", blank=True, related_name="teachers")
    bio = models.TextField("简介", blank=True)
    appointed_from = models.DateField("聘期开始", null=True, blank=True)
    appointed_until = models.DateField("聘期结束", null=True, blank=True)

    class Meta:
        verbose_name = "讲师"
        verbose_name_plural = "讲师"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
