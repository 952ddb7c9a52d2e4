"""Notifications: what a user was told in the app, and each attempt to tell them on another channel.

A Notification is the in-app copy (always kept); a Delivery is one message on one outside channel (e-mail,
SMS, the WeCom robot of a staff group). Both are keyed by the event that caused them, so that running a
reminder job twice, or two workers at once, tells nobody twice: the database refuses the second row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization


class Kind(models.TextChoices):
    SESSION_REMINDER = "session_reminder", _("上课提醒")
    SESSION_CHANGED = "session_changed", _("课次变更或取消")
    LEAVE_DECIDED = "leave_decided", _("请假审批结果")
    HOURS_AT_RISK = "hours_at_risk", _("学时预警")
    MATTER_DEADLINE = "matter_deadline", _("事项办理期限")
    TEACHER_TERM = "teacher_term", _("讲师聘期到期")
    ACTIVATION = "activation", _("账号激活码")
    EXPORT_READY = "export_ready", _("后台导出完成")
    APPRAISAL_OPEN = "appraisal_open", _("民主评议投票")


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信群")


class Notification(models.Model):
    """One message in a user's notification centre."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类别"), max_length=24, choices=Kind.choices)
    event_key = models.CharField(max_length=120)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["event_key", "user"], name="notify_notification_once")]
        indexes = [models.Index(fields=["user", "read_at"], name="notify_unread_idx")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One message on one outside channel. For e-mail and SMS the recipient is a user; for the WeCom robot it
        is the robot (one post to the group, whoever in it would be told); an activation code's SMS names the member
    (who may have no account yet) and holds no text: the code is never stored."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("未发送")

    event_key = models.CharField(max_length=120)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    robot = models.ForeignKey("notify.WeComRobot", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+")  # an activation SMS
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField(db_index=True)  # not before (quiet hours, the next retry)
    created = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "user", "channel"], condition=Q(user__isnull=False), name="notify_delivery_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["event_key", "robot", "channel"], condition=Q(robot__isnull=False), name="notify_delivery_once_per_robot"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="notify_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_key} · {self.channel} · {self.status}"


class Preference(models.Model):
    """A user's choice of channels per kind (the in-app centre is always on) and their quiet hours."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference")
    channels = models.JSONField(default=dict, blank=True)  # {kind: ["email", "sms"]}
    quiet_enabled = models.BooleanField(_("夜间免打扰"), default=True)
    quiet_start = models.TimeField(_("免打扰开始"), default="22:00")
    quiet_end = models.TimeField(_("免打扰结束"), default="07:00")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)


class WeComRobot(models.Model):
    """The 企业微信 group robot of an organisation's staff group: staff notices of its subtree are posted there."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="wecom_robot", verbose_name=_("组织"))
    webhook_url = models.URLField(_("群机器人 Webhook 地址"), max_length=300)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("企业微信群机器人")
        verbose_name_plural = _("企业微信群机器人")

    def __str__(self) -> str:
        return str(self.organization)
