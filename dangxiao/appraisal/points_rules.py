"""Points rules per school and year: the defaults (学习强国 style: points per action, each action capped per
day, month or year), read in bulk by the engine, created on demand and edited by the board."""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from dangxiao.school.models import School

from .models import PointsAction, PointsRule, PointsRuleSet


@dataclass(frozen=True)
class Rule:
    points: int
    day_cap: int | None = None
    month_cap: int | None = None
    year_cap: int | None = None


DEFAULTS: dict[str, Rule] = {
    PointsAction.ATTEND: Rule(2, day_cap=4),
    PointsAction.LATE: Rule(1, day_cap=2),
    PointsAction.ABSENT: Rule(-2, month_cap=6),
    PointsAction.REFLECTION: Rule(3, day_cap=3, month_cap=6, year_cap=36),
    PointsAction.VOLUNTEER_HOUR: Rule(1, day_cap=4, year_cap=50),
    PointsAction.LECTURE: Rule(5, month_cap=10, year_cap=30),
    PointsAction.MATTER: Rule(2, day_cap=4, month_cap=10),
    PointsAction.QUIZ: Rule(1, day_cap=3),
}
MAX_POINTS = 100
MAX_CAP = 10000


class PointsRuleError(ValueError):
    """A rule edit refused, with a message in Chinese; nothing was saved."""


def _as_rule(row: PointsRule) -> Rule:
    return Rule(row.points, row.day_cap, row.month_cap, row.year_cap)


def rules_for_schools(school_ids: set[int], year: int) -> dict[int, dict[str, Rule]]:
    """school id → action → rule, saved rules where they exist and the defaults elsewhere (1 query)."""
    found = {sid: dict(DEFAULTS) for sid in school_ids}
    for row in PointsRule.objects.filter(rule_set__school_id__in=school_ids, rule_set__year=year).select_related("rule_set"):
        found[row.rule_set.school_id][row.action] = _as_rule(row)
    return found


@transaction.atomic
def rule_set_for(school: School, year: int) -> PointsRuleSet:
    """The school's rule set for the year, created from the defaults the first time it is asked for."""
    rule_set, created = PointsRuleSet.objects.get_or_create(school=school, year=year)
    missing = set(DEFAULTS) - set(rule_set.rules.values_list("action", flat=True))
    if missing:
        PointsRule.objects.bulk_create(
            [PointsRule(rule_set=rule_set, action=a, **asdict(DEFAULTS[a])) for a in PointsAction.values if a in missing],
            ignore_conflicts=True,
        )
    return rule_set


def _checked(action: str, points, caps) -> Rule:
    label = PointsAction(action).label
    try:
        points = int(points)
        caps = [None if c in (None, "") else int(c) for c in caps]
    except (TypeError, ValueError):
        raise PointsRuleError(_("“%(action)s”的分值和上限须为整数") % {"action": label}) from None
    if not -MAX_POINTS <= points <= MAX_POINTS:
        raise PointsRuleError(_("“%(action)s”的分值须在 -100 到 100 之间") % {"action": label})
    if any(c is not None and not 0 <= c <= MAX_CAP for c in caps):
        raise PointsRuleError(_("“%(action)s”的上限须在 0 到 10000 之间，不限请留空") % {"action": label})
    return Rule(points, *caps)


@transaction.atomic
def rule_set_update(rule_set: PointsRuleSet, changes: dict[str, dict]) -> PointsRuleSet:
    """Set the rules given as {action: {"points", "day_cap", "month_cap", "year_cap"}} (unknown actions
    refused); all or nothing. The caller re-derives the year's points (`points_reconcile`)."""
    unknown = set(changes) - set(PointsAction.values)
    if unknown:
        raise PointsRuleError(_("未知的积分项目：%(names)s") % {"names": "、".join(sorted(unknown))})
    checked = {a: _checked(a, v.get("points"), (v.get("day_cap"), v.get("month_cap"), v.get("year_cap"))) for a, v in changes.items()}
    rows = {r.action: r for r in PointsRule.objects.select_for_update().filter(rule_set=rule_set)}
    for action, rule in checked.items():
        row = rows.get(action) or PointsRule(rule_set=rule_set, action=action)
        row.points, row.day_cap, row.month_cap, row.year_cap = rule.points, rule.day_cap, rule.month_cap, rule.year_cap
        row.save()
    rule_set.save(update_fields=["updated_at"])
    return rule_set
