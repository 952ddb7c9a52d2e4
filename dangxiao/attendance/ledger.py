"""Read paths of the 学时 ledger and of attendance analysis: progress, compliance, rates, warnings.

Every function stays inside the caller's scope (`dangxiao.core.access`) and runs a fixed number of
queries whatever the number of members: totals are annotated in the database, and rows per child
organisation are gathered in Python by materialised-path prefix (as `people.selectors.roster_summary`).

Rules (SYSTEM.md §3): 32 hours a year for a member, 56 for secretaries and committee members,
editable per school and year; elderly and infirm members are exempt but still credited.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from dangxiao.core import access
from dangxiao.people.models import Member, Organization, User
from dangxiao.school.models import School
from dangxiao.school.selectors import school_for_organization
from dangxiao.teaching.models import Cohort, Enrollment, Session

from .models import Attendance, AttendancePolicy, StudyHourEntry, StudyHourRule

ZERO = Decimal("0")
# Before this many days of the year have passed, a pace says more about the timetable (New Year,
# Spring Festival) than about the member, so nobody is projected to fall short yet.
MIN_DAYS_TO_PROJECT = 30
INACTIVE_MONTHS = 6  # 条例第二十四、三十一条


# --- The year's rule ---------------------------------------------------------------------------


def rule_for(school: School | int | None, year: int) -> StudyHourRule:
    """The school's saved rule for the year, or an unsaved one with the defaults (32 / 56 hours)."""
    school_id = school.pk if isinstance(school, School) else school
    if school_id is None:
        return StudyHourRule(year=year)
    return StudyHourRule.objects.filter(school_id=school_id, year=year).first() or StudyHourRule(school_id=school_id, year=year)


def rules_by_organization(organizations, year: int) -> dict[int, StudyHourRule]:
    """The year's rule of each organisation's school (the nearest working committee's at or above it), in
    two queries however many organisations: what a list of members from many branches needs."""
    organizations = list(organizations)
    schools = sorted(School.objects.values_list("organization__path", "id"), key=lambda ps: -len(ps[0]))
    saved = {r.school_id: r for r in StudyHourRule.objects.filter(year=year, school_id__in=[pk for _p, pk in schools])}
    out = {}
    for org in organizations:
        school_id = next((pk for path, pk in schools if org.path.startswith(path)), None)
        out[org.pk] = saved.get(school_id) or StudyHourRule(school_id=school_id, year=year)
    return out


def requirement(member: Member, rule: StudyHourRule) -> Decimal | None:
    """Hours the member must reach this year; None when exempt (年老体弱, 条例第二十三条)."""
    return _required(member.position, member.is_elderly_infirm, rule)


def _required(position: str, elderly_infirm: bool, rule: StudyHourRule) -> Decimal | None:
    if elderly_infirm and rule.exempt_elderly_infirm:
        return None
    return rule.leader_hours if position in StudyHourRule.LEADER_POSITIONS else rule.member_hours


# --- One member's year ---------------------------------------------------------------------------


@dataclass
class SourceTotal:
    source: str
    label: str
    hours: Decimal


@dataclass
class MemberYear:
    member: Member
    year: int
    rule: StudyHourRule
    required: Decimal | None
    total: Decimal
    by_source: list[SourceTotal]
    entries: list[StudyHourEntry]

    @property
    def exempt(self) -> bool:
        return self.required is None

    @property
    def met(self) -> bool:
        return self.required is not None and self.total >= self.required

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, (self.required or ZERO) - self.total)

    @property
    def percent(self) -> int:
        """For a progress bar: 0–100."""
        if not self.required:
            return 100 if self.required is not None else 0
        return min(100, int(self.total * 100 / self.required))


def member_year(member: Member, year: int, rule: StudyHourRule | None = None) -> MemberYear:
    """The member's credits in a year, totalled and by source, against the year's rule (3 queries)."""
    if rule is None:
        rule = rule_for(school_for_organization(member.organization), year)
    entries = list(StudyHourEntry.objects.filter(member=member, date__year=year).select_related("session__cohort").order_by("-date", "-id"))
    sums: dict[str, Decimal] = {}
    for e in entries:
        sums[e.source] = sums.get(e.source, ZERO) + e.hours
    by_source = [SourceTotal(value, str(label), sums.get(value, ZERO)) for value, label in StudyHourEntry.Source.choices]
    return MemberYear(member, year, rule, requirement(member, rule), sum(sums.values(), ZERO), by_source, entries)


