"""Write paths of the online class: lessons, progress heartbeats, reading, completion and credit.

A lesson is complete when its content is done (90% of the video really watched, or the article
confirmed after its reading time) and its quiz, if it has questions, is passed. Completion credits
study hours once, through the attendance ledger (`reference="lesson:<id>"`).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.attendance.services import ledger_credit, policy_for
from dangxiao.core.uploads import check_upload
from dangxiao.people.models import Member, User
from dangxiao.teaching.models import Cohort

from . import media, watching
from .models import Lesson, LessonProgress
from .selectors import content_done, lesson_percent, quiz_pending


class OnlineError(Exception):
    """A refusal users can cause; the message is shown as it is and nothing has changed."""


# --- Lessons (staff) ---------------------------------------------------------------------------


def checked_upload(upload, kinds: tuple[str, ...]):
    try:
        return check_upload(upload, kinds)
    except ValidationError as exc:
        raise OnlineError(exc.messages[0]) from None


@transaction.atomic
def lesson_create(
    cohort: Cohort,
    *,
    title: str,
    kind: str,
    video=None,
    document=None,
    body: str = "",
    duration_seconds: int | None = None,
    study_minutes: int | None = None,
    published: bool = True,
    by: User | None = None,
) -> Lesson:
    """Add a lesson at the end of an online cohort's list.

    A video must be an mp4; its length is read from the file when not given. An article needs
    text or a PDF, and a reading time. Refused (OnlineError) otherwise, saving nothing.
    """
    if cohort.mode != Cohort.Mode.ONLINE:
        raise OnlineError(_("只有“网上班级”方式的班次才能添加网上课程"))
    title = (title or "").strip()
    if not title:
        raise OnlineError(_("请填写课程名称"))
    lesson = Lesson(cohort=cohort, title=title[:120], kind=kind, body=(body or "").strip(), published=published, created_by=by)
    if kind == Lesson.Kind.VIDEO:
        if not video:
            raise OnlineError(_("请选择要上传的视频（mp4）"))
        checked_upload(video, ("mp4",))
        duration_seconds = duration_seconds or media.mp4_duration(video, video.size)
        if not duration_seconds or duration_seconds <= 0:
            raise OnlineError(_("无法从文件读出视频时长，请填写时长"))
        lesson.video, lesson.duration_seconds = video, int(duration_seconds)
    elif kind == Lesson.Kind.ARTICLE:
        if document:
            checked_upload(document, ("pdf",))
            lesson.document = document
        if not lesson.body and not document:
            raise OnlineError(_("图文课程请填写正文或上传 PDF 文档"))
        if not study_minutes or study_minutes <= 0:
            raise OnlineError(_("请填写阅读时长（分钟），读满后才能确认学完"))
        lesson.study_minutes = int(study_minutes)
    else:
        raise OnlineError(_("请选择课程形式"))
    lesson.order = (Lesson.objects.filter(cohort=cohort).aggregate(m=Max("order"))["m"] or 0) + 1
    lesson.save()
    return lesson


def lesson_set_published(lesson: Lesson, published: bool) -> Lesson:
    lesson.published = published
    lesson.save(update_fields=["published"])
    return lesson


# --- Progress (members) ------------------------------------------------------------------------


def lesson_hours(lesson: Lesson, minutes_per_hour: int) -> Decimal:
    """Study hours a lesson is worth: its minutes over the policy's minutes per 学时, to 0.1."""
    return (Decimal(str(lesson.minutes)) / Decimal(minutes_per_hour or 45)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _locked_progress(lesson: Lesson, member: Member) -> LessonProgress:
    progress, _created = LessonProgress.objects.get_or_create(member=member, lesson=lesson)
    return LessonProgress.objects.select_for_update().get(pk=progress.pk)


@transaction.atomic
def lesson_open(lesson: Lesson, member: Member, *, now: datetime | None = None) -> LessonProgress:
    """Note that the member opened the lesson: the reading clock starts at the first opening and
    the playing clock, if it has never run, starts now."""
    now = now or timezone.now()
    progress = _locked_progress(lesson, member)
    if progress.first_opened_at is None or progress.accounted_until is None:
        progress.first_opened_at = progress.first_opened_at or now
        progress.accounted_until = progress.accounted_until or now
        progress.save(update_fields=["first_opened_at", "accounted_until"])
    return progress


@dataclass(frozen=True)
class HeartbeatResult:
    watched_seconds: int
    percent: int
    completed: bool
    position_seconds: int
    counted_seconds: float


@transaction.atomic
def lesson_heartbeat(
    lesson: Lesson, member: Member, *, position: float, start: float, end: float, now: datetime | None = None
) -> HeartbeatResult:
    """Record what the player reports: the resume position and a range actually played.

    Only as much of the range counts as could have been watched since playing time was last
    accounted for (see `watching.accept_range`); skipping ahead adds nothing. Completes the lesson
    (and credits its hours) once 90% of the video has been watched and the quiz, if any, passed.
    """
    if not lesson.is_video:
        raise OnlineError(_("图文课程不需要上报播放进度"))
    now = now or timezone.now()
    progress = _locked_progress(lesson, member)
    accepted = watching.accept_range(start, end, duration=lesson.duration_seconds, accounted_until=progress.accounted_until, now=now)
    if accepted.seconds > 0:
        progress.watched = watching.merge([*progress.watched, [accepted.start, accepted.end]])
        progress.watched_seconds = int(watching.covered(progress.watched))
    progress.accounted_until = accepted.accounted_until
    progress.position_seconds = int(watching.clamp(position, 0, lesson.duration_seconds))
    progress.last_heartbeat_at = now
    progress.first_opened_at = progress.first_opened_at or now
    _complete_if_done(progress, lesson, member, now)
    progress.save()
    return HeartbeatResult(
        watched_seconds=progress.watched_seconds,
        percent=lesson_percent(lesson, progress),
        completed=progress.completed_at is not None,
        position_seconds=progress.position_seconds,
        counted_seconds=round(accepted.seconds, 2),
    )


@transaction.atomic
def lesson_confirm_read(lesson: Lesson, member: Member, *, now: datetime | None = None) -> LessonProgress:
    """The member says they have read the article; refused until its reading time has passed
    since they first opened it."""
    if lesson.is_video:
        raise OnlineError(_("视频课程按观看进度自动记录"))
    now = now or timezone.now()
    progress = _locked_progress(lesson, member)
    if progress.read_confirmed_at is None:
        if progress.first_opened_at is None:
            raise OnlineError(_("请先打开课程阅读"))
        remaining = lesson.study_minutes * 60 - (now - progress.first_opened_at).total_seconds()
        if remaining > 0:
            minutes = int(-(-remaining // 60))
            raise OnlineError(_("请认真阅读，约 %(minutes)s 分钟后才能确认读完") % {"minutes": minutes})
        progress.read_confirmed_at = now
    _complete_if_done(progress, lesson, member, now)
    progress.save()
    return progress


def lesson_complete_if_done(lesson: Lesson, member: Member, *, now: datetime | None = None) -> LessonProgress | None:
    """Re-check completion after something outside the progress row changed (a quiz was passed)."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = LessonProgress.objects.select_for_update().filter(lesson=lesson, member=member).first()
        if progress is None:
            return None
        if _complete_if_done(progress, lesson, member, now):
            progress.save(update_fields=["completed_at"])
    return progress


def _complete_if_done(progress: LessonProgress, lesson: Lesson, member: Member, now: datetime) -> bool:
    if progress.completed_at is not None or not content_done(lesson, progress) or quiz_pending(lesson, member.pk):
        return False
    progress.completed_at = now
    hours = lesson_hours(lesson, policy_for(lesson.cohort.school_id).minutes_per_hour)
    if hours > 0:
        ledger_credit(
            member,
            hours=hours,
            date=timezone.localdate(now),
            source="online",
            reference=f"lesson:{lesson.pk}",
            category="online",
            note=lesson.title,
        )
    return True
