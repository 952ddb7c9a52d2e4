"""Pages of the yearly training plan: the list, writing and editing a plan, submitting it and returning it
for changes (approving is `views.plan_approve`). The board of the school writes; other staff read. The
plan's own page, with each target against the year's records, is `reports.plan_views.plan_detail`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access

from . import plan_services as services
from .models import TrainingPlan
from .network_forms import PlanForm, PlanReturnForm, refuse
from .network_services import NetworkError
from .selectors import user_school


def _school(request):
    access.require(access.scope_for(request.user).is_staff)
    school = user_school(request.user)
    if school is None:
        raise Http404(_("尚未设立党校"))
    return school


def _plan(request, pk: int) -> TrainingPlan:
    plan = access.get_school_object_or_404(request.user, "school.TrainingPlan", pk, TrainingPlan.objects.select_related("school"))
    access.require(access.can_manage_school(request.user, plan.school))
    return plan


@login_required
def plan_list(request):
    school = _school(request)
    plans = access.filter_school_objects(request.user, "school.TrainingPlan").filter(school=school).order_by("-year")
    return render(
        request,
        "school/plan_list.html",
        {"active": "school", "plans": plans, "school": school, "can_manage": access.can_manage_school(request.user, school)},
    )


@login_required
def plan_create(request):
    school = _school(request)
    access.require(access.can_manage_school(request.user, school))
    year = timezone.localdate().year
    initial = {
        "year": year,
        "title": _("%(year)d年度党员教育培训计划") % {"year": year},
        "target_person_times": 0,
        "target_study_hours": 32,
    }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(request, school, **form.cleaned_data)
        except NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("计划草稿已保存。"))
            return redirect("plan_detail", plan.pk)
    return render(
        request, "school/record_form.html", {"active": "school", "form": form, "title": _("制定年度培训计划"), "back": "school:plan_list"}
    )


@login_required
def plan_edit(request, pk: int):
    plan = _plan(request, pk)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_for(plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(request, plan, **form.cleaned_data)
        except NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("计划已保存。"))
            return redirect("plan_detail", plan.pk)
    title = _("编辑培训计划：%(title)s") % {"title": plan.title}
    return render(
        request, "school/record_form.html", {"active": "school", "form": form, "title": title, "back": "school:plan_list", "obj": plan}
    )


@login_required
@require_POST
def plan_submit(request, pk: int):
    plan = _plan(request, pk)
    try:
        services.plan_submit(request, plan)
    except NetworkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("计划已提交审批。"))
    return redirect("plan_detail", plan.pk)


@login_required
@require_POST
def plan_return(request, pk: int):
    plan = _plan(request, pk)
    form = PlanReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写退回意见。"))
        return redirect("plan_detail", plan.pk)
    try:
        services.plan_return(request, plan, note=form.cleaned_data["note"])
    except NetworkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("计划已退回修改。"))
    return redirect("plan_detail", plan.pk)
