"""What the board's and a secretary's home pages show, read from the aggregates (reports.models) and
from the few live queues (leave to decide, matters overdue, this fortnight's sessions).

A fixed number of queries whatever the data's size. Each figure carries the address of the records
behind it, already filtered, so the page is a way into the work, not a poster.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangxiao.attendance.leave import leave_inbox
from dangxiao.core import access
from dangxiao.liaison.selectors import handler_summary
from dangxiao.people.models import Organization, User
from dangxiao.school.models import Partner, School, Teacher, TrainingPlan, Venue
from dangxiao.teaching.models import Course, Session

from .models import AggregateRun, MatterMonth, OrgYear, SessionTally

ZERO = Decimal("0")
WEEK_LISTED = 8  # sessions listed per week on the home page; the heading links to the week in the calendar
LABELS = {
    "person_times": _("培训人次"),
    "sessions_held": _("已上课次"),
    "sessions_planned": _("计划课次"),
    "members": _("党员人数"),
    "met": _("学时已达标"),
    "at_risk": _("学时预警"),
    "hours_per_member": _("人均学时"),
    "rate_held": _("出勤率（已上课次）"),
    "rate_planned": _("出勤率（全部计划课次）"),
    "leave_pending": _("待审批请假"),
    "matters_overdue": _("逾期事项"),
    "matters_resolved": _("已解决事项"),
    "households": _("受益户数"),
    "teachers": _("授课讲师"),
    "partners": _("协办共建单位"),
    "venues_active": _("活跃阵地"),
}


def url(name: str, *args, **params) -> str:
    base = reverse(name, args=args)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


@dataclass
class Figure:
    key: str
    value: object
    url: str = ""
    target: object = None

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def percent(self) -> int | None:
        if not self.target:
            return None
        return min(100, int(Decimal(str(self.value)) * 100 / Decimal(str(self.target))))


@dataclass
class OrgRow:
    organization: Organization
    is_self: bool
    members: int = 0
    exempt: int = 0
    met: int = 0
    at_risk: int = 0
    hours: Decimal = ZERO
    url: str = ""

    @property
    def required(self) -> int:
        return self.members - self.exempt

    @property
    def met_rate(self) -> float | None:
        return self.met / self.required if self.required else None

    @property
    def met_percent(self) -> int | None:
        return None if self.met_rate is None else round(self.met_rate * 100)


@dataclass
class Named:
    id: int
    name: str
    held: int
    person_times: int
    url: str


@dataclass
class Dashboard:
    root: Organization
    year: int
    today: date
    is_school: bool
    refreshed_at: datetime | None
    figures: dict[str, Figure]
    this_week: list  # the week's first WEEK_LISTED sessions
    next_week: list
    this_week_count: int
    next_week_count: int
    week_urls: dict[str, str]
    by_month: list[tuple[int, int, int, int]]  # month, sessions held, 人次, venues active
    by_kind: list[tuple[str, str, int, int]]  # kind, label, sessions held, 人次
    by_tier: list[tuple[str, str, int, int]]
    compliance: list[OrgRow]
    teachers: list[Named]
    partners: list[Named]
    plan: TrainingPlan | None = None
    duties: list = field(default_factory=list)


def _sum(rows, attr: str) -> int:
    return sum(getattr(r, attr) for r in rows)


def dashboard(user: User, root: Organization, year: int, *, today: date | None = None, now: datetime | None = None) -> Dashboard:
    """The home page's figures for `root`'s subtree in `year` (the caller checked `root` is in scope)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    under = Q(organization__path__startswith=root.path)
    school = School.objects.filter(organization=root).first()
    plan = TrainingPlan.objects.filter(school=school, year=year).first() if school else None

    tallies = list(
        SessionTally.objects.filter(under, year=year).values_list(
            "kind", "subject_id", "month", "course_kind", "venue_tier", "planned", "held", "person_times"
        )
    )
    org_tallies = [t for t in tallies if t[0] == SessionTally.Kind.ORG]
    planned = sum(t[5] for t in org_tallies)
    held = sum(t[6] for t in org_tallies)
    person_times = sum(t[7] for t in org_tallies)
    months = {m: [0, 0, set()] for m in range(1, 13)}
    kinds: dict[str, list[int]] = {k: [0, 0] for k in Course.Kind.values}
    tiers: dict[str, list[int]] = {t: [0, 0] for t in Venue.Tier.values}
    for _kind, _subject, month, course_kind, tier, _p, h, pt in org_tallies:
        months[month][0] += h
        months[month][1] += pt
        if course_kind in kinds:
            kinds[course_kind][0] += h
            kinds[course_kind][1] += pt
        if tier in tiers:
            tiers[tier][0] += h
            tiers[tier][1] += pt
    by_subject: dict[tuple[str, int], list[int]] = {}
    for kind, subject, month, _ck, _vt, _p, h, pt in tallies:
        if kind == SessionTally.Kind.ORG or not h:
            continue
        agg = by_subject.setdefault((kind, subject), [0, 0])
        agg[0] += h
        agg[1] += pt
        if kind == SessionTally.Kind.VENUE:
            months[month][2].add(subject)
    venues_active = {s for (k, s) in by_subject if k == SessionTally.Kind.VENUE}

    teacher_ids = sorted((s for (k, s) in by_subject if k == SessionTally.Kind.TEACHER), key=lambda s: -by_subject[("teacher", s)][0])
    partner_ids = sorted((s for (k, s) in by_subject if k == SessionTally.Kind.PARTNER), key=lambda s: -by_subject[("partner", s)][0])
    names = dict(Teacher.objects.filter(pk__in=teacher_ids[:10]).values_list("pk", "name"))
    partner_names = dict(Partner.objects.filter(pk__in=partner_ids[:10]).values_list("pk", "name"))
    teachers = [
        Named(t, names.get(t, ""), *by_subject[("teacher", t)], url("teaching:calendar", teacher=t, date=f"{year}-01-01"))
        for t in teacher_ids[:10]
    ]
    partners = [Named(p, partner_names.get(p, ""), *by_subject[("partner", p)], url("school:partner_detail", p)) for p in partner_ids[:10]]

    # 学时 compliance per child of root (and root's own members), worst first.
    rows = {root.path: OrgRow(root, True)}
    for child in Organization.objects.get_children(root):
        rows[child.path] = OrgRow(child, False)
    years = OrgYear.objects.filter(under, year=year).values_list(
        "organization__path", "members", "exempt", "met", "at_risk", "hours", "attended", "held", "planned"
    )
    attended = member_held = member_planned = 0
    for path, members, exempt, met, at_risk, hours, a, h, p in years:
        bucket = path[: len(root.path) + root.steplen] if len(path) > len(root.path) else root.path
        row = rows.get(bucket)
        if row is None:
            continue
        row.members += members
        row.exempt += exempt
        row.met += met
        row.at_risk += at_risk
        row.hours += hours
        attended, member_held, member_planned = attended + a, member_held + h, member_planned + p
    compliance = [r for r in rows.values() if not r.is_self or r.members]
    for r in compliance:
        r.url = url("ledger_compliance", org=r.organization.pk, year=year) + "#at-risk"
    compliance.sort(key=lambda r: (r.met_rate is None, r.met_rate or 0, -r.at_risk, r.organization.path))

    matters = MatterMonth.objects.filter(under, year=year).aggregate(resolved=Sum("resolved"), households=Sum("households"))
    queue = handler_summary(user, now) or {}
    leave = (
        leave_inbox(user)
        .filter(Q(member__organization__path__startswith=root.path) | Q(session__cohort__organization__path__startswith=root.path))
        .aggregate(n=Count("id"))["n"]
    )

    monday = today - timedelta(days=today.weekday())
    # A range on the indexed column, not a __date lookup (which SQLite computes row by row).
    start = timezone.make_aware(datetime.combine(monday, time.min))
    split = start + timedelta(days=7)
    in_reach = (
        access.filter_sessions(user)
        .filter(cohort__organization__path__startswith=root.path, starts_at__gte=start, starts_at__lt=start + timedelta(days=14))
        .exclude(status=Session.Status.CANCELLED)
    )
    # The first WEEK_LISTED of each week, and how many each holds (the heading links to the whole week).
    week_counts = in_reach.aggregate(this=Count("pk", filter=Q(starts_at__lt=split)), next=Count("pk", filter=Q(starts_at__gte=split)))
    listed = in_reach.select_related("venue", "cohort").order_by("starts_at", "id")
    this_week = list(listed.filter(starts_at__lt=split)[:WEEK_LISTED])
    next_week = list(listed.filter(starts_at__gte=split)[:WEEK_LISTED])
    calendar = {"view": "week", "organization": root.pk}

    total_members = _sum(compliance, "members")
    at_risk = _sum(compliance, "at_risk")
    required = total_members - _sum(compliance, "exempt")
    figures = {
        "person_times": Figure(
            "person_times",
            person_times,
            plan and url("plan_detail", plan.pk) or url("ledger_analysis", org=root.pk, year=year),
            plan.target_person_times if plan else None,
        ),
        "sessions_held": Figure(
            "sessions_held",
            held,
            url("teaching:calendar", organization=root.pk, date=f"{year}-{today.month:02d}-01" if year == today.year else f"{year}-01-01"),
        ),
        "sessions_planned": Figure("sessions_planned", planned, url("teaching:cohort_list")),
        "members": Figure("members", total_members, url("people:member_list", organization=root.pk)),
        "met": Figure("met", _sum(compliance, "met"), url("ledger_compliance", org=root.pk, year=year), required),
        "at_risk": Figure("at_risk", at_risk, url("ledger_compliance", org=root.pk, year=year) + "#at-risk"),
        "hours_per_member": Figure(
            "hours_per_member",
            (_sum(compliance, "hours") / total_members).quantize(Decimal("0.1")) if total_members else ZERO,
            url("ledger_compliance", org=root.pk, year=year),
            plan.target_study_hours if plan else None,
        ),
        "rate_held": Figure(
            "rate_held", round(attended * 100 / member_held) if member_held else None, url("ledger_analysis", org=root.pk, year=year)
        ),
        "rate_planned": Figure(
            "rate_planned",
            round(attended * 100 / member_planned) if member_planned else None,
            url("ledger_analysis", org=root.pk, year=year),
        ),
        "leave_pending": Figure("leave_pending", leave, url("attendance:leave_inbox")),
        "matters_overdue": Figure("matters_overdue", queue.get("overdue", 0), url("liaison:matter_list", overdue=1)),
        "matters_resolved": Figure("matters_resolved", matters["resolved"] or 0, url("liaison:matter_list", type="fixed")),
        "households": Figure("households", matters["households"] or 0, url("liaison:matter_list", type="fixed")),
        "teachers": Figure("teachers", len(teacher_ids), url("school:lecturers")),
        "partners": Figure("partners", len(partner_ids), url("school:partner_list")),
        "venues_active": Figure("venues_active", len(venues_active), url("school:venue_list")),
    }
    run = AggregateRun.objects.filter(year=year).values_list("refreshed_at", flat=True).first()
    return Dashboard(
        root=root,
        year=year,
        today=today,
        is_school=school is not None,
        refreshed_at=run,
        figures=figures,
        this_week=this_week,
        next_week=next_week,
        this_week_count=week_counts["this"],
        next_week_count=week_counts["next"],
        week_urls={
            "this": url("teaching:calendar", date=monday.isoformat(), **calendar),
            "next": url("teaching:calendar", date=split.isoformat(), **calendar),
        },
        by_month=[(m, v[0], v[1], len(v[2])) for m, v in months.items()],
        by_kind=[(k, str(Course.Kind(k).label), *kinds[k]) for k in kinds],
        by_tier=[(t, str(Venue.Tier(t).label), *tiers[t]) for t in tiers],
        compliance=compliance,
        teachers=teachers,
        partners=partners,
        plan=plan,
    )


def chart_data(board: Dashboard) -> dict:
    """The charts' series (ECharts), the same numbers as the tables beside them."""
    return {
        "months": {
            "labels": [str(_("%(m)d月") % {"m": m}) for m, *_rest in board.by_month],
            "held": [h for _m, h, _p, _v in board.by_month],
            "person_times": [p for _m, _h, p, _v in board.by_month],
            "venues": [v for _m, _h, _p, v in board.by_month],
            "names": [str(_("已上课次")), str(_("培训人次")), str(_("活跃阵地"))],
        },
        "kinds": [[label, pt] for _k, label, _h, pt in board.by_kind],
        "tiers": [[label, pt] for _k, label, _h, pt in board.by_tier],
        "compliance": [
            [str(_("本级")) if r.is_self else (r.organization.short_name or r.organization.name), r.met_percent or 0]
            for r in board.compliance[:15]
        ],
    }
