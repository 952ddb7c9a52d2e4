"""Pages that change the school and its network: the school's record, venues, partners and agreements.

Who: the school and its partners and agreements are its board's; venues are the board's, and an
organisation administrator's for venues run by their subtree (`access.filter_managed_venues`). Anything
else is a 404, as everywhere.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access, tables
from dangxiao.core.params import int_param
from dangxiao.people.models import Role

from . import network_services as services
from .models import Partner, PartnerAgreement, Venue
from .network_forms import AgreementEndForm, AgreementForm, PartnerForm, SchoolForm, VenueForm, refuse
from .selectors import user_school
from .tables import VENUES


def _school(request):
    access.require(access.scope_for(request.user).is_staff)
    school = user_school(request.user)
    if school is None:
        raise Http404(_("尚未设立党校"))
    return school


def _board_school(request):
    school = _school(request)
    access.require(access.can_manage_school(request.user, school))
    return school


def _venue(request, pk: int) -> Venue:
    try:
        return access.filter_managed_venues(request.user, Venue.objects.select_related("school__organization", "organization")).get(pk=pk)
    except Venue.DoesNotExist:
        raise Http404(_("阵地不存在或不在您的管理范围内")) from None


def _partner(request, pk: int) -> Partner:
    partner = access.get_school_object_or_404(request.user, "school.Partner", pk, Partner.objects.select_related("school__organization"))
    access.require(access.can_manage_school(request.user, partner.school))
    return partner


def _agreement(request, pk: int) -> PartnerAgreement:
    partners = access.filter_school_objects(request.user, "school.Partner")
    try:
        agreement = PartnerAgreement.objects.select_related("partner__school__organization").get(partner__in=partners, pk=pk)
    except PartnerAgreement.DoesNotExist:
        raise Http404(_("协议不存在或不在您的管理范围内")) from None
    access.require(access.can_manage_school(request.user, agreement.partner.school))
    return agreement


def _form_page(request, form, title: str, back: str, **extra):
    return render(request, "school/record_form.html", {"active": "school", "form": form, "title": title, "back": back, **extra})


# --- The school ----------------------------------------------------------------------------------


@login_required
def school_edit(request):
    """The school's name, brand and address; its board shown beside (roles are granted on the roles pages)."""
    school = _board_school(request)
    form = SchoolForm(request.POST or None, initial=SchoolForm.initial_for(school))
    if request.method == "POST" and form.is_valid():
        try:
            services.school_update(request, school, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("党校信息已保存。"))
            return redirect("school:overview")
    board = Role.objects.filter(organization=school.organization, kind__in=Role.BOARD_KINDS).select_related("user").order_by("kind")
    return _form_page(request, form, _("编辑党校信息"), "school:overview", board=board, school=school)


# --- Venues --------------------------------------------------------------------------------------


def _venue_rows(request):
    """The school's venues as the list shows and exports them: current or retired, under an
    organisation if one is chosen, in the order asked for."""
    school = _school(request)
    retired = request.GET.get("retired") == "1"
    organization = tables.organization_filter(request)
    venues = (
        access.filter_school_objects(request.user, "school.Venue")
        .filter(school=school, is_active=not retired)
        .select_related("organization", "partner")
        .annotate(session_count=Count("sessions"))
    )
    if organization is not None:
        venues = venues.filter(organization__path__startswith=organization.path)
    table = VENUES.bind(request)
    return table, table.order(venues), school, retired, organization


@login_required
def venue_export(request):
    table, venues, *_rest = _venue_rows(request)
    return table.export(venues, "venues")


@login_required
def venue_list(request):
    """Every venue of the school, current ones by default (`?retired=1`: the retired ones), paged."""
    table, venues, school, retired, organization = _venue_rows(request)
    page = Paginator(venues, 50).get_page(int_param(request.GET.get("page"), 1, minimum=1))
    managed = set(access.filter_managed_venues(request.user).filter(pk__in=[v.pk for v in page]).values_list("pk", flat=True))
    return render(
        request,
        "school/venue_list.html",
        {
            "active": "school",
            "page": page,
            "retired": retired,
            "managed": managed,
            "school": school,
            "table": table,
            "organization": organization,
            "organizations": tables.organization_choices(request.user),
            "keep": [(k, request.GET[k]) for k in ("retired", "sort") if request.GET.get(k)],
            "querystring_nopage": table.query() + "&" if table.query() else "",
        },
    )