# --- Compliance of an organisation's subtree ------------------------------------------------------


def _bucket(path: str, root: Organization) -> str:
    """The child of `root` a path lies under, or root's own path for members directly on it."""
    return path[: len(root.path) + root.steplen] if len(path) > len(root.path) else root.path


def _org_rows(root: Organization, factory) -> dict[str, object]:
    """Rows keyed by path: one per child organisation, and one for root itself (its direct members)."""
    rows = {root.path: factory(root, True)}
    for child in Organization.objects.get_children(root):
        rows[child.path] = factory(child, False)
    return rows


@dataclass
class OrgCompliance:
    organization: Organization
    is_self: bool  # the members held directly on the root ("本级")
    members: int = 0
    exempt: int = 0
    met: int = 0
    at_risk: int = 0
    hours: Decimal = ZERO

    @property
    def required(self) -> int:
        return self.members - self.exempt

    @property
    def met_rate(self) -> float | None:
        return self.met / self.required if self.required else None


@dataclass
class MemberHours:
    id: int
    name: str
    organization: str
    position: str
    hours: Decimal
    required: Decimal | None
    projected: Decimal | None

    @property
    def position_label(self) -> str:
        return str(Member.Position(self.position).label) if self.position else ""

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, (self.required or ZERO) - self.hours)


@dataclass
class Compliance:
    root: Organization
    year: int
    today: date
    rule: StudyHourRule
    elapsed_days: int
    fraction: float | None  # of the year elapsed; None while too early to project
    rows: list[OrgCompliance]
    total: OrgCompliance
    at_risk: list[MemberHours] = field(default_factory=list)

    @property
    def year_over(self) -> bool:
        return self.today > date(self.year, 12, 31)


def year_pace(year: int, today: date) -> tuple[int, float | None]:
    """Days of the year elapsed by `today`, and the fraction used to project (None if too early)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    length = (end - start).days + 1
    if today < start:
        return 0, None
    elapsed = min((today - start).days + 1, length)
    return elapsed, (elapsed / length if elapsed >= MIN_DAYS_TO_PROJECT else None)


def project(hours: Decimal, fraction: float | None) -> Decimal | None:
    """The year's total if the member keeps the pace so far."""
    if fraction is None:
        return None
    return (hours / Decimal(str(fraction))).quantize(Decimal("0.1"))


def compliance(user: User, root: Organization, year: int, today: date | None = None) -> Compliance:
    """Members under `root` (in scope) against the year's rule, per child organisation, with the
    members at risk: those whose projected total (hours so far / fraction of the year elapsed) falls
    short of their requirement; once the year is over, those who fell short. A fixed 4 queries."""
    today = today or timezone.localdate()
    rule = rule_for(school_for_organization(root), year)
    elapsed, fraction = year_pace(year, today)
    rows = _org_rows(root, lambda org, is_self: OrgCompliance(org, is_self))
    members = (
        access.filter_roster(user)
        .current()
        .filter(organization__path__startswith=root.path)
        .annotate(hours=Sum("study_hours__hours", filter=Q(study_hours__date__year=year)))
        .values_list("id", "name", "position", "is_elderly_infirm", "organization__path", "organization__name", "hours")
        .order_by("organization__path", "name", "id")
    )
    at_risk: list[MemberHours] = []
    for pk, name, position, elderly, path, org_name, hours in members:
        hours = hours or ZERO
        required = _required(position, elderly, rule)
        row = rows[_bucket(path, root)]
        row.members += 1
        row.hours += hours
        if required is None:
            row.exempt += 1
            continue
        if hours >= required:
            row.met += 1
            continue
        projected = project(hours, fraction)
        if projected is not None and projected < required:
            row.at_risk += 1
            at_risk.append(MemberHours(pk, name, org_name, position, hours, required, projected))
    kept = [r for r in rows.values() if not r.is_self or r.members]
    total = OrgCompliance(root, True)
    for r in kept:
        total.members += r.members
        total.exempt += r.exempt
        total.met += r.met
        total.at_risk += r.at_risk
        total.hours += r.hours
    at_risk.sort(key=lambda m: (m.projected / m.required if m.required else 0, m.organization, m.name))
    return Compliance(root, year, today, rule, elapsed, fraction, kept, total, at_risk)


