"""What the school teaches, to whom, where and when: courses, cohorts (班次), enrolments, sessions."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Member, Organization
from dangxiao.school.models import Partner, School, Teacher, Topic, TrainingPlan, Venue


class Course(models.Model):
    class Kind(models.TextChoices):
        THEORY = "theory", _("理论课堂")
        PRACTICE = "practice", _("实践课堂")
        FIELD = "field", _("流动课堂")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="courses")
    # Who owns the course and so may attach and remove its materials (with the school's board): an
    # organisation's own course is its staff's; empty means a school-wide course, the board's alone.
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    plan = models.ForeignKey(
        TrainingPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses", verbose_name=_("年度计划")
    )
    title = models.CharField(_("课程名称"), max_length=120)
    kind = models.CharField(_("课堂类型"), max_length=10, choices=Kind.choices)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses", verbose_name=_("专题"))
    description = models.TextField(_("课程简介"), blank=True)
    default_hours = models.DecimalField(_("默认学时"), max_digits=4, decimal_places=1, default=Decimal("2.0"))
    online_capable = models.BooleanField(_("可线上学习"), default=False)
    # A retired course leaves the cohort and session pickers; its sessions, cohorts and materials stay.
    is_active = models.BooleanField(_("在用"), default=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class CourseMaterial(models.Model):
    """A file attached to a course, stored privately and served through an access-checked view."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("名称"), max_length=120)
    file = models.FileField(_("文件"), upload_to="materials/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("课程资料")
        verbose_name_plural = _("课程资料")

    def __str__(self) -> str:
        return self.title


class Cohort(models.Model):
    """班次: a class run for a target group over a period, by one organisation (its scope)."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("集中面授")
        ONLINE = "online", _("网上班级")
        HOME_DELIVERY = "home_delivery", _("送学上门")
        FIELD = "field", _("现场教学")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="cohorts")
    plan = models.ForeignKey(
        TrainingPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="cohorts", verbose_name=_("年度计划")
    )
    organization = models.ForeignKey(Organization, verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(_("班次名称"), max_length=120)
    courses = models.ManyToManyField(Course, verbose_name=_("课程"), blank=True, related_name="cohorts")
    mode = models.CharField(_("教学方式"), max_length=16, choices=Mode.choices, default=Mode.IN_PERSON)
    target_rule = models.JSONField(_("培训对象规则"), default=dict, blank=True)
    target_description = models.CharField(_("培训对象"), max_length=200, blank=True)
    seat_limit = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    auto_enrol = models.BooleanField(_("按规则自动报名"), default=False)
    self_enrol_open = models.BooleanField(_("开放自主报名"), default=False)
    starts_on = models.DateField(_("开班日期"), null=True, blank=True)
    ends_on = models.DateField(_("结业日期"), null=True, blank=True)
    default_venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("默认教学点")
    )
    # Archived: finished and filed; kept with its history, closed to enrolment, off the working lists.
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        WAITLISTED = "waitlisted", _("候补")
        REMOVED = "removed", _("已移出")

    class Source(models.TextChoices):
        RULE = "rule", _("按规则")
        MANUAL = "manual", _("管理员添加")
        SELF = "self", _("自主报名")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrollments")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ENROLLED)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the member last joined the cohort's lists: the waiting list's order. Rejoining after being
    # removed sets it again, so whoever leaves and comes back goes to the back of the queue.
    joined_at = models.DateTimeField(_("加入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["cohort", "member"], name="one_enrollment_per_cohort")]
        indexes = [
            models.Index(fields=["cohort", "status", "joined_at"], name="enrollment_queue"),
            models.Index(fields=["updated_at"], name="enrollment_updated_at"),  # changed since: the dashboards' refresh
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.cohort}"


class ScheduleRule(models.Model):
    """A weekly rule that generates sessions: weekdays (0 = Monday), time, date range, skipped dates."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="rules")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    weekdays = models.JSONField(_("星期"), default=list)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    skip_dates = models.JSONField(_("跳过日期"), default=list, blank=True)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("课次名称"), max_length=120, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("2.0"))

    class Meta:
        verbose_name = _("排课规则")
        verbose_name_plural = _("排课规则")

    def __str__(self) -> str:
        return f"{self.cohort} 每周规则"


class Session(models.Model):
    """课次: one meeting of a cohort, with its venue, teacher, topic and study-hour credit."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划")
        CANCELLED = "cancelled", _("已取消")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    rule = models.ForeignKey(ScheduleRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    title = models.CharField(_("课次名称"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions", verbose_name=_("教学点"))
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions", verbose_name=_("讲师"))
    co_host = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions", verbose_name=_("共建协办单位")
    )
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("2.0"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    admits_walk_ins = models.BooleanField(_("允许未报名党员临时参加"), default=False)
    override_reason = models.CharField(_("冲突说明"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A change members' calendars must pick up (time, place, teacher, cancellation) bumps the iCalendar
    # SEQUENCE; a reschedule keeps the time it replaced, a cancellation its reason.
    sequence = models.PositiveIntegerField(default=0)
    previous_starts_at = models.DateTimeField(_("原定开始时间"), null=True, blank=True)
    previous_ends_at = models.DateTimeField(_("原定结束时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["venue", "starts_at"]), models.Index(fields=["teacher", "starts_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def phase_label(self) -> str:
        """What a list shows as its state: cancelled, or where the session stands in time now (the stored
        status only says planned or cancelled)."""
        if self.status == self.Status.CANCELLED:
            return str(self.get_status_display())
        now = timezone.now()
        if self.ends_at <= now:
            return str(_("已结束"))
        return str(_("进行中")) if self.starts_at <= now else str(_("未开始"))


class CalendarFeed(models.Model):
    """A private, tokenised iCalendar URL: a member's own classes, or a venue's or a teacher's sessions as
    seen by one person (its holder: staff who manage the venue or teacher, or the teacher themself).
    Resetting makes a new token; a holder who may no longer manage the venue or teacher loses the feed."""

    token = models.CharField(max_length=43, unique=True)
    member = models.OneToOneField(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feed")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds")
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds")
    created_at = models.DateTimeField(auto_now_add=True)
    # What the feed last carried (a digest of its document) and since when: its ETag and Last-Modified
    # for calendar apps that poll, and the DTSTAMP of its events.
    content_digest = models.CharField(max_length=32, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(member__isnull=False, teacher__isnull=True, venue__isnull=True)
                    | models.Q(member__isnull=True, teacher__isnull=False, venue__isnull=True)
                    | models.Q(member__isnull=True, teacher__isnull=True, venue__isnull=False)
                ),
                name="feed_has_exactly_one_owner",
            ),
            # A member's feed is theirs; a venue's or teacher's feed always has the holder it answers to.
            models.CheckConstraint(
                condition=models.Q(member__isnull=False, holder__isnull=True) | models.Q(member__isnull=True, holder__isnull=False),
                name="feed_holder_unless_member",
            ),
            models.UniqueConstraint(fields=["venue", "holder"], condition=models.Q(venue__isnull=False), name="one_venue_feed_per_holder"),
            models.UniqueConstraint(
                fields=["teacher", "holder"], condition=models.Q(teacher__isnull=False), name="one_teacher_feed_per_holder"
            ),
        ]

    def __str__(self) -> str:
        return f"feed {self.pk}"


class NeedsSurvey(models.Model):
    """需求调研 ("缺什么、补什么"): members say what they want to learn, when and how."""

    TIME_OPTIONS = ("工作日白天", "工作日晚上", "周末上午", "周末下午")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="surveys")
    organization = models.ForeignKey(Organization, verbose_name=_("调研范围"), on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("调研名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("可选专题"), related_name="surveys")
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("需求调研")
        verbose_name_plural = _("需求调研")
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    survey = models.ForeignKey(NeedsSurvey, on_delete=models.CASCADE, related_name="responses")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="survey_responses")
    topics = models.ManyToManyField(Topic, related_name="+")
    preferred_times = models.JSONField(default=list)
    preferred_modes = models.JSONField(default=list)
    suggestion = models.CharField(_("其他建议"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("调研答卷")
        verbose_name_plural = _("调研答卷")
        constraints = [models.UniqueConstraint(fields=["survey", "member"], name="one_response_per_member")]

    def __str__(self) -> str:
        return f"{self.member} · {self.survey}"
