"""民主评议, 评优评先 and 考核述职 in the API. Staff open, close, read the tallies after close (404 out of
scope, 409 while the ballot is open), propose, record the decision and follow up; a member reads only
their own appraisals (voted or not, never what; the grade after the decision) and votes once."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.appraisal import appraisal_selectors as selectors
from dangxiao.appraisal import appraisal_services as services
from dangxiao.appraisal import commendation_services
from dangxiao.appraisal.models import CommendationKind, FollowUp
from dangxiao.appraisal.report_selectors import performance_report
from dangxiao.core import access
from dangxiao.people.models import Organization
from dangxiao.people.selectors import scope_root

from .cohorts import ErrorBody
from .params import Id, SaneDate
from .school import PageQuery, paginate, require_staff

router = Router(tags=["appraisal"])
GradeValue = Literal["excellent", "competent", "basic", "incompetent"]


def _refused(exc: Exception, field: str | None = None) -> Status:
    return Status(422, {"detail": str(exc), "errors": [{"field": field, "message": str(exc)}]})


class AppraisalOut(Schema):
    id: int
    organization_id: int
    organization: str
    year: int
    status: str = Field(description="open 投票中 / closed 已截止 / decided 已评定")
    status_label: str
    voted: int = Field(description="已投票人数（不含任何选票内容）")
    eligible: int
    opened_on: date
    closed_on: date | None
    decided_on: date | None
    decision_notes: str


class AppraisalPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AppraisalOut]


def _appraisal(a, voted: int | None = None, eligible: int | None = None) -> dict:
    if voted is None:
        voted, eligible = selectors.quorum(a)
    return {
        "id": a.pk,
        "organization_id": a.organization_id,
        "organization": a.organization.name,
        "year": a.year,
        "status": a.status,
        "status_label": a.get_status_display(),
        "voted": voted,
        "eligible": eligible,
        "opened_on": a.opened_on,
        "closed_on": a.closed_on,
        "decided_on": a.decided_on,
        "decision_notes": a.decision_notes,
    }


class ListQuery(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/appraisals", response={200: AppraisalPage, 404: ErrorBody}, summary="民主评议 in the caller's staff scope, with the quorum")
def appraisal_list(request, query: Query[ListQuery]):
    require_staff(request)
    return paginate(selectors.appraisal_list(request.user, year=query.year), query, lambda a: _appraisal(a, a.voted, a.eligible))


class OpenIn(Schema):
    organization_id: Id = Field(description="党支部")
    year: int = Field(ge=2000, le=2100)


@router.post(
    "/appraisals", response={201: AppraisalOut, 404: ErrorBody, 422: ErrorBody}, summary="Open a branch's 民主评议 for its current members"
)
def appraisal_open(request, body: OpenIn):
    require_staff(request)
    org = access.get_organization_or_404(request.user, body.organization_id, _staff_orgs(request))
    try:
        appraisal = services.appraisal_open(org, body.year, by=request.user, request=request)
    except services.AppraisalError as exc:
        return _refused(exc, "organization_id")
    return Status(201, _appraisal(appraisal))


def _staff_orgs(request):
    q = access.staff_q(access.scope_for(request.user), "path")
    return Organization.objects.all() if q is None else Organization.objects.filter(q)


@router.get("/appraisals/{appraisal_id}", response={200: AppraisalOut, 404: ErrorBody}, summary="One 民主评议 with its quorum")
def appraisal_get(request, appraisal_id: Id):
    require_staff(request)
    return _appraisal(access.get_appraisal_or_404(request.user, appraisal_id))


@router.post(
    "/appraisals/{appraisal_id}/close",
    response={200: AppraisalOut, 404: ErrorBody, 422: ErrorBody},
    summary="End the ballot: tallies become readable",
)
def appraisal_close(request, appraisal_id: Id):
    require_staff(request)
    appraisal = access.get_appraisal_or_404(request.user, appraisal_id)
    try:
        appraisal = services.appraisal_close(appraisal, by=request.user, request=request)
    except services.AppraisalError as exc:
        return _refused(exc)
    return _appraisal(appraisal)


class TallyOut(Schema):
    member_id: int
    member_name: str
    source: str = Field(description="peer 党员互评 / public 民主测评")
    excellent: int
    competent: int
    basic: int
    incompetent: int


class Refusal(Schema):
    detail: str


@router.get(
    "/appraisals/{appraisal_id}/tallies",
    response={200: list[TallyOut], 404: ErrorBody, 409: Refusal},
    summary="The tallies per member, once the ballot is closed (409 while it is open)",
)
def appraisal_tallies(request, appraisal_id: Id):
    require_staff(request)
    table = selectors.tally_table(access.get_appraisal_or_404(request.user, appraisal_id))
    if table is None:
        return Status(409, {"detail": _("投票截止前不公开计票结果")})
    return table


class MarkIn(Schema):
    member_id: Id
    grade: GradeValue


class ProposalsIn(Schema):
    grades: list[MarkIn] = Field(min_length=1, max_length=500)


class RatingOut(Schema):
    member_id: int
    member_name: str
    proposed: str
    grade: str = Field(description="评定等次，党员大会决定后才有")


def _ratings(appraisal) -> list[dict]:
    return [
        {"member_id": r.member_id, "member_name": r.member.name, "proposed": r.proposed, "grade": r.grade}
        for r in appraisal.ratings.select_related("member").order_by("member__name", "member_id")
    ]


@router.get("/appraisals/{appraisal_id}/ratings", response={200: list[RatingOut], 404: ErrorBody}, summary="Proposed and final grades")
def appraisal_ratings(request, appraisal_id: Id):
    require_staff(request)
    return _ratings(access.get_appraisal_or_404(request.user, appraisal_id))


@router.post(
    "/appraisals/{appraisal_id}/proposals",
    response={200: list[RatingOut], 404: ErrorBody, 422: ErrorBody},
    summary="The branch committee's proposed grades (refused: over 1/3 优秀, a probationary member)",
)
def appraisal_propose(request, appraisal_id: Id, body: ProposalsIn):
    require_staff(request)
    appraisal = access.get_appraisal_or_404(request.user, appraisal_id)
    try:
        services.ratings_propose(appraisal, {m.member_id: m.grade for m in body.grades}, request=request)
    except services.AppraisalError as exc:
        return _refused(exc, "grades")
    return _ratings(appraisal)


class DecisionIn(Schema):
    decided_on: SaneDate
    notes: str = Field("", max_length=3000)
    follow_up_deadline: SaneDate | None = None


@router.post(
    "/appraisals/{appraisal_id}/decision",
    response={200: AppraisalOut, 404: ErrorBody, 422: ErrorBody},
    summary="Record the 党员大会's decision: proposed grades become final, 不合格 opens a follow-up",
)
def appraisal_decide(request, appraisal_id: Id, body: DecisionIn):
    require_staff(request)
    appraisal = access.get_appraisal_or_404(request.user, appraisal_id)
    try:
        appraisal = services.appraisal_decide(
            appraisal, decided_on=body.decided_on, notes=body.notes, follow_up_deadline=body.follow_up_deadline, request=request
        )
    except services.AppraisalError as exc:
        return _refused(exc, "decided_on")
    return _appraisal(appraisal)


class FollowUpOut(Schema):
    id: int
    member_id: int
    member_name: str
    appraisal_id: int
    plan: str
    deadline: date
    reviewed_on: date | None
    outcome: str = Field(description="'' 待复查 / improved 已改进 / not_improved 仍未改进")
    outcome_notes: str


class FollowUpPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FollowUpOut]


def _follow_up(f: FollowUp) -> dict:
    return {
        "id": f.pk,
        "member_id": f.rating.member_id,
        "member_name": f.rating.member.name,
        "appraisal_id": f.rating.appraisal_id,
        "plan": f.plan,
        "deadline": f.deadline,
        "reviewed_on": f.reviewed_on,
        "outcome": f.outcome,
        "outcome_notes": f.outcome_notes,
    }


@router.get("/appraisal-follow-ups", response={200: FollowUpPage, 404: ErrorBody}, summary="不合格 members' education plans and reviews")
def follow_up_list(request, query: Query[PageQuery]):
    require_staff(request)
    return paginate(selectors.follow_up_list(request.user), query, _follow_up)


class FollowUpIn(Schema):
    plan: str = Field("", max_length=2000)
    deadline: SaneDate
    reviewed_on: SaneDate | None = None
    outcome: Literal["", "improved", "not_improved"] = ""
    outcome_notes: str = Field("", max_length=500)


@router.put(
    "/appraisal-follow-ups/{follow_up_id}",
    response={200: FollowUpOut, 404: ErrorBody, 422: ErrorBody},
    summary="The plan, deadline and review",
)
def follow_up_put(request, follow_up_id: Id, body: FollowUpIn):
    require_staff(request)
    found = access.get_follow_up_or_404(request.user, follow_up_id)
    try:
        found = services.follow_up_update(found, request=request, **body.dict())
    except services.AppraisalError as exc:
        return _refused(exc)
    return _follow_up(found)


# --- The member's own --------------------------------------------------------------------------------


class MyAppraisalOut(Schema):
    id: int
    organization: str
    year: int
    status: str
    is_rated: bool = Field(description="预备党员参加评议但不评定等次")
    voted: bool = Field(description="是否已投票（不含选票内容）")
    self_assessed: bool
    grade: str = Field(description="本人的评定等次，党员大会决定后才有")
    ratees: list[dict] = Field(description="投票时要评的党员 {id, name}（仅投票中且本人未投票时）")


@router.get("/me/appraisals", response={200: list[MyAppraisalOut], 404: ErrorBody}, summary="The caller's own 民主评议 and result")
def my_appraisals(request):
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    found = []
    for item in selectors.member_appraisals(member_id):
        a = item["appraisal"]
        ratees = selectors.ballot_ratees(a, member_id) if a.status == "open" and not item["voted"] else []
        found.append(
            {
                "id": a.pk,
                "organization": a.organization.name,
                "year": a.year,
                "status": a.status,
                "is_rated": item["is_rated"],
                "voted": item["voted"],
                "self_assessed": item["self_assessed"],
                "grade": item["grade"],
                "ratees": [{"id": m.pk, "name": m.name} for m in ratees],
            }
        )
    return found


class SelfAssessmentIn(Schema):
    text: str = Field(min_length=1, max_length=3000)


class Done(Schema):
    detail: str


def _own(request, appraisal_id):
    appraisal = access.get_own_appraisal_or_404(request.user, appraisal_id)
    return appraisal, access.get_member_or_404(request.user, access.scope_for(request.user).member_id)


@router.put(
    "/me/appraisals/{appraisal_id}/self-assessment", response={200: Done, 404: ErrorBody, 422: ErrorBody}, summary="Write the 个人自评"
)
def my_self_assessment(request, appraisal_id: Id, body: SelfAssessmentIn):
    appraisal, member = _own(request, appraisal_id)
    try:
        services.self_assessment_save(appraisal, member, body.text)
    except services.AppraisalError as exc:
        return _refused(exc, "text")
    return {"detail": _("个人自评已保存")}


class BallotIn(Schema):
    marks: list[MarkIn] = Field(min_length=1, max_length=500, description="每位参评党员（本人除外）一个等次")


@router.post(
    "/me/appraisals/{appraisal_id}/ballot",
    response={201: Done, 404: ErrorBody, 422: ErrorBody},
    summary="Cast the secret ballot, once; nothing stored links it to the caller",
)
def my_ballot(request, appraisal_id: Id, body: BallotIn):
    appraisal, member = _own(request, appraisal_id)
    try:
        services.ballot_cast(appraisal, member, {m.member_id: m.grade for m in body.marks})
    except services.AppraisalError as exc:
        return _refused(exc, "marks")
    return Status(201, {"detail": _("投票成功")})


# --- Commendation and yearly records -----------------------------------------------------------------


class CandidateQuery(Schema):
    year: int = Field(ge=2000, le=2100)
    kind: CommendationKind = CommendationKind.EXCELLENT_MEMBER


class CandidateOut(Schema):
    subject_id: int = Field(description="党员或党组织的 id")
    name: str
    grade: str
    hours: Decimal | None
    points: int | None = Field(description="null：积分来源尚未接入")
    awarded: bool | None = Field(description="党委决定：null 尚未决定")


@router.get(
    "/commendations/candidates", response={200: list[CandidateOut], 404: ErrorBody}, summary="评优评先 candidates by the year's rule"
)
def commendation_candidates(request, query: Query[CandidateQuery]):
    require_staff(request)
    root = scope_root(request.user)
    access.require(root is not None)
    return [
        {
            "subject_id": c.subject_id,
            "name": c.member.name if c.member else c.organization.name,
            "grade": c.grade,
            "hours": c.record.hours if c.record else None,
            "points": c.record.points if c.record else None,
            "awarded": c.decision.awarded if c.decision else None,
        }
        for c in commendation_services.candidates(root, query.year, query.kind)
    ]


class RecordOut(Schema):
    member_id: int
    name: str
    organization: str
    hours: Decimal
    hours_required: Decimal | None
    attended: int
    absent: int = Field(description="无故缺席")
    points: int | None
    reflections: int | None
    service_minutes: int | None
    matters_resolved: int
    grade: str
    commendations: list[str]


class RecordsQuery(Schema):
    year: int = Field(default_factory=lambda: timezone.localdate().year, ge=2000, le=2100)


@router.get(
    "/yearly-records", response={200: list[RecordOut], 404: ErrorBody}, summary="考核述职: each member's year in scope (at most 2000)"
)
def yearly_records(request, query: Query[RecordsQuery]):
    require_staff(request)
    root = scope_root(request.user)
    access.require(root is not None)
    members = access.filter_roster(request.user).current().filter(organization__path__startswith=root.path)
    report = performance_report(request.user, members, root, query.year)
    return [
        {
            "member_id": r.member.pk,
            "name": r.member.name,
            "organization": r.member.organization.name,
            "hours": r.record.hours,
            "hours_required": r.record.hours_required,
            "attended": r.record.attended,
            "absent": r.record.absent,
            "points": r.record.points,
            "reflections": r.record.reflections,
            "service_minutes": r.record.service_minutes,
            "matters_resolved": r.record.matters_resolved,
            "grade": r.grade,
            "commendations": r.commendations,
        }
        for r in report.rows
    ]
