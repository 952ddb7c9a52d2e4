"""School pages: the board and plan, the 1+5+N network, partners (the teacher pool: teacher_views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.params import year_param
from dangxiao.people.models import Role

from . import selectors, services
from .models import Venue
from .tables import PARTNERS


def _school(request):
    school = selectors.user_school(request.user)
    if school is None:
        raise Http404(_("尚未设立党校"))
    return school


def _require_staff(request):
    access.require(access.scope_for(request.user).is_staff)


@login_required
def overview(request):
    _require_staff(request)
    school = _school(request)
    today = timezone.localdate()
    board = Role.objects.filter(organization=school.organization, kind__in=Role.BOARD_KINDS).select_related("user").order_by("kind")
    return render(
        request,
        "school/overview.html",
        {
            "active": "school",
            "school": school,
            "board": board,
            "plan": (plan := school.plans.filter(year=today.year).first()),
            "plan_courses": plan.courses.select_related("topic").order_by("kind", "title") if plan else [],
            "plan_cohorts": plan.cohorts.select_related("organization").order_by("starts_on", "name") if plan else [],
            "can_manage": access.can_manage_school(request.user, school),
            "venue_tiers": dict(school.venues.filter(is_active=True).values_list("tier").annotate(c=Count("id")).values_list("tier", "c")),
            "counts": {
                "partners": school.partners.filter(retired_on__isnull=True).count(),
                "teachers": school.teachers.count(),
                "courses": school.courses.count(),
                "cohorts": school.cohorts.count(),
            },
            "expiring": selectors.expiring_teachers(school, today),
            "today": today,
        },
    )


@login_required
@require_POST
def plan_approve(request, pk: int):
    plan = access.get_school_object_or_404(request.user, "school.TrainingPlan", pk)
    access.require(access.can_manage_school(request.user, plan.school))
    try:
        services.plan_approve(plan, request.user, request)
    except services.SchoolError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(title)s已批准。") % {"title": plan.title})
    return redirect("plan_detail", plan.pk)


@login_required
def network(request):
    """1+5+N: the venues as a tree with this year's sessions, and months without activity."""
    school = _school(request)
    today = timezone.localdate()
    year = year_param(request.GET.get("year"), today.year)
    through = 12 if year < today.year else today.month
    rows = selectors.network(school, year, through)
    tree = {"name": school.brand or school.name, "children": []}
    for tier, label in Venue.Tier.choices:
        children = [{"name": r.venue.name, "value": r.sessions, "idle": len(r.idle_months)} for r in rows if r.venue.tier == tier]
        tree["children"].append({"name": _("%(label)s（%(count)s）") % {"label": label, "count": len(children)}, "children": children})
    return render(
        request,
        "school/network.html",
        {
            "active": "school",
            "school": school,
            "rows": rows,
            "year": year,
            "through": through,
            "months": range(1, 13),
            "tree": tree,
            "idle_count": sum(1 for r in rows if r.idle_months),
            "is_staff": access.scope_for(request.user).is_staff,
        },
    )


@login_required
def venue_detail(request, pk: int):
    venue = access.get_school_object_or_404(request.user, "school.Venue", pk, Venue.objects.select_related("organization", "partner"))
    can_manage = access.filter_managed_venues(request.user).filter(pk=venue.pk).exists()
    return render(request, "school/venue_detail.html", {"active": "school", "venue": venue, "can_manage": can_manage})


def _partner_rows(request):
    _require_staff(request)
    retired = request.GET.get("retired") == "1"
    table = PARTNERS.bind(request)
    return table, table.order(selectors.partner_list(request.user).filter(retired_on__isnull=not retired)), retired


@login_required
def partner_list(request):
    table, partners, retired = _partner_rows(request)
    page = Paginator(partners, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "school/partner_list.html",
        {
            "active": "school",
            "page": page,
            "partners": page.object_list,
            "table": table,
            "querystring_nopage": table.query() + "&" if table.query() else "",
            "retired": retired,
            "today": timezone.localdate(),
        },
    )


@login_required
def partner_export(request):
    table, partners, _retired = _partner_rows(request)
    return table.export(partners, "partners")


@login_required
def partner_detail(request, pk: int):
    _require_staff(request)
    partner = access.get_school_object_or_404(request.user, "school.Partner", pk)
    today = timezone.localdate()
    agreements = [(a, a.STATUS_LABELS[a.status_on(today)]) for a in partner.agreements.all()]
    return render(
        request,
        "school/partner_detail.html",
        {
            "active": "school",
            "partner": partner,
            "agreements": agreements,
            "can_manage": access.can_manage_school(request.user, partner.school),
            **selectors.partner_contribution(partner),
        },
    )


@login_required
def lecturers(request):
    """党课我主讲: who lectured where this year."""
    _require_staff(request)
    school = _school(request)
    year = year_param(request.GET.get("year"), timezone.localdate().year)
    return render(request, "school/lecturers.html", {"active": "school", "rows": selectors.member_lecturers(school, year), "year": year})
