"""Aggregates the dashboards read (kept current by `reports.tasks.refresh_dashboards`), and the lobby
screen's kiosk accounts.

The dashboards never count from all history on a view: they sum these small tables, whose size follows
the school's structure (organisations × months × kinds of course), not the number of attendances."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Organization
from dangxiao.school.models import School
from dangxiao.teaching.models import Session


class SessionTally(models.Model):
    """Sessions of the cohorts of one organisation in one month, by one dimension (`kind`): the whole
    (course kind × venue tier), or per venue, teacher or partner (`subject_id`)."""

    class Kind(models.TextChoices):
        ORG = "org", "org"
        VENUE = "venue", "venue"
        TEACHER = "teacher", "teacher"
        PARTNER = "partner", "partner"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField(default=0)  # venue, teacher or partner id; 0 for ORG
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    course_kind = models.CharField(max_length=10, blank=True)
    venue_tier = models.CharField(max_length=12, blank=True)
    planned = models.PositiveIntegerField(default=0)  # not cancelled, held or still to come
    held = models.PositiveIntegerField(default=0)  # not cancelled, started
    person_times = models.PositiveIntegerField(default=0)  # attended (present, late, left early) at held sessions

    class Meta:
        indexes = [models.Index(fields=["year", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject_id} {self.year}-{self.month}"


class OrgYear(models.Model):
    """The members held directly on one organisation in one year: 学时 compliance and attendance rates."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    members = models.PositiveIntegerField(default=0)
    exempt = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    at_risk = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=12, decimal_places=1, default=Decimal("0"))
    attended = models.PositiveIntegerField(default=0)  # at sessions of their cohorts that were held
    held = models.PositiveIntegerField(default=0)  # member × session of their cohorts, held
    planned = models.PositiveIntegerField(default=0)  # member × session of their cohorts, planned

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="orgyear_unique")]
        indexes = [models.Index(fields=["year"])]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}"


class MatterMonth(models.Model):
    """Residents' matters resolved in one month in the compounds of one community, and households helped."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    resolved = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["year"])]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}-{self.month}"


class SessionCount(models.Model):
    """Attendances at one session by the members of one organisation: all of them (`attended`, the session's
    人次) and those of members on the rolls who are enrolled in the session's cohort (`enrolled`, what the
    attendance rates count). The one table whose size follows the attendances' (a row per session and
    organisation): the refresh recounts only the sessions whose marks, members or enrolments changed since
    its last run, and everything once a day (reports.aggregates)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    attended = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "organization"], name="sessioncount_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.organization_id}: {self.attended}"


class AggregateRun(models.Model):
    """When each year's aggregates were last recomputed (the dashboards show it), and where the next run
    starts from: the wall-clock watermark of the change stamps it read, and the attendance and enrolment
    tables' row counts (a count lower than expected means rows were deleted: the next run recounts all)."""

    year = models.PositiveSmallIntegerField(unique=True)
    as_of = models.DateField()
    refreshed_at = models.DateTimeField()
    took_ms = models.PositiveIntegerField(default=0)
    full_at = models.DateTimeField(null=True)  # the last run that recounted every session of the year
    watermark = models.DateTimeField(null=True)  # changes stamped from here on (less an overlap) are read next
    recounted = models.PositiveIntegerField(default=0)  # sessions recounted by the last run
    attendance_rows = models.PositiveBigIntegerField(default=0)
    attendance_top = models.PositiveBigIntegerField(default=0)  # the highest attendance id then
    enrollment_rows = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year} @ {self.refreshed_at}"


class KioskAccount(models.Model):
    """The account of a lobby screen (大屏): it signs in with a link holding a secret, and may open the
    lobby screen of its school and nothing else (reports.middleware.KioskOnlyMiddleware)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="kiosks")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kiosk")
    name = models.CharField(_("大屏名称"), max_length=60)
    key_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("大屏账号")
        verbose_name_plural = _("大屏账号")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name
