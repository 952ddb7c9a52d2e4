"""Changing cohorts and sessions after they were created, and the cohorts a member may enrol in.

Cohorts are what the caller manages (`access.filter_cohorts`); a session is changed only by who manages its
cohort; anything else is 404. Writes go through `dangxiao.teaching.changes`: a refusal users can cause is
422 `{detail, errors}`, a booking clash 409 with every conflict unless a written `override_reason` is given.
"""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from dangxiao.core import access
from dangxiao.school.selectors import school_for_organization
from dangxiao.teaching import changes, selectors
from dangxiao.teaching.courses import offered_courses
from dangxiao.teaching.models import Cohort, Session
from dangxiao.teaching.open_cohorts import open_cohorts
from dangxiao.teaching.rules import TargetRule
from dangxiao.teaching.services import ConflictError, TeachingError

from .params import Id, SaneDate, SaneDateTime
from .school import Ref, ref
from .teaching import (
    SESSION_RELATED,
    CohortDetailOut,
    ConflictBody,
    SessionOut,
    _aware,
    _conflict,
    _session,
    cohort_detail,
    router,  # PATCH shares its path with teaching's GET: one router holds both (ninja routes by path)
)

me_router = Router(tags=["me"])


class FieldError(Schema):
    field: str | None
    message: str


class ErrorBody(Schema):
    detail: str
    errors: list[FieldError]


def _refused(message: str, field: str | None = None) -> Status:
    return Status(422, {"detail": message, "errors": [{"field": field, "message": message}]})


# --- Cohorts -----------------------------------------------------------------------------------


class TargetRuleIn(Schema):
    flags: list[str] = []
    positions: list[str] = []
    statuses: list[str] = []
    age_bands: list[str] = []
    industries: list[str] = Field([], max_length=20)


class CohortPatch(Schema):
    name: str | None = Field(None, max_length=120)
    starts_on: SaneDate | None = None
    ends_on: SaneDate | None = None
    seat_limit: int | None = Field(None, ge=1, le=100_000, description="名额；null 为不限")
    target_rule: TargetRuleIn | None = None
    course_ids: list[Id] | None = Field(None, max_length=100)


class CohortIn(Schema):
    name: str = Field(..., max_length=120)
    organization_id: Id = Field(..., description="主办组织：调用者管理范围内的组织")
    mode: Cohort.Mode = Cohort.Mode.IN_PERSON
    starts_on: SaneDate | None = None
    ends_on: SaneDate | None = None
    seat_limit: int | None = Field(None, ge=1, le=100_000, description="名额；null 为不限")
    target_rule: TargetRuleIn = TargetRuleIn()
    course_ids: list[Id] = Field([], max_length=100)
    auto_enrol: bool = Field(False, description="创建后立即按规则报名")
    self_enrol_open: bool = Field(False, description="允许党员在手机上自行报名")


class CohortCreated(Schema):
    cohort: CohortDetailOut
    enrolled: int | None = None
    waitlisted: int | None = None


@router.post(
    "/cohorts",
    response={201: CohortCreated, 404: ErrorBody, 422: ErrorBody},
    summary="Create a cohort run by an organisation the caller manages, optionally enrolling by its rule at once",
)
def cohort_create(request, body: CohortIn):
    """The same service as the page (teaching.changes.cohort_create): checks, write, optional enrolment, audit."""
    scope = access.scope_for(request.user)
    access.require(scope.can_view_roster)
    managed = access.filter_organizations(request.user).filter(access.staff_q(scope, "path") or Q())
    organization = managed.filter(pk=body.organization_id, dissolved_on__isnull=True).first()
    if organization is None:
        return _refused(_("组织不存在或不在您的管理范围内"), "organization_id")
    school = school_for_organization(organization)
    if school is None:
        return _refused(_("该组织所属的党工委尚未设立党校"), "organization_id")
    courses = list(
        offered_courses(access.filter_school_objects(request.user, "teaching.Course").filter(school=school)).filter(pk__in=body.course_ids)
    )
    if len(courses) != len(set(body.course_ids)):
        return _refused(_("课程不存在或不属于本班次所在的党校"), "course_ids")
    given = {k: list(v) for k, v in body.target_rule.dict().items() if v}
    rule = TargetRule.from_json(given)  # the cohort's organisation bounds it, as on the page
    kept = {k: v for k, v in rule.to_json().items() if k != "organization_paths"}
    if {k: sorted(v) for k, v in kept.items()} != {k: sorted(v) for k, v in given.items()}:
        return _refused(_("培训对象规则中有无法识别的条件"), "target_rule")
    with translation.override(settings.LANGUAGE_CODE):
        description = rule.describe()
    try:
        cohort, result = changes.cohort_create(
            school,
            organization,
            name=body.name,
            mode=body.mode,
            rule=rule,
            rule_description=description,
            seat_limit=body.seat_limit,
            auto_enrol=body.auto_enrol,
            self_enrol_open=body.self_enrol_open,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            courses=courses,
            request=request,
        )
    except TeachingError as exc:
        return _refused(str(exc))
    return Status(
        201,
        {
            "cohort": _detail(request, cohort),
            "enrolled": result.enrolled if result else None,
            "waitlisted": result.waitlisted if result else None,
        },
    )


