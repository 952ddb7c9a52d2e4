"""The points engine: compute the log a member-year's source records imply, apply the caps in date order,
and make the table say exactly that (insert what is new, update what changed, delete what is gone).

It never relies on signals (the check-in fast path writes attendance in raw SQL): `points_sync`, run every
minute by huey, reads each source's change stamps since its cursor and reconciles the member-years they
touch; once a day it reconciles the whole current year (deletions, sessions moved). `points_reconcile` does
it on demand (after a rule edit, in the demo). Every write is in bulk; a whole school-year takes seconds.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.people.models import Member
from dangxiao.school.models import School

from .models import PointsCursor, PointsEntry
from .points_rules import Rule, rules_for_schools
from .points_sources import SOURCES, Candidate, local_date

OVERLAP = timedelta(minutes=5)  # re-read this much before the watermark: a transaction that committed late
FULL = "*full*"
CHUNK = 2000


@dataclass
class Derived:
    member_id: int
    year: int
    date: date
    action: str
    source_kind: str
    source_id: int
    base_points: int
    points: int
    capped: str
    line: str

    @property
    def key(self) -> tuple:
        return (self.member_id, self.source_kind, self.source_id, self.action)

    def values(self) -> tuple:
        return (self.date, self.base_points, self.points, self.capped, self.line)


def cap_labels() -> tuple[str, str, str]:
    return _("已达每日上限 %(cap)s 分"), _("已达每月上限 %(cap)s 分"), _("已达每年上限 %(cap)s 分")


def apply_caps(candidates: list[Candidate], rules: dict[str, Rule], year: int, labels: tuple[str, str, str] | None = None) -> list[Derived]:
    """One member's candidates → entries, in date order (then source, then id, so the result never depends
    on query order). A cap limits what one action earns (or costs) per day, month and year; an entry
    beyond it is kept with what is left (possibly 0) and the reason, so the log explains the total."""
    day_label, month_label, year_label = labels or cap_labels()
    used_day: dict[tuple, int] = defaultdict(int)
    used_month: dict[tuple, int] = defaultdict(int)
    used_year: dict[str, int] = defaultdict(int)
    out = []
    for c in sorted(candidates, key=lambda c: (c.date, c.source_kind, c.source_id, c.action)):
        rule = rules.get(c.action)
        if rule is None or rule.points == 0:
            continue
        base = rule.points * c.quantity
        want = abs(base)
        room, reason = want, ""
        for cap, used, label in (
            (rule.day_cap, used_day[(c.action, c.date)], day_label),
            (rule.month_cap, used_month[(c.action, c.date.month)], month_label),
            (rule.year_cap, used_year[c.action], year_label),
        ):
            if cap is not None and cap - used < room:
                room, reason = max(0, cap - used), label % {"cap": cap}
        used_day[(c.action, c.date)] += room
        used_month[(c.action, c.date.month)] += room
        used_year[c.action] += room
        points = room if base >= 0 else -room
        out.append(Derived(c.member_id, year, c.date, str(c.action), str(c.source_kind), c.source_id, base, points, reason, c.line))
    return out


def _schools_of(member_ids: list[int] | None) -> dict[int, int | None]:
    """member id → the school id of the nearest working committee above their organisation (2 queries)."""
    schools = sorted(School.objects.values_list("id", "organization__path"), key=lambda s: -len(s[1]))
    members = Member.objects.all() if member_ids is None else Member.objects.filter(pk__in=member_ids)
    found = {}
    for pk, path in members.values_list("id", "organization__path").iterator(chunk_size=5000):
        found[pk] = next((sid for sid, spath in schools if path.startswith(spath)), None)
    return found


def derive(member_ids: Iterable[int] | None, year: int, now: datetime) -> list[Derived]:
    """The log these members' (None: everyone's) records imply for the year."""
    ids = None if member_ids is None else sorted(set(member_ids))
    school_of = _schools_of(ids)
    rules = rules_for_schools({s for s in school_of.values() if s is not None}, year)
    by_member: dict[int, list[Candidate]] = defaultdict(list)
    for source in SOURCES:
        for c in source.candidates(ids, year, now):
            by_member[c.member_id].append(c)
    out, labels = [], cap_labels()
    for member_id, candidates in by_member.items():
        school = school_of.get(member_id)
        if school is not None:
            out.extend(apply_caps(candidates, rules[school], year, labels))
    return out


@transaction.atomic
def points_reconcile(member_ids: Iterable[int] | None, year: int, *, now: datetime | None = None) -> dict[str, int]:
    """Make the year's log of these members (None: all) what their records imply. Returns counts of rows
    created, updated and deleted."""
    now = now or timezone.now()
    ids = None if member_ids is None else sorted(set(member_ids))
    if ids == []:
        return {"created": 0, "updated": 0, "deleted": 0}
    wanted = {d.key: d for d in derive(ids, year, now)}
    existing_qs = PointsEntry.objects.filter(year=year)
    if ids is not None:
        existing_qs = existing_qs.filter(member_id__in=ids)
    existing = {}
    for row in existing_qs.values_list(
        "id", "member_id", "source_kind", "source_id", "action", "date", "base_points", "points", "capped", "line"
    ):
        existing[(row[1], row[2], row[3], row[4])] = (row[0], row[5:])
    gone = [pk for key, (pk, _v) in existing.items() if key not in wanted]
    changed = []
    for key, d in wanted.items():
        if key in existing and existing[key][1] != d.values():
            pk = existing[key][0]
            changed.append(PointsEntry(pk=pk, date=d.date, base_points=d.base_points, points=d.points, capped=d.capped, line=d.line))
    new = [
        (d.member_id, year, d.date, d.action, d.source_kind, d.source_id, d.base_points, d.points, d.capped, d.line, now)
        for key, d in wanted.items()
        if key not in existing
    ]
    for i in range(0, len(gone), CHUNK):
        PointsEntry.objects.filter(pk__in=gone[i : i + CHUNK]).delete()
    if changed:
        PointsEntry.objects.bulk_update(changed, ["date", "base_points", "points", "capped", "line"], batch_size=CHUNK)
    if new:
        _insert(new)
    return {"created": len(new), "updated": len(changed), "deleted": len(gone)}


INSERT_COLUMNS = (
    "member_id",
    "year",
    "date",
    "action",
    "source_kind",
    "source_id",
    "base_points",
    "points",
    "capped",
    "line",
    "created_at",
)


def _insert(rows: list[tuple]) -> None:
    """Plain executemany: bulk_create builds a model instance and runs every field's save hooks per row,
    which for a school-year (25,000 lines) cost ten times the insert itself."""
    table = connection.ops.quote_name(PointsEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[i : i + CHUNK])


def points_sync(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: reconcile the member-years whose source records changed since each source's cursor
    (with a short overlap), then advance the cursors to the newest stamp seen. The first run of a day, and
    the first run ever, reconcile the whole current year instead (and in January the past one too)."""
    now = now or timezone.now()
    today = local_date(now)
    cursors = {c.source: c for c in PointsCursor.objects.all()}
    full = cursors.get(FULL)
    totals = {"created": 0, "updated": 0, "deleted": 0}

    def add(result):
        for k, v in result.items():
            totals[k] += v

    touched: dict[int, set[int]] = defaultdict(set)
    advanced = []
    for source in SOURCES:
        cursor = cursors.get(source.kind) or PointsCursor(source=source.kind, watermark=now - OVERLAP)
        changes = source.changes(cursor.watermark - OVERLAP, now)
        by_source = [pk for _m, _y, pk, _s in changes]
        for member_id, year, _pk, _stamp in changes:
            if member_id is not None:
                touched[year].add(member_id)
        # The member-years the source's old lines live in (a mark moved, a matter reopened and cleared).
        for i in range(0, len(by_source), CHUNK):
            old = PointsEntry.objects.filter(source_kind=source.kind, source_id__in=by_source[i : i + CHUNK]).values_list(
                "member_id", "year"
            )
            for member_id, year in old:
                touched[year].add(member_id)
        if changes:
            cursor.watermark = max(cursor.watermark, max(stamp for *_r, stamp in changes))
        advanced.append(cursor)
    if full is None or full.full_run_on != today:
        for year in sorted({today.year, *([today.year - 1] if today.month == 1 else [])}):
            add(points_reconcile(None, year, now=now))
            touched.pop(year, None)
        full = full or PointsCursor(source=FULL, watermark=now)
        full.full_run_on, full.watermark = today, now
        advanced.append(full)
    for year, members in sorted(touched.items()):
        add(points_reconcile(members, year, now=now))
    for cursor in advanced:
        cursor.save()
    return totals
