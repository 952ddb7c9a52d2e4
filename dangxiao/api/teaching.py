"""Cohorts with their enrolment, sessions and schedules, and the signed-in member's own timetable
(courses are `api.courses`).

Cohorts are what the caller manages (`access.filter_cohorts`), sessions what they may see
(`access.filter_sessions`); anything else is 404. Writes go through `dangxiao.teaching.services`:
a refusal users can cause (TeachingError) is 422 with its message, a booking clash 409 with every
conflict, unless a written `override_reason` is given.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.core.masking import mask_phone
from dangxiao.people.models import Member
from dangxiao.teaching import selectors, services
from dangxiao.teaching.models import Cohort, Enrollment, Session

from .params import Id, PageSize, SaneDate, SaneDateTime
from .school import PageQuery, Ref, paginate, ref

router = Router(tags=["teaching"])
me_router = Router(tags=["me"])

Hours = Field(None, gt=0, lt=100, decimal_places=1, description="学时；缺省时取课程的默认学时")


class Detail(Schema):
    detail: str


class ConflictOut(Schema):
    kind: str = Field(description="venue | teacher | capacity | member")
    message: str
    other_session_id: int | None


class ConflictBody(Schema):
    detail: str
    conflicts: list[ConflictOut]


def _local(dt: datetime | None) -> datetime | None:
    """Datetimes leave the API in Asia/Shanghai time, with their +08:00 offset."""
    return timezone.localtime(dt) if dt is not None else None


def _aware(dt: datetime) -> datetime:
    """A datetime sent without an offset is read as local (Asia/Shanghai) time."""
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def _conflict(exc: services.ConflictError) -> Status:
    return Status(
        409,
        {"detail": _("排课冲突：请调整时间、教学点或讲师，或填写冲突说明后强制安排"), "conflicts": [c.as_dict() for c in exc.conflicts]},
    )


# --- Cohorts -----------------------------------------------------------------------------------


class CohortOut(Schema):
    id: int
    name: str
    organization: Ref
    mode: str
    mode_label: str
    target_description: str
    seat_limit: int | None
    auto_enrol: bool
    self_enrol_open: bool
    starts_on: date | None
    ends_on: date | None
    default_venue: Ref | None
    archived_at: datetime | None = Field(description="归档时间；未归档为 null")
    enrolled: int
    waitlisted: int
    session_count: int


class CohortDetailOut(CohortOut):
    target_rule: dict
    rule_description: str
    eligible: int
    courses: list[Ref]


class CohortPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CohortOut]


def _cohort(c: Cohort) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "organization": ref(c.organization),
        "mode": c.mode,
        "mode_label": c.get_mode_display(),
        "target_description": c.target_description,
        "seat_limit": c.seat_limit,
        "auto_enrol": c.auto_enrol,
        "self_enrol_open": c.self_enrol_open,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "default_venue": ref(c.default_venue),
        "archived_at": _local(c.archived_at),
        "enrolled": c.enrolled,
        "waitlisted": c.waitlisted,
        "session_count": c.session_count,
    }


@router.get("/cohorts", response=CohortPage, summary="Cohorts (班次) the caller manages, with enrolment counts")
def cohort_list(request, query: Query[PageQuery]):
    return paginate(selectors.cohort_list(request.user), query, _cohort)


@router.get("/cohorts/{cohort_id}", response=CohortDetailOut, summary="One cohort with its target rule and eligible count")
def cohort_detail(request, cohort_id: int):
    cohort = access.get_cohort_or_404(request.user, cohort_id, selectors.cohort_list(request.user).prefetch_related("courses"))
    return {
        **_cohort(cohort),
        "target_rule": cohort.target_rule or {},
        "rule_description": selectors.cohort_rule(cohort).describe(),
        "eligible": selectors.cohort_eligible_members(cohort).count(),
        "courses": [ref(c, "title") for c in cohort.courses.all()],
    }


# --- Enrolment ---------------------------------------------------------------------------------


class EnrollmentOut(Schema):
    id: int
    member_id: int
    name: str
    organization: str
    phone: str = Field(description="手机号（已脱敏）")
    status: str
    status_label: str
    source: str
    source_label: str
    created_at: datetime
    joined_at: datetime = Field(description="最近一次加入名单的时间：候补按此先后递补（退出后重新加入排到最后）")


class EnrollmentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EnrollmentOut]


class EnrollmentQuery(PageQuery):
    status: Literal["enrolled", "waitlisted"] = "enrolled"


class EnrollIn(Schema):
    member_id: int


class UnenrollOut(Schema):
    member_id: int
    status: str
    promoted: EnrollmentOut | None = Field(description="从候补名单递补入班的党员；没有则为 null")


class RuleEnrolmentOut(Schema):
    enrolled: int
    waitlisted: int
    skipped: list[str]


def _enrollment(e: Enrollment) -> dict:
    return {
        "id": e.pk,
        "member_id": e.member_id,
        "name": e.member.name,
        "organization": e.member.organization.name,
        "phone": mask_phone(e.member.phone),
        "status": e.status,
        "status_label": e.get_status_display(),
        "source": e.source,
        "source_label": e.get_source_display(),
        "created_at": _local(e.created_at),
        "joined_at": _local(e.joined_at),
    }


@router.get("/cohorts/{cohort_id}/enrollments", response=EnrollmentPage, summary="Enrolled or waitlisted members of a cohort (masked)")
def enrollment_list(request, cohort_id: int, query: Query[EnrollmentQuery]):
    cohort = access.get_cohort_or_404(request.user, cohort_id)
    return paginate(selectors.cohort_enrollments(cohort, query.status), query, _enrollment)


@router.post(
    "/cohorts/{cohort_id}/enrollments",
    response={201: EnrollmentOut, 422: Detail},
    summary="Enrol a member (on the waiting list when the seats are taken)",
)
def enrollment_create(request, cohort_id: int, body: EnrollIn):
    cohort = access.get_cohort_or_404(request.user, cohort_id)
    member = access.get_member_or_404(request.user, body.member_id, Member.objects.select_related("organization"))
    try:
        enrollment = services.cohort_enroll(cohort, member, source=Enrollment.Source.MANUAL)
    except services.TeachingError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _enrollment(enrollment))


@router.delete(
    "/cohorts/{cohort_id}/enrollments/{member_id}",
    response={200: UnenrollOut, 422: Detail},
    summary="Remove a member; the first on the waiting list takes the seat",
)
def enrollment_delete(request, cohort_id: int, member_id: int):
    cohort = access.get_cohort_or_404(request.user, cohort_id)
    # Whoever manages the cohort may remove anyone on its lists, even a member enrolled by a
    # higher level from outside the manager's own roster; nobody else is found.
    member = Member.objects.filter(pk=member_id, enrollments__cohort=cohort).first()
    access.require(member is not None)
    try:
        promoted = services.cohort_unenroll(cohort, member)
    except services.TeachingError as exc:
        return Status(422, {"detail": str(exc)})
    # The service hands back the head of the waiting list even when no seat was free for them.
    if promoted is not None:
        promoted = (
            Enrollment.objects.select_related("member__organization").filter(pk=promoted.pk, status=Enrollment.Status.ENROLLED).first()
        )
    return {"member_id": member.pk, "status": Enrollment.Status.REMOVED, "promoted": _enrollment(promoted) if promoted else None}


@router.post("/cohorts/{cohort_id}/enrol-by-rule", response=RuleEnrolmentOut, summary="Enrol every eligible member not yet in")
def enrollment_by_rule(request, cohort_id: int):
    cohort = access.get_cohort_or_404(request.user, cohort_id)
    result = services.cohort_enroll_by_rule(cohort)
    return {"enrolled": result.enrolled, "waitlisted": result.waitlisted, "skipped": result.skipped}


def _open_cohort_or_404(user, cohort_id: int) -> Cohort:
    """A cohort open to self-enrolment, run by the member's own organisation or one above it."""
    cohort = access.filter_open_cohorts(user).filter(pk=cohort_id).select_related("organization").first()
    access.require(cohort is not None)
    return cohort


