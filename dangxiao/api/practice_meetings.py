"""主题党日 and 三会一课: list, record, change and retire; the compliance grid; the year's frequencies.

Staff only, each within their subtree (`core.access`): a branch, record, session, member or teacher outside
it is 404 or a 422 naming the field, never "forbidden". A refusal users can cause is 422 `{detail, errors}`.
Minutes files are uploaded on the pages (the API takes minutes as text).
"""

import enum
from datetime import date
from typing import Annotated

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import Field as PydanticField

from dangxiao.core import access
from dangxiao.core.params import FIRST_YEAR, LAST_YEAR
from dangxiao.people.models import Member, Organization
from dangxiao.people.selectors import scope_root
from dangxiao.practice import meetings_selectors as selectors
from dangxiao.practice import meetings_services as services
from dangxiao.practice.models import MeetingAttendance, MeetingRule, OrganizationalMeeting, Period, ThemedPartyDay
from dangxiao.school.models import Teacher
from dangxiao.school.selectors import school_for_organization
from dangxiao.teaching.models import Session

from .cohorts import ErrorBody
from .params import Id, SaneDate
from .school import PageQuery, Ref, paginate, ref

router = Router(tags=["practice"])
Year = Annotated[int, PydanticField(ge=FIRST_YEAR, le=LAST_YEAR, description="年度")]


def _refused(message: str, field: str | None = None) -> Status:
    return Status(422, {"detail": message, "errors": [{"field": field, "message": message}]})


def _staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _branch(request, pk: int) -> Organization | None:
    return access.filter_managed_branches(request.user).filter(pk=pk).first()


class YearFilter(PageQuery):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="年度，默认今年")
    organization_id: Id | None = Field(None, description="只看该组织及其下级（须在管理范围内）")


def _root(request, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    q = access.staff_q(access.scope_for(request.user), "path")
    return access.get_organization_or_404(request.user, pk, Organization.objects.filter(q) if q is not None else None)


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


# --- Themed Party days -----------------------------------------------------------------------------


class ThemedDayOut(Schema):
    id: int
    organization: Ref
    month: date = Field(description="月份（该月第一天）")
    held_on: date
    session: Ref | None = Field(description="一课：本支部的课次，出勤取自其考勤")
    lesson: str
    film: str
    practice: str
    practice_ref: str = Field(description="关联的志愿服务活动（如 service:12），尚未关联为空")
    note: str
    attended: int = Field(description="课次考勤中到课人数（出席、迟到、早退）")
    marked: int = Field(description="课次考勤已标记人数")


class ThemedDayPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ThemedDayOut]


class ThemedDayIn(Schema):
    organization_id: Id = Field(description="党支部（管理范围内）")
    held_on: SaneDate = Field(description="开展日期，不晚于今天；所在月份即主题党日的月份")
    session_id: Id | None = Field(None, description="一课：本支部班次在该月的课次")
    lesson: str = Field("", max_length=200)
    film: str = Field("", max_length=120)
    practice: str = Field("", max_length=300)
    practice_ref: str = Field("", max_length=40)
    note: str = Field("", max_length=300)


class ThemedDayPatch(Schema):
    held_on: SaneDate | None = None
    session_id: Id | None = None
    lesson: str | None = Field(None, max_length=200)
    film: str | None = Field(None, max_length=120)
    practice: str | None = Field(None, max_length=300)
    practice_ref: str | None = Field(None, max_length=40)
    note: str | None = Field(None, max_length=300)


def _themed_day(d: ThemedPartyDay) -> dict:
    return {
        "id": d.pk,
        "organization": ref(d.organization),
        "month": d.month,
        "held_on": d.held_on,
        "session": ref(d.session, "title"),
        "lesson": d.lesson,
        "film": d.film,
        "practice": d.practice,
        "practice_ref": d.practice_ref,
        "note": d.note,
        "attended": getattr(d, "attended", 0),
        "marked": getattr(d, "marked", 0),
    }


@router.get("/practice/themed-days", response=ThemedDayPage, summary="Themed Party days (主题党日) of the branches the caller manages")
def themed_day_list(request, query: Query[YearFilter]):
    _staff(request)
    qs = selectors.themed_days(request.user, year=_year(query.year), root=_root(request, query.organization_id))
    page = paginate(qs, query, lambda d: d)
    page["items"] = [_themed_day(d) for d in selectors.with_rolls(page["items"])]
    return page


def _session(request, org: Organization, session_id: int | None) -> Session | None:
    if session_id is None:
        return None
    return access.filter_sessions(request.user).select_related("cohort").filter(pk=session_id, cohort__organization=org).first()


def _themed_day_out(request, pk: int) -> dict:
    day = access.get_themed_day_or_404(request.user, pk, ThemedPartyDay.objects.select_related("organization", "session"))
    return _themed_day(selectors.with_rolls([day])[0])


