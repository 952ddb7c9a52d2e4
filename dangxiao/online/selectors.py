"""Reads of the online class, and the access helpers every view and API endpoint goes through.

A member reaches the published lessons and the tasks of online cohorts they are enrolled in;
staff reach everything of the online cohorts they manage (`access.filter_cohorts`). Anything
else is 404, as everywhere (see `dangxiao.core.access`).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.teaching.models import Cohort, Enrollment

from . import watching
from .models import Lesson, LessonProgress, PracticeSubmission, PracticeTask, Quiz, QuizAttempt

ONLINE = Cohort.Mode.ONLINE


def _not_found():
    return Http404(_("课程不存在或不在您的权限范围内"))


def member_cohorts(member_id: int) -> QuerySet[Cohort]:
    return Cohort.objects.filter(mode=ONLINE, enrollments__member_id=member_id, enrollments__status=Enrollment.Status.ENROLLED)


def member_lessons(member_id: int) -> QuerySet[Lesson]:
    """Published lessons of the online cohorts the member is enrolled in."""
    return Lesson.objects.filter(published=True, cohort__in=member_cohorts(member_id).values("pk"))


def managed_cohorts(user) -> QuerySet[Cohort]:
    """Online cohorts the user manages."""
    return access.filter_cohorts(user, Cohort.objects.filter(mode=ONLINE))


def get_managed_cohort_or_404(user, pk) -> Cohort:
    return access.get_cohort_or_404(user, pk, managed_cohorts(user).select_related("organization", "school"))


@dataclass(frozen=True)
class Reach:
    """An object the user may reach, as the enrolled member (`member_id`) or as staff (`manages`)."""

    obj: object
    member_id: int | None
    manages: bool


def member_tasks(member_id: int) -> QuerySet[PracticeTask]:
    return PracticeTask.objects.filter(cohort__in=member_cohorts(member_id).values("pk"))


def _reach(user, pk, model, member_qs) -> Reach:
    """A lesson or task (anything with a cohort): the member's own first, else one the user manages."""
    scope = access.scope_for(user)
    if scope.member_id:
        obj = member_qs(scope.member_id).select_related("cohort").filter(pk=pk).first()
        if obj is not None:
            return Reach(obj, scope.member_id, False)
    obj = model.objects.select_related("cohort").filter(pk=pk, cohort__in=managed_cohorts(user).values("pk")).first()
    if obj is None:
        raise _not_found()
    return Reach(obj, None, True)


def lesson_reach_or_404(user, pk) -> Reach:
    return _reach(user, pk, Lesson, member_lessons)


def member_lesson_or_404(user, pk) -> tuple[Lesson, int]:
    """The lesson and the member id, for what only an enrolled member does (progress, quiz)."""
    reach = lesson_reach_or_404(user, pk)
    if reach.member_id is None:
        raise _not_found()
    return reach.obj, reach.member_id


def managed_lesson_or_404(user, pk) -> Lesson:
    lesson = Lesson.objects.select_related("cohort").filter(pk=pk, cohort__in=managed_cohorts(user).values("pk")).first()
    if lesson is None:
        raise _not_found()
    return lesson


def task_reach_or_404(user, pk) -> Reach:
    return _reach(user, pk, PracticeTask, member_tasks)


def submission_reach_or_404(user, pk) -> Reach:
    """A practice submission: its own member, or staff managing the task's cohort."""
    scope = access.scope_for(user)
    if scope.member_id:
        own = _submissions().filter(pk=pk, member_id=scope.member_id).first()
        if own is not None:
            return Reach(own, scope.member_id, False)
    return Reach(managed_submission_or_404(user, pk), None, True)


def _submissions() -> QuerySet[PracticeSubmission]:
    return PracticeSubmission.objects.select_related("task__cohort", "member")


def managed_submission_or_404(user, pk) -> PracticeSubmission:
    obj = _submissions().filter(pk=pk, task__cohort__in=managed_cohorts(user).values("pk")).first()
    if obj is None:
        raise _not_found()
    return obj


# --- Progress of one member on one lesson ------------------------------------------------------


