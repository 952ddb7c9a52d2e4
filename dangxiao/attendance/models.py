"""Who came to each session. The study-hour ledger and check-in build on these rows."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member
from dangxiao.school.models import School, Teacher
from dangxiao.teaching.models import Session


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LATE = "late", _("迟到")
        LEFT_EARLY = "left_early", _("早退")
        EXCUSED = "excused", _("请假")
        ABSENT = "absent", _("缺席")

    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        KIOSK = "kiosk", _("签到机")
        MANUAL = "manual", _("手工标记")
        IMPORT = "import", _("导入")

    ATTENDED = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)

    # No index of its own: the unique (session, member) constraint's index serves every lookup by session,
    # and a second one let PostgreSQL plan the check-in's read on it (see the indexes below).
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances", db_index=False)
    # No index of its own either: the (member, status) index below starts with it.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendances", db_index=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices, default=Method.MANUAL)
    is_walk_in = models.BooleanField(_("临时参加"), default=False)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(auto_now=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device_id = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="one_attendance_per_member_session")]
        # (device_id, session): the check-in's "this phone has just checked in someone else" lookup. Device
        # first, so that the check-in's other lookup, by (session, member), has only the unique index to take
        # however the planner guesses: a generic plan that PostgreSQL prepared while the table was empty chose
        # any index starting with the session and then scanned the session's whole roll on every check-in.
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(fields=["device_id", "session"], name="attendance_device_session"),
            # Marks written since a moment: what the dashboards' and points' periodic jobs read every minute.
            models.Index(fields=["marked_at"], name="attendance_marked_at"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.session} {self.status}"


class SessionRating(models.Model):
    """A rating of one session's teacher by a member who attended it, once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="ratings")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(_("评价"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("讲师评价")
        verbose_name_plural = _("讲师评价")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_rating_per_member_session"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} {self.score}"


class AttendancePolicy(models.Model):
    """A school's attendance settings: check-in window, lateness, QR rotation, points and credit."""

    DEFAULT_POINTS = {"present": 2, "late": 1, "left_early": 1, "excused": 0, "absent": 0}
    DEFAULT_CREDIT = {"present": 1, "late": 1, "left_early": 0.5, "excused": 0, "absent": 0}

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="attendance_policy")
    opens_minutes_before = models.PositiveSmallIntegerField(_("开始前多少分钟可签到"), default=30)
    late_after_minutes = models.PositiveSmallIntegerField(_("开始后多少分钟算迟到"), default=10)
    closes_minutes_after_end = models.PositiveSmallIntegerField(_("结束后多少分钟停止签到"), default=0)
    code_step_seconds = models.PositiveSmallIntegerField(_("二维码刷新间隔（秒）"), default=15)
    code_grace_seconds = models.PositiveSmallIntegerField(_("二维码过期宽限（秒）"), default=2)
    device_lock_minutes = models.PositiveSmallIntegerField(_("同一手机为他人签到的锁定（分钟）"), default=240)
    points = models.JSONField(_("各状态积分"), default=dict, blank=True)
    credit = models.JSONField(_("各状态计学时比例"), default=dict, blank=True)
    minutes_per_hour = models.PositiveSmallIntegerField(_("多少分钟计1学时"), default=45)
    warn_below_rate = models.DecimalField(_("出勤率低于此值预警"), max_digits=3, decimal_places=2, default=Decimal("0.80"))
    warn_min_sessions = models.PositiveSmallIntegerField(_("至少多少次课后预警"), default=3)

    class Meta:
        verbose_name = _("考勤规则")
        verbose_name_plural = _("考勤规则")

    def __str__(self) -> str:
        return f"{self.school} 考勤规则"

    def points_for(self, status: str) -> int:
        return int({**self.DEFAULT_POINTS, **(self.points or {})}.get(status, 0))

    def credit_for(self, status: str) -> Decimal:
        return Decimal(str({**self.DEFAULT_CREDIT, **(self.credit or {})}.get(status, 0)))


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="leave_requests")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="leave_requests")
    reason = models.CharField(_("请假事由"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="one_leave_request_per_session")]

    def __str__(self) -> str:
        return f"{self.member} 请假 {self.session}"