@router.post(
    "/cohorts/{cohort_id}/enrol-self",
    response={201: EnrollmentOut, 422: Detail},
    tags=["me"],
    summary="Enrol the signed-in member in a cohort open to self-enrolment",
)
def enrollment_self(request, cohort_id: int):
    cohort = _open_cohort_or_404(request.user, cohort_id)
    member = Member.objects.select_related("organization").get(pk=access.scope_for(request.user).member_id)
    try:
        enrollment = services.cohort_enroll(cohort, member, source=Enrollment.Source.SELF)
    except services.TeachingError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _enrollment(enrollment))


# --- Sessions and schedules --------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    title: str
    cohort: Ref
    course: Ref | None
    venue: Ref | None
    teacher: Ref | None
    co_host: Ref | None
    starts_at: datetime
    ends_at: datetime
    hours: float
    status: str
    status_label: str
    rule_id: int | None
    override_reason: str
    sequence: int = Field(description="iCalendar SEQUENCE：每次改期、换教学点或讲师、取消都会加一")
    previous_starts_at: datetime | None = Field(description="改期前的开始时间；未改期为 null")
    cancel_reason: str = Field(description="取消原因（status 为 cancelled 时）")


class SessionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[SessionOut]


class SessionQuery(PageQuery):
    cohort: Id | None = None
    venue: Id | None = None
    teacher: Id | None = None
    date_from: SaneDate | None = None
    date_to: SaneDate | None = None


