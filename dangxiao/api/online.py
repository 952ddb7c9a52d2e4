"""The online class for the signed-in member: their lessons with progress, and the player's heartbeat.

Lessons are those of online cohorts the member is enrolled in (`online.selectors`); anything else
is 404. A heartbeat is tiny and may be repeated: only what could really have been watched counts.
"""

from dataclasses import asdict
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangxiao.attendance.services import policy_for
from dangxiao.core import access
from dangxiao.online import selectors, services
from dangxiao.online.models import Lesson
from dangxiao.people.models import Member

from .school import PageQuery, Ref, paginate, ref

router = Router(tags=["online"])


class Detail(Schema):
    detail: str


class LessonOut(Schema):
    id: int
    title: str
    kind: str = Field(description="video | article")
    cohort: Ref
    order: int
    duration_seconds: int
    study_minutes: int
    hours: float = Field(description="完成后记入的学时")
    watched_seconds: int
    percent: int
    position_seconds: int = Field(description="续播位置（秒）")
    quiz_required: bool
    quiz_passed: bool
    completed: bool
    completed_at: datetime | None
    page_url: str
    video_url: str | None
    document_url: str | None


class LessonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LessonOut]


class HeartbeatIn(Schema):
    position: float = Field(ge=0, description="当前播放位置（秒）")
    from_: float = Field(0, ge=0, alias="from", description="自上次上报以来实际连续播放的区间起点（秒）")
    to: float = Field(0, ge=0, description="该区间终点（秒）；与 from 相同表示只更新续播位置")


class HeartbeatOut(Schema):
    watched_seconds: int
    percent: int
    completed: bool
    position_seconds: int
    counted_seconds: float = Field(description="本次上报中被计入的秒数")


def _member_id(request) -> int:
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    return member_id


@router.get("/online/lessons", response=LessonPage, summary="The signed-in member's online lessons, with progress")
def lesson_list(request, query: Query[PageQuery]):
    member_id = _member_id(request)
    qs = selectors.with_quiz_counts(selectors.member_lessons(member_id).select_related("cohort")).order_by("cohort_id", "order", "id")
    page = paginate(qs, query, lambda lesson: lesson)
    minutes_per_hour: dict[int, int] = {}

    def item(row) -> dict:
        lesson: Lesson = row.lesson
        school_id = lesson.cohort.school_id
        if school_id not in minutes_per_hour:
            minutes_per_hour[school_id] = policy_for(school_id).minutes_per_hour
        progress = row.progress
        return {
            "id": lesson.pk,
            "title": lesson.title,
            "kind": lesson.kind,
            "cohort": ref(lesson.cohort),
            "order": lesson.order,
            "duration_seconds": lesson.duration_seconds,
            "study_minutes": lesson.study_minutes,
            "hours": float(services.lesson_hours(lesson, minutes_per_hour[school_id])),
            "watched_seconds": progress.watched_seconds if progress else 0,
            "percent": row.percent,
            "position_seconds": progress.position_seconds if progress else 0,
            "quiz_required": row.quiz_required,
            "quiz_passed": row.quiz_passed,
            "completed": row.completed,
            "completed_at": timezone.localtime(progress.completed_at) if progress and progress.completed_at else None,
            "page_url": reverse("online:lesson", args=[lesson.pk]),
            "video_url": reverse("online:lesson_video", args=[lesson.pk]) if lesson.video else None,
            "document_url": reverse("online:lesson_document", args=[lesson.pk]) if lesson.document else None,
        }

    return {**page, "items": [item(row) for row in selectors.lesson_rows(page["items"], member_id)]}


@router.post(
    "/online/lessons/{lesson_id}/heartbeat",
    response={200: HeartbeatOut, 422: Detail},
    url_name="online_heartbeat",
    summary="Report playing progress: the position and a range actually played since the last report",
)
def lesson_heartbeat(request, lesson_id: int, body: HeartbeatIn):
    lesson, member_id = selectors.member_lesson_or_404(request.user, lesson_id)
    try:
        result = services.lesson_heartbeat(lesson, Member.objects.get(pk=member_id), position=body.position, start=body.from_, end=body.to)
    except services.OnlineError as exc:
        return Status(422, {"detail": str(exc)})
    return asdict(result)
