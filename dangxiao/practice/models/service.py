"""志愿服务 (VolunteerService): activities of the practice classroom, who signed up, who came, their hours.

One `ServiceParticipant` row per member and activity carries the whole story of that member's part: signed
up (or withdrawn), checked in, the minutes recorded and where they stand in the approval queue. The database
keeps the row unique; the sign-up service keeps the limit (it locks the activity row).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization


class VolunteerService(models.Model):
    """An activity of the practice classroom run by an organisation: 政策宣传, 矛盾调处, 助困帮扶 …"""

    class Kind(models.TextChoices):
        POLICY = "policy", _("政策宣传")
        MEDIATION = "mediation", _("矛盾调处")
        ASSISTANCE = "assistance", _("助困帮扶")
        ENVIRONMENT = "environment", _("环境整治")
        OTHER = "other", _("其他")

    organization = models.ForeignKey(Organization, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="volunteer_services")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.POLICY)
    title = models.CharField(_("活动名称"), max_length=120)
    description = models.TextField(_("活动内容"), max_length=2000, blank=True)
    venue = models.ForeignKey(
        "school.Venue", verbose_name=_("阵地"), null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteer_services"
    )
    place = models.CharField(_("地点"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    signup_limit = models.PositiveIntegerField(_("报名名额"), null=True, blank=True, help_text=_("留空为不限"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="service_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(signup_limit__isnull=True) | models.Q(signup_limit__gte=1), name="service_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["organization", "starts_at"], name="service_org_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def duration_minutes(self) -> int:
        return max(0, int((self.ends_at - self.starts_at).total_seconds() // 60))

    @property
    def where(self) -> str:
        return self.venue.name if self.venue_id and self.venue else self.place


class ServiceParticipant(models.Model):
    """One member's part in one activity: the sign-up, the check-in and the hours with their approval."""

    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("已报名")
        WITHDRAWN = "withdrawn", _("已取消报名")

    class CheckIn(models.TextChoices):
        QR = "qr", _("扫码签到")
        MANUAL = "manual", _("组织者标记")

    class Hours(models.TextChoices):
        NONE = "", _("未记录")
        PENDING = "pending", _("待审核")
        CORRECTION = "correction", _("申请更正")
        APPROVED = "approved", _("已审核")

    QUEUE = (Hours.PENDING, Hours.CORRECTION)

    service = models.ForeignKey(VolunteerService, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="service_participations")
    status = models.CharField(_("报名状态"), max_length=12, choices=Status.choices, default=Status.SIGNED_UP)
    signed_up_at = models.DateTimeField(_("报名时间"))
    withdrawn_at = models.DateTimeField(_("取消报名时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_method = models.CharField(_("签到方式"), max_length=8, choices=CheckIn.choices, blank=True)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), null=True, blank=True)
    hours_status = models.CharField(_("时长状态"), max_length=12, choices=Hours.choices, default=Hours.NONE, blank=True)
    hours_note = models.CharField(_("时长说明"), max_length=200, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    correction_minutes = models.PositiveIntegerField(_("申请更正为（分钟）"), null=True, blank=True)
    correction_reason = models.CharField(_("更正理由"), max_length=300, blank=True)
    correction_asked_at = models.DateTimeField(_("申请更正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务参与")
        verbose_name_plural = _("志愿服务参与")
        constraints = [
            models.UniqueConstraint(fields=["service", "member"], name="one_participation_per_member_service"),
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True) | models.Q(minutes__lte=24 * 60), name="service_minutes_in_a_day"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "hours_status"], name="service_member_hours"),
            models.Index(fields=["hours_status", "service"], name="service_hours_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.service}"

    @property
    def is_signed_up(self) -> bool:
        return self.status == self.Status.SIGNED_UP