class SessionIn(Schema):
    cohort_id: int
    title: str = Field("", max_length=120)
    starts_at: SaneDateTime
    ends_at: SaneDateTime
    venue_id: int | None = None
    teacher_id: int | None = None
    course_id: int | None = None
    hours: Decimal | None = Hours
    override_reason: str = Field("", max_length=300, description="有冲突时仍要安排的书面说明")


class ScheduleRuleIn(Schema):
    weekdays: list[int] = Field(description="每周上课的日子，0 = 星期一 … 6 = 星期日")
    start_time: time
    end_time: time
    starts_on: SaneDate
    ends_on: SaneDate
    skip_dates: list[SaneDate] = []
    venue_id: int | None = None
    teacher_id: int | None = None
    course_id: int | None = None
    title: str = Field("", max_length=120)
    hours: Decimal | None = Hours
    override_reason: str = Field("", max_length=300, description="有冲突时仍要安排的书面说明")


class ScheduleRuleOut(Schema):
    rule_id: int
    sessions_created: int


SESSION_RELATED = ("cohort", "course", "venue", "teacher", "co_host")


def _session(s: Session) -> dict:
    return {
        "id": s.pk,
        "title": s.title,
        "cohort": ref(s.cohort),
        "course": ref(s.course, "title"),
        "venue": ref(s.venue),
        "teacher": ref(s.teacher),
        "co_host": ref(s.co_host),
        "starts_at": _local(s.starts_at),
        "ends_at": _local(s.ends_at),
        "hours": float(s.hours),
        "status": s.status,
        "status_label": s.get_status_display(),
        "rule_id": s.rule_id,
        "override_reason": s.override_reason,
        "sequence": s.sequence,
        "previous_starts_at": _local(s.previous_starts_at),
        "cancel_reason": s.cancel_reason,
    }


@router.get("/sessions", response=SessionPage, summary="Sessions (课次) the caller may see, by cohort, venue, teacher or dates")
def session_list(request, query: Query[SessionQuery]):
    qs = access.filter_sessions(request.user).select_related(*SESSION_RELATED).order_by("starts_at", "id")
    for name in ("cohort", "venue", "teacher"):
        if getattr(query, name):
            qs = qs.filter(**{f"{name}_id": getattr(query, name)})
    if query.date_from:
        qs = qs.filter(starts_at__gte=selectors.day_bounds(query.date_from, query.date_from)[0])
    if query.date_to:
        qs = qs.filter(starts_at__lt=selectors.day_bounds(query.date_to, query.date_to)[1])
    return paginate(qs, query, _session)


@router.get("/sessions/{session_id}", response=SessionOut, summary="One session")
def session_detail(request, session_id: int):
    return _session(access.get_session_or_404(request.user, session_id, Session.objects.select_related(*SESSION_RELATED)))


