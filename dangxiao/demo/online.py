"""The 美团党支部's 网上班级 in the demo: article lessons, a quiz, a practice task, and each rider's
progress so far — completions credit study hours through the same ledger as everything else."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dangxiao.attendance.credit import policy_for
from dangxiao.attendance.models import StudyHourEntry
from dangxiao.demo.clock import DemoClock
from dangxiao.demo.people import SEED
from dangxiao.online.models import Choice, Lesson, LessonProgress, PracticeSubmission, PracticeTask, Question, Quiz, QuizAttempt
from dangxiao.online.services import lesson_hours
from dangxiao.teaching.models import Cohort, Enrollment

SHANGHAI = ZoneInfo("Asia/Shanghai")
LESSONS = (
    ("学习贯彻党的二十大精神", "党的二十大报告明确了新时代新征程党的使命任务……骑手党员要把学习成果转化为服务群众的实际行动。"),
    ("党章党规学习：党员的义务和权利", "党章规定党员必须履行八项义务、享有八项权利……结合送餐工作谈一谈如何发挥先锋模范作用。"),
    ("新就业群体党员如何亮身份、作表率", "亮出党员身份，接受群众监督……在配送途中发现问题及时报告社区网格。"),
    ("交通安全与文明配送", "遵守交通法规是骑手的第一课……党员骑手要带头不闯红灯、不逆行。"),
    ("走街串巷当好社区“流动哨兵”", "骑手熟悉大街小巷，是发现“关键小事”的好帮手……如飞线充电、路面破损，可通过小区二维码上报。"),
    ("网上班级学习分享：我身边的好骑手", "讲述身边党员骑手助人为乐、拾金不昧的故事，写下自己的学习体会。"),
)


def build_online(clock: DemoClock, stdout=None) -> None:
    rng = random.Random(SEED + 7)
    cohort = Cohort.objects.filter(mode=Cohort.Mode.ONLINE, organization__code="WY-N-1").first()
    if cohort is None:
        return
    Lesson.objects.filter(cohort=cohort).delete()
    PracticeTask.objects.filter(cohort=cohort).delete()
    StudyHourEntry.objects.filter(source=StudyHourEntry.Source.ONLINE).delete()
    lessons = [
        Lesson.objects.create(cohort=cohort, title=title, kind=Lesson.Kind.ARTICLE, body=body, study_minutes=45, order=i)
        for i, (title, body) in enumerate(LESSONS, start=1)
    ]
    quiz = Quiz.objects.create(lesson=lessons[0], pass_mark=60, max_attempts=3)
    for order, (text, kind, choices) in enumerate(
        (
            (
                "党的二十大提出，从现在起党的中心任务是什么？",
                "single",
                (("团结带领全国各族人民全面建成社会主义现代化强国", True), ("全面建成小康社会", False)),
            ),
            (
                "党员骑手在工作中可以怎样发挥作用？（多选）",
                "multiple",
                (("遵守交通规则作表率", True), ("发现问题及时报告社区", True), ("为赶时间逆行", False)),
            ),
            ("“关键小事”可以通过什么方式上报？", "single", (("扫描小区二维码上报", True), ("不用上报", False))),
        ),
        start=1,
    ):
        q = Question.objects.create(quiz=quiz, text=text, kind=kind, order=order)
        Choice.objects.bulk_create([Choice(question=q, text=t, is_correct=c) for t, c in choices])
    task = PracticeTask.objects.create(
        cohort=cohort, title="配送途中发现并上报一件“关键小事”", instructions="拍一张照片，写明时间、地点和处理情况。"
    )
    members = list(
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED)
        .values_list("member_id", flat=True)
        .order_by("member_id")
    )
    per_hour = policy_for(cohort.school_id).minutes_per_hour
    hours = {lesson.pk: lesson_hours(lesson, per_hour) for lesson in lessons}
    progress, credits, attempts, submissions = [], [], [], []
    for member_id in members:
        done = rng.choice((0, 1, 2, 3, 4, 4, 5, 5, 6, 6))
        day = datetime.combine(clock.month(-8) + timedelta(days=rng.randrange(30)), time(21, 30), SHANGHAI)
        for lesson in lessons[:done]:
            day += timedelta(days=rng.randint(5, 30))
            progress.append(
                LessonProgress(
                    member_id=member_id,
                    lesson=lesson,
                    first_opened_at=day - timedelta(minutes=50),
                    read_confirmed_at=day,
                    last_heartbeat_at=day,
                    completed_at=day,
                )
            )
            credits.append(
                StudyHourEntry(
                    member_id=member_id,
                    date=day.date(),
                    hours=hours[lesson.pk],  # what completing the lesson credits (online.services)
                    source=StudyHourEntry.Source.ONLINE,
                    category="online",
                    reference=f"lesson:{lesson.pk}",
                    note=lesson.title,
                )
            )
            if lesson is lessons[0]:
                attempts.append(QuizAttempt(quiz=quiz, member_id=member_id, number=1, answers={}, score=100, passed=True, created_at=day))
        if done < len(lessons):
            progress.append(
                LessonProgress(
                    member_id=member_id,
                    lesson=lessons[done],
                    first_opened_at=day + timedelta(days=3),
                    last_heartbeat_at=day + timedelta(days=3),
                )
            )
        if done >= 4:
            status = PracticeSubmission.Status.APPROVED if rng.random() < 0.7 else PracticeSubmission.Status.PENDING
            submissions.append(
                PracticeSubmission(
                    task=task,
                    member_id=member_id,
                    text="在书院路配送时发现一处飞线充电，已通过小区二维码上报，社区当天处理。",
                    status=status,
                    submitted_at=day,
                )
            )
    LessonProgress.objects.bulk_create(progress)
    StudyHourEntry.objects.bulk_create(credits)
    QuizAttempt.objects.bulk_create(attempts)
    PracticeSubmission.objects.bulk_create(submissions)
    if stdout:
        stdout.write(f"  网上班级：课程 {len(lessons)} 节，完成 {len(credits)} 人次（计入学时），实践提交 {len(submissions)} 份")
