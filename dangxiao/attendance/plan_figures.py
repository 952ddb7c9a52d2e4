"""The yearly plan against what happened: each target of a school's TrainingPlan beside the figure
computed from the records of that year (five queries whatever the school's size).

- 人次 trained: attendances of members who came (present, late, left early — the dashboards' 出勤人次)
  to the school's sessions of the year that were held (started, not cancelled);
- study hours: the 学时 ledger's credits dated in the year to the members of the school's working
  committee, in total and per member on its roll;
- courses and cohorts: those planned under the plan, each with the sessions it held in the year, and
  those that ran in the year without being planned.

The plan lives in `school`, which may not read attendance or teaching: its pages ask here.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from dangxiao.people.models import Member
from dangxiao.school.models import TrainingPlan
from dangxiao.teaching.models import Cohort, Course, Session

from .models import Attendance, StudyHourEntry

ZERO = Decimal("0")


@dataclass
class Ran:
    """A course or cohort with the sessions it held in the plan's year."""

    obj: object
    planned: bool
    held: int


@dataclass
class PlanActuals:
    person_times: int
    study_hours: Decimal
    members: int
    credited_members: int
    courses: list[Ran] = field(default_factory=list)
    cohorts: list[Ran] = field(default_factory=list)

    @property
    def hours_per_member(self) -> Decimal:
        return (self.study_hours / self.members).quantize(Decimal("0.1")) if self.members else ZERO

    @property
    def planned_courses(self) -> int:
        return sum(1 for r in self.courses if r.planned)

    @property
    def planned_courses_run(self) -> int:
        return sum(1 for r in self.courses if r.planned and r.held)

    @property
    def courses_run(self) -> int:
        return sum(1 for r in self.courses if r.held)

    @property
    def planned_cohorts(self) -> int:
        return sum(1 for r in self.cohorts if r.planned)

    @property
    def planned_cohorts_run(self) -> int:
        return sum(1 for r in self.cohorts if r.planned and r.held)

    @property
    def cohorts_run(self) -> int:
        return sum(1 for r in self.cohorts if r.held)


def _held_q(prefix: str, year: int, now: datetime) -> Q:
    return Q(**{f"{prefix}starts_at__year": year, f"{prefix}starts_at__lt": now}) & ~Q(**{f"{prefix}status": Session.Status.CANCELLED})


def plan_actuals(plan: TrainingPlan, now: datetime | None = None) -> PlanActuals:
    """What the plan's school did in the plan's year, up to `now` (see the module's docstring)."""
    now = now or timezone.now()
    school, year = plan.school, plan.year
    root_path = school.organization.path
    person_times = Attendance.objects.filter(
        _held_q("session__", year, now), session__cohort__school=school, status__in=Attendance.ATTENDED
    ).count()
    ledger = StudyHourEntry.objects.filter(date__year=year, member__organization__path__startswith=root_path).aggregate(
        hours=Sum("hours"), members=Count("member", distinct=True)
    )
    members = Member.objects.filter(organization__path__startswith=root_path).count()
    held = Count("sessions", filter=_held_q("sessions__", year, now))
    courses = (
        Course.objects.filter(school=school)
        .annotate(held=held)
        .filter(Q(plan=plan) | Q(held__gt=0))
        .select_related("topic")
        .order_by("kind", "title", "id")
    )
    cohorts = (
        Cohort.objects.filter(school=school)
        .annotate(held=held)
        .filter(Q(plan=plan) | Q(held__gt=0))
        .select_related("organization")
        .order_by("starts_on", "name", "id")
    )
    return PlanActuals(
        person_times=person_times,
        study_hours=ledger["hours"] or ZERO,
        members=members,
        credited_members=ledger["members"],
        courses=[Ran(c, c.plan_id == plan.pk, c.held) for c in courses],
        cohorts=[Ran(c, c.plan_id == plan.pk, c.held) for c in cohorts],
    )
