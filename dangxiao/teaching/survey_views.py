"""Needs-survey pages: staff publish and read results; members answer on their phones."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangxiao.core import access
from dangxiao.school.models import Topic
from dangxiao.school.selectors import school_for_organization, user_school

from . import surveys
from .models import Cohort, NeedsSurvey


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("调研名称"), max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    organization = forms.TypedChoiceField(label=_("调研范围"), coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    topics = forms.ModelMultipleChoiceField(label=_("可选专题"), queryset=Topic.objects.none(), widget=forms.CheckboxSelectMultiple)
    opens_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}))
    closes_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}))
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("截止日期不能早于开始日期"))
        return data


def _managed_survey(request, pk: int) -> NeedsSurvey:
    try:
        return surveys.surveys_managed(request.user).get(pk=pk)
    except (NeedsSurvey.DoesNotExist, ValueError):
        raise Http404(_("调研不存在或不在您的管理范围内")) from None


@login_required
def survey_list(request):
    scope = access.scope_for(request.user)
    access.require(scope.is_staff)
    school = user_school(request.user)
    orgs = access.filter_organizations(request.user).filter(access.staff_q(scope, "path") or Q()).order_by("path")
    form = SurveyForm(request.POST or None)
    form.fields["organization"].choices = [(o.pk, "\u3000" * (o.depth - 1) + o.name) for o in orgs]
    form.fields["topics"].queryset = access.filter_school_objects(request.user, "school.Topic").filter(is_active=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = access.get_organization_or_404(request.user, data["organization"], orgs)
        survey = NeedsSurvey.objects.create(
            school=school_for_organization(org) or school,
            organization=org,
            title=data["title"],
            description=data["description"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            created_by=request.user,
        )
        survey.topics.set(data["topics"])
        messages.success(request, _("调研已发布，范围内的党员可在手机上填写。"))
        return redirect("teaching:survey_results", survey.pk)
    return render(
        request,
        "teaching/survey_list.html",
        {"active": "surveys", "surveys": surveys.surveys_managed(request.user), "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def survey_results(request, pk: int):
    access.require(access.scope_for(request.user).is_staff)
    survey = _managed_survey(request, pk)
    results = surveys.survey_results(survey, timezone.localdate())
    topic_names = [name for name, _c in results.topics]
    return render(
        request, "teaching/survey_results.html", {"active": "surveys", "survey": survey, "results": results, "topic_names": topic_names}
    )


@login_required
def survey_answer(request, pk: int):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    member = access.get_member_or_404(request.user, scope.member_id, access.filter_members(request.user).select_related("organization"))
    today = timezone.localdate()
    survey = surveys.open_surveys_for(member, today).filter(pk=pk).first()
    if survey is None:
        raise Http404(_("调研不存在或已结束"))
    existing = survey.responses.filter(member=member).prefetch_related("topics").first()
    error = None
    if request.method == "POST":
        try:
            surveys.survey_answer(
                survey,
                member,
                topic_ids=[int(t) for t in request.POST.getlist("topics") if t.isdigit()],
                times=request.POST.getlist("times"),
                modes=request.POST.getlist("modes"),
                suggestion=request.POST.get("suggestion", ""),
                today=today,
            )
        except surveys.SurveyError as exc:
            error = str(exc)
        else:
            messages.success(request, _("感谢参与！您的意见会用于安排课程。"))
            return redirect("attendance:my_schedule")
    chosen = {t.pk for t in existing.topics.all()} if existing else set()
    return render(
        request,
        "teaching/survey_answer.html",
        {
            "active": "schedule",
            "survey": survey,
            "topics": survey.topics.all(),
            "chosen": chosen,
            "existing": existing,
            "error": error,
            "time_options": NeedsSurvey.TIME_OPTIONS,
            "mode_options": Cohort.Mode.choices,
        },
        status=422 if error else 200,
    )
