"""Reads of 主题党日 and 三会一课: the compliance grid against the year's frequencies, the 党课我主讲
registry, lists, and what other domains ask (`lectures_given`, `duties`).

Every function stays inside the caller's scope (`core.access`) and runs a fixed number of queries
whatever the number of branches: held meetings are counted per branch and month in the database and
laid out in Python.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangxiao.attendance.selectors import roll_counts
from dangxiao.core import access
from dangxiao.core.duties import Duty
from dangxiao.people.models import Member, Organization
from dangxiao.people.selectors import scope_root
from dangxiao.school.models import School
from dangxiao.school.selectors import school_for_organization

from .models import MeetingAttendance, MeetingRule, OrganizationalMeeting, Period, ThemedPartyDay

THEMED_DAY = "themed_day"
KINDS = {THEMED_DAY: gettext_lazy("主题党日"), **dict(OrganizationalMeeting.Kind.choices)}
MONTHS_PER = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}


# --- The year's frequencies ---------------------------------------------------------------------


def rule_for(school: School | int | None, year: int) -> MeetingRule:
    """The school's saved frequencies for the year, or an unsaved rule with the defaults (SYSTEM.md §3)."""
    school_id = school.pk if isinstance(school, School) else school
    saved = MeetingRule.objects.filter(school_id=school_id, year=year).first() if school_id else None
    return saved or MeetingRule(school_id=school_id, year=year)


@dataclass(frozen=True)
class PeriodSpan:
    index: int
    start: date
    end: date
    label: str


def periods(period: str, year: int) -> list[PeriodSpan]:
    """The year cut into the rule's periods: 12 months, 4 quarters, 2 halves or the year."""
    step = MONTHS_PER[period]
    spans = []
    for i, first in enumerate(range(1, 13, step)):
        last = first + step - 1
        end = date(year, last, calendar.monthrange(year, last)[1])
        label = {
            Period.MONTH: _("%(n)d月") % {"n": first},
            Period.QUARTER: _("第%(n)d季度") % {"n": i + 1},
            Period.HALF: _("上半年") if i == 0 else _("下半年"),
            Period.YEAR: _("全年"),
        }[period]
        spans.append(PeriodSpan(i, date(year, first, 1), end, label))
    return spans


# --- The compliance grid ------------------------------------------------------------------------

HELD, DUE, OVERDUE, UPCOMING, CLOSED = "held", "due", "overdue", "upcoming", "closed"
STATUS_LABELS = {
    HELD: gettext_lazy("已开展"),
    DUE: gettext_lazy("本期待开展"),
    OVERDUE: gettext_lazy("逾期未开展"),
    UPCOMING: gettext_lazy("未到期"),
    CLOSED: gettext_lazy("已撤销"),
}


@dataclass
class Cell:
    status: str
    count: int
    period: PeriodSpan

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class GridRow:
    organization_id: int
    name: str
    cells: list[Cell]

    def tally(self, status: str) -> int:
        return sum(1 for c in self.cells if c.status == status)

    @property
    def held(self) -> int:
        return self.tally(HELD)

    @property
    def overdue(self) -> int:
        return self.tally(OVERDUE)

    @property
    def due(self) -> int:
        return self.tally(DUE)


@dataclass
class Grid:
    year: int
    kind: str
    rule: MeetingRule
    periods: list[PeriodSpan]
    rows: list[GridRow] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def period_label(self) -> str:
        return str(Period(self.rule.period_for(self.kind)).label)

    def total(self, status: str) -> int:
        return sum(r.tally(status) for r in self.rows)

    @property
    def totals(self) -> dict[str, int]:
        """Cells per status over every branch (not the page only)."""
        return {status: self.total(status) for status in STATUS_LABELS}


def _branches(user, root: Organization | None) -> list[tuple[int, str, str, date | None]]:
    qs = access.filter_managed_branches(user)
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return list(qs.order_by("path").values_list("pk", "name", "path", "dissolved_on"))


