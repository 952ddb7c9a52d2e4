"""考核述职: a yearly record per member and per organisation — attendance, 学时, points, practice,
service, the appraisal's grade and commendations — the material a secretary brings to 述职."""

from dataclasses import dataclass

from django.db.models import QuerySet

from dangxiao.people.models import Member, Organization, User

from .models import Appraisal, Commendation, Rating
from .record_selectors import YearRecord, member_year_record

MAX_ROWS = 2000  # an organisation's yearly record lists at most this many members (a street has ~1,000)


@dataclass
class ReportRow:
    member: Member
    record: YearRecord
    grade: str
    commendations: list[str]


@dataclass
class PerformanceReport:
    organization: Organization
    year: int
    rows: list[ReportRow]
    truncated: bool

    @property
    def totals(self) -> dict:
        rows = self.rows
        return {
            "members": len(rows),
            "hours_met": sum(1 for r in rows if r.record.hours_met),
            "attended": sum(r.record.attended for r in rows),
            "absent": sum(r.record.absent for r in rows),
            "matters_resolved": sum(r.record.matters_resolved for r in rows),
        }


def performance_report(user: User, members: QuerySet, organization: Organization, year: int) -> PerformanceReport:
    """The year of each member in `members` (already scoped by the caller), at most MAX_ROWS."""
    chosen = list(members.select_related("organization").order_by("organization__path", "name", "pk")[: MAX_ROWS + 1])
    truncated = len(chosen) > MAX_ROWS
    chosen = chosen[:MAX_ROWS]
    ids = [m.pk for m in chosen]
    records = member_year_record(ids, year, user=user)
    grades = dict(
        Rating.objects.filter(member_id__in=ids, appraisal__year=year, appraisal__status=Appraisal.Status.DECIDED).values_list(
            "member_id", "grade"
        )
    )
    labels = dict(Rating._meta.get_field("grade").choices)
    honours: dict[int, list[str]] = {}
    for c in Commendation.objects.filter(member_id__in=ids, year=year, awarded=True):
        honours.setdefault(c.member_id, []).append(str(c.get_kind_display()))
    rows = [ReportRow(m, records[m.pk], str(labels.get(grades.get(m.pk, ""), "")), honours.get(m.pk, [])) for m in chosen]
    return PerformanceReport(organization, year, rows, truncated)