@router.post(
    "/practice/themed-days",
    response={201: ThemedDayOut, 404: ErrorBody, 422: ErrorBody},
    summary="Record a branch's themed Party day of a month: one lesson, one film, one practice",
)
def themed_day_create(request, body: ThemedDayIn):
    _staff(request)
    org = _branch(request, body.organization_id)
    if org is None:
        return _refused(_("党支部不存在或不在您的管理范围内"), "organization_id")
    session = _session(request, org, body.session_id)
    if body.session_id and session is None:
        return _refused(_("所选课次不是本支部班次的课次"), "session_id")
    data = services.ThemedDayInput(body.held_on, session, body.lesson, body.film, body.practice, body.practice_ref, body.note)
    try:
        day = services.themed_day_record(org, data, by=request.user, request=request)
    except services.MeetingError as exc:
        return _refused(str(exc), exc.field)
    return Status(201, _themed_day_out(request, day.pk))


@router.patch(
    "/practice/themed-days/{themed_day_id}",
    response={200: ThemedDayOut, 404: ErrorBody, 422: ErrorBody},
    summary="Change a themed Party day (only the fields sent)",
)
def themed_day_patch(request, themed_day_id: Id, body: ThemedDayPatch):
    _staff(request)
    day = access.get_themed_day_or_404(request.user, themed_day_id, ThemedPartyDay.objects.select_related("organization", "session"))
    sent = body.dict(exclude_unset=True)
    session = day.session
    if "session_id" in sent:
        session = _session(request, day.organization, body.session_id)
        if body.session_id and session is None:
            return _refused(_("所选课次不是本支部班次的课次"), "session_id")
    fields = {
        f: sent[f] if sent.get(f) is not None else getattr(day, f)
        for f in ("held_on", "lesson", "film", "practice", "practice_ref", "note")
    }
    try:
        services.themed_day_update(day, services.ThemedDayInput(session=session, **fields), request=request)
    except services.MeetingError as exc:
        return _refused(str(exc), exc.field)
    return _themed_day_out(request, day.pk)


@router.post(
    "/practice/themed-days/{themed_day_id}/retire",
    response={200: ThemedDayOut, 404: ErrorBody},
    summary="Retire a themed Party day recorded in error (it leaves the lists and the grid)",
)
def themed_day_retire(request, themed_day_id: Id):
    _staff(request)
    day = access.get_themed_day_or_404(request.user, themed_day_id, ThemedPartyDay.objects.select_related("organization", "session"))
    services.themed_day_retire(day, request=request)
    return _themed_day(selectors.with_rolls([day])[0])


# --- 三会一课 -------------------------------------------------------------------------------------


class MeetingFilter(YearFilter):
    kind: OrganizationalMeeting.Kind | None = None


class MeetingOut(Schema):
    id: int
    organization: Ref
    kind: OrganizationalMeeting.Kind
    kind_label: str
    held_on: date
    place: str
    host: str
    topic: str
    lecturer_member: Ref | None
    lecturer_teacher: Ref | None
    minutes: str
    has_minutes_file: bool
    decisions: str
    present: int
    marked: int


class MeetingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MeetingOut]


class RollEntry(Schema):
    member: Ref
    status: MeetingAttendance.Status | None


class MeetingDetailOut(MeetingOut):
    roll: list[RollEntry]


Marks = dict[Id, MeetingAttendance.Status]


class MeetingIn(Schema):
    organization_id: Id = Field(description="党支部（管理范围内）")
    kind: OrganizationalMeeting.Kind
    held_on: SaneDate = Field(description="日期，不晚于今天")
    place: str = Field("", max_length=120)
    host: str = Field("", max_length=50)
    topic: str = Field("", max_length=200)
    lecturer_member_id: Id | None = Field(None, description="党课的主讲党员（本支部）")
    lecturer_teacher_id: Id | None = Field(None, description="党课的主讲讲师（本校师资库）")
    minutes: str = Field("", max_length=20_000)
    decisions: str = Field("", max_length=20_000)
    marks: Marks = Field({}, max_length=2000, description="出勤：党员 id → present / leave / absent（本支部党员）")


class MeetingPatch(Schema):
    kind: OrganizationalMeeting.Kind | None = None
    held_on: SaneDate | None = None
    place: str | None = Field(None, max_length=120)
    host: str | None = Field(None, max_length=50)
    topic: str | None = Field(None, max_length=200)
    lecturer_member_id: Id | None = None
    lecturer_teacher_id: Id | None = None
    minutes: str | None = Field(None, max_length=20_000)
    decisions: str | None = Field(None, max_length=20_000)
    marks: Marks | None = Field(None, max_length=2000, description="给出时整体替换出勤名单")