def lesson_percent(lesson: Lesson, progress: LessonProgress | None) -> int:
    if progress is None:
        return 0
    if progress.completed_at or (not lesson.is_video and progress.read_confirmed_at):
        return 100
    if not lesson.is_video or not lesson.duration_seconds:
        return 0
    return min(100, int(progress.watched_seconds * 100 // lesson.duration_seconds))


def content_done(lesson: Lesson, progress: LessonProgress) -> bool:
    if lesson.is_video:
        return watching.is_watched(progress.watched, lesson.duration_seconds)
    return progress.read_confirmed_at is not None


def quiz_pending(lesson: Lesson, member_id: int) -> bool:
    """True while the lesson has a quiz with questions that the member has not passed."""
    quiz = getattr(lesson, "quiz", None)
    if quiz is None or not quiz.questions.exists():
        return False
    return not QuizAttempt.objects.filter(quiz=quiz, member_id=member_id, passed=True).exists()


# --- The member's page ---------------------------------------------------------------------------


@dataclass
class LessonRow:
    lesson: Lesson
    progress: LessonProgress | None
    percent: int
    quiz_required: bool
    quiz_passed: bool

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def awaiting_quiz(self) -> bool:
        return bool(
            not self.completed
            and self.progress
            and content_done(self.lesson, self.progress)
            and self.quiz_required
            and not self.quiz_passed
        )

    @property
    def status(self) -> str:
        if self.completed:
            return _("已完成")
        if self.awaiting_quiz:
            return _("待测验")
        if self.progress and (self.progress.watched_seconds or self.progress.first_opened_at):
            return _("学习中")
        return _("未开始")


@dataclass
class CohortBlock:
    cohort: Cohort
    lessons: list[LessonRow] = field(default_factory=list)
    tasks: list[tuple[PracticeTask, PracticeSubmission | None]] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(row.completed for row in self.lessons)


def with_quiz_counts(qs: QuerySet[Lesson]) -> QuerySet[Lesson]:
    """Lessons annotated with `question_count` (a quiz without questions is not required)."""
    return qs.annotate(question_count=Count("quiz__questions"))


def lesson_rows(lessons: list[Lesson], member_id: int) -> list[LessonRow]:
    """Lessons (annotated with `question_count`) with the member's progress; two queries."""
    ids = [lesson.pk for lesson in lessons]
    progress = {p.lesson_id: p for p in LessonProgress.objects.filter(member_id=member_id, lesson_id__in=ids)}
    passed = set(
        QuizAttempt.objects.filter(member_id=member_id, passed=True, quiz__lesson_id__in=ids).values_list("quiz__lesson_id", flat=True)
    )
    return [
        LessonRow(
            lesson=lesson,
            progress=progress.get(lesson.pk),
            percent=lesson_percent(lesson, progress.get(lesson.pk)),
            quiz_required=lesson.question_count > 0,
            quiz_passed=lesson.pk in passed,
        )
        for lesson in lessons
    ]


def member_overview(member_id: int) -> list[CohortBlock]:
    """The member's online cohorts with their lessons, progress and practice tasks (six queries)."""
    cohorts = list(
        member_cohorts(member_id)
        .order_by("-starts_on", "name")
        .prefetch_related(
            Prefetch(
                "lessons",
                queryset=with_quiz_counts(Lesson.objects.filter(published=True)).order_by("order", "id"),
                to_attr="published_lessons",
            ),
            Prefetch("practice_tasks", queryset=PracticeTask.objects.order_by("id"), to_attr="task_list"),
        )
    )
    rows = {r.lesson.pk: r for r in lesson_rows([lesson for c in cohorts for lesson in c.published_lessons], member_id)}
    submissions = {s.task_id: s for s in PracticeSubmission.objects.filter(member_id=member_id, task__cohort__in=[c.pk for c in cohorts])}
    return [
        CohortBlock(
            cohort=c,
            lessons=[rows[lesson.pk] for lesson in c.published_lessons],
            tasks=[(t, submissions.get(t.pk)) for t in c.task_list],
        )
        for c in cohorts
    ]


# --- The staff page ------------------------------------------------------------------------------


@dataclass
class MemberRow:
    member: object
    cells: list[LessonRow]

    @property
    def completed(self) -> int:
        return sum(cell.completed for cell in self.cells)


def cohort_progress(cohort: Cohort) -> tuple[list[Lesson], list[MemberRow]]:
    """Every enrolled member against every lesson of the cohort (four queries, whatever the size)."""
    lessons = list(with_quiz_counts(Lesson.objects.filter(cohort=cohort)).order_by("order", "id"))
    enrollments = (
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED).select_related("member").order_by("member__name")
    )
    members = [e.member for e in enrollments]
    ids = [lesson.pk for lesson in lessons]
    progress = {(p.member_id, p.lesson_id): p for p in LessonProgress.objects.filter(lesson_id__in=ids)}
    passed = set(QuizAttempt.objects.filter(passed=True, quiz__lesson_id__in=ids).values_list("member_id", "quiz__lesson_id"))
    rows = []
    for member in members:
        cells = []
        for lesson in lessons:
            p = progress.get((member.pk, lesson.pk))
            cells.append(LessonRow(lesson, p, lesson_percent(lesson, p), lesson.question_count > 0, (member.pk, lesson.pk) in passed))
        rows.append(MemberRow(member, cells))
    return lessons, rows


def pending_submissions(cohort: Cohort) -> QuerySet[PracticeSubmission]:
    return (
        PracticeSubmission.objects.filter(task__cohort=cohort, status=PracticeSubmission.Status.PENDING)
        .select_related("task", "member")
        .order_by("submitted_at")
    )


def practice_tasks(cohort: Cohort) -> QuerySet[PracticeTask]:
    return PracticeTask.objects.filter(cohort=cohort).annotate(
        submitted=Count("submissions"),
        approved=Count("submissions", filter=Q(submissions__status=PracticeSubmission.Status.APPROVED)),
    )


@dataclass(frozen=True)
class QuizState:
    used: int
    max_attempts: int
    passed: bool

    @property
    def left(self) -> int:
        return max(0, self.max_attempts - self.used)

    @property
    def can_attempt(self) -> bool:
        return not self.passed and self.left > 0


def quiz_state(quiz: Quiz, member_id: int) -> QuizState:
    attempts = list(QuizAttempt.objects.filter(quiz=quiz, member_id=member_id).values_list("passed", flat=True))
    return QuizState(used=len(attempts), max_attempts=quiz.max_attempts, passed=any(attempts))


def lesson_quiz_info(lesson: Lesson, member_id: int) -> dict:
    """The quiz (if it has questions) and the member's state on it."""
    quiz = getattr(lesson, "quiz", None)
    if quiz is None or not quiz.questions.exists():
        return {"quiz": None, "state": None}
    return {"quiz": quiz, "state": quiz_state(quiz, member_id)}
