"""A member's year side by side — 学时, attendance and discipline, points, reflections, service, matters
resolved, lectures given — for the committee proposing grades, the commendation candidates and the
yearly record (考核述职). One query per source whatever the number of members.

Some sources are built by other parts of the practice and appraisal apps; a source whose selector
module is not installed reads as None (shown "—"), never as 0.
"""

import importlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dangxiao.attendance import ledger
from dangxiao.attendance.selectors import attendance_year_counts, study_hours_totals
from dangxiao.liaison.selectors import resolved_matter_counts
from dangxiao.people.models import Member, User

# (field, module, function): each `function(member_ids, year) -> dict[member_id, int]`.
OPTIONAL_SOURCES = (
    ("points", "dangxiao.appraisal.points_selectors", "points_totals"),
    ("reflections", "dangxiao.practice.reflections_selectors", "approved_reflections"),
    ("service_minutes", "dangxiao.practice.service_selectors", "service_minutes"),
    ("lectures", "dangxiao.practice.meetings_selectors", "lectures_given"),
)


@dataclass
class YearRecord:
    member_id: int
    hours: Decimal = Decimal("0")
    hours_required: Decimal | None = None  # None: exempt (年老体弱)
    attended: int = 0
    absent: int = 0  # absent without leave
    excused: int = 0
    inactive: bool | None = None  # six months without organisational life or contact; None: not judged
    matters_resolved: int = 0
    points: int | None = None
    reflections: int | None = None
    service_minutes: int | None = None
    lectures: int | None = None
    meeting_absent: int | None = None  # absent from 三会一课 and themed days' rolls (practice.meetings_selectors)
    missing: list[str] = field(default_factory=list)

    @property
    def hours_met(self) -> bool:
        return self.hours_required is None or self.hours >= self.hours_required

    @property
    def service_hours(self) -> Decimal | None:
        return None if self.service_minutes is None else (Decimal(self.service_minutes) / 60).quantize(Decimal("0.1"))


def _optional(module: str, function: str):
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        return None


def available_sources() -> dict[str, bool]:
    return {name: _optional(module, function) is not None for name, module, function in OPTIONAL_SOURCES}


def member_year_record(member_ids, year: int, *, user: User | None = None, today: date | None = None) -> dict[int, YearRecord]:
    """Each member's record of `year`. With `user` (staff), the six-month flag is read in their scope."""
    ids = list(member_ids)
    records = {pk: YearRecord(member_id=pk) for pk in ids}
    if not ids:
        return records
    members = list(Member.objects.filter(pk__in=ids).select_related("organization"))
    rules = ledger.rules_by_organization({m.organization_id: m.organization for m in members}.values(), year)
    for m in members:
        records[m.pk].hours_required = ledger.requirement(m, rules[m.organization_id])
    for pk, total in study_hours_totals(ids, year).items():
        records[pk].hours = total
    for pk, counts in attendance_year_counts(ids, year).items():
        records[pk].attended, records[pk].absent, records[pk].excused = counts["attended"], counts["absent"], counts["excused"]
    for pk, n in resolved_matter_counts(ids, year).items():
        records[pk].matters_resolved = n
    if user is not None:
        inactive = set(ledger.inactive_members(user, today).filter(pk__in=ids).values_list("pk", flat=True))
        for pk, r in records.items():
            r.inactive = pk in inactive
    meetings = _optional("dangxiao.practice.meetings_selectors", "meeting_attendance")
    if meetings is None:
        for r in records.values():
            r.missing.append("meeting_absent")
    else:
        marks = meetings(ids, year)
        for pk, r in records.items():
            r.meeting_absent = marks.get(pk, {}).get("absent", 0)
    for name, module, function in OPTIONAL_SOURCES:
        read = _optional(module, function)
        if read is None:
            for r in records.values():
                r.missing.append(name)
            continue
        values = read(ids, year)
        for pk, r in records.items():
            setattr(r, name, values.get(pk, 0))
    return records
