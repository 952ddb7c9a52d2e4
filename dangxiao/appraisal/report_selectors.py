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
            # Met as the 学时 page and the dashboards count it: the exempt (年老体弱) apart, not among the met.
            "hours_met": sum(1 for r in rows if r.record.hours_required is not None and r.record.hours_met),
            "exempt": sum(1 for r in rows if r.record.hours_required is None),
            "attended": sum(r.record.attended for r in rows),
            "absent": sum(r.record.absent for r in rows),
            "matters_resolved": sum(r.record.matters_resolved for r in rows),
        }


def report_members(members: QuerySet) -> QuerySet:
    """The members of a yearly record in its order: by organisation in tree order, then name."""
    return members.select_related("organization").order_by("organization__path", "name", "pk")


def performance_report(user: User, members: QuerySet, organization: Organization, year: int) -> PerformanceReport:
    """The year of each member in `members` (already scoped by the caller), at most MAX_ROWS."""
    chosen = list(report_members(members)[: MAX_ROWS + 1])
    truncated = len(chosen) > MAX_ROWS
    return PerformanceReport(organization, year, report_rows(user, chosen[:MAX_ROWS], year), truncated)


def report_rows(user: User, chosen: list[Member], year: int) -> list[ReportRow]:
    """The yearly record rows of the members `chosen` (a page of them, or a whole document's), in a fixed
    number of queries."""
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
    return [ReportRow(m, records[m.pk], str(labels.get(grades.get(m.pk, ""), "")), honours.get(m.pk, [])) for m in chosen]
