"""主题党日 and 三会一课: what each branch holds, month by month, and how often it must (SYSTEM.md §3).

A themed Party day ("一月一课一片一实践") names its lesson, a teaching Session of the branch, whose roll
(the attendance app's) is its attendance. A meeting of 三会一课 (or a 组织生活会) keeps its own short roll:
it is no class, earns no 学时 and has no check-in window, so it is not booked as a Session.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization
from dangxiao.school.models import School, Teacher
from dangxiao.teaching.models import Session


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    HALF = "half", _("每半年")
    YEAR = "year", _("每年")


class MeetingRule(models.Model):
    """How often each kind must be held in a year, per school; the defaults are 条例's (SYSTEM.md §3)."""

    DEFAULTS = {
        "themed_day": Period.MONTH,
        "general": Period.QUARTER,
        "committee": Period.MONTH,
        "group": Period.MONTH,
        "lesson": Period.QUARTER,
        "life": Period.YEAR,
    }

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="meeting_rules")
    year = models.PositiveSmallIntegerField(_("年度"))
    themed_day = models.CharField(_("主题党日"), max_length=8, choices=Period.choices, default=Period.MONTH)
    general = models.CharField(_("支部党员大会"), max_length=8, choices=Period.choices, default=Period.QUARTER)
    committee = models.CharField(_("支委会"), max_length=8, choices=Period.choices, default=Period.MONTH)
    group = models.CharField(_("党小组会"), max_length=8, choices=Period.choices, default=Period.MONTH)
    lesson = models.CharField(_("党课"), max_length=8, choices=Period.choices, default=Period.QUARTER)
    life = models.CharField(_("组织生活会"), max_length=8, choices=Period.choices, default=Period.YEAR)
    note = models.CharField(
        _("依据"), max_length=200, blank=True, default="《中国共产党支部工作条例（试行）》、《中国共产党党员教育管理工作条例》"
    )

    class Meta:
        verbose_name = _("组织生活频次")
        verbose_name_plural = _("组织生活频次")
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_meeting_rule_per_school_year")]

    def __str__(self) -> str:
        return f"{self.year} 组织生活频次"

    def period_for(self, kind: str) -> str:
        return getattr(self, kind)


class ThemedPartyDay(models.Model):
    """主题党日 of one branch in one month: one lesson (a session), one film, one practice."""

    organization = models.ForeignKey(Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="themed_days")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    held_on = models.DateField(_("开展日期"))
    session = models.ForeignKey(
        Session, verbose_name=_("一课（课次）"), null=True, blank=True, on_delete=models.SET_NULL, related_name="themed_days"
    )
    lesson = models.CharField(_("一课"), max_length=200, blank=True)
    film = models.CharField(_("一片"), max_length=120, blank=True)
    practice = models.CharField(_("一实践"), max_length=300, blank=True)
    # A volunteer activity of the service app, once it exists ("service:<id>"); the text above stays the record.
    practice_ref = models.CharField(_("实践活动关联"), max_length=40, blank=True, default="")
    note = models.CharField(_("备注"), max_length=300, blank=True)
    retired_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("主题党日")
        verbose_name_plural = _("主题党日")
        ordering = ["-month", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month"], condition=models.Q(retired_at__isnull=True), name="one_themed_day_per_branch_month"
            )
        ]
        indexes = [models.Index(fields=["month", "organization"])]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m} 主题党日"


class OrganizationalMeeting(models.Model):
    """One meeting of 三会一课 (党员大会, 支委会, 党小组会, 党课) or a 组织生活会."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("支部党员大会")
        COMMITTEE = "committee", _("支委会")
        GROUP = "group", _("党小组会")
        LESSON = "lesson", _("党课")
        LIFE = "life", _("组织生活会")

    organization = models.ForeignKey(Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    host = models.CharField(_("主持人"), max_length=50, blank=True)
    topic = models.CharField(_("主题"), max_length=200, blank=True)
    # 党课: who lectured, a member of the branch or a teacher of the pool ("党课我主讲").
    lecturer_member = models.ForeignKey(
        Member, verbose_name=_("主讲党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="lectures_given"
    )
    lecturer_teacher = models.ForeignKey(
        Teacher, verbose_name=_("主讲讲师"), null=True, blank=True, on_delete=models.SET_NULL, related_name="branch_lectures"
    )
    minutes = models.TextField(_("会议记录"), blank=True)
    minutes_file = models.FileField(_("会议记录附件"), upload_to="meetings/%Y/%m/", blank=True)
    minutes_content_type = models.CharField(max_length=100, blank=True)
    minutes_name = models.CharField(max_length=120, blank=True)
    decisions = models.TextField(_("决议事项"), blank=True)
    retired_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("三会一课")
        verbose_name_plural = _("三会一课")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on", "organization", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="lesson") | models.Q(lecturer_member__isnull=True, lecturer_teacher__isnull=True),
                name="only_a_lesson_has_a_lecturer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.held_on} {self.get_kind_display()}"

    @property
    def lecturer_name(self) -> str:
        if self.lecturer_member_id:
            return self.lecturer_member.name
        if self.lecturer_teacher_id:
            return self.lecturer_teacher.name
        return ""


class MeetingAttendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")

    meeting = models.ForeignKey(OrganizationalMeeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="meeting_attendances")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices)

    class Meta:
        verbose_name = _("会议出勤")
        verbose_name_plural = _("会议出勤")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_mark_per_member_meeting")]

    def __str__(self) -> str:
        return f"{self.member} {self.meeting} {self.status}"
