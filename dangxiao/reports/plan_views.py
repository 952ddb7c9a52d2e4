"""The yearly plan's page: its goals and each target beside the figure computed from the year's records
(`attendance.plan_figures`), which the school app may not read itself."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from dangxiao.attendance.plan_figures import plan_actuals
from dangxiao.core import access
from dangxiao.school.models import TrainingPlan
from dangxiao.school.network_forms import PlanReturnForm
from dangxiao.teaching.plan_items import EDITABLE, PlanItemsForm, plan_item_choices


def _percent(actual, target) -> int | None:
    return min(100, int(actual * 100 / target)) if target else None


@login_required
def plan_detail(request, pk: int):
    """Staff of the school read the plan; its board also edits, submits, returns and approves it."""
    access.require(access.scope_for(request.user).is_staff)
    plan = access.get_school_object_or_404(
        request.user, "school.TrainingPlan", pk, TrainingPlan.objects.select_related("school__organization", "approved_by")
    )
    actuals = plan_actuals(plan)
    figures = [
        {"key": "person_times", "label": _("计划培训人次"), "target": plan.target_person_times, "actual": actuals.person_times},
        {"key": "study_hours", "label": _("人均学时"), "target": plan.target_study_hours, "actual": actuals.hours_per_member},
        {"key": "courses", "label": _("计划课程开课"), "target": actuals.planned_courses, "actual": actuals.planned_courses_run},
        {"key": "cohorts", "label": _("计划班次开班"), "target": actuals.planned_cohorts, "actual": actuals.planned_cohorts_run},
    ]
    for f in figures:
        f["percent"] = _percent(f["actual"], f["target"])
    can_manage = access.can_manage_school(request.user, plan.school)
    items_form = None
    if can_manage and plan.status in EDITABLE:
        planned = {"courses": [r.obj.pk for r in actuals.courses if r.planned], "cohorts": [r.obj.pk for r in actuals.cohorts if r.planned]}
        items_form = PlanItemsForm(initial=planned, **plan_item_choices(request.user, plan))
    return render(
        request,
        "reports/plan_detail.html",
        {
            "active": "school",
            "plan": plan,
            "actuals": actuals,
            "figures": figures,
            "can_manage": can_manage,
            "items_form": items_form,
            "return_form": PlanReturnForm(),
        },
    )
