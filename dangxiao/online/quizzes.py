"""Write paths of the lesson quiz: setting it up (staff) and answering it (members).

Score = the percentage of questions answered fully correctly (a multiple-choice question counts
only when exactly the right choices are ticked). Attempts are limited per member; once passed,
the quiz is closed for that member and the lesson may complete.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.people.models import Member

from . import services
from .models import Choice, Lesson, Question, Quiz, QuizAttempt
from .selectors import quiz_state
from .services import OnlineError


@transaction.atomic
def quiz_configure(lesson: Lesson, *, pass_mark: int, max_attempts: int) -> Quiz:
    """Create or change the lesson's quiz settings."""
    if not 1 <= int(pass_mark) <= 100:
        raise OnlineError(_("及格分应在 1 到 100 之间"))
    if not 1 <= int(max_attempts) <= 20:
        raise OnlineError(_("答题次数应在 1 到 20 之间"))
    quiz, _created = Quiz.objects.update_or_create(lesson=lesson, defaults={"pass_mark": pass_mark, "max_attempts": max_attempts})
    return quiz


def parse_choices(text: str) -> list[tuple[str, bool]]:
    """One choice per line; a line starting with * (or ＊) is a correct answer."""
    choices = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        correct = line[0] in "*＊"
        choices.append((line.lstrip("*＊").strip(), correct))
    return choices


@transaction.atomic
def question_add(quiz: Quiz, *, text: str, kind: str, choices: list[tuple[str, bool]]) -> Question:
    """Add a question with its choices. A single-choice question needs exactly one right answer,
    a multiple-choice question at least one; every question needs two choices or more."""
    text = (text or "").strip()
    choices = [(c[:200], ok) for c, ok in choices if c]
    right = sum(ok for _c, ok in choices)
    if not text:
        raise OnlineError(_("请填写题目"))
    if kind not in Question.Kind.values:
        raise OnlineError(_("请选择题型"))
    if len(choices) < 2:
        raise OnlineError(_("每道题至少要有两个选项"))
    if kind == Question.Kind.SINGLE and right != 1:
        raise OnlineError(_("单选题必须有且只有一个正确答案（在正确选项前加 *）"))
    if kind == Question.Kind.MULTIPLE and right < 1:
        raise OnlineError(_("多选题至少要有一个正确答案（在正确选项前加 *）"))
    order = (quiz.questions.aggregate(m=Max("order"))["m"] or 0) + 1
    question = Question.objects.create(quiz=quiz, text=text[:300], kind=kind, order=order)
    Choice.objects.bulk_create(Choice(question=question, text=c, is_correct=ok) for c, ok in choices)
    return question


def question_delete(question: Question) -> None:
    question.delete()


def _questions(quiz: Quiz) -> list[Question]:
    return list(quiz.questions.prefetch_related("choices"))


def quiz_submit(quiz: Quiz, member: Member, answers: dict[int, list[int]], *, now: datetime | None = None) -> QuizAttempt:
    """Score one attempt and store it; passing may complete the lesson (and credit its hours).

    Refused, without using up an attempt, when a question is unanswered, when the member has
    already passed, or when no attempts are left.
    """
    now = now or timezone.now()
    questions = _questions(quiz)
    if not questions:
        raise OnlineError(_("本课测验还没有题目"))
    state = quiz_state(quiz, member.pk)
    if state.passed:
        raise OnlineError(_("您已通过本课测验，无需再答"))
    if not state.can_attempt:
        raise OnlineError(_("您的 %(n)s 次答题机会已用完，如需补考请联系支部书记") % {"n": quiz.max_attempts})
    picked: dict[str, list[int]] = {}
    correct = 0
    for n, question in enumerate(questions, 1):
        valid = {c.pk for c in question.choices.all()}
        chosen = sorted({int(c) for c in answers.get(question.pk, ()) if str(c).isdigit() and int(c) in valid})
        if not chosen:
            raise OnlineError(_("第 %(n)s 题还没有作答，请答完全部题目再提交") % {"n": n})
        if question.kind == Question.Kind.SINGLE and len(chosen) > 1:
            raise OnlineError(_("第 %(n)s 题是单选题，只能选一个答案") % {"n": n})
        picked[str(question.pk)] = chosen
        correct += set(chosen) == {c.pk for c in question.choices.all() if c.is_correct}
    score = round(correct * 100 / len(questions))
    try:
        with transaction.atomic():
            attempt = QuizAttempt.objects.create(
                quiz=quiz,
                member=member,
                number=state.used + 1,
                answers=picked,
                score=score,
                passed=score >= quiz.pass_mark,
                created_at=now,
            )
    except IntegrityError:  # the same member's other submission got there first
        raise OnlineError(_("答卷已提交，请勿重复提交")) from None
    if attempt.passed:
        services.lesson_complete_if_done(quiz.lesson, member, now=now)
    return attempt


@dataclass(frozen=True)
class ResultRow:
    question: Question
    chosen: list[Choice]
    right: list[Choice]
    correct: bool


def attempt_result(attempt: QuizAttempt) -> list[ResultRow]:
    """Each question with what was chosen and whether it was right (for the results page)."""
    rows = []
    for question in _questions(attempt.quiz):
        choices = list(question.choices.all())
        chosen_ids = set(attempt.answers.get(str(question.pk), []))
        right = [c for c in choices if c.is_correct]
        rows.append(ResultRow(question, [c for c in choices if c.pk in chosen_ids], right, chosen_ids == {c.pk for c in right}))
    return rows
