"""The yearly work report (年度党员教育培训工作报告): the year's figures of a school or of one organisation's
subtree, computed from the records by the domains' own selectors, as the user may see them.

- members: the current roster under the organisation (people);
- 人次 trained and sessions held: attendances (present, late, left early) of those members at the year's
  sessions that were held (started, not cancelled), by month; the sessions the subtree's cohorts held,
  by kind of course, by venue tier, and the venues active each month (teaching's records);
- 学时: compliance against the year's rule, per child organisation (attendance.ledger.compliance);
- attendance rates over sessions held and over all planned, per child organisation (ledger.attendance_rates);
- the plan's targets beside what happened, for a school's own report (attendance.plan_figures);
- teachers who lectured and partners who co-hosted, with their sessions;
- residents' matters reported and resolved in the year, households helped (liaison.figures).

A fixed number of queries whatever the size of the school (each selector's own, plus seven here).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dangxiao.attendance import ledger
from dangxiao.attendance.models import Attendance
from dangxiao.attendance.plan_figures import PlanActuals, plan_actuals
from dangxiao.liaison.figures import FigureFilters, Figures, Period, liaison_figures, visible_compounds
from dangxiao.liaison.models import Compound
from dangxiao.people.models import Member, Organization, User
from dangxiao.school.models import School, TrainingPlan, Venue
from dangxiao.school.selectors import school_for_organization
from dangxiao.teaching.models import Course, Session

TOP = 10  # teachers and partners listed by name


@dataclass
class Count_:
    label: str
    count: int


@dataclass
class Month:
    month: int
    person_times: int = 0
    sessions: int = 0
    venues: int = 0


@dataclass
class YearlyFigures:
    organization: Organization
    school: School | None
    year: int
    generated_at: datetime
    members: int
    probationary: int
    person_times: int
    sessions_held: int
    months: list[Month]
    by_kind: list[Count_]
    by_tier: list[Count_]
    compliance: ledger.Compliance
    rates: ledger.AttendanceRates
    teachers: list[Count_]
    teachers_total: int
    partners: list[Count_]
    liaison: Figures
    plan: TrainingPlan | None = None
    actuals: PlanActuals | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_school(self) -> bool:
        return self.school is not None and self.school.organization_id == self.organization.pk

    @property
    def title(self) -> str:
        return f"{self.organization.name}{self.year}年度党员教育培训工作报告"

    @property
    def resolved(self) -> int:
        return self.liaison.by_type.get("fixed", 0)

    @property
    def venues_active_months(self) -> int:
        return sum(1 for m in self.months if m.venues)


def _held(prefix: str, year: int, now: datetime) -> Q:
    return Q(**{f"{prefix}starts_at__year": year, f"{prefix}starts_at__lt": now}) & ~Q(**{f"{prefix}status": Session.Status.CANCELLED})


def _month_of(value) -> int:
    if isinstance(value, datetime):
        return timezone.localtime(value).month if timezone.is_aware(value) else value.month
    return value.month if isinstance(value, date) else int(str(value)[5:7])


def yearly_figures(user: User, root: Organization, year: int, *, now: datetime | None = None) -> YearlyFigures:
    """The year's figures under `root` (which the caller has already checked is in the user's scope)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    under = root.path
    roster = ledger.scoped_members(user, root)
    counts = roster.aggregate(total=Count("pk"), probationary=Count("pk", filter=Q(status=Member.Status.PROBATIONARY)))
    attended = Attendance.objects.filter(_held("session__", year, now), member__in=roster.values("pk"), status__in=Attendance.ATTENDED)
    months = {m: Month(m) for m in range(1, 13)}
    for row in attended.annotate(m=TruncMonth("session__starts_at")).values("m").annotate(n=Count("pk")).order_by():
        months[_month_of(row["m"])].person_times += row["n"]
    sessions = Session.objects.filter(_held("", year, now), cohort__organization__path__startswith=under)
    for row in sessions.annotate(m=TruncMonth("starts_at")).values("m").annotate(n=Count("pk"), v=Count("venue", distinct=True)).order_by():
        month = months[_month_of(row["m"])]
        month.sessions += row["n"]
        month.venues += row["v"]
    kinds = dict(Course.Kind.choices)
    by_kind = [
        Count_(str(kinds.get(r["course__kind"], "未关联课程")), r["n"])
        for r in sessions.values("course__kind").annotate(n=Count("pk")).order_by("course__kind")
    ]
    tiers = dict(Venue.Tier.choices)
    by_tier = [
        Count_(str(tiers.get(r["venue__tier"], "未指定阵地")), r["n"])
        for r in sessions.values("venue__tier").annotate(n=Count("pk")).order_by("venue__tier")
    ]
    lectured = (
        sessions.filter(teacher__isnull=False).values("teacher_id", "teacher__name").annotate(n=Count("pk")).order_by("-n", "teacher__name")
    )
    teachers = [Count_(r["teacher__name"], r["n"]) for r in lectured]
    partners = [
        Count_(r["co_host__name"], r["n"])
        for r in sessions.filter(co_host__isnull=False)
        .values("co_host__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "co_host__name")[:TOP]
    ]
    compound_ids = set(Compound.objects.filter(community__path__startswith=under).values_list("pk", flat=True))
    compounds = [c for c in visible_compounds(user) if c[0] in compound_ids]
    liaison = liaison_figures(user, FigureFilters(period=Period.year(year)), now=now, compounds=compounds)
    school = school_for_organization(root)
    plan = actuals = None
    if school is not None and school.organization_id == root.pk:
        plan = TrainingPlan.objects.filter(school=school, year=year).first()
        actuals = plan_actuals(plan, now=now) if plan else None
    return YearlyFigures(
        organization=root,
        school=school,
        year=year,
        generated_at=now,
        members=counts["total"],
        probationary=counts["probationary"],
        person_times=sum(m.person_times for m in months.values()),
        sessions_held=sum(m.sessions for m in months.values()),
        months=list(months.values()),
        by_kind=by_kind,
        by_tier=by_tier,
        compliance=ledger.compliance(user, root, year, today),
        rates=ledger.attendance_rates(user, root, year=year, now=now),
        teachers=teachers[:TOP],
        teachers_total=len(teachers),
        partners=partners,
        liaison=liaison,
        plan=plan,
        actuals=actuals,
    )


def percent(part: int | Decimal, whole: int | Decimal) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"
