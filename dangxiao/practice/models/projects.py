"""项目一线党旗红 and 传帮带 / 老带青: trainee cadres on frontline projects, and mentor pairs.

A project belongs to an organisation (its scope) and runs from `starts_on` to `ends_on` through ordered
phases. Trainee cadres are assigned to it for a period, write work logs (as does the project lead), and
are assessed once the project has ended. A mentorship pairs a mentor with a mentee, either on the job
(cadre, may be linked to a project) or across generations (intergenerational); either side logs their
meetings and the mentor closes it with an assessment. Retired records are kept but leave every list.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class FrontlineProject(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结项")

    organization = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="frontline_projects")
    name = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("项目简介"), blank=True)
    lead = models.ForeignKey(
        "people.Member", verbose_name=_("项目负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="projects_led"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    closed_on = models.DateField(_("结项日期"), null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("一线项目")
        verbose_name_plural = _("一线项目")
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="project_ends_after_start")]

    def __str__(self) -> str:
        return self.name


class ProjectPhase(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("未开始")
        IN_PROGRESS = "in_progress", _("进行中")
        DONE = "done", _("已完成")

    project = models.ForeignKey(FrontlineProject, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("阶段名称"), max_length=60)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("项目阶段")
        verbose_name_plural = _("项目阶段")
        constraints = [models.UniqueConstraint(fields=["project", "order"], name="one_phase_per_order")]

    def __str__(self) -> str:
        return self.name


class ProjectTrainee(models.Model):
    """A trainee cadre (学员干部) on a project, with their role, period and, after the end, assessment."""

    project = models.ForeignKey(FrontlineProject, on_delete=models.CASCADE, related_name="trainees")
    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="project_assignments")
    role = models.CharField(_("岗位"), max_length=40)
    starts_on = models.DateField(_("参与开始"))
    ends_on = models.DateField(_("参与结束"))
    grade = models.CharField(_("考核等次"), max_length=10, choices=Grade.choices, blank=True)
    comment = models.CharField(_("考核评语"), max_length=500, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assessed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("项目学员")
        verbose_name_plural = _("项目学员")
        constraints = [models.UniqueConstraint(fields=["project", "member"], name="one_assignment_per_member")]

    def __str__(self) -> str:
        return f"{self.project} · {self.member}"


class ProjectLog(models.Model):
    project = models.ForeignKey(FrontlineProject, on_delete=models.CASCADE, related_name="logs")
    author = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="project_logs")
    written_on = models.DateField(_("日期"))
    text = models.TextField(_("工作内容"))
    photo = models.FileField(_("照片"), upload_to="projects/%Y/%m/", blank=True)
    photo_content_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_on", "-id"]
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")

    def __str__(self) -> str:
        return f"{self.project} {self.written_on}"


class Mentorship(models.Model):
    class Kind(models.TextChoices):
        CADRE = "cadre", _("传帮带")
        INTERGENERATIONAL = "intergenerational", _("老带青·青帮老")

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        CLOSED = "closed", _("已结束")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="mentorships")
    mentor = models.ForeignKey("people.Member", verbose_name=_("导师"), on_delete=models.PROTECT, related_name="mentorships_given")
    mentee = models.ForeignKey("people.Member", verbose_name=_("结对对象"), on_delete=models.PROTECT, related_name="mentorships_received")
    project = models.ForeignKey(
        FrontlineProject, verbose_name=_("所在项目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="mentorships"
    )
    goals = models.TextField(_("结对目标"))
    starts_on = models.DateField(_("开始日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    grade = models.CharField(_("导师评价"), max_length=10, choices=Grade.choices, blank=True)
    assessment = models.CharField(_("结对总结"), max_length=1000, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        constraints = [models.CheckConstraint(condition=~models.Q(mentor=models.F("mentee")), name="mentor_is_not_mentee")]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"


class MentorshipMeeting(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="meetings")
    met_on = models.DateField(_("日期"))
    minutes = models.TextField(_("谈话纪要"))
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    logged_by = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-met_on", "-id"]
        verbose_name = _("结对活动")
        verbose_name_plural = _("结对活动")

    def __str__(self) -> str:
        return f"{self.mentorship} {self.met_on}"