def _meeting(m: OrganizationalMeeting) -> dict:
    return {
        "id": m.pk,
        "organization": ref(m.organization),
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "held_on": m.held_on,
        "place": m.place,
        "host": m.host,
        "topic": m.topic,
        "lecturer_member": ref(m.lecturer_member),
        "lecturer_teacher": ref(m.lecturer_teacher),
        "minutes": m.minutes,
        "has_minutes_file": bool(m.minutes_file),
        "decisions": m.decisions,
        "present": getattr(m, "present", 0),
        "marked": getattr(m, "marked", 0),
    }


def _meeting_detail(request, pk: int) -> dict:
    qs = OrganizationalMeeting.objects.select_related("organization", "lecturer_member", "lecturer_teacher").annotate(
        present=Count("attendances", filter=Q(attendances__status="present")), marked=Count("attendances")
    )
    meeting = access.get_meeting_or_404(request.user, pk, qs)
    roll = [{"member": {"id": r["id"], "name": r["name"]}, "status": r["status"] or None} for r in selectors.meeting_roll(meeting)]
    return {**_meeting(meeting), "roll": roll}


@router.get("/practice/meetings", response=MeetingPage, summary="Meetings of 三会一课 and 组织生活会 of the branches the caller manages")
def meeting_list(request, query: Query[MeetingFilter]):
    _staff(request)
    qs = selectors.meetings(request.user, year=_year(query.year), kind=query.kind, root=_root(request, query.organization_id))
    return paginate(qs, query, _meeting)


@router.get("/practice/meetings/{meeting_id}", response={200: MeetingDetailOut, 404: ErrorBody}, summary="A meeting with its roll")
def meeting_detail(request, meeting_id: Id):
    _staff(request)
    return _meeting_detail(request, meeting_id)


def _lecturers(request, org: Organization, member_id: int | None, teacher_id: int | None):
    """(member, teacher, refusal): ids the caller may not name are refused as unknown."""
    member = teacher = None
    if member_id is not None:
        member = access.filter_roster(request.user, Member.objects.select_related("organization")).filter(pk=member_id).first()
        if member is None:
            return None, None, _refused(_("主讲党员须是本支部的党员"), "lecturer_member_id")
    if teacher_id is not None:
        teacher = access.filter_school_objects(request.user, "school.Teacher", Teacher.objects.all()).filter(pk=teacher_id).first()
        if teacher is None:
            return None, None, _refused(_("主讲讲师须是本校师资库的讲师"), "lecturer_teacher_id")
    return member, teacher, None


@router.post(
    "/practice/meetings",
    response={201: MeetingDetailOut, 404: ErrorBody, 422: ErrorBody},
    summary="Record a meeting held (党员大会, 支委会, 党小组会, 党课 or 组织生活会) with its roll",
)
def meeting_create(request, body: MeetingIn):
    _staff(request)
    org = _branch(request, body.organization_id)
    if org is None:
        return _refused(_("党支部不存在或不在您的管理范围内"), "organization_id")
    member, teacher, refusal = _lecturers(request, org, body.lecturer_member_id, body.lecturer_teacher_id)
    if refusal:
        return refusal
    data = services.MeetingInput(body.kind, body.held_on, body.place, body.host, body.topic, member, teacher, body.minutes, body.decisions)
    try:
        meeting = services.meeting_record(org, data, by=request.user, marks=dict(body.marks), request=request)
    except services.MeetingError as exc:
        return _refused(str(exc), exc.field)
    return Status(201, _meeting_detail(request, meeting.pk))


@router.patch(
    "/practice/meetings/{meeting_id}",
    response={200: MeetingDetailOut, 404: ErrorBody, 422: ErrorBody},
    summary="Change a meeting (only the fields sent; marks, when sent, replace the roll)",
)
def meeting_patch(request, meeting_id: Id, body: MeetingPatch):
    _staff(request)
    meeting = access.get_meeting_or_404(
        request.user, meeting_id, OrganizationalMeeting.objects.select_related("organization", "lecturer_member", "lecturer_teacher")
    )
    sent = body.dict(exclude_unset=True)
    member, teacher = meeting.lecturer_member, meeting.lecturer_teacher
    if "lecturer_member_id" in sent or "lecturer_teacher_id" in sent:
        member, teacher, refusal = _lecturers(request, meeting.organization, body.lecturer_member_id, body.lecturer_teacher_id)
        if refusal:
            return refusal
    keep = ("kind", "held_on", "place", "host", "topic", "minutes", "decisions")
    fields = {f: sent[f] if sent.get(f) is not None else getattr(meeting, f) for f in keep}
    data = services.MeetingInput(lecturer_member=member, lecturer_teacher=teacher, **fields)
    marks = dict(body.marks) if body.marks is not None else None
    try:
        services.meeting_update(meeting, data, marks=marks, request=request)
    except services.MeetingError as exc:
        return _refused(str(exc), exc.field)
    return _meeting_detail(request, meeting.pk)


