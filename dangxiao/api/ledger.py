"""The signed-in member's study hours and attendance, and attendance figures for the caller's scope.

Everything goes through `dangxiao.attendance.ledger` (selectors) and `dangxiao.core.access`: a
member sees their own rows only; `/stats/attendance` counts what the caller manages.
"""

from datetime import date, datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dangxiao.attendance import ledger
from dangxiao.attendance.models import Attendance, StudyHourEntry
from dangxiao.core import access
from dangxiao.people.models import Member

from .school import PageQuery, paginate

router = Router()


def _own_member(request) -> Member:
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    return access.get_member_or_404(request.user, member_id, Member.objects.select_related("organization"))


# --- My study hours -------------------------------------------------------------------------------


class YearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="缺省为今年")


class SourceOut(Schema):
    source: str
    label: str
    hours: float


class EntryOut(Schema):
    id: int
    date: date
    hours: float
    source: str
    source_label: str
    category: str
    title: str
    session_id: int | None


class StudyHoursOut(Schema):
    year: int
    total: float
    required: float | None = Field(description="本年度要求的学时；免于考核时为 null")
    exempt: bool = Field(description="年老体弱，不作硬性要求（学时仍照常记入）")
    met: bool
    by_source: list[SourceOut]
    entries: list[EntryOut]


def _entry(e: StudyHourEntry) -> dict:
    return {
        "id": e.pk,
        "date": e.date,
        "hours": float(e.hours),
        "source": e.source,
        "source_label": e.get_source_display(),
        "category": e.category,
        "title": e.session.title if e.session else (e.note or e.get_source_display()),
        "session_id": e.session_id,
    }


@router.get("/me/study-hours", response=StudyHoursOut, tags=["me"], summary="The signed-in member's study hours for a year")
def my_study_hours(request, query: Query[YearQuery]):
    year = query.year or timezone.localdate().year
    p = ledger.member_year(_own_member(request), year)
    return {
        "year": year,
        "total": float(p.total),
        "required": float(p.required) if p.required is not None else None,
        "exempt": p.exempt,
        "met": p.met,
        "by_source": [{"source": s.source, "label": s.label, "hours": float(s.hours)} for s in p.by_source],
        "entries": [_entry(e) for e in p.entries],
    }


# --- My attendance -----------------------------------------------------------------------------------


class AttendanceOut(Schema):
    id: int
    session_id: int
    title: str
    cohort: str
    starts_at: datetime
    status: str
    status_label: str
    hours: float = Field(description="课次学时")
    credited_hours: float = Field(description="实际记入的学时")


class AttendancePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AttendanceOut]


def _attendance(a: Attendance) -> dict:
    return {
        "id": a.pk,
        "session_id": a.session_id,
        "title": a.session.title,
        "cohort": a.session.cohort.name,
        "starts_at": timezone.localtime(a.session.starts_at),
        "status": a.status,
        "status_label": a.get_status_display(),
        "hours": float(a.session.hours),
        "credited_hours": float(a.credited or 0),
    }


@router.get("/me/attendance", response=AttendancePage, tags=["me"], summary="The signed-in member's attendance, newest first")
def my_attendance(request, query: Query[PageQuery]):
    member = _own_member(request)
    credited = StudyHourEntry.objects.filter(member_id=member.pk, session_id=OuterRef("session_id")).values("hours")[:1]
    qs = (
        Attendance.objects.filter(member=member)
        .select_related("session__cohort")
        .annotate(credited=Subquery(credited))
        .order_by("-session__starts_at", "-id")
    )
    return paginate(qs, query, _attendance)


# --- Figures for the caller's scope ---------------------------------------------------------------------


class AttendanceStatsOut(Schema):
    person_times: int = Field(description="出勤人次：所辖党员的出勤记录数（普通党员仅本人）")
    sessions_held: int = Field(description="已举行的课次（未取消且已开始）")
    attended: int
    held: int = Field(description="所辖党员应到的已举行课次人次（按报名）")
    planned: int = Field(description="所辖党员应到的全部计划课次人次（含未举行）")
    rate_held: float | None = Field(description="出勤率（按已举行课次）")
    rate_planned: float | None = Field(description="出勤率（按全部计划课次）")


@router.get("/stats/attendance", response=AttendanceStatsOut, tags=["attendance"], summary="Attendance figures in the caller's scope")
def attendance_stats(request, query: Query[YearQuery]):
    return ledger.attendance_stats(request.user, year=query.year)
