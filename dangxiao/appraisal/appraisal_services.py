"""民主评议 write paths: open, self-assess, vote (members and one-time codes), close, propose, decide,
follow up. Each is atomic and changes nothing when it refuses (AppraisalError, a Chinese message).

Secrecy (see models/appraisal.py): a vote writes a VoteCast row and adds to the tallies in one
transaction, and no audit row or log line of it names the voter with what they marked.
"""

import contextvars
import hashlib
import logging
import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.models import AuditEvent
from dangxiao.notify.models import Kind
from dangxiao.notify.services import notify
from dangxiao.people.models import Member, Organization, User

from .models import Appraisal, FollowUp, Grade, Participant, Rating, SelfAssessment, Tally, VoteCast, VotingCode
from .models.appraisal import GRADE_FIELDS

MAX_CODES = 200  # per request: a print run for a 业委会 and residents' representatives
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
CODE_LENGTH = 10
FOLLOW_UP_DAYS = 90
MAX_TEXT = 3000


class AppraisalError(Exception):
    """A refusal the user can act on, in Chinese; nothing was changed."""


# --- Keeping votes out of the SQL log ------------------------------------------------------------------
# With DEBUG on, Django logs every statement to "django.db.backends": a vote's INSERT (the voter) and
# UPDATE (the marks) would sit side by side in a log file. While a vote is written, that logger drops
# its records (a context variable, so only the voting request's thread is silenced).
_VOTING = contextvars.ContextVar("dangxiao_appraisal_voting", default=False)


