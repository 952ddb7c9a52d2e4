"""评优评先: the rules a working committee sets per year for its commendations, and the board's decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization

from .appraisal import Grade


class CommendationKind(models.TextChoices):
    EXCELLENT_MEMBER = "excellent_member", _("优秀共产党员")
    EXCELLENT_WORKER = "excellent_worker", _("优秀党务工作者")
    ADVANCED_ORGANIZATION = "advanced_org", _("先进基层党组织")


class CommendationRule(models.Model):
    """Who is a candidate: for members, a minimum grade, points and the 学时 met; for organisations,
    a minimum share of 优秀 among those rated and no 不合格."""

    committee = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="commendation_rules")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("表彰类别"), max_length=20, choices=CommendationKind.choices)
    min_grade = models.CharField(_("最低评议等次"), max_length=12, choices=Grade.choices, default=Grade.EXCELLENT)
    min_points = models.PositiveIntegerField(_("最低积分"), default=0)
    hours_met = models.BooleanField(_("须完成年度学时"), default=True)
    min_excellent_percent = models.PositiveSmallIntegerField(_("优秀比例不低于（%）"), default=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["committee", "year", "kind"], name="commendation_rule_once"),
            models.CheckConstraint(condition=Q(min_excellent_percent__lte=100), name="commendation_rule_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id} {self.year} {self.kind}"


class Commendation(models.Model):
    """The board's decision on one candidate (a member, or an organisation for 先进基层党组织)."""

    committee = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="commendations")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("表彰类别"), max_length=20, choices=CommendationKind.choices)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="commendations")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    awarded = models.BooleanField(_("决定表彰"))
    decided_on = models.DateField(_("决定日期"))
    notes = models.CharField(_("说明"), max_length=200, blank=True, default="")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=False) ^ Q(organization__isnull=False), name="commendation_one_subject"),
            models.UniqueConstraint(fields=["year", "kind", "member"], condition=Q(member__isnull=False), name="commendation_member_once"),
            models.UniqueConstraint(
                fields=["year", "kind", "organization"], condition=Q(organization__isnull=False), name="commendation_org_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.member_id or self.organization_id}"