@router.post(
    "/practice/meetings/{meeting_id}/retire",
    response={200: MeetingDetailOut, 404: ErrorBody},
    summary="Retire a meeting recorded in error (it leaves the lists, the grid and the lecturers' counts)",
)
def meeting_retire(request, meeting_id: Id):
    _staff(request)
    meeting = access.get_meeting_or_404(request.user, meeting_id, OrganizationalMeeting.objects.select_related("organization"))
    services.meeting_retire(meeting, request=request)
    return _meeting_detail(request, meeting.pk)


# --- The compliance grid and the frequencies ----------------------------------------------------


class ComplianceKind(enum.StrEnum):
    THEMED_DAY = "themed_day"
    GENERAL = "general"
    COMMITTEE = "committee"
    GROUP = "group"
    LESSON = "lesson"
    LIFE = "life"


class CellStatus(enum.StrEnum):
    HELD = "held"
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"
    CLOSED = "closed"


class ComplianceQuery(PageQuery):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="年度，默认今年")
    kind: ComplianceKind = ComplianceKind.THEMED_DAY
    organization_id: Id | None = Field(None, description="只看该组织之下的党支部（须在管理范围内）")


class PeriodOut(Schema):
    label: str
    start: date
    end: date


class CellOut(Schema):
    status: CellStatus = Field(description="held 已开展；due 本期待开展；overdue 已结束的周期未开展；upcoming 未到期；closed 支部已撤销")
    count: int


class GridRowOut(Schema):
    organization: Ref
    cells: list[CellOut]
    held: int
    overdue: int


class ComplianceOut(Schema):
    year: int
    kind: ComplianceKind
    period: Period
    periods: list[PeriodOut]
    totals: dict[str, int]
    count: int
    page: int
    page_size: int
    items: list[GridRowOut]


@router.get("/practice/compliance", response=ComplianceOut, summary="Branches × periods: held, due, overdue, against the year's frequency")
def compliance(request, query: Query[ComplianceQuery]):
    _staff(request)
    grid = selectors.compliance(
        request.user, _year(query.year), str(query.kind), timezone.localdate(), _root(request, query.organization_id)
    )
    rows = [
        {
            "organization": {"id": r.organization_id, "name": r.name},
            "cells": [{"status": c.status, "count": c.count} for c in r.cells],
            "held": r.held,
            "overdue": r.overdue,
        }
        for r in grid.rows
    ]
    page = paginate(_ListQuerySet(rows), query, lambda r: r)
    return {
        "year": grid.year,
        "kind": grid.kind,
        "period": grid.rule.period_for(grid.kind),
        "periods": [{"label": p.label, "start": p.start, "end": p.end} for p in grid.periods],
        "totals": grid.totals,
        **page,
    }


class _ListQuerySet(list):
    """A list that `paginate` can count and slice like a queryset."""

    def count(self) -> int:
        return len(self)


class RuleOut(Schema):
    year: int
    saved: bool = Field(description="false：该年度尚未设置，返回默认值")
    themed_day: Period
    general: Period
    committee: Period
    group: Period
    lesson: Period
    life: Period
    note: str


class RuleIn(Schema):
    themed_day: Period = Period.MONTH
    general: Period = Period.QUARTER
    committee: Period = Period.MONTH
    group: Period = Period.MONTH
    lesson: Period = Period.QUARTER
    life: Period = Period.YEAR


def _rule(rule: MeetingRule) -> dict:
    return {"year": rule.year, "saved": rule.pk is not None, "note": rule.note, **{k: rule.period_for(k) for k in MeetingRule.DEFAULTS}}


def _board_school(request):
    access.require(access.scope_for(request.user).is_board)
    school = access.board_schools(request.user).order_by("organization__depth", "pk").first()
    access.require(school is not None)
    return school


@router.get("/practice/meeting-rules/{year}", response={200: RuleOut, 404: ErrorBody}, summary="How often each kind must be held in a year")
def rule_get(request, year: Year):
    _staff(request)
    top = scope_root(request.user)
    return _rule(selectors.rule_for(school_for_organization(top) if top else None, year))


@router.put(
    "/practice/meeting-rules/{year}",
    response={200: RuleOut, 404: ErrorBody, 422: ErrorBody},
    summary="Set the year's frequencies (the school board)",
)
def rule_put(request, body: RuleIn, year: Year):
    school = _board_school(request)
    try:
        rule = services.rule_save(school, year, {k: str(v) for k, v in body.dict().items()}, request=request)
    except services.MeetingError as exc:
        return _refused(str(exc), exc.field)
    return _rule(rule)