class _NoBallotSQL(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _VOTING.get()


logging.getLogger("django.db.backends").addFilter(_NoBallotSQL())


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# --- Opening ------------------------------------------------------------------------------------------


@transaction.atomic
def appraisal_open(organization: Organization, year: int, *, by: User | None = None, today: date | None = None, request=None) -> Appraisal:
    """Open the branch's 民主评议 of `year` for its current members (probationary ones vote but are not
    rated). Refused for a non-branch, a second one for the year, or fewer than two full members."""
    today = _today(today)
    if organization.kind != Organization.Kind.BRANCH or organization.dissolved_on:
        raise AppraisalError(_("民主评议按党支部进行：请选择一个现有的党支部"))
    if not today.year - 1 <= year <= today.year:
        raise AppraisalError(_("只能为今年或去年开展民主评议"))
    if Appraisal.objects.filter(organization=organization, year=year).exists():
        raise AppraisalError(_("该党支部本年度的民主评议已经开始"))
    members = list(Member.objects.current().filter(organization=organization).order_by("name", "pk").values_list("pk", "status"))
    rated = [pk for pk, status in members if status == Member.Status.FULL]
    if len(rated) < 2:
        raise AppraisalError(_("该党支部正式党员不足两人，无法开展党员互评"))
    appraisal = Appraisal.objects.create(organization=organization, year=year, opened_on=today, opened_by=by)
    Participant.objects.bulk_create(
        Participant(appraisal=appraisal, member_id=pk, is_rated=status == Member.Status.FULL) for pk, status in members
    )
    Tally.objects.bulk_create(Tally(appraisal=appraisal, member_id=pk, source=s) for pk in rated for s in Tally.Source.values)
    audit_record(
        request,
        AuditEvent.Action.RECORD_CREATE,
        organization_id=organization.pk,
        object_type="appraisal",
        object_id=appraisal.pk,
        summary=_("开展%(year)s年度民主评议：%(org)s") % {"year": year, "org": organization.name},
    )
    _tell_participants(appraisal, [pk for pk, _status in members])
    return appraisal


def _tell_participants(appraisal: Appraisal, member_ids: list[int]) -> None:
    """Each member taking part who has an account hears that the vote is open, with the link to the ballot."""
    users = User.objects.filter(member__pk__in=member_ids, is_active=True)
    title = _("民主评议开始投票")
    body = _("%(org)s %(year)s年度民主评议已开始，请填写个人自评并投票。") % {"org": appraisal.organization.name, "year": appraisal.year}
    url = reverse("appraisal:my_detail", args=[appraisal.pk])
    notify(users, f"appraisal-open:{appraisal.pk}", title, body, url, kind=Kind.APPRAISAL_OPEN)


def _locked(appraisal: Appraisal) -> Appraisal:
    return Appraisal.objects.select_for_update().get(pk=appraisal.pk)


def _participant(appraisal: Appraisal, member: Member | None) -> Participant:
    found = Participant.objects.filter(appraisal=appraisal, member=member).first() if member else None
    if found is None:
        raise AppraisalError(_("您不是本次民主评议的参评党员"))
    return found


@transaction.atomic
def self_assessment_save(appraisal: Appraisal, member: Member | None, text: str) -> SelfAssessment:
    """Write or rewrite the member's 个人自评 while the appraisal is open."""
    appraisal = _locked(appraisal)
    if appraisal.status != Appraisal.Status.OPEN:
        raise AppraisalError(_("民主评议已截止，不能再修改个人自评"))
    _participant(appraisal, member)
    text = (text or "").strip()
    if not text:
        raise AppraisalError(_("请填写个人自评"))
    if len(text) > MAX_TEXT:
        raise AppraisalError(_("个人自评不能超过 %(limit)s 个字") % {"limit": MAX_TEXT})
    found, _created = SelfAssessment.objects.update_or_create(appraisal=appraisal, member=member, defaults={"text": text})
    return found


# --- Voting --------------------------------------------------------------------------------------------


def _clean_marks(appraisal: Appraisal, marks: dict, *, voter_id: int | None) -> dict[int, str]:
    """The marks as {ratee id: grade}, exactly one valid grade for every rated member but the voter."""
    expected = set(
        Participant.objects.filter(appraisal=appraisal, is_rated=True).exclude(member_id=voter_id).values_list("member_id", flat=True)
    )
    cleaned: dict[int, str] = {}
    for key, grade in (marks or {}).items():
        try:
            ratee = int(key)
        except (TypeError, ValueError):
            raise AppraisalError(_("选票上有不参加评定的人")) from None
        if ratee not in expected:
            raise AppraisalError(_("选票上有不参加评定的人"))
        if grade not in Grade.values:
            raise AppraisalError(_("等次只能是优秀、合格、基本合格或不合格"))
        cleaned[ratee] = grade
    if set(cleaned) != expected:
        raise AppraisalError(_("请为每一位参评党员选择一个等次"))
    return cleaned


def _add_to_tallies(appraisal: Appraisal, source: str, marks: dict[int, str]) -> None:
    """One UPDATE over EVERY tally row of the appraisal (+0 where nothing was marked): all rows get the
    same row version, so none tells which ratees this vote touched (models/appraisal.py)."""
    changes = {}
    for grade, field in GRADE_FIELDS.items():
        ids = [ratee for ratee, g in marks.items() if g == grade]
        bump = Case(When(Q(source=source, member_id__in=ids), then=Value(1)), default=Value(0), output_field=IntegerField())
        changes[field] = F(field) + bump
    Tally.objects.filter(appraisal=appraisal).update(**changes)


def ballot_cast(appraisal: Appraisal, voter: Member | None, marks: dict) -> None:
    """党员互评: record that `voter` voted and add their marks to the tallies, together. Refused when the
    ballot is not open, the voter takes no part, a mark is missing or wrong, or they already voted
    (the database's unique constraint decides, however many requests race)."""
    token = _VOTING.set(True)
    try:
        with transaction.atomic():
            appraisal = _locked(appraisal)
            if appraisal.status != Appraisal.Status.OPEN:
                raise AppraisalError(_("投票已截止"))
            _participant(appraisal, voter)
            cleaned = _clean_marks(appraisal, marks, voter_id=voter.pk)
            try:
                with transaction.atomic():
                    VoteCast.objects.create(appraisal=appraisal, voter=voter)
            except IntegrityError:
                raise AppraisalError(_("您已经投过票，每人只能投一次")) from None
            _add_to_tallies(appraisal, Tally.Source.PEER, cleaned)
    finally:
        _VOTING.reset(token)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace(" ", "").encode()).hexdigest()


@transaction.atomic
def codes_issue(appraisal: Appraisal, count: int, *, by: User | None = None, request=None) -> list[str]:
    """One-time codes for 民主测评 by non-members; returned once in clear (to print), stored hashed."""
    appraisal = _locked(appraisal)
    if appraisal.status != Appraisal.Status.OPEN:
        raise AppraisalError(_("投票已截止，不能再发放测评码"))
    if not 1 <= count <= MAX_CODES:
        raise AppraisalError(_("每次可发放 1 至 %(max)s 个测评码") % {"max": MAX_CODES})
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH)) for _n in range(count)]
    VotingCode.objects.bulk_create(VotingCode(appraisal=appraisal, code_hash=_hash(c)) for c in codes)
    audit_record(
        request,
        AuditEvent.Action.RECORD_CREATE,
        organization_id=appraisal.organization_id,
        object_type="appraisal",
        object_id=appraisal.pk,
        summary=_("发放民主测评码 %(count)s 个") % {"count": count},
    )
    return codes