@login_required
def venue_create(request):
    school = _school(request)
    organizations = services.venue_organizations(request.user, school).order_by("path")
    form = VenueForm(request.POST or None, organizations=organizations, partners=services.open_partners(school))
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.venue_create(request, school, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已新建阵地“%(name)s”。") % {"name": venue.name})
            return redirect("school:venue_detail", venue.pk)
    return _form_page(request, form, _("新建阵地"), "school:venue_list")


@login_required
def venue_edit(request, pk: int):
    venue = _venue(request, pk)
    organizations = services.venue_organizations(request.user, venue.school).order_by("path")
    partners = list(services.open_partners(venue.school))
    if venue.partner_id and venue.partner_id not in {p.pk for p in partners}:
        partners.append(venue.partner)
    form = VenueForm(request.POST or None, initial=VenueForm.initial_for(venue), organizations=organizations, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(request, venue, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("阵地信息已保存。"))
            return redirect("school:venue_detail", venue.pk)
    return _form_page(request, form, _("编辑阵地：%(name)s") % {"name": venue.name}, "school:venue_list", obj=venue)


@login_required
@require_POST
def venue_retire(request, pk: int):
    venue = _venue(request, pk)
    action = services.venue_reinstate if request.POST.get("action") == "reinstate" else services.venue_retire
    try:
        action(request, venue)
    except services.NetworkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("阵地已停用。") if not venue.is_active else _("阵地已恢复启用。"))
    return redirect("school:venue_detail", venue.pk)


# --- Partners and agreements ---------------------------------------------------------------------


@login_required
def partner_create(request):
    school = _board_school(request)
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_create(request, school, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已新建共建单位“%(name)s”。") % {"name": partner.name})
            return redirect("school:partner_detail", partner.pk)
    return _form_page(request, form, _("新建共建单位"), "school:partner_list")


@login_required
def partner_edit(request, pk: int):
    partner = _partner(request, pk)
    form = PartnerForm(request.POST or None, initial=PartnerForm.initial_for(partner))
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(request, partner, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("共建单位信息已保存。"))
            return redirect("school:partner_detail", partner.pk)
    return _form_page(request, form, _("编辑共建单位：%(name)s") % {"name": partner.name}, "school:partner_list", obj=partner)


@login_required
@require_POST
def partner_retire(request, pk: int):
    partner = _partner(request, pk)
    try:
        services.partner_retire(request, partner)
    except services.NetworkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("共建单位已停用，履行中的协议同日终止。"))
    return redirect("school:partner_detail", partner.pk)


@login_required
def agreement_create(request, pk: int):
    partner = _partner(request, pk)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_create(request, partner, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("协议已保存。"))
            return redirect("school:partner_detail", partner.pk)
    return _form_page(request, form, _("签订共建协议：%(name)s") % {"name": partner.name}, "school:partner_list")


@login_required
def agreement_renew(request, pk: int):
    agreement = _agreement(request, pk)
    form = AgreementForm(request.POST or None, initial=services.renewal_defaults(agreement))
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_renew(request, agreement, **form.cleaned_data)
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已续签，新协议接续原协议。"))
            return redirect("school:partner_detail", agreement.partner_id)
    return _form_page(request, form, _("续签协议：%(title)s") % {"title": agreement.title}, "school:partner_list")


@login_required
def agreement_end(request, pk: int):
    agreement = _agreement(request, pk)
    form = AgreementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_end(request, agreement, reason=form.cleaned_data["reason"], on=form.cleaned_data["on"])
        except services.NetworkError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("协议已终止。"))
            return redirect("school:partner_detail", agreement.partner_id)
    return _form_page(request, form, _("终止协议：%(title)s") % {"title": agreement.title}, "school:partner_list")