def _held(kinds: list[str], branch_q: Q, year: int) -> dict[tuple[str, int, int], int]:
    """(kind, branch id, month) → records held, for the kinds asked (two queries at most)."""
    held: dict[tuple[str, int, int], int] = {}
    if THEMED_DAY in kinds:
        days = ThemedPartyDay.objects.filter(branch_q, retired_at__isnull=True, month__year=year)
        for org_id, month, n in days.values_list("organization_id", ExtractMonth("month")).annotate(n=Count("pk")).order_by():
            held[(THEMED_DAY, org_id, month)] = n
    meeting_kinds = [k for k in kinds if k != THEMED_DAY]
    if meeting_kinds:
        meetings = OrganizationalMeeting.objects.filter(branch_q, retired_at__isnull=True, held_on__year=year, kind__in=meeting_kinds)
        rows = meetings.values_list("kind", "organization_id", ExtractMonth("held_on")).annotate(n=Count("pk")).order_by()
        for kind, org_id, month, n in rows:
            held[(kind, org_id, month)] = held.get((kind, org_id, month), 0) + n
    return held


def _cell(span: PeriodSpan, count: int, today: date, dissolved_on: date | None) -> Cell:
    if count:
        return Cell(HELD, count, span)
    if dissolved_on is not None and dissolved_on < span.end:
        return Cell(CLOSED, 0, span)
    if span.start > today:
        return Cell(UPCOMING, 0, span)
    return Cell(OVERDUE if span.end < today else DUE, 0, span)


def _rows(branches, kind: str, spans: list[PeriodSpan], held: dict, today: date) -> list[GridRow]:
    rows = []
    for org_id, name, _path, dissolved_on in branches:
        if dissolved_on is not None and dissolved_on < spans[0].start:
            continue  # dissolved before the year began: nothing was owed
        cells = []
        for span in spans:
            count = sum(held.get((kind, org_id, m), 0) for m in range(span.start.month, span.end.month + 1))
            cells.append(_cell(span, count, today, dissolved_on))
        rows.append(GridRow(org_id, name, cells))
    return rows


def _school(user, root: Organization | None) -> School | None:
    if root is not None:
        return school_for_organization(root)
    top = scope_root(user)
    return school_for_organization(top) if top is not None else None


def compliance(user, year: int, kind: str, today: date, root: Organization | None = None) -> Grid:
    """Branches in the caller's scope (under `root` if given) × the kind's periods of the year: held,
    due (the current period, nothing yet), overdue (a period ended without one) or upcoming (5 queries)."""
    rule = rule_for(_school(user, root), year)
    spans = periods(rule.period_for(kind), year)
    branches = _branches(user, root)
    branch_q = Q(organization__path__startswith=root.path) if root is not None else Q()
    scoped = access.staff_q(access.scope_for(user), "organization__path")
    held = _held([kind], branch_q & (scoped if scoped is not None else Q()), year)
    return Grid(year, kind, rule, spans, _rows(branches, kind, spans, held, today))


# --- What other domains ask ---------------------------------------------------------------------


