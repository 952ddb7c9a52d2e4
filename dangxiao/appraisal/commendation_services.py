"""评优评先: the year's candidate rules, the candidates they select, and the board's decisions."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Member, Organization, User

from .appraisal_services import AppraisalError
from .models import Appraisal, Commendation, CommendationKind, CommendationRule, Grade, Rating
from .record_selectors import YearRecord, member_year_record

# Better first: a rule's minimum grade admits that grade and those before it.
GRADE_ORDER = [Grade.EXCELLENT, Grade.COMPETENT, Grade.BASIC, Grade.INCOMPETENT]
WORKER_POSITIONS = (
    Member.Position.SECRETARY,
    Member.Position.DEPUTY_SECRETARY,
    Member.Position.COMMITTEE_MEMBER,
    Member.Position.PARTY_AFFAIRS_WORKER,
)
MAX_POINTS = 100_000


def rule_for(committee: Organization, year: int, kind: str) -> CommendationRule:
    """The saved rule, or an unsaved one with the defaults (优秀, 0 points, 学时 met, 20% 优秀)."""
    return CommendationRule.objects.filter(committee=committee, year=year, kind=kind).first() or CommendationRule(
        committee=committee, year=year, kind=kind
    )


@transaction.atomic
def rule_save(
    committee: Organization,
    year: int,
    kind: str,
    *,
    min_grade: str,
    min_points: int,
    hours_met: bool,
    min_excellent_percent: int,
    request=None,
) -> CommendationRule:
    if kind not in CommendationKind.values or min_grade not in Grade.values:
        raise AppraisalError(_("表彰类别或等次不是可选的值"))
    if not 0 <= min_points <= MAX_POINTS or not 0 <= min_excellent_percent <= 100:
        raise AppraisalError(_("积分须在 0 至 %(max)s 之间，比例须在 0 至 100 之间") % {"max": MAX_POINTS})
    rule, _created = CommendationRule.objects.update_or_create(
        committee=committee,
        year=year,
        kind=kind,
        defaults={"min_grade": min_grade, "min_points": min_points, "hours_met": hours_met, "min_excellent_percent": min_excellent_percent},
    )
    audit_record(
        request,
        AuditEvent.Action.RECORD_UPDATE,
        organization_id=committee.pk,
        object_type="commendation_rule",
        object_id=rule.pk,
        summary=_("修改%(year)s年度评优条件：%(kind)s") % {"year": year, "kind": rule.get_kind_display()},
    )
    return rule


@dataclass
class Candidate:
    kind: str
    member: Member | None = None
    organization: Organization | None = None
    grade: str = ""
    record: YearRecord | None = None
    excellent: int = 0
    rated: int = 0
    decision: Commendation | None = None
    unchecked: str = ""  # a criterion that could not be checked (its source is not installed)

    @property
    def subject_id(self) -> int:
        return self.member.pk if self.member else self.organization.pk

    @property
    def grade_label(self) -> str:
        """The grade as the reader's language names it (优秀/Excellent), not its stored value."""
        return Grade(self.grade).label if self.grade in Grade.values else self.grade


def candidates(committee: Organization, year: int, kind: str, *, user: User | None = None) -> list[Candidate]:
    """Who the year's rule selects under `committee` (fixed queries), with the board's decision if any."""
    rule = rule_for(committee, year, kind)
    decisions = {(c.member_id or c.organization_id): c for c in Commendation.objects.filter(committee=committee, year=year, kind=kind)}
    if kind == CommendationKind.ADVANCED_ORGANIZATION:
        found = []
        appraisals = (
            Appraisal.objects.filter(organization__path__startswith=committee.path, year=year, status=Appraisal.Status.DECIDED)
            .select_related("organization")
            .annotate(
                rated=Count("ratings"),
                excellent=Count("ratings", filter=Q(ratings__grade=Grade.EXCELLENT)),
                incompetent=Count("ratings", filter=Q(ratings__grade=Grade.INCOMPETENT)),
            )
            .order_by("organization__path")
        )
        for a in appraisals:
            if a.rated and not a.incompetent and a.excellent * 100 >= rule.min_excellent_percent * a.rated:
                found.append(
                    Candidate(
                        kind, organization=a.organization, excellent=a.excellent, rated=a.rated, decision=decisions.get(a.organization_id)
                    )
                )
        return found
    admitted = GRADE_ORDER[: GRADE_ORDER.index(rule.min_grade) + 1]
    ratings = Rating.objects.filter(
        appraisal__organization__path__startswith=committee.path,
        appraisal__year=year,
        appraisal__status=Appraisal.Status.DECIDED,
        grade__in=admitted,
    ).select_related("member__organization")
    if kind == CommendationKind.EXCELLENT_WORKER:
        ratings = ratings.filter(member__position__in=WORKER_POSITIONS)
    ratings = list(ratings.order_by("member__organization__path", "member__name", "member_id"))
    records = member_year_record([r.member_id for r in ratings], year)
    found = []
    for r in ratings:
        record = records[r.member_id]
        if rule.hours_met and not record.hours_met:
            continue
        unchecked = ""
        if rule.min_points:
            if record.points is None:
                unchecked = _("积分未接入，未按积分筛选")
            elif record.points < rule.min_points:
                continue
        found.append(
            Candidate(kind, member=r.member, grade=r.grade, record=record, decision=decisions.get(r.member_id), unchecked=unchecked)
        )
    return found


@transaction.atomic
def commendation_decide(
    committee: Organization,
    year: int,
    kind: str,
    subject_id: int,
    *,
    awarded: bool,
    decided_on: date,
    notes: str = "",
    by: User | None = None,
    today: date | None = None,
    request=None,
) -> Commendation:
    """The board's decision on one candidate the rule selects (a decision may be changed)."""
    today = today or timezone.localdate()
    if kind not in CommendationKind.values:
        raise AppraisalError(_("表彰类别不是可选的值"))
    if not date(year, 1, 1) <= decided_on <= today:
        raise AppraisalError(_("决定日期须在该年度内或之后、今天及以前"))
    if len(notes or "") > 200:
        raise AppraisalError(_("说明不能超过 %(limit)s 个字") % {"limit": 200})
    chosen = next((c for c in candidates(committee, year, kind) if c.subject_id == subject_id), None)
    if chosen is None:
        raise AppraisalError(_("不在本年度该项表彰的候选名单中"))
    subject = {"member": chosen.member} if chosen.member else {"organization": chosen.organization}
    commendation, _created = Commendation.objects.update_or_create(
        year=year,
        kind=kind,
        **subject,
        defaults={"committee": committee, "awarded": awarded, "decided_on": decided_on, "notes": (notes or "").strip(), "decided_by": by},
    )
    name = chosen.member.name if chosen.member else chosen.organization.name
    audit_record(
        request,
        AuditEvent.Action.RECORD_UPDATE,
        organization_id=committee.pk,
        object_type="commendation",
        object_id=commendation.pk,
        summary=_("评优评先决定：%(kind)s %(name)s") % {"kind": commendation.get_kind_display(), "name": name},
    )
    return commendation
