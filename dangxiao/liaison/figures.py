"""The liaison figures (issue 5, point 6): matters by state, category and compound; time to respond
and to resolve (median and 90th percentile); overdue matters; households benefited; who resolved
most; follow-up outcomes — all computed from the records a user may see.

A fixed number of queries whatever the number of matters: the matters of the period are read once
as plain tuples and counted in Python (percentiles too, so SQLite and PostgreSQL agree), and the
follow-up outcomes are read from the matters' update history in one more query.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from dangxiao.core import access, xlsx
from dangxiao.people.models import Member

from .models import STATE_TYPES, STATES, GridRole, MatterCategory, MatterUpdate, StateType
from .selectors import default_state_labels, overdue_q, state_labels, with_committee

TOP = 10
# The reporter's answers are logged under this label; the question itself under "系统" (services).
REPORTER_LABEL = "反映人"


@dataclass(frozen=True)
class Period:
    """Matters reported from `start` to `end` (both inclusive, local dates); None = open-ended."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    def q(self, field: str = "created_at") -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field}__gte": timezone.make_aware(datetime.combine(self.start, time.min))})
        if self.end:
            q &= Q(**{f"{field}__lt": timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))})
        return q


@dataclass(frozen=True)
class FigureFilters:
    period: Period = field(default_factory=Period)
    compound_id: int | None = None
    community_id: int | None = None


@dataclass
class Timing:
    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass
class CompoundRow:
    id: int
    name: str
    community: str
    total: int = 0
    open: int = 0
    resolved: int = 0
    closed: int = 0
    overdue: int = 0
    households: int = 0


@dataclass
class CategoryRow:
    id: int
    code: str
    name: str
    total: int = 0
    open: int = 0
    resolved: int = 0
    closed: int = 0
    households: int = 0
    respond: Timing = field(default_factory=Timing)
    resolve: Timing = field(default_factory=Timing)


@dataclass
class Figures:
    total: int
    by_state: list  # (code, label, type, count)
    by_type: dict  # type → count
    by_category: list[CategoryRow]
    by_compound: list[CompoundRow]
    respond: Timing
    resolve: Timing
    households: int
    overdue: list  # Matter objects, most overdue first
    months: list  # (YYYY-MM, reported, resolved)
    top_members: list  # (name, matters, households)
    top_roles: list  # (label, compound, matters, households)
    follow_up: dict


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont, numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def timing(hours: list[float]) -> Timing:
    if not hours:
        return Timing()
    return Timing(count=len(hours), median=round(percentile(hours, 0.5), 1), p90=round(percentile(hours, 0.9), 1))


def _hours(start: datetime, end: datetime | None) -> float | None:
    if end is None or start is None:
        return None
    return max((end - start).total_seconds(), 0) / 3600


def visible_compounds(user) -> list[tuple[int, str, int, str, int]]:
    """(id, name, community id, community name, working committee id) of the compounds whose figures
    the user sees (one query)."""
    return list(
        with_committee(access.filter_compounds(user))
        .order_by("community__name", "name")
        .values_list("id", "name", "community_id", "community__name", "committee_id")
    )


