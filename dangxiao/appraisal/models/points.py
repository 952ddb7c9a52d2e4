"""Points (积分): a rule set per school and year, and the log every point lives in.

The log is derived, never typed: `appraisal.points_derivation` computes the entries each source record
implies (an attendance mark, an approved reflection, a resolved matter, a passed quiz …), applies the
rules' caps in date order and reconciles the table with that. A member's total is the sum of the log.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member
from dangxiao.school.models import School


class PointsAction(models.TextChoices):
    ATTEND = "attend", _("按时参加学习")
    LATE = "late", _("迟到")
    ABSENT = "absent", _("无故缺席")
    REFLECTION = "reflection", _("学习心得通过审核")
    VOLUNTEER_HOUR = "volunteer_hour", _("志愿服务（每小时）")
    LECTURE = "lecture", _("主讲党课")
    MATTER = "matter", _("办结关键小事")
    QUIZ = "quiz", _("测验合格")


class PointsRuleSet(models.Model):
    """A school's points rules for one year: created from the defaults the first time anyone needs them,
    then edited by the board. Changing them re-derives the year's log."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="points_rule_sets", verbose_name=_("党校"))
    year = models.PositiveSmallIntegerField(_("年度"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_points_rule_set_per_school_year")]

    def __str__(self) -> str:
        return f"{self.school} {self.year}"


class PointsRule(models.Model):
    """Points for one action, with optional caps on what that action earns (or costs) per day, month and year."""

    rule_set = models.ForeignKey(PointsRuleSet, on_delete=models.CASCADE, related_name="rules")
    action = models.CharField(_("行为"), max_length=20, choices=PointsAction.choices)
    points = models.SmallIntegerField(_("分值"))
    day_cap = models.PositiveSmallIntegerField(_("每日上限"), null=True, blank=True)
    month_cap = models.PositiveSmallIntegerField(_("每月上限"), null=True, blank=True)
    year_cap = models.PositiveSmallIntegerField(_("每年上限"), null=True, blank=True)

    class Meta:
        verbose_name = _("积分细则")
        verbose_name_plural = _("积分细则")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "action"], name="one_points_rule_per_action"),
            models.CheckConstraint(name="points_rule_in_range", condition=Q(points__gte=-100, points__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.points}"


class PointsEntry(models.Model):
    """One line of a member's points: what earned (or cost) them, from which record, and, when a cap
    took some or all of it, why (`points` is what counts, `base_points` what the rule gives)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="points_entries", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    date = models.DateField(_("日期"))
    action = models.CharField(_("行为"), max_length=20, choices=PointsAction.choices)
    source_kind = models.CharField(_("来源类型"), max_length=20)
    source_id = models.PositiveBigIntegerField(_("来源记录"))
    base_points = models.SmallIntegerField(_("规则分值"))
    points = models.SmallIntegerField(_("积分"))
    capped = models.CharField(_("封顶说明"), max_length=60, blank=True)
    line = models.CharField(_("说明"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year", "source_kind", "source_id", "action"], name="one_points_entry_per_source_action"
            )
        ]
        indexes = [models.Index(fields=["member", "year", "date"]), models.Index(fields=["year", "member"], name="points_year_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.date} {self.action} {self.points}"


class PointsCursor(models.Model):
    """How far the periodic job has read one source: the latest change stamp seen (data time, not the
    job's clock, so a slow or skewed clock never skips a change; the job re-reads a short overlap)."""

    source = models.CharField(max_length=20, primary_key=True)
    watermark = models.DateTimeField()
    full_run_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} {self.watermark}"
