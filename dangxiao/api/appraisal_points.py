"""Points (积分): a member reads only their own log (another member's id is 404); staff read the members
of their subtree and their organisations' rankings; the board reads and edits the year's rules."""

from datetime import date
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangxiao.appraisal import points_rules, points_selectors
from dangxiao.appraisal.models import PointsAction, PointsRule
from dangxiao.appraisal.points_derivation import points_reconcile
from dangxiao.core import access
from dangxiao.people.models import Member

from .school import PageQuery, Ref, paginate

router = Router(tags=["points"])
Year = Annotated[int, Field(ge=2000, le=2100, description="年度")]


class Detail(Schema):
    detail: str


class PointsLineOut(Schema):
    date: date
    action: str
    action_label: str
    points: int
    base_points: int = Field(description="规则分值（封顶前）")
    capped: str = Field(description="封顶说明；空为未封顶")
    line: str
    source_kind: str = Field(description="attendance | reflection | matter | quiz | lecture …")
    source_id: int


class MemberPointsOut(Schema):
    member: Ref
    year: int
    total: int
    month: int
    count: int
    page: int
    page_size: int
    items: list[PointsLineOut]


class PointsQuery(PageQuery):
    year: Year | None = None


class RankingQuery(PointsQuery):
    sort: str = Field("total", max_length=20, description="total | -total | month | name | organization")
    q: str = Field("", max_length=50, description="按姓名筛选")


class RankedMemberOut(Schema):
    member: Ref
    organization: Ref
    total: int
    month: int


class RankingOut(Schema):
    organization: Ref
    year: int
    count: int
    page: int
    page_size: int
    items: list[RankedMemberOut]


class RuleOut(Schema):
    action: str
    action_label: str
    points: int
    day_cap: int | None
    month_cap: int | None
    year_cap: int | None


class RulesOut(Schema):
    school: Ref
    year: int
    rules: list[RuleOut]


class RuleIn(Schema):
    action: str = Field(..., max_length=20)
    points: int = Field(..., ge=-100, le=100)
    day_cap: int | None = Field(None, ge=0, le=10000)
    month_cap: int | None = Field(None, ge=0, le=10000)
    year_cap: int | None = Field(None, ge=0, le=10000)


class RulesIn(Schema):
    rules: list[RuleIn] = Field(..., max_length=20)


def _member_points(member: Member, query: PointsQuery) -> dict:
    today = timezone.localdate()
    year = query.year or today.year
    summary = points_selectors.member_summary(member.pk, year, today)

    def line(e):
        return {
            "date": e.date, "action": e.action, "action_label": str(e.get_action_display()), "points": e.points, "base_points": e.base_points,
            "capped": e.capped, "line": e.line, "source_kind": e.source_kind, "source_id": e.source_id,
        }  # fmt: skip

    page = paginate(points_selectors.member_log(member.pk, year), query, line)
    return {"member": {"id": member.pk, "name": member.name}, "year": year, "total": summary["total"], "month": summary["month"], **page}


@router.get("/points/me", response=MemberPointsOut, summary="My points: total, this month, and the log line by line")
def my_points(request, query: Query[PointsQuery]):
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    return _member_points(Member.objects.get(pk=member_id), query)


@router.get("/members/{member_id}/points", response=MemberPointsOut, summary="A member's points (my own, or a member under my staff scope)")
def member_points(request, member_id: int, query: Query[PointsQuery]):
    return _member_points(access.get_points_member_or_404(request.user, member_id), query)


@router.get("/organizations/{org_id}/points", response=RankingOut, summary="An organisation's current members ranked by points (staff)")
def organization_points(request, org_id: int, query: Query[RankingQuery]):
    access.require(access.scope_for(request.user).is_staff)
    org = access.get_organization_or_404(request.user, org_id)
    today = timezone.localdate()
    year = query.year or today.year
    sort = query.sort if query.sort in points_selectors.SORTS else "total"
    ranking = points_selectors.organization_ranking(request.user, org, year, today, sort=sort, q=query.q.strip())

    def row(m):
        return {
            "member": {"id": m.pk, "name": m.name},
            "organization": {"id": m.organization_id, "name": m.organization.name},
            "total": m.total,
            "month": m.month,
        }

    return {"organization": {"id": org.pk, "name": org.name}, "year": year, **paginate(ranking, query, row)}


def _rules(school, year: int) -> dict:
    rule_set = points_rules.rule_set_for(school, year)
    rows = {r.action: r for r in PointsRule.objects.filter(rule_set=rule_set)}
    return {
        "school": {"id": school.pk, "name": school.name},
        "year": year,
        "rules": [
            {
                "action": a,
                "action_label": str(label),
                "points": rows[a].points,
                "day_cap": rows[a].day_cap,
                "month_cap": rows[a].month_cap,
                "year_cap": rows[a].year_cap,
            }
            for a, label in PointsAction.choices
            if a in rows
        ],
    }


@router.get("/points/rules/{year}", response=RulesOut, summary="The year's points rules of my school (board; created from the defaults)")
def rules_read(request, year: Year):
    return _rules(access.get_points_rules_school_or_404(request.user), year)


@router.put(
    "/points/rules/{year}",
    response={200: RulesOut, 400: Detail},
    summary="Set the year's points rules (board); the year's points are re-derived",
)
def rules_update(request, year: Year, body: RulesIn):
    school = access.get_points_rules_school_or_404(request.user)
    rule_set = points_rules.rule_set_for(school, year)
    changes = {r.action: r.dict() for r in body.rules}
    try:
        points_rules.rule_set_update(rule_set, changes)
    except points_rules.PointsRuleError as exc:
        return Status(400, {"detail": str(exc)})
    points_reconcile(
        list(Member.objects.filter(organization__path__startswith=school.organization.path).values_list("pk", flat=True)), year
    )
    return _rules(school, year)
