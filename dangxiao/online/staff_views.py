"""Staff pages of the online class: a cohort's progress table and practice reviews, adding lessons
and tasks, and setting a lesson's quiz. Only staff managing the cohort reach them (else 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import practice, quizzes, selectors, services
from .forms import LessonForm, PracticeTaskForm, QuestionForm, QuizForm, ReviewForm
from .models import Question, Quiz


def _cohort_page(request, cohort, **forms):
    lessons, rows = selectors.cohort_progress(cohort)
    context = {
        "active": "online",
        "cohort": cohort,
        "lessons": lessons,
        "rows": rows,
        "tasks": selectors.practice_tasks(cohort),
        "pending": selectors.pending_submissions(cohort),
        "lesson_form": forms.get("lesson_form") or LessonForm(),
        "task_form": forms.get("task_form") or PracticeTaskForm(),
        "review_form": ReviewForm(),
    }
    return render(request, "online/cohort.html", context)


@login_required
def cohort_manage(request, pk: int):
    return _cohort_page(request, selectors.get_managed_cohort_or_404(request.user, pk))


@login_required
@require_POST
def lesson_add(request, pk: int):
    cohort = selectors.get_managed_cohort_or_404(request.user, pk)
    form = LessonForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        minutes = data["duration_minutes"]
        try:
            lesson = services.lesson_create(
                cohort,
                title=data["title"],
                kind=data["kind"],
                video=data["video"],
                document=data["document"],
                body=data["body"],
                duration_seconds=round(minutes * 60) if minutes else None,
                study_minutes=data["study_minutes"],
                published=data["published"],
                by=request.user,
            )
        except services.OnlineError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已添加课程“%(title)s”。") % {"title": lesson.title})
            return redirect("online:lesson_manage", lesson.pk)
    messages.error(request, _("课程未添加，请按表单中的提示修改。"))
    return _cohort_page(request, cohort, lesson_form=form)


@login_required
@require_POST
def task_add(request, pk: int):
    cohort = selectors.get_managed_cohort_or_404(request.user, pk)
    form = PracticeTaskForm(request.POST)
    if form.is_valid():
        try:
            practice.practice_task_create(cohort, **form.cleaned_data, by=request.user)
        except services.OnlineError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已布置实践任务。"))
            return redirect("online:cohort", cohort.pk)
    messages.error(request, _("任务未布置，请按表单中的提示修改。"))
    return _cohort_page(request, cohort, task_form=form)


@login_required
@require_POST
def submission_review(request, pk: int):
    submission = selectors.managed_submission_or_404(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择通过或不通过"))
    else:
        try:
            practice.practice_review(
                submission, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"], by=request.user
            )
        except services.OnlineError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已审核 %(name)s 的实践。") % {"name": submission.member.name})
    return redirect("online:cohort", submission.task.cohort_id)


@login_required
def lesson_manage(request, pk: int):
    """One lesson for staff: publish or withdraw it, set its quiz, add and remove questions."""
    lesson = selectors.managed_lesson_or_404(request.user, pk)
    quiz = Quiz.objects.filter(lesson=lesson).first()
    quiz_form = QuizForm(initial={"pass_mark": quiz.pass_mark, "max_attempts": quiz.max_attempts} if quiz else None)
    question_form = QuestionForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                services.lesson_set_published(lesson, request.POST.get("published") == "1")
                messages.success(request, _("已发布。") if lesson.published else _("已撤回，学员暂时看不到本课。"))
            elif action == "quiz":
                quiz_form = QuizForm(request.POST)
                if quiz_form.is_valid():
                    quizzes.quiz_configure(lesson, **quiz_form.cleaned_data)
                    messages.success(request, _("测验设置已保存。"))
                    return redirect("online:lesson_manage", lesson.pk)
            elif action == "question" and quiz is not None:
                question_form = QuestionForm(request.POST)
                if question_form.is_valid():
                    data = question_form.cleaned_data
                    quizzes.question_add(quiz, text=data["text"], kind=data["kind"], choices=quizzes.parse_choices(data["choices"]))
                    messages.success(request, _("已添加题目。"))
                    return redirect("online:lesson_manage", lesson.pk)
            elif action == "delete_question" and quiz is not None:
                question = Question.objects.filter(quiz=quiz, pk=request.POST.get("question") or 0).first()
                if question is not None:
                    quizzes.question_delete(question)
                    messages.success(request, _("已删除题目。"))
                return redirect("online:lesson_manage", lesson.pk)
        except services.OnlineError as exc:
            messages.error(request, str(exc))
        if action == "publish":
            return redirect("online:lesson_manage", lesson.pk)
    context = {
        "active": "online",
        "lesson": lesson,
        "quiz": quiz,
        "questions": quiz.questions.prefetch_related("choices") if quiz else (),
        "quiz_form": quiz_form,
        "question_form": question_form,
    }
    return render(request, "online/lesson_manage.html", context)
