"""Write paths of the yearly training plan (年度培训计划): written as a draft, submitted to the board,
returned for changes or approved (`services.plan_approve`). The board of the plan's school writes,
submits, returns and approves (callers check it through `access.can_manage_school`).

Each service raises NetworkError (a field and a Chinese message) on input a user can get wrong and
changes nothing then; every change is audited.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.params import FIRST_YEAR, LAST_YEAR, year_message

from .models import School, TrainingPlan
from .network_services import NetworkError, _apply, _audit, _text

PLAN_FIELDS = ("year", "title", "goals", "target_person_times", "target_study_hours")
EDITABLE = (TrainingPlan.Status.DRAFT, TrainingPlan.Status.RETURNED)
MAX_PERSON_TIMES = 10_000_000
MAX_HOURS = Decimal("9999.9")


def _clean(school: School, fields: dict, plan: TrainingPlan | None = None) -> dict:
    if "year" in fields or plan is None:
        year = fields.get("year")
        if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
            raise NetworkError(year_message(), "year")
        if school.plans.filter(year=year).exclude(pk=getattr(plan, "pk", None)).exists():
            raise NetworkError(_("本校%(year)d年度的培训计划已存在") % {"year": year}, "year")
    if "title" in fields or plan is None:
        fields["title"] = _text(fields.get("title"), "title", required=True, limit=100)
    if "goals" in fields:
        fields["goals"] = _text(fields["goals"], "goals", limit=5000)
    if "target_person_times" in fields:
        value = fields["target_person_times"] or 0
        if not isinstance(value, int) or not 0 <= value <= MAX_PERSON_TIMES:
            raise NetworkError(_("须在 0 至 %(max)d 之间") % {"max": MAX_PERSON_TIMES}, "target_person_times")
        fields["target_person_times"] = value
    if "target_study_hours" in fields:
        try:
            hours = Decimal(str(fields["target_study_hours"] or 0)).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            raise NetworkError(_("应为数字"), "target_study_hours") from None
        if not 0 <= hours <= MAX_HOURS:
            raise NetworkError(_("须在 0 至 %(max)s 之间") % {"max": MAX_HOURS}, "target_study_hours")
        fields["target_study_hours"] = hours
    return fields


@transaction.atomic
def plan_create(request, school: School, **fields) -> TrainingPlan:
    """A draft plan for a year. Refused: a year outside 2000–2100 or one the school has a plan for
    already, no title, targets out of range."""
    fields = _clean(school, fields)
    plan = TrainingPlan(school=school)
    _apply(plan, fields, PLAN_FIELDS)
    plan.save()
    _audit(request, "record_create", plan, school.organization_id, f"新建培训计划：{plan.title}")
    return plan


@transaction.atomic
def plan_update(request, plan: TrainingPlan, **fields) -> TrainingPlan:
    """Edit a draft or returned plan; the same refusals as plan_create, and a plan submitted or approved
    is not edited (return it first)."""
    if plan.status not in EDITABLE:
        raise NetworkError(_("只有草稿或退回修改的计划可以编辑"))
    fields = _clean(plan.school, fields, plan)
    change = _apply(plan, fields, PLAN_FIELDS)
    plan.save()
    _audit(request, "record_update", plan, plan.school.organization_id, f"修改培训计划：{plan.title}", {"fields": change.fields})
    return plan


@transaction.atomic
def plan_submit(request, plan: TrainingPlan) -> TrainingPlan:
    """Submit a draft or returned plan for approval. Refused: submitted or approved already."""
    if plan.status not in EDITABLE:
        raise NetworkError(_("该计划已提交或已批准"))
    plan.status, plan.submitted_at = TrainingPlan.Status.SUBMITTED, timezone.now()
    plan.save(update_fields=["status", "submitted_at"])
    _audit(request, "record_update", plan, plan.school.organization_id, f"提交培训计划：{plan.title}", {"status": plan.status})
    return plan


@transaction.atomic
def plan_return(request, plan: TrainingPlan, *, note: str) -> TrainingPlan:
    """Send a submitted plan back for changes, saying what to change. Refused: not submitted, no note."""
    if plan.status != TrainingPlan.Status.SUBMITTED:
        raise NetworkError(_("只有待审批的计划可以退回"))
    plan.review_note = _text(note, "note", required=True, limit=300)
    plan.status = TrainingPlan.Status.RETURNED
    plan.save(update_fields=["status", "review_note"])
    _audit(request, "record_update", plan, plan.school.organization_id, f"退回培训计划：{plan.title}", {"note": plan.review_note})
    return plan