def liaison_figures(user, filters: FigureFilters, *, now: datetime, compounds: list | None = None) -> Figures:
    """Everything the figures page shows, over the matters the user handles (access.filter_matters).

    The period selects matters by the date they were reported; "overdue" is about now and ignores
    the period. Six queries plus the user's scope, whatever the number of matters.
    """
    compounds = visible_compounds(user) if compounds is None else compounds
    compounds = [
        c
        for c in compounds
        if (filters.compound_id is None or c[0] == filters.compound_id) and (filters.community_id is None or c[2] == filters.community_id)
    ]
    place = Q(compound_id__in=[c[0] for c in compounds])
    scoped = access.filter_matters(user).filter(place)
    matters = scoped.filter(filters.period.q())
    # The labels of the user's working committee; the default ones to whoever sees several.
    committee_ids = {c[4] for c in compounds} - {None}
    labels = state_labels(committee_ids.pop()) if len(committee_ids) == 1 else default_state_labels()
    rows = list(
        matters.values_list(
            "state",
            "category_id",
            "compound_id",
            "created_at",
            "accepted_at",
            "resolved_at",
            "households_benefited",
            "resolved_by_id",
            "assigned_role_id",
            "recorded_by_id",
        )
    )
    categories = {c.pk: c for c in MatterCategory.objects.filter(pk__in={row[1] for row in rows})}
    overdue = list(
        scoped.filter(overdue_q(now))
        .select_related("compound", "category", "assigned_role")
        .only(
            "pk",
            "state",
            "description",
            "created_at",
            "respond_by",
            "resolve_by",
            "first_respond_by",
            "first_resolve_by",
            "accepted_at",
            "level",
            "compound__name",
            "category__name",
            "assigned_role__name",
            "assigned_role__kind",
        )
        .order_by("created_at", "pk")
    )
    for m in overdue:
        # Late since the first deadline it missed (escalation renews the current one, not that).
        m.deadline_kind, m.deadline = m.missed_deadline(now)
        m.late_hours = round(_hours(m.deadline, now), 1)
        m.late_days = round(m.late_hours / 24, 1)
        m.state_label = labels.get(m.state, m.state)
    overdue.sort(key=lambda m: (m.deadline, m.pk))

    state_count: Counter = Counter()
    by_compound = {c[0]: CompoundRow(id=c[0], name=c[1], community=c[3]) for c in compounds}
    by_category: dict[int, CategoryRow] = {}
    respond_all, resolve_all = [], []
    respond_by_cat, resolve_by_cat = defaultdict(list), defaultdict(list)
    reported_month, resolved_month = Counter(), Counter()
    member_count, member_households = Counter(), Counter()
    role_count, role_households = Counter(), Counter()
    households = 0
    for state, category_id, compound_id, created, accepted, resolved, benefited, member_id, role_id, recorder_id in rows:
        kind = STATE_TYPES.get(state, StateType.OPEN)
        state_count[state] += 1
        category = categories[category_id]
        cat = by_category.setdefault(category_id, CategoryRow(id=category_id, code=category.code, name=category.name))
        comp = by_compound.get(compound_id)
        for row in (cat, comp):
            if row is None:
                continue
            row.total += 1
            if kind == StateType.OPEN:
                row.open += 1
            elif kind == StateType.FIXED:
                row.resolved += 1
                row.households += benefited
            else:
                row.closed += 1
        reported_month[timezone.localtime(created).strftime("%Y-%m")] += 1
        # A matter a handler recorded on a resident's behalf was accepted as it was written down:
        # no one waited, so it would only pull the response time towards zero.
        if recorder_id is None and (h := _hours(created, accepted)) is not None:
            respond_all.append(h)
            respond_by_cat[category_id].append(h)
        if kind == StateType.FIXED:
            households += benefited
            if (h := _hours(created, resolved)) is not None:
                resolve_all.append(h)
                resolve_by_cat[category_id].append(h)
            if resolved is not None:
                resolved_month[timezone.localtime(resolved).strftime("%Y-%m")] += 1
            if member_id:
                member_count[member_id] += 1
                member_households[member_id] += benefited
            if role_id:
                role_count[role_id] += 1
                role_households[role_id] += benefited
    for m in overdue:
        if m.compound_id in by_compound:
            by_compound[m.compound_id].overdue += 1
    for category_id, row in by_category.items():
        row.respond = timing(respond_by_cat[category_id])
        row.resolve = timing(resolve_by_cat[category_id])

    top_members = _top(member_count, member_households)
    top_roles = _top(role_count, role_households)
    member_names = dict(Member.objects.filter(pk__in=top_members).values_list("pk", "name")) if top_members else {}
    roles = {r.pk: r for r in GridRole.objects.filter(pk__in=top_roles).select_related("compound")} if top_roles else {}

    by_type = {t: 0 for t in StateType.values}
    for code, count in state_count.items():
        by_type[STATE_TYPES.get(code, StateType.OPEN)] += count
    ordered_categories = sorted(by_category.values(), key=lambda r: (categories[r.id].order, r.code))
    return Figures(
        total=len(rows),
        by_state=[(code, labels.get(code, code), kind, state_count[code]) for code, (kind, _label) in STATES.items()],
        by_type=by_type,
        by_category=ordered_categories,
        by_compound=list(by_compound.values()),
        respond=timing(respond_all),
        resolve=timing(resolve_all),
        households=households,
        overdue=overdue,
        months=_months(reported_month, resolved_month, filters.period, now),
        top_members=[(member_names.get(pk, "—"), member_count[pk], member_households[pk]) for pk in top_members],
        top_roles=[
            (f"{roles[pk].get_kind_display()} {roles[pk].name}", roles[pk].compound.name, role_count[pk], role_households[pk])
            for pk in top_roles
            if pk in roles
        ],
        follow_up=follow_up_outcomes(matters),
    )