def _managed_cohort(request, cohort_id: int) -> Cohort:
    return access.get_cohort_or_404(request.user, cohort_id, Cohort.objects.select_related("organization", "school"))


def _detail(request, cohort: Cohort) -> dict:
    return cohort_detail(request, cohort.pk)


@router.patch(
    "/cohorts/{cohort_id}",
    response={200: CohortDetailOut, 404: ErrorBody, 422: ErrorBody},
    summary="Change a cohort's name, dates, seats, target rule or courses (only the fields sent)",
)
def cohort_patch(request, cohort_id: int, body: CohortPatch):
    cohort = _managed_cohort(request, cohort_id)
    sent = body.dict(exclude_unset=True)
    if "name" in sent and not (body.name or "").strip():
        return _refused(_("请填写班次名称"), "name")
    old = selectors.cohort_rule(cohort)
    rule = old
    if body.target_rule is not None:
        given = {k: list(v) for k, v in body.target_rule.dict().items() if v}
        rule = TargetRule.from_json({**given, "organization_paths": list(old.organization_paths)})
        kept = {k: v for k, v in rule.to_json().items() if k != "organization_paths"}
        if {k: sorted(v) for k, v in kept.items()} != {k: sorted(v) for k, v in given.items()}:
            return _refused(_("培训对象规则中有无法识别的条件"), "target_rule")
    courses = None
    if body.course_ids is not None:
        found = access.filter_school_objects(request.user, "teaching.Course").filter(pk__in=body.course_ids, school=cohort.school_id)
        courses = list(found)
        if len(courses) != len(set(body.course_ids)):
            return _refused(_("课程不存在或不属于本班次所在的党校"), "course_ids")
    with translation.override(settings.LANGUAGE_CODE):
        description = rule.describe()
    try:
        changes.cohort_update(
            cohort,
            name=sent.get("name", cohort.name) or "",
            starts_on=sent.get("starts_on", cohort.starts_on),
            ends_on=sent.get("ends_on", cohort.ends_on),
            seat_limit=sent.get("seat_limit", cohort.seat_limit),
            rule=rule,
            rule_description=description if body.target_rule is not None else cohort.target_description,
            courses=courses,
            request=request,
        )
    except TeachingError as exc:
        return _refused(str(exc))
    return _detail(request, cohort)


class CohortStateOut(Schema):
    id: int
    name: str
    self_enrol_open: bool
    archived: bool


def _state(cohort: Cohort) -> dict:
    return {"id": cohort.pk, "name": cohort.name, "self_enrol_open": cohort.self_enrol_open, "archived": cohort.archived_at is not None}


def _set_state(request, cohort_id: int, action):
    cohort = _managed_cohort(request, cohort_id)
    try:
        cohort = action(cohort)
    except TeachingError as exc:
        return _refused(str(exc))
    return _state(cohort)


@router.post(
    "/cohorts/{cohort_id}/close-enrolment",
    response={200: CohortStateOut, 404: ErrorBody, 422: ErrorBody},
    summary="Close self-enrolment (those enrolled or waiting stay)",
)
def cohort_close_enrolment(request, cohort_id: int):
    return _set_state(request, cohort_id, lambda c: changes.cohort_set_enrolment(c, open=False, request=request))


@router.post(
    "/cohorts/{cohort_id}/reopen-enrolment",
    response={200: CohortStateOut, 404: ErrorBody, 422: ErrorBody},
    summary="Open self-enrolment again",
)
def cohort_reopen_enrolment(request, cohort_id: int):
    return _set_state(request, cohort_id, lambda c: changes.cohort_set_enrolment(c, open=True, request=request))


@router.post(
    "/cohorts/{cohort_id}/archive",
    response={200: CohortStateOut, 404: ErrorBody, 422: ErrorBody},
    summary="Archive a finished cohort (kept with its history; refused while sessions are still to come)",
)
def cohort_archive(request, cohort_id: int):
    return _set_state(request, cohort_id, lambda c: changes.cohort_archive(c, request=request))


