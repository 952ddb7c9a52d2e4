"""Staff pages that change a cohort: edit it, close and reopen its self-enrolment, archive it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access

from . import changes, selectors
from .change_forms import CohortEditForm
from .models import Cohort
from .rules import TargetRule
from .services import TeachingError
from .views import _require_staff, _stored_description


def _cohort(request, pk):
    _require_staff(request)
    return access.get_cohort_or_404(request.user, pk, Cohort.objects.select_related("organization", "school"))


def _initial(cohort: Cohort) -> dict:
    rule = selectors.cohort_rule(cohort)
    return {
        "name": cohort.name,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "seat_limit": cohort.seat_limit,
        "flags": list(rule.flags),
        "positions": list(rule.positions),
        "age_bands": list(rule.age_bands),
        "courses": [c.pk for c in cohort.courses.all()],
    }


@login_required
def cohort_edit(request, pk: int):
    cohort = _cohort(request, pk)
    courses = access.filter_school_objects(request.user, "teaching.Course").filter(school=cohort.school_id)
    form = CohortEditForm(request.POST or None, initial=_initial(cohort), courses=courses)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        old = selectors.cohort_rule(cohort)
        # Parts of the rule the form does not show (statuses, industries, organisations) are kept.
        rule = TargetRule(
            flags=tuple(data["flags"]),
            positions=tuple(data["positions"]),
            age_bands=tuple(data["age_bands"]),
            statuses=old.statuses,
            industries=old.industries,
            organization_paths=old.organization_paths,
        )
        try:
            promoted = changes.cohort_update(
                cohort,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                seat_limit=data["seat_limit"],
                rule=rule,
                rule_description=_stored_description(rule),
                courses=list(data["courses"]),
                request=request,
            )
        except TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            extra = _("候补名单中%(count)s人已递补。") % {"count": len(promoted)} if promoted else ""
            messages.success(request, _("班次已保存。") + extra)
            return redirect("teaching:cohort_detail", cohort.pk)
    return render(
        request,
        "teaching/cohort_edit.html",
        {"active": "cohorts", "form": form, "cohort": cohort},
        status=422 if form.errors else 200,
    )


def _change(request, pk: int, action, done: str):
    """Run one change on a cohort the user manages; say `done`, or the refusal."""
    cohort = _cohort(request, pk)
    try:
        action(cohort)
    except TeachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("teaching:cohort_detail", cohort.pk)


@login_required
@require_POST
def cohort_close_enrolment(request, pk: int):
    close = lambda c: changes.cohort_set_enrolment(c, open=False, request=request)  # noqa: E731
    return _change(request, pk, close, _("已关闭自主报名，已报名和候补的学员不变。"))


@login_required
@require_POST
def cohort_reopen_enrolment(request, pk: int):
    reopen = lambda c: changes.cohort_set_enrolment(c, open=True, request=request)  # noqa: E731
    return _change(request, pk, reopen, _("已重新开放自主报名。"))


@login_required
@require_POST
def cohort_archive(request, pk: int):
    return _change(request, pk, lambda c: changes.cohort_archive(c, request=request), _("班次已归档，记录和学时都保留。"))