def _top(count: Counter, households: Counter) -> list[int]:
    return sorted(count, key=lambda pk: (-count[pk], -households[pk], pk))[:TOP]


def _month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _months(reported: Counter, resolved: Counter, period: Period, now: datetime) -> list[tuple[str, int, int]]:
    """Matters reported and resolved per month, every month in between included (zeros too)."""
    keys = set(reported) | set(resolved)
    current = timezone.localtime(now).strftime("%Y-%m")
    if period.start:
        keys.add(period.start.strftime("%Y-%m"))
    if period.end:
        keys.add(min(period.end.strftime("%Y-%m"), max(current, period.start.strftime("%Y-%m") if period.start else current)))
    if not keys:
        return []
    return [(m, reported[m], resolved[m]) for m in _month_range(min(keys), max(keys))]


def follow_up_outcomes(matters: QuerySet) -> dict:
    """From the matters' update history (one query), since a 'no' reopens the matter and clears its
    fields: fixes confirmed by the reporter, follow-ups asked, answered, stayed fixed yes / no."""
    updates = MatterUpdate.objects.filter(
        matter__in=matters.values("pk"),
        kind__in=[MatterUpdate.Kind.CONFIRMED, MatterUpdate.Kind.FOLLOW_UP, MatterUpdate.Kind.REOPENED],
    ).values_list("matter_id", "kind", "at", "actor_label")
    confirmed, asked, answers, reopened = set(), 0, [], set()
    for matter_id, kind, at, label in updates:
        if kind == MatterUpdate.Kind.CONFIRMED:
            confirmed.add(matter_id)
        elif kind == MatterUpdate.Kind.REOPENED:
            reopened.add((matter_id, at))
        elif label == REPORTER_LABEL:
            answers.append((matter_id, at))
        else:
            asked += 1
    # A 'no' reopens the matter in the same instant as the answer.
    no = sum(1 for answer in answers if answer in reopened)
    return {"confirmed": len(confirmed), "asked": asked, "answered": len(answers), "stayed_fixed": len(answers) - no, "came_back": no}


COMPOUND_COLUMNS = [
    ("小区", 16),
    ("所属社区", 16),
    ("反映总数", 10),
    ("办理中", 10),
    ("已解决", 10),
    ("已关闭", 10),
    ("当前逾期", 10),
    ("受益户数", 10),
]


def compound_workbook(figures: Figures) -> bytes:
    """The per-compound table as an Excel file (counts only, nothing personal), headers in Chinese
    whatever the reader's language, like the other exported files; names stay text."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "各小区事项"
    ws.append([header for header, _width in COMPOUND_COLUMNS])
    for i, (_header, width) in enumerate(COMPOUND_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        ws.cell(row=1, column=i).font = Font(bold=True)
    for r in figures.by_compound:
        ws.append(xlsx.safe_row(ws, [r.name, r.community, r.total, r.open, r.resolved, r.closed, r.overdue, r.households]))
    rows = figures.by_compound
    ws.append(
        [
            "合计",
            "",
            sum(r.total for r in rows),
            sum(r.open for r in rows),
            sum(r.resolved for r in rows),
            sum(r.closed for r in rows),
            sum(r.overdue for r in rows),
            sum(r.households for r in rows),
        ]
    )
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
