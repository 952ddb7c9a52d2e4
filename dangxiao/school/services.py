"""Write paths of the school."""

from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.people.models import User

from .models import TrainingPlan


class SchoolError(Exception):
    pass


def plan_approve(plan: TrainingPlan, by: User) -> TrainingPlan:
    """The board approves the year's training plan; approving twice is refused."""
    if plan.status == TrainingPlan.Status.APPROVED:
        raise SchoolError(_("该计划已批准"))
    plan.status = TrainingPlan.Status.APPROVED
    plan.approved_by = by
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    return plan
