"""Reflections (学习心得 / 学习分享): what a member learnt, linked to what they learnt it from, approved by
the secretary of their organisation and, if the secretary chooses, shown to the organisation's members."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangxiao.online.models import Lesson
from dangxiao.people.models import Member
from dangxiao.teaching.models import Session

MAX_PHOTOS = 3


class Reflection(models.Model):
    """One reflection. It links to at most one source: a session (teaching), an online lesson, or, through
    `subject_kind` + `subject_id`, a record of a kind registered in `practice.reflections_subjects`
    (a frontline project, a volunteer activity) — the slot that lets those apps link in without a rewrite.

    Pending → approved, or → returned with a comment; the member revises a returned one (back to pending);
    the secretary may withdraw an approval (back to returned, with a comment), which removes its points.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reflections", verbose_name=_("党员"))
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("心得内容"), max_length=5000)
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="reflections", verbose_name=_("课次")
    )
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="reflections", verbose_name=_("网上课程")
    )
    subject_kind = models.CharField(_("关联类型"), max_length=20, blank=True)
    subject_id = models.PositiveIntegerField(_("关联记录"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_on = models.DateField(_("通过日期"), null=True, blank=True)
    shown_to_organization = models.BooleanField(_("在本组织展示"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"))
    # Wall-clock time of the last write: the points job's "changed since" key (never backdated).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("学习心得")
        verbose_name_plural = _("学习心得")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["member", "status"]), models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                name="reflection_one_link",
                condition=~Q(session__isnull=False, lesson__isnull=False)
                & ~Q(session__isnull=False, subject_id__isnull=False)
                & ~Q(lesson__isnull=False, subject_id__isnull=False),
            ),
            models.CheckConstraint(
                name="reflection_subject_pair",
                condition=Q(subject_kind="", subject_id__isnull=True) | (~Q(subject_kind="") & Q(subject_id__isnull=False)),
            ),
            models.CheckConstraint(name="reflection_shown_if_approved", condition=Q(shown_to_organization=False) | Q(status="approved")),
        ]

    def __str__(self) -> str:
        return self.title


class ReflectionPhoto(models.Model):
    """Up to three photos per reflection, private uploads handed out only after an access check."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="practice/reflections/%Y/%m/")
    content_type = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("心得照片")
        verbose_name_plural = _("心得照片")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.reflection_id}#{self.order}"