class StudyHourRule(models.Model):
    """The year's 学时 requirement (条例第二十条; 2019–2023 plan for secretaries), editable per year."""

    LEADER_POSITIONS = ("secretary", "deputy_secretary", "committee_member")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="study_hour_rules")
    year = models.PositiveSmallIntegerField(_("年度"))
    member_hours = models.DecimalField(_("党员每年学时"), max_digits=5, decimal_places=1, default=Decimal("32"))
    leader_hours = models.DecimalField(_("书记、委员每年学时"), max_digits=5, decimal_places=1, default=Decimal("56"))
    exempt_elderly_infirm = models.BooleanField(_("年老体弱者不作硬性要求"), default=True)
    note = models.CharField(_("依据"), max_length=200, blank=True, default="《中国共产党党员教育管理工作条例》第二十条、第二十三条")

    class Meta:
        verbose_name = _("学时要求")
        verbose_name_plural = _("学时要求")
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_rule_per_school_year")]

    def __str__(self) -> str:
        return f"{self.year} 学时要求"


class StudyHourEntry(models.Model):
    """One credit in the yearly 学时 ledger."""

    class Source(models.TextChoices):
        SESSION = "session", _("集中培训")
        ONLINE = "online", _("网上学习")
        HOME_DELIVERY = "home_delivery", _("送学上门")
        EXTERNAL = "external", _("外部培训")

    # No index of its own: the (member, date) index below starts with it (every INSERT maintains each index).
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_hours", db_index=False)
    date = models.DateField(_("日期"), db_index=True)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    category = models.CharField(_("类别"), max_length=16, blank=True)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="study_hour_entries")
    reference = models.CharField(_("关联记录"), max_length=40, blank=True, help_text=_("如 lesson:12 或 visit:3，保证同一来源只记一次"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        constraints = [
            models.UniqueConstraint(fields=["member", "session"], condition=models.Q(session__isnull=False), name="one_session_credit"),
            models.UniqueConstraint(fields=["member", "reference"], condition=~models.Q(reference=""), name="one_credit_per_reference"),
        ]
        indexes = [models.Index(fields=["member", "date"])]

    def __str__(self) -> str:
        return f"{self.member} {self.date} {self.hours}"


class StudyHourCertificate(models.Model):
    """学时证明: a member's hours for a year, checkable by anyone holding its code."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="certificates")
    year = models.PositiveSmallIntegerField(_("年度"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    code = models.CharField(_("验证码"), max_length=16, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学时证明")
        verbose_name_plural = _("学时证明")

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.code}"


class HomeDeliveryPair(models.Model):
    """送学上门: an elderly or infirm member paired with a young member (老带青、青帮老)."""

    cohort = models.ForeignKey("teaching.Cohort", on_delete=models.CASCADE, related_name="home_pairs")
    elder = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="home_delivery_pairs")
    helper = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="home_delivery_helps")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("送学上门结对")
        verbose_name_plural = _("送学上门结对")
        constraints = [models.UniqueConstraint(fields=["cohort", "elder"], name="one_helper_per_elder_per_cohort")]

    def __str__(self) -> str:
        return f"{self.helper} → {self.elder}"


class HomeVisit(models.Model):
    pair = models.ForeignKey(HomeDeliveryPair, on_delete=models.CASCADE, related_name="visits")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="home_visits")
    visited_on = models.DateField(_("上门日期"))
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"))
    content = models.CharField(_("学习内容"), max_length=300)
    photo = models.FileField(_("照片"), upload_to="visits/%Y/%m/", blank=True)
    elder_confirmed = models.BooleanField(_("老党员已确认"), default=False)
    confirmation = models.CharField(_("确认方式"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上门送学记录")
        verbose_name_plural = _("上门送学记录")
        ordering = ["-visited_on"]

    def __str__(self) -> str:
        return f"{self.pair} {self.visited_on}"


class VolunteerTime(models.Model):
    """Volunteer time a member gave (here: a home-delivery visit), approved by being recorded."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="volunteer_times")
    date = models.DateField()
    minutes = models.PositiveIntegerField()
    reference = models.CharField(max_length=40, unique=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")

    def __str__(self) -> str:
        return f"{self.member} {self.minutes}"