def lectures_given(member_ids, year: int) -> dict[int, int]:
    """党课 each member gave in the year (recorded, not retired), `{member_id: n}`; members with none left out."""
    rows = (
        OrganizationalMeeting.objects.filter(
            kind=OrganizationalMeeting.Kind.LESSON, retired_at__isnull=True, held_on__year=year, lecturer_member_id__in=list(member_ids)
        )
        .values_list("lecturer_member_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def meeting_attendance(member_ids, year: int) -> dict[int, dict[str, int]]:
    """Each member's marks on the rolls of the year's meetings (not retired), `{member_id: {status: n}}`
    with status present / leave / absent: 考勤考纪 of organisational life, for 民主评议 (one query)."""
    rows = (
        MeetingAttendance.objects.filter(member_id__in=list(member_ids), meeting__retired_at__isnull=True, meeting__held_on__year=year)
        .values_list("member_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[int, dict[str, int]] = {}
    for member_id, status, n in rows:
        found.setdefault(member_id, {})[status] = n
    return found


def duties(user, today: date) -> list[Duty]:
    """Themed days and meetings of this year owed in the user's scope: per kind, the branches whose current
    period has none yet ("due") and those with an earlier period missed ("overdue"), each linking to the
    grid filtered (4 queries; nothing for anyone without staff scope)."""
    scope = access.scope_for(user)
    if not scope.is_staff:
        return []
    year = today.year
    rule = rule_for(_school(user, None), year)
    branches = _branches(user, None)
    if not branches:
        return []
    scoped = access.staff_q(scope, "organization__path")
    held = _held(list(KINDS), scoped if scoped is not None else Q(), year)
    found = []
    for kind, label in KINDS.items():
        spans = [s for s in periods(rule.period_for(kind), year) if s.start <= today]
        rows = _rows(branches, kind, spans, held, today)
        url = f"{reverse('practice:compliance')}?year={year}&kind={kind}"
        overdue = sum(1 for r in rows if r.overdue)
        due = sum(1 for r in rows if r.due)
        if overdue:
            found.append(Duty(_("%(kind)s逾期未开展的支部") % {"kind": label}, overdue, url, "overdue"))
        if due:
            found.append(Duty(_("%(kind)s本期待开展的支部") % {"kind": label}, due, url, "due"))
    return found


# --- Lists ----------------------------------------------------------------------------------------


def themed_days(user, *, year: int, root: Organization | None = None) -> QuerySet:
    qs = access.filter_themed_days(user).filter(retired_at__isnull=True, month__year=year)
    if root is not None:
        qs = qs.filter(organization__path__startswith=root.path)
    return qs.select_related("organization", "session").order_by("-month", "organization__path")


def with_rolls(days) -> list:
    """The page's themed days, each with `roll` {status: n} from its session's attendance (one query)."""
    days = list(days)
    counts = roll_counts([d.session_id for d in days if d.session_id])
    for d in days:
        d.roll = counts.get(d.session_id, {})
        d.attended = sum(n for s, n in d.roll.items() if s in ("present", "late", "left_early"))
        d.marked = sum(d.roll.values())
    return days


def meetings(user, *, year: int, kind: str | None = None, root: Organization | None = None) -> QuerySet:
    qs = access.filter_meetings(user).filter(retired_at__isnull=True, held_on__year=year)
    if kind:
        qs = qs.filter(kind=kind)
    if root is not None:
        qs = qs.filter(organization__path__startswith=root.path)
    return (
        qs.select_related("organization", "lecturer_member", "lecturer_teacher")
        .annotate(
            present=Count("attendances", filter=Q(attendances__status="present")),
            marked=Count("attendances"),
        )
        .order_by("-held_on", "-id")
    )


def meeting_roll(meeting: OrganizationalMeeting) -> list[dict]:
    """The branch's current members with the meeting's mark of each (two queries)."""
    marks = dict(meeting.attendances.values_list("member_id", "status")) if meeting.pk else {}
    members = Member.objects.current().filter(organization__path__startswith=meeting.organization.path).order_by("name", "pk")
    return [{"id": m.pk, "name": m.name, "status": marks.get(m.pk, "")} for m in members.only("pk", "name")]


@dataclass
class Lecturer:
    key: str
    name: str
    is_member: bool
    organization: str
    lectures: int
    topics: list[str]


def lecturers(user, *, year: int, root: Organization | None = None) -> list[Lecturer]:
    """党课我主讲: everyone who gave a branch 党课 in the year in the caller's scope, members and teachers,
    with their lectures (one query; a year's lectures of a school number in the hundreds)."""
    qs = meetings(user, year=year, kind=OrganizationalMeeting.Kind.LESSON, root=root).filter(
        Q(lecturer_member__isnull=False) | Q(lecturer_teacher__isnull=False)
    )
    found: dict[str, Lecturer] = {}
    for m in qs.values_list(
        "lecturer_member_id",
        "lecturer_member__name",
        "lecturer_teacher_id",
        "lecturer_teacher__name",
        "organization__name",
        "topic",
        "held_on",
    ).order_by("held_on"):
        member_id, member_name, teacher_id, teacher_name, org_name, topic, held_on = m
        key = f"m{member_id}" if member_id else f"t{teacher_id}"
        entry = found.setdefault(key, Lecturer(key, member_name or teacher_name, bool(member_id), org_name, 0, []))
        entry.lectures += 1
        entry.topics.append(f"{held_on:%m-%d} {topic}".strip())
    return sorted(found.values(), key=lambda lecturer: (-lecturer.lectures, lecturer.name))