def ballot_cast_with_code(appraisal: Appraisal, code: str, marks: dict) -> None:
    """民主测评 without an account: the code is spent and the marks added, together."""
    token = _VOTING.set(True)
    try:
        with transaction.atomic():
            appraisal = _locked(appraisal)
            if appraisal.status != Appraisal.Status.OPEN:
                raise AppraisalError(_("投票已截止"))
            spent = VotingCode.objects.filter(appraisal=appraisal, code_hash=_hash(code or ""), used=False).update(used=True)
            if spent != 1:
                raise AppraisalError(_("测评码无效或已使用"))
            _add_to_tallies(appraisal, Tally.Source.PUBLIC, _clean_marks(appraisal, marks, voter_id=None))
    finally:
        _VOTING.reset(token)


# --- Closing, proposing, deciding ----------------------------------------------------------------------


@transaction.atomic
def appraisal_close(appraisal: Appraisal, *, by: User | None = None, today: date | None = None, request=None) -> Appraisal:
    """End the ballot: tallies become visible, grades may be proposed."""
    appraisal = _locked(appraisal)
    if appraisal.status != Appraisal.Status.OPEN:
        raise AppraisalError(_("投票已经截止"))
    appraisal.status, appraisal.closed_on = Appraisal.Status.CLOSED, _today(today)
    appraisal.save(update_fields=["status", "closed_on"])
    VotingCode.objects.filter(appraisal=appraisal, used=False).delete()  # unspent codes are worthless now
    audit_record(
        request,
        AuditEvent.Action.RECORD_UPDATE,
        organization_id=appraisal.organization_id,
        object_type="appraisal",
        object_id=appraisal.pk,
        summary=_("民主评议投票截止：%(org)s") % {"org": appraisal.organization.name},
    )
    return appraisal


def excellent_cap(rated: int) -> int:
    """At most one third of those rated may be 优秀 (SYSTEM.md §3)."""
    return rated // 3


@transaction.atomic
def ratings_propose(appraisal: Appraisal, grades: dict, *, request=None) -> list[Rating]:
    """The branch committee's proposed grades ({member id: grade}; others keep theirs). Refused — all of
    it — for a probationary member, a non-participant, or more than a third 优秀 among those rated."""
    appraisal = _locked(appraisal)
    if appraisal.status != Appraisal.Status.CLOSED:
        raise AppraisalError(_("投票截止后、党员大会评定前才能提出建议等次"))
    participants = {p.member_id: p for p in Participant.objects.filter(appraisal=appraisal).select_related("member")}
    cleaned: dict[int, str] = {}
    for key, grade in (grades or {}).items():
        try:
            member_id = int(key)
        except (TypeError, ValueError):
            raise AppraisalError(_("不是本次民主评议的参评党员")) from None
        if member_id not in participants:
            raise AppraisalError(_("不是本次民主评议的参评党员"))
        if not grade:
            continue
        if not participants[member_id].is_rated:
            raise AppraisalError(
                _("%(name)s是预备党员：预备党员参加民主评议，但不评定等次") % {"name": participants[member_id].member.name}
            )
        if grade not in Grade.values:
            raise AppraisalError(_("等次只能是优秀、合格、基本合格或不合格"))
        cleaned[member_id] = grade
    current = dict(Rating.objects.filter(appraisal=appraisal).values_list("member_id", "proposed"))
    merged = {**current, **cleaned}
    rated = sum(1 for p in participants.values() if p.is_rated)
    excellent = sum(1 for g in merged.values() if g == Grade.EXCELLENT)
    if excellent > excellent_cap(rated):
        raise AppraisalError(
            _("优秀等次不得超过参加评定党员人数的三分之一：本支部 %(rated)s 人参加评定，优秀至多 %(cap)s 人，现为 %(excellent)s 人")
            % {"rated": rated, "cap": excellent_cap(rated), "excellent": excellent}
        )
    for member_id, grade in cleaned.items():
        Rating.objects.update_or_create(appraisal=appraisal, member_id=member_id, defaults={"proposed": grade})
    if cleaned:
        audit_record(
            request,
            AuditEvent.Action.RECORD_UPDATE,
            organization_id=appraisal.organization_id,
            object_type="appraisal",
            object_id=appraisal.pk,
            summary=_("支委会提出民主评议建议等次（%(count)s 人）") % {"count": len(cleaned)},
        )
    return list(Rating.objects.filter(appraisal=appraisal))