# --- Attendance rates -----------------------------------------------------------------------------


@dataclass
class Rate:
    attended: int = 0
    held: int = 0
    planned: int = 0

    @property
    def rate_held(self) -> float | None:
        return self.attended / self.held if self.held else None

    @property
    def rate_planned(self) -> float | None:
        return self.attended / self.planned if self.planned else None

    def add(self, other: "Rate") -> None:
        self.attended += other.attended
        self.held += other.held
        self.planned += other.planned


@dataclass
class MemberRate(Rate):
    id: int = 0
    name: str = ""
    organization: str = ""
    path: str = ""


@dataclass
class GroupRate(Rate):
    """A cohort's or an organisation's rate over its members in scope."""

    subject: Cohort | Organization | None = None
    members: int = 0
    is_self: bool = False


@dataclass
class AttendanceRates:
    members: list[MemberRate]
    cohorts: list[GroupRate]
    organizations: list[GroupRate]
    total: Rate


def scoped_members(user: User, root: Organization | None = None) -> QuerySet:
    """Staff: the roster they manage (under `root` if given). A plain member: themselves only."""
    scope = access.scope_for(user)
    if scope.is_staff:
        qs = access.filter_roster(user).current()
        return qs.filter(organization__path__startswith=root.path) if root is not None else qs
    return Member.objects.filter(pk=scope.member_id) if scope.member_id else Member.objects.none()


def _session_q(prefix: str, year: int | None) -> Q:
    q = ~Q(**{f"{prefix}status": Session.Status.CANCELLED})
    return q & Q(**{f"{prefix}starts_at__year": year}) if year else q


def attendance_rates(
    user: User, root: Organization | None = None, *, year: int | None = None, now: datetime | None = None
) -> AttendanceRates:
    """Attendance over sessions held and over all planned sessions, side by side, per member, cohort
    and child organisation of `root` (5 queries). A member's sessions are the non-cancelled sessions
    of the cohorts they are enrolled in (in `year` if given); held ones started before `now`, planned
    ones include those still to come. Only attendances at such sessions count, so walk-ins to other
    classes do not lift a rate above 100%. Enrolment dates are not considered: joining a class late
    counts the sessions already missed."""
    now = now or timezone.now()
    members_qs = scoped_members(user, root)
    member_ids = members_qs.values("pk")
    members = list(
        members_qs.values_list("id", "name", "organization__name", "organization__path").order_by("organization__path", "name", "id")
    )
    enrolled: dict[int, list[int]] = {}
    for member_id, cohort_id in Enrollment.objects.filter(member__in=member_ids, status=Enrollment.Status.ENROLLED).values_list(
        "member_id", "cohort_id"
    ):
        enrolled.setdefault(member_id, []).append(cohort_id)
    in_year = _session_q("sessions__", year)
    cohorts = {
        c.pk: c
        for c in Cohort.objects.filter(
            pk__in=Enrollment.objects.filter(member__in=member_ids, status=Enrollment.Status.ENROLLED).values("cohort_id")
        )
        .select_related("organization")
        .annotate(n_planned=Count("sessions", filter=in_year), n_held=Count("sessions", filter=in_year & Q(sessions__starts_at__lt=now)))
        .order_by("-starts_on", "name", "id")
    }
    attended = {
        (m, c): n
        for m, c, n in Attendance.objects.filter(member__in=member_ids, status__in=Attendance.ATTENDED, session__starts_at__lt=now)
        .filter(_session_q("session__", year))
        .values_list("member_id", "session__cohort_id")
        .annotate(n=Count("id"))
        .values_list("member_id", "session__cohort_id", "n")
    }
    by_cohort = {pk: GroupRate(subject=c) for pk, c in cohorts.items()}
    org_rows = _org_rows(root, lambda org, is_self: GroupRate(subject=org, is_self=is_self)) if root is not None else {}
    rates, total = [], Rate()
    for pk, name, org_name, path in members:
        rate = MemberRate(id=pk, name=name, organization=org_name, path=path)
        for cohort_id in enrolled.get(pk, ()):
            cohort = cohorts[cohort_id]
            one = Rate(attended.get((pk, cohort_id), 0), cohort.n_held, cohort.n_planned)
            rate.add(one)
            by_cohort[cohort_id].add(one)
            by_cohort[cohort_id].members += 1
        rates.append(rate)
        total.add(rate)
        if org_rows:
            row = org_rows[_bucket(path, root)]
            row.add(rate)
            row.members += 1
    organizations = [r for r in org_rows.values() if not r.is_self or r.members]
    return AttendanceRates(rates, list(by_cohort.values()), organizations, total)


