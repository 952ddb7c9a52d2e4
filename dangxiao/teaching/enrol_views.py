"""The member's phone pages for enrolling themselves: the cohorts open to them, nearest first."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access

from . import services
from .models import Cohort, Enrollment
from .open_cohorts import open_cohorts


def _member(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    return access.get_member_or_404(request.user, scope.member_id)


@login_required
def my_cohorts(request):
    member = _member(request)
    page = Paginator(open_cohorts(request.user, member), 20).get_page(request.GET.get("page"))
    return render(request, "teaching/my_cohorts.html", {"active": "schedule", "page": page, "member": member, "querystring_nopage": ""})


@login_required
@require_POST
def my_cohort_enrol(request, pk: int):
    member = _member(request)
    cohort = access.filter_open_cohorts(request.user, Cohort.objects.all()).filter(pk=pk).first()
    access.require(cohort is not None)
    try:
        enrollment = services.cohort_enroll(cohort, member, source=Enrollment.Source.SELF)
    except services.TeachingError as exc:
        messages.error(request, str(exc))
    else:
        if enrollment.status == Enrollment.Status.WAITLISTED:
            messages.success(request, _("名额已满，您已进入“%(name)s”的候补名单，有名额时按先后递补。") % {"name": cohort.name})
        else:
            messages.success(request, _("已报名“%(name)s”，课次已加入您的课表。") % {"name": cohort.name})
    return redirect("teaching:my_cohorts")