@transaction.atomic
def appraisal_decide(
    appraisal: Appraisal,
    *,
    decided_on: date,
    notes: str = "",
    follow_up_deadline: date | None = None,
    today: date | None = None,
    request=None,
) -> Appraisal:
    """Record the 党员大会's decision: the proposed grades become final; each 不合格 opens a follow-up
    (an education plan due by `follow_up_deadline`, by default 90 days after the meeting)."""
    appraisal = _locked(appraisal)
    today = _today(today)
    if appraisal.status != Appraisal.Status.CLOSED:
        raise AppraisalError(_("投票截止后才能记录党员大会的评定"))
    if not appraisal.closed_on or not appraisal.closed_on <= decided_on <= today:
        raise AppraisalError(_("党员大会日期须在投票截止之后、今天及以前"))
    if len(notes or "") > MAX_TEXT:
        raise AppraisalError(_("说明不能超过 %(limit)s 个字") % {"limit": MAX_TEXT})
    deadline = follow_up_deadline or decided_on + timedelta(days=FOLLOW_UP_DAYS)
    if not decided_on < deadline <= decided_on + timedelta(days=366):
        raise AppraisalError(_("整改期限须在党员大会之后一年以内"))
    rated = set(Participant.objects.filter(appraisal=appraisal, is_rated=True).values_list("member_id", flat=True))
    proposed = set(Rating.objects.filter(appraisal=appraisal).values_list("member_id", flat=True))
    if rated - proposed:
        raise AppraisalError(_("还有 %(count)s 名党员没有建议等次") % {"count": len(rated - proposed)})
    Rating.objects.filter(appraisal=appraisal).update(grade=F("proposed"))
    FollowUp.objects.bulk_create(
        FollowUp(rating=r, deadline=deadline) for r in Rating.objects.filter(appraisal=appraisal, grade=Grade.INCOMPETENT)
    )
    appraisal.status, appraisal.decided_on, appraisal.decision_notes = Appraisal.Status.DECIDED, decided_on, (notes or "").strip()
    appraisal.save(update_fields=["status", "decided_on", "decision_notes"])
    audit_record(
        request,
        AuditEvent.Action.RECORD_UPDATE,
        organization_id=appraisal.organization_id,
        object_type="appraisal",
        object_id=appraisal.pk,
        summary=_("记录党员大会民主评议结果：%(org)s") % {"org": appraisal.organization.name},
    )
    return appraisal


@transaction.atomic
def follow_up_update(
    follow_up: FollowUp,
    *,
    plan: str,
    deadline: date,
    reviewed_on: date | None = None,
    outcome: str = "",
    outcome_notes: str = "",
    today: date | None = None,
    request=None,
) -> FollowUp:
    """Write the education plan and its deadline; record the review (a date and an outcome) once held."""
    today = _today(today)
    decided_on = follow_up.rating.appraisal.decided_on
    if len(plan or "") > 2000 or len(outcome_notes or "") > 500:
        raise AppraisalError(_("内容过长"))
    if not decided_on < deadline <= decided_on + timedelta(days=366):
        raise AppraisalError(_("整改期限须在党员大会之后一年以内"))
    if outcome not in FollowUp.Outcome.values:
        raise AppraisalError(_("复查结果不是可选的值"))
    if bool(outcome) != bool(reviewed_on):
        raise AppraisalError(_("复查须同时填写复查日期和复查结果"))
    if reviewed_on and not decided_on <= reviewed_on <= today:
        raise AppraisalError(_("复查日期须在党员大会之后、今天及以前"))
    follow_up.plan, follow_up.deadline = (plan or "").strip(), deadline
    follow_up.reviewed_on, follow_up.outcome, follow_up.outcome_notes = reviewed_on, outcome, (outcome_notes or "").strip()
    follow_up.save()
    audit_record(
        request,
        AuditEvent.Action.RECORD_UPDATE,
        organization_id=follow_up.rating.member.organization_id,
        object_type="appraisal_follow_up",
        object_id=follow_up.pk,
        summary=_("不合格党员教育帮扶：%(name)s") % {"name": follow_up.rating.member.name},
    )
    return follow_up


def appraisal_for_code(code: str) -> Appraisal | None:
    """The open appraisal an unspent code belongs to, or None (unknown, spent, or the ballot closed)."""
    found = VotingCode.objects.filter(code_hash=_hash(code), used=False, appraisal__status=Appraisal.Status.OPEN).select_related(
        "appraisal__organization"
    )
    row = found.first()
    return row.appraisal if row else None