def absentee_warnings(rates: AttendanceRates, policy: AttendancePolicy) -> list[MemberRate]:
    """Members whose rate over sessions held is below the policy's threshold, once they have had at
    least the policy's minimum number of sessions (so one missed first lesson warns nobody)."""
    threshold = float(policy.warn_below_rate)
    found = [m for m in rates.members if m.held and m.held >= policy.warn_min_sessions and m.rate_held < threshold]
    return sorted(found, key=lambda m: (m.rate_held, m.path, m.name))


# --- Six months without organisational life or contact -----------------------------------------------


def months_before(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def inactive_members(user: User, today: date | None = None, root: Organization | None = None) -> QuerySet:
    """Members in scope with no session attended and no study-hour credit of any source (an online
    lesson or a home visit is contact too) for six consecutive months (条例第二十四、三十一条).

    Only members the system has been able to watch for six months are judged: someone who joined
    the Party less than six months ago is left out, and so is a record created less than six months
    ago unless it already has attendance or credits older than that (a roster imported with its
    history is judged on that history). One query; `last_attended` and `last_credit` are annotated."""
    today = today or timezone.localdate()
    cutoff = months_before(today, INACTIVE_MONTHS)
    since = timezone.make_aware(datetime.combine(cutoff, time.min))
    attended = Attendance.objects.filter(member=OuterRef("pk"), status__in=Attendance.ATTENDED)
    credits = StudyHourEntry.objects.filter(member=OuterRef("pk"))
    qs = scoped_members(user, root) if access.scope_for(user).is_staff else Member.objects.none()
    return (
        qs.filter(Q(joined_party_on__isnull=True) | Q(joined_party_on__lte=cutoff))
        .filter(
            Q(created_at__lt=since)
            | Exists(Attendance.objects.filter(member=OuterRef("pk"), session__starts_at__lt=since))
            | Exists(credits.filter(date__lt=cutoff))
        )
        .exclude(Exists(attended.filter(session__starts_at__gte=since)))
        .exclude(Exists(credits.filter(date__gte=cutoff)))
        .annotate(
            last_attended=Subquery(attended.order_by("-session__starts_at").values("session__starts_at")[:1]),
            last_credit=Subquery(credits.order_by("-date").values("date")[:1]),
        )
        .select_related("organization")
        .order_by("organization__path", "name", "id")
    )


# --- Figures for the API and dashboards -------------------------------------------------------------


def attendance_stats(user: User, *, year: int | None = None, now: datetime | None = None) -> dict:
    """人次 and sessions held in the caller's scope, with the rates over held and planned sessions.

    `person_times` counts attendances (present, late, left early) of members the caller manages, or
    their own if they manage none; `sessions_held` counts non-cancelled sessions the caller may see
    that have started."""
    now = now or timezone.now()
    members = scoped_members(user).values("pk")
    person_times = Attendance.objects.filter(member__in=members, status__in=Attendance.ATTENDED).exclude(
        session__status=Session.Status.CANCELLED
    )
    if year:
        person_times = person_times.filter(session__starts_at__year=year)
    held = access.filter_sessions(user).filter(_session_q("", year), starts_at__lt=now)
    total = attendance_rates(user, year=year, now=now).total
    return {
        "person_times": person_times.count(),
        "sessions_held": held.count(),
        "attended": total.attended,
        "held": total.held,
        "planned": total.planned,
        "rate_held": total.rate_held,
        "rate_planned": total.rate_planned,
    }
