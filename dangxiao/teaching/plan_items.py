"""Which courses and cohorts a yearly plan plans (`Course.plan`, `Cohort.plan`): the board picks them on
the plan's page. Teaching owns those rows, so the write lives here, not in the school app."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.school.models import TrainingPlan

from .models import Cohort, Course

EDITABLE = (TrainingPlan.Status.DRAFT, TrainingPlan.Status.RETURNED)


def plan_item_choices(user, plan: TrainingPlan) -> dict:
    """The school's courses and the cohorts the user manages, to plan under `plan`."""
    return {
        "courses": access.filter_school_objects(user, "teaching.Course").filter(school=plan.school).order_by("kind", "title", "id"),
        "cohorts": access.filter_cohorts(user).filter(school=plan.school).order_by("-starts_on", "name", "id"),
    }


class PlanItemsForm(forms.Form):
    courses = forms.ModelMultipleChoiceField(
        label=gettext_lazy("计划内课程"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    cohorts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("计划内班次"),
        queryset=Cohort.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )

    def __init__(self, *args, courses, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = courses
        self.fields["cohorts"].queryset = cohorts


@transaction.atomic
def plan_set_items(request, plan: TrainingPlan, *, courses, cohorts) -> None:
    """Plan exactly these courses and cohorts under `plan` (those dropped leave it; a course or cohort
    planned under another year's plan moves here); audited. The caller offers only the school's."""
    Course.objects.filter(plan=plan).exclude(pk__in=[c.pk for c in courses]).update(plan=None)
    Cohort.objects.filter(plan=plan).exclude(pk__in=[c.pk for c in cohorts]).update(plan=None)
    Course.objects.filter(pk__in=[c.pk for c in courses]).update(plan=plan)
    Cohort.objects.filter(pk__in=[c.pk for c in cohorts]).update(plan=plan)
    audit_record(
        request,
        "record_update",
        organization_id=plan.school.organization_id,
        object_type="trainingplan",
        object_id=plan.pk,
        summary=f"调整计划内课程和班次：{plan.title}",
        detail={"courses": [c.pk for c in courses], "cohorts": [c.pk for c in cohorts]},
    )


@login_required
@require_POST
def plan_items(request, pk: int):
    """The board sets the courses and cohorts a draft or returned plan plans."""
    plan = access.get_school_object_or_404(request.user, "school.TrainingPlan", pk, TrainingPlan.objects.select_related("school"))
    access.require(access.can_manage_school(request.user, plan.school))
    form = PlanItemsForm(request.POST, **plan_item_choices(request.user, plan))
    if plan.status not in EDITABLE:
        messages.error(request, _("只有草稿或退回修改的计划可以编辑"))
    elif not form.is_valid():
        messages.error(request, _("请从列表中选择本校的课程和班次。"))
    else:
        plan_set_items(request, plan, **form.cleaned_data)
        messages.success(request, _("计划内课程和班次已保存。"))
    return redirect("plan_detail", plan.pk)
