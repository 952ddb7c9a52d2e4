"""Write paths of the school."""

from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.params import FIRST_YEAR, LAST_YEAR, year_message
from dangxiao.people.models import User

from .models import TrainingPlan


class SchoolError(Exception):
    pass


def plan_approve(plan: TrainingPlan, by: User) -> TrainingPlan:
    """The board approves the year's training plan; approving twice, or a plan for a year outside
    2000–2100, is refused."""
    if plan.status == TrainingPlan.Status.APPROVED:
        raise SchoolError(_("该计划已批准"))
    if not FIRST_YEAR <= plan.year <= LAST_YEAR:
        raise SchoolError(year_message())
    plan.status = TrainingPlan.Status.APPROVED
    plan.approved_by = by
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    return plan
