"""Who came to each session. The study-hour ledger and check-in build on these rows."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from dangxiao.people.models import Member
from dangxiao.school.models import Teacher
from dangxiao.teaching.models import Session


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LATE = "late", "迟到"
        LEFT_EARLY = "left_early", "早退"
        EXCUSED = "excused", "请假"
        ABSENT = "absent", "缺席"

    class Method(models.TextChoices):
        QR = "qr", "扫码签到"
        KIOSK = "kiosk", "签到机"
        MANUAL = "manual", "手工标记"
        IMPORT = "import", "导入"

    ATTENDED = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    method = models.CharField("方式", max_length=8, choices=Method.choices, default=Method.MANUAL)
    is_walk_in = models.BooleanField("临时参加", default=False)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(auto_now=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="one_attendance_per_member_session")]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.member} {self.session} {self.status}"


class SessionRating(models.Model):
    """A rating of one session's teacher by a member who attended it, once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="ratings")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField("评分", validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField("评价", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "讲师评价"
        verbose_name_plural = "讲师评价"
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_rating_per_member_session"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} {self.score}"