def _bookings(request, body: SessionIn | ScheduleRuleIn) -> dict:
    """Venue, teacher and course of a booking, each loaded through the school's scope (404 otherwise)."""
    user = request.user
    venue = access.get_school_object_or_404(user, "school.Venue", body.venue_id) if body.venue_id else None
    teacher = access.get_school_object_or_404(user, "school.Teacher", body.teacher_id) if body.teacher_id else None
    course = access.get_school_object_or_404(user, "teaching.Course", body.course_id) if body.course_id else None
    fields = {"venue": venue, "teacher": teacher, "course": course}
    hours = body.hours if body.hours is not None else (course.default_hours if course else None)
    if hours is not None:
        fields["hours"] = hours
    return fields


@router.post(
    "/sessions",
    response={201: SessionOut, 409: ConflictBody, 422: Detail},
    summary="Schedule one session; a venue or teacher already booked is a 409 listing the clash",
)
def session_create(request, body: SessionIn):
    cohort = access.get_cohort_or_404(request.user, body.cohort_id)
    fields = _bookings(request, body)
    try:
        session = services.session_create(
            cohort,
            by=request.user,
            request=request,
            override_reason=body.override_reason,
            title=body.title.strip(),
            starts_at=_aware(body.starts_at),
            ends_at=_aware(body.ends_at),
            **fields,
        )
    except services.ConflictError as exc:
        return _conflict(exc)
    except services.TeachingError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _session(Session.objects.select_related(*SESSION_RELATED).get(pk=session.pk)))


@router.post(
    "/cohorts/{cohort_id}/schedule-rules",
    response={201: ScheduleRuleOut, 409: ConflictBody, 422: Detail},
    summary="A weekly rule generating the cohort's sessions, all or none",
)
def schedule_rule_create(request, cohort_id: int, body: ScheduleRuleIn):
    cohort = access.get_cohort_or_404(request.user, cohort_id)
    fields = _bookings(request, body)
    try:
        rule, sessions = services.schedule_rule_create(
            cohort,
            by=request.user,
            request=request,
            override_reason=body.override_reason,
            weekdays=body.weekdays,
            start_time=body.start_time,
            end_time=body.end_time,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            skip_dates=body.skip_dates,
            title=body.title.strip(),
            **fields,
        )
    except services.ConflictError as exc:
        return _conflict(exc)
    except services.TeachingError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, {"rule_id": rule.pk, "sessions_created": len(sessions)})


# --- The signed-in member ----------------------------------------------------------------------


class ScheduleQuery(PageQuery):
    date_from: SaneDate | None = Field(None, description="缺省为今天")
    date_to: SaneDate | None = Field(None, description="缺省为今天起60天")
    page_size: PageSize = 100


class FeedOut(Schema):
    url: str = Field(description="私人 iCalendar 订阅地址；请勿分享")


def _own_member(request) -> Member:
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    return access.get_member_or_404(request.user, member_id)


def _feed_url(request, feed) -> dict:
    return {"url": request.build_absolute_uri(f"/calendar/feed/{feed.token}.ics")}


@me_router.get(
    "/me/schedule",
    response=SessionPage,
    summary="The signed-in member's sessions (default: the next 60 days), cancelled ones marked by `status`",
)
def my_schedule(request, query: Query[ScheduleQuery]):
    member = _own_member(request)
    first = query.date_from or timezone.localdate()
    last = query.date_to or first + timedelta(days=60)
    qs = selectors.member_schedule(member, first, last, include_cancelled=True).select_related(*SESSION_RELATED).order_by("starts_at", "id")
    return paginate(qs, query, _session)


@me_router.get("/me/calendar-feed", response=FeedOut, summary="The signed-in member's private iCalendar URL")
def my_calendar_feed(request):
    return _feed_url(request, services.calendar_feed_for(member=_own_member(request)))


@me_router.post("/me/calendar-feed/reset", response=FeedOut, summary="A new private iCalendar URL; the old one stops working")
def my_calendar_feed_reset(request):
    feed = services.calendar_feed_for(member=_own_member(request))
    return _feed_url(request, services.calendar_feed_reset(feed))