# --- Sessions ----------------------------------------------------------------------------------


class SessionPatch(Schema):
    title: str | None = Field(None, max_length=120)
    starts_at: SaneDateTime | None = None
    ends_at: SaneDateTime | None = None
    venue_id: Id | None = None
    teacher_id: Id | None = None
    hours: Decimal | None = Field(None, gt=0, lt=100, decimal_places=1)
    override_reason: str = Field("", max_length=300, description="有冲突时仍要安排的书面说明")


class SessionChangeOut(SessionOut):
    previous_ends_at: datetime | None
    cancelled_at: datetime | None


class CancelIn(Schema):
    reason: str = Field(max_length=300)


def _managed_session(request, session_id: int) -> Session:
    session = access.get_session_or_404(request.user, session_id, Session.objects.select_related("cohort__school", "venue", "teacher"))
    access.require(access.filter_cohorts(request.user).filter(pk=session.cohort_id).exists())
    return session


def _changed(session_id: int) -> dict:
    s = Session.objects.select_related(*SESSION_RELATED).get(pk=session_id)
    local = lambda dt: timezone.localtime(dt) if dt else None  # noqa: E731
    return {**_session(s), "previous_ends_at": local(s.previous_ends_at), "cancelled_at": local(s.cancelled_at)}


@router.patch(
    "/sessions/{session_id}",
    response={200: SessionChangeOut, 404: ErrorBody, 409: ConflictBody, 422: ErrorBody},
    summary="Edit or reschedule a session (only the fields sent); a clash is a 409 listing it, as on creation",
)
def session_patch(request, session_id: int, body: SessionPatch):
    session = _managed_session(request, session_id)
    sent = body.dict(exclude_unset=True)
    user = request.user
    venue, teacher = session.venue, session.teacher
    if "venue_id" in sent:
        venue = access.get_school_object_or_404(user, "school.Venue", body.venue_id) if body.venue_id else None
    if "teacher_id" in sent:
        teacher = access.get_school_object_or_404(user, "school.Teacher", body.teacher_id) if body.teacher_id else None
    try:
        changes.session_update(
            session,
            by=user,
            title=sent.get("title") or session.title,
            starts_at=_aware(body.starts_at) if body.starts_at else session.starts_at,
            ends_at=_aware(body.ends_at) if body.ends_at else session.ends_at,
            venue=venue,
            teacher=teacher,
            hours=body.hours,
            override_reason=body.override_reason,
            request=request,
        )
    except ConflictError as exc:
        return _conflict(exc)
    except TeachingError as exc:
        return _refused(str(exc))
    return _changed(session.pk)


@router.post(
    "/sessions/{session_id}/cancel",
    response={200: SessionChangeOut, 404: ErrorBody, 422: ErrorBody},
    summary="Cancel a session that has not started, with a reason; members' schedules and feeds show it cancelled",
)
def session_cancel(request, session_id: int, body: CancelIn):
    session = _managed_session(request, session_id)
    try:
        changes.session_cancel(session, by=request.user, reason=body.reason, request=request)
    except TeachingError as exc:
        return _refused(str(exc), "reason")
    return _changed(session.pk)


# --- The signed-in member ----------------------------------------------------------------------


class OpenCohortOut(Schema):
    id: int
    name: str
    organization: Ref
    mode: str
    target_description: str
    starts_on: date | None
    ends_on: date | None
    venue: Ref | None
    distance_km: float | None = Field(description="教学点与党员居住小区的距离；未标注位置时为 null")
    seats_left: int | None = Field(description="剩余名额；null 为不限，0 表示报名将进入候补")
    my_status: str = Field(description="'' 未报名，enrolled 已报名，waitlisted 候补中")
    next_session_at: datetime | None


@me_router.get(
    "/me/cohorts",
    response={200: list[OpenCohortOut], 404: ErrorBody},
    summary="Cohorts open to the signed-in member's self-enrolment, nearest venue first (enrol: POST /cohorts/{id}/enrol-self)",
)
def my_open_cohorts(request):
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    member = access.get_member_or_404(request.user, member_id)
    return [
        {
            "id": r.cohort.pk,
            "name": r.cohort.name,
            "organization": ref(r.cohort.organization),
            "mode": r.cohort.mode,
            "target_description": r.cohort.target_description,
            "starts_on": r.cohort.starts_on,
            "ends_on": r.cohort.ends_on,
            "venue": ref(r.venue),
            "distance_km": round(r.km, 2) if r.km is not None else None,
            "seats_left": r.seats_left,
            "my_status": r.my_status,
            "next_session_at": r.next_start,
        }
        for r in open_cohorts(request.user, member)
    ]
