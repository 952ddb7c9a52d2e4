"""The online class (网上班级): lessons with measured progress, a quiz per lesson, offline practice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member
from dangxiao.teaching.models import Cohort


class Lesson(models.Model):
    """One lesson of an online cohort: an uploaded video, or an article (text and/or a PDF)."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("视频")
        ARTICLE = "article", _("图文")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("班次"))
    title = models.CharField(_("课程名称"), max_length=120)
    kind = models.CharField(_("形式"), max_length=8, choices=Kind.choices)
    video = models.FileField(_("视频文件"), upload_to="online/videos/%Y/%m/", blank=True)
    body = models.TextField(_("正文"), blank=True)
    document = models.FileField(_("文档（PDF）"), upload_to="online/documents/%Y/%m/", blank=True)
    duration_seconds = models.PositiveIntegerField(_("视频时长（秒）"), default=0)
    study_minutes = models.PositiveSmallIntegerField(_("阅读时长（分钟）"), default=0)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    published = models.BooleanField(_("已发布"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("网上课程")
        verbose_name_plural = _("网上课程")
        ordering = ["cohort", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(kind="video", duration_seconds__gt=0) & ~models.Q(video="")) | models.Q(kind="article", study_minutes__gt=0)
                ),
                name="lesson_has_its_length",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO

    @property
    def minutes(self) -> float:
        """The study time the lesson stands for: the video's length, or the article's reading time."""
        return self.duration_seconds / 60 if self.is_video else float(self.study_minutes)


class LessonProgress(models.Model):
    """How far one member has got with one lesson.

    `watched` is the union of the stretches of video actually played, as merged [start, end]
    intervals in seconds; `accounted_until` is the instant up to which playing time has been
    accounted for, so credited playing time can never outrun the wall clock.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    watched = models.JSONField(default=list, blank=True)
    watched_seconds = models.PositiveIntegerField(_("已观看（秒）"), default=0)
    position_seconds = models.PositiveIntegerField(_("上次看到（秒）"), default=0)
    first_opened_at = models.DateTimeField(_("首次打开"), null=True, blank=True)
    accounted_until = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(_("最近学习"), null=True, blank=True)
    read_confirmed_at = models.DateTimeField(_("确认读完"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("学习进度")
        verbose_name_plural = _("学习进度")
        constraints = [models.UniqueConstraint(fields=["member", "lesson"], name="one_progress_per_member_lesson")]

    def __str__(self) -> str:
        return f"{self.member} · {self.lesson}"


class Quiz(models.Model):
    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="quiz")
    pass_mark = models.PositiveSmallIntegerField(_("及格分（百分制）"), default=60)
    max_attempts = models.PositiveSmallIntegerField(_("最多答题次数"), default=3)

    class Meta:
        verbose_name = _("课后测验")
        verbose_name_plural = _("课后测验")
        constraints = [
            models.CheckConstraint(condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_1_to_100"),
            models.CheckConstraint(condition=models.Q(max_attempts__gte=1), name="quiz_allows_an_attempt"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson} 测验"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选")
        MULTIPLE = "multiple", _("多选")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("题目"), max_length=300)
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["quiz", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("选项"), max_length=200)
    is_correct = models.BooleanField(_("正确答案"), default=False)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    """One submitted attempt; `number` counts a member's attempts so the limit holds in the database."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField(_("第几次"))
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(_("得分"))
    passed = models.BooleanField(_("通过"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")
        ordering = ["quiz", "member", "number"]
        constraints = [models.UniqueConstraint(fields=["quiz", "member", "number"], name="one_attempt_number_per_member")]

    def __str__(self) -> str:
        return f"{self.member} {self.quiz} #{self.number}"


class PracticeTask(models.Model):
    """An offline practice task (线下实践) set for an online cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="practice_tasks", verbose_name=_("班次"))
    title = models.CharField(_("实践任务"), max_length=120)
    instructions = models.TextField(_("任务要求"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("实践任务")
        verbose_name_plural = _("实践任务")
        ordering = ["cohort", "id"]

    def __str__(self) -> str:
        return self.title


class PracticeSubmission(models.Model):
    """What a member did for a task, with an optional photo; the secretary approves or rejects it.

    A rejected submission may be sent again (it goes back to pending); an approved one is final.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    task = models.ForeignKey(PracticeTask, on_delete=models.CASCADE, related_name="submissions")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="practice_submissions")
    text = models.TextField(_("实践情况"))
    photo = models.FileField(_("照片"), upload_to="online/practice/%Y/%m/", blank=True)
    photo_content_type = models.CharField(max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("实践提交")
        verbose_name_plural = _("实践提交")
        constraints = [models.UniqueConstraint(fields=["task", "member"], name="one_submission_per_member_task")]
        indexes = [models.Index(fields=["task", "status"])]

    def __str__(self) -> str:
        return f"{self.member} · {self.task}"
