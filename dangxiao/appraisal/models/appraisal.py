"""民主评议党员 (SYSTEM.md §3, 条例第十八条): a branch's yearly appraisal — 个人自评, 党员互评 by secret
ballot, optional 民主测评 by non-members, the committee's proposed grades and the 党员大会's decision.

The secret ballot, and why it is stored as it is
------------------------------------------------
Nothing stored may link a ballot to its voter, not even for someone reading the database. So there are
no ballots: a member's marks are added, in the same transaction that records that they voted, to
per-ratee counters (`Tally`: one row per appraisal, ratee and source, with a column per grade). What
exists afterwards is "X voted" (`VoteCast`) and "Y has so many 优秀 …" (`Tally`), never "X gave Y 优秀".

- `VoteCast` (the "has voted" table) has a unique (appraisal, voter) constraint: a second vote is
  refused by the database, whatever two requests race. It has a random UUID key and no timestamp: the
  order and time of voting are not kept (its heap/rowid order may still follow insertion, which says
  who voted before whom — and, with the tallies aggregated, nothing about how).
- `Tally` rows are all created when the appraisal opens, in member order, and every vote updates
  EVERY tally row of the appraisal (a ratee left out gets +0): on PostgreSQL the row version's
  transaction id (xmin) is then the same on all rows — the last voter's — and says nothing about
  which ratee got which grade. Rows touched by only some votes would carry the id of the last
  transaction that touched them, matchable against the VoteCast row written in it.
- No per-vote timestamp, no `updated_at` on either table, no audit row or log line naming the voter
  with anything they marked (the audit records "the ballot was opened/closed", never a vote).
- A non-member's 民主测评 code (`VotingCode`) is random, stored hashed, used once; using it sets
  `used` (no time) and adds to the `public` tallies the same way.

What this does not protect against, and cannot without cryptographic mixing: someone who watches the
database live between two votes (the difference of two snapshots is one ballot), or who reads
PostgreSQL's write-ahead log or not-yet-vacuumed dead row versions. Backups taken during the ballot
are such snapshots; take them after it closes. Tallies are hidden in pages and the API until close.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("合格")
    BASIC = "basic", _("基本合格")
    INCOMPETENT = "incompetent", _("不合格")


GRADE_FIELDS = {Grade.EXCELLENT: "excellent", Grade.COMPETENT: "competent", Grade.BASIC: "basic", Grade.INCOMPETENT: "incompetent"}


class Appraisal(models.Model):
    """One branch's 民主评议 of a year: open (voting) → closed (tallies shown, grades proposed) → decided."""

    class Status(models.TextChoices):
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已截止")
        DECIDED = "decided", _("已评定")

    organization = models.ForeignKey(Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="appraisals")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("开始日期"))
    closed_on = models.DateField(_("截止日期"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(_("党员大会日期"), null=True, blank=True)
    decision_notes = models.TextField(_("党员大会决定"), blank=True, default="")

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["-year", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="appraisal_one_per_branch_year")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


class Participant(models.Model):
    """A member of the branch when the appraisal opened: votes; is rated unless probationary (预备党员)."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="appraisal_participations")
    is_rated = models.BooleanField(_("参加评定"), default=True)

    class Meta:
        ordering = ["appraisal", "member__name", "member_id"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="appraisal_participant_once")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.appraisal_id}"


class SelfAssessment(models.Model):
    """个人自评: what the member writes about their own year."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="self_assessments")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="self_assessments")
    text = models.TextField(_("个人自评"), max_length=3000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="self_assessment_once")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.appraisal_id}"


class VoteCast(models.Model):
    """That a member voted — nothing else (see the module's docstring): no time, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="votes_cast")
    voter = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appraisal", "voter"], name="vote_cast_once")]

    def __str__(self) -> str:
        return str(self.pk)


class Tally(models.Model):
    """How many of each grade a ratee has received, from members (peer) or non-members (public)."""

    class Source(models.TextChoices):
        PEER = "peer", _("党员互评")
        PUBLIC = "public", _("民主测评")

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="tallies")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)
    excellent = models.PositiveIntegerField(default=0)
    competent = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    incompetent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appraisal", "member", "source"], name="tally_one_per_ratee_source")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.appraisal_id} {self.source}"

    @property
    def total(self) -> int:
        return self.excellent + self.competent + self.basic + self.incompetent


class VotingCode(models.Model):
    """A one-time code for a non-member's 民主测评 (residents, the 业委会): random, stored hashed, used once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="voting_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return str(self.pk)


class Rating(models.Model):
    """A rated member's grade: proposed by the branch committee, final once the 党员大会 has decided."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="appraisal_ratings")
    proposed = models.CharField(_("建议等次"), max_length=12, choices=Grade.choices)
    grade = models.CharField(_("评定等次"), max_length=12, choices=Grade.choices, blank=True, default="")
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["appraisal", "member__name", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "member"], name="rating_once"),
            models.CheckConstraint(condition=Q(grade="") | Q(grade__in=[g.value for g in Grade]), name="rating_grade_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.appraisal_id} {self.proposed}"


class FollowUp(models.Model):
    """不合格 → 教育帮扶: an education plan with a deadline, then a review with its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "", _("待复查")
        IMPROVED = "improved", _("已改进")
        NOT_IMPROVED = "not_improved", _("仍未改进")

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="follow_up")
    plan = models.TextField(_("教育帮扶计划"), blank=True, default="", max_length=2000)
    deadline = models.DateField(_("整改期限"))
    reviewed_on = models.DateField(_("复查日期"), null=True, blank=True)
    outcome = models.CharField(_("复查结果"), max_length=14, choices=Outcome.choices, blank=True, default="")
    outcome_notes = models.CharField(_("复查说明"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.rating_id} → {self.deadline}"
