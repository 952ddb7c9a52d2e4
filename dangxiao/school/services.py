"""Write paths of the school."""

from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import FIRST_YEAR, LAST_YEAR, year_message
from dangxiao.people.models import User

from .models import TrainingPlan


class SchoolError(Exception):
    pass


def plan_approve(plan: TrainingPlan, by: User, request=None) -> TrainingPlan:
    """The board approves the year's training plan (audited when a request is given); approving twice,
    or a plan for a year outside 2000–2100, is refused."""
    if plan.status == TrainingPlan.Status.APPROVED:
        raise SchoolError(_("该计划已批准"))
    if not FIRST_YEAR <= plan.year <= LAST_YEAR:
        raise SchoolError(year_message())
    plan.status = TrainingPlan.Status.APPROVED
    plan.approved_by = by
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    if request is not None:
        audit_record(
            request,
            "record_update",
            organization_id=plan.school.organization_id,
            object_type="trainingplan",
            object_id=plan.pk,
            summary=f"批准培训计划：{plan.title}",
            detail={"status": plan.status},
        )
    return plan
