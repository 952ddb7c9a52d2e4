"""Member pages of the online class: my lessons, the player or article, the quiz, practice, and the
private files behind them. Every object is loaded through `selectors.*_reach_or_404`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.attendance.services import policy_for
from dangxiao.core import access
from dangxiao.core.uploads import private_file_response
from dangxiao.people.models import Member

from . import practice, quizzes, selectors, services
from .forms import PracticeSubmitForm
from .media import ranged_file_response
from .models import QuizAttempt


@login_required
def my_lessons(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None or scope.is_staff)
    blocks = selectors.member_overview(scope.member_id) if scope.member_id else []
    managed = selectors.managed_cohorts(request.user).order_by("-starts_on", "name") if scope.is_staff else []
    return render(request, "online/my_lessons.html", {"active": "online", "blocks": blocks, "managed": managed})


def _resume_at(lesson, progress) -> int:
    """Where the player starts: where it stopped, or the beginning once the end was reached."""
    if progress is None or progress.position_seconds >= lesson.duration_seconds - 3:
        return 0
    return progress.position_seconds


@login_required
def lesson_detail(request, pk: int):
    reach = selectors.lesson_reach_or_404(request.user, pk)
    lesson = reach.obj
    context = {"active": "online", "lesson": lesson, "preview": reach.manages}
    context["hours"] = services.lesson_hours(lesson, policy_for(lesson.cohort.school_id).minutes_per_hour)
    if reach.member_id:
        member = Member.objects.get(pk=reach.member_id)
        progress = services.lesson_open(lesson, member)
        remaining = 0
        if not lesson.is_video and progress.read_confirmed_at is None:
            elapsed = (timezone.now() - progress.first_opened_at).total_seconds()
            remaining = max(0, int(lesson.study_minutes * 60 - elapsed))
        context.update(
            progress=progress,
            percent=selectors.lesson_percent(lesson, progress),
            resume_at=_resume_at(lesson, progress),
            read_minutes_left=-(-remaining // 60),
            heartbeat_url=reverse("api:online_heartbeat", kwargs={"lesson_id": lesson.pk}),
            **selectors.lesson_quiz_info(lesson, member.pk),
        )
    return render(request, "online/lesson.html", context)


@login_required
@require_POST
def lesson_read(request, pk: int):
    lesson, member_id = selectors.member_lesson_or_404(request.user, pk)
    try:
        progress = services.lesson_confirm_read(lesson, Member.objects.get(pk=member_id))
    except services.OnlineError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已学完本课，学时已记入。") if progress.completed_at else _("已确认读完，请完成课后测验。"))
    return redirect("online:lesson", lesson.pk)


@login_required
def lesson_video(request, pk: int):
    lesson = selectors.lesson_reach_or_404(request.user, pk).obj
    access.require(lesson.is_video and bool(lesson.video))
    return ranged_file_response(request, lesson.video, f"{lesson.title}.mp4", "video/mp4")


@login_required
def lesson_document(request, pk: int):
    lesson = selectors.lesson_reach_or_404(request.user, pk).obj
    access.require(bool(lesson.document))
    return private_file_response(lesson.document, f"{lesson.title}.pdf", "application/pdf")


@login_required
def lesson_quiz(request, pk: int):
    lesson, member_id = selectors.member_lesson_or_404(request.user, pk)
    info = selectors.lesson_quiz_info(lesson, member_id)
    access.require(info["quiz"] is not None)
    quiz = info["quiz"]
    if request.method == "POST":
        answers = {q.pk: request.POST.getlist(f"q{q.pk}") for q in quiz.questions.all()}
        try:
            attempt = quizzes.quiz_submit(quiz, Member.objects.get(pk=member_id), answers)
        except services.OnlineError as exc:
            messages.error(request, str(exc))
            return redirect("online:quiz", lesson.pk)
        return redirect(f"{reverse('online:quiz', args=[lesson.pk])}?attempt={attempt.number}")
    attempt = None
    if request.GET.get("attempt", "").isdigit():
        attempt = QuizAttempt.objects.filter(quiz=quiz, member_id=member_id, number=int(request.GET["attempt"])).first()
    state = info["state"]
    context = {
        "active": "online",
        "lesson": lesson,
        "quiz": quiz,
        "state": state,
        "attempt": attempt,
        "results": quizzes.attempt_result(attempt) if attempt else None,
        # The right answers are shown only when they can no longer help a later attempt.
        "reveal": state.passed or not state.can_attempt,
        "questions": quiz.questions.prefetch_related("choices") if state.can_attempt and attempt is None else (),
    }
    return render(request, "online/quiz.html", context)


@login_required
def practice_task(request, pk: int):
    reach = selectors.task_reach_or_404(request.user, pk)
    task = reach.obj
    access.require(reach.member_id is not None)
    submission = task.submissions.filter(member_id=reach.member_id).first()
    form = PracticeSubmitForm(request.POST or None, request.FILES or None, initial={"text": submission.text if submission else ""})
    if request.method == "POST" and form.is_valid():
        try:
            practice.practice_submit(
                task, Member.objects.get(pk=reach.member_id), text=form.cleaned_data["text"], photo=form.cleaned_data["photo"]
            )
        except services.OnlineError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已提交，等待支部书记审核。"))
            return redirect("online:practice", task.pk)
    return render(request, "online/practice.html", {"active": "online", "task": task, "submission": submission, "form": form})


@login_required
def submission_photo(request, pk: int):
    submission = selectors.submission_reach_or_404(request.user, pk).obj
    access.require(bool(submission.photo))
    ext = "png" if submission.photo_content_type == "image/png" else "jpg"
    return private_file_response(submission.photo, f"practice-{submission.pk}.{ext}", submission.photo_content_type)
