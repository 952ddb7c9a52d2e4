"""Staff pages of volunteer service (desktop): activities, their participants and check-in screen, the
hours approval queue and the export. Every object comes through core.access (out of scope: 404)."""

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.params import date_param, id_param, year_param

from . import service_codes, service_selectors
from . import service_services as services
from .models import ServiceParticipant, VolunteerService
from .service_export import hours_workbook
from .service_forms import CancelForm, MinutesForm, ServiceForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff(request):
    access.require(access.scope_for(request.user).is_staff)


def _service(request, pk: int) -> VolunteerService:
    return access.get_service_or_404(request.user, pk, VolunteerService.objects.select_related("organization", "venue"))


def _managed_orgs(user):
    scope = access.scope_for(user)
    qs = access.filter_organizations(user).filter(dissolved_on__isnull=True)
    q = access.staff_q(scope, "path")
    return (qs if q is None else qs.filter(q)).only("id", "name", "depth", "path").order_by("path")


def _venues(user):
    return access.filter_school_objects(user, "school.Venue").order_by("name")[:200]


@login_required
def service_list(request):
    _staff(request)
    org_id = id_param(request.GET.get("org"))
    since, until = date_param(request.GET.get("since")), date_param(request.GET.get("until"))
    kind = request.GET.get("kind", "")
    qs = service_selectors.managed_services(request.user, organization_id=org_id, since=since, until=until, kind=kind)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    kept = {k: v for k, v in {"org": org_id or "", "since": since or "", "until": until or "", "kind": kind}.items() if v}
    context = {
        "active": "service",
        "page": page,
        "organizations": _managed_orgs(request.user)[:500],
        "kinds": VolunteerService.Kind.choices,
        "filters": {"org": org_id, "since": since, "until": until, "kind": kind},
        "querystring_nopage": urlencode(kept) + "&" if kept else "",
        "year": timezone.localdate().year,
    }
    return render(request, "practice/service/list.html", context)


def _form_values(form: ServiceForm, user) -> dict:
    data = form.cleaned_data
    venue = access.filter_school_objects(user, "school.Venue").filter(pk=data["venue"]).first() if data["venue"] else None
    return {
        "title": data["title"],
        "kind": data["kind"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "description": data["description"],
        "venue": venue,
        "place": data["place"],
        "signup_limit": data["signup_limit"],
    }


@login_required
def service_new(request):
    _staff(request)
    orgs, venues = _managed_orgs(request.user), _venues(request.user)
    form = ServiceForm(request.POST or None, organizations=orgs, venues=venues)
    if request.method == "POST" and form.is_valid():
        organization = orgs.filter(pk=form.cleaned_data["organization"]).first()
        if organization is None:
            form.add_error("organization", _("组织不存在或不在您的管理范围内"))
        else:
            try:
                service = services.service_create(organization, by=request.user, request=request, **_form_values(form, request.user))
            except services.ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已新建活动“%(title)s”") % {"title": service.title})
                return redirect("practice:service_detail", service.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "practice/service/form.html", {"active": "service", "form": form, "service": None}, status=status)


@login_required
def service_edit(request, pk: int):
    _staff(request)
    service = _service(request, pk)
    initial = {
        "title": service.title,
        "kind": service.kind,
        "organization": service.organization_id,
        "starts_at": timezone.localtime(service.starts_at),
        "ends_at": timezone.localtime(service.ends_at),
        "venue": service.venue_id,
        "place": service.place,
        "signup_limit": service.signup_limit,
        "description": service.description,
    }
    orgs = access.filter_organizations(request.user).filter(pk=service.organization_id)
    form = ServiceForm(request.POST or None, initial=initial, organizations=orgs, venues=_venues(request.user))
    form.fields["organization"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(service, request=request, **_form_values(form, request.user))
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("practice:service_detail", service.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "practice/service/form.html", {"active": "service", "form": form, "service": service}, status=status)


@login_required
def service_detail(request, pk: int):
    _staff(request)
    service = _service(request, pk)
    page = Paginator(service_selectors.participants(service), 50).get_page(request.GET.get("page"))
    counts = service.participants.filter(status=ServiceParticipant.Status.SIGNED_UP).order_by().values_list("checked_in_at", flat=True)
    counts = list(counts)
    now = timezone.now()
    context = {
        "active": "service",
        "service": service,
        "page": page,
        "signed": len(counts),
        "came": sum(1 for c in counts if c),
        "ended": now >= service.ends_at,
        "can_mark": now >= service.starts_at - services.CHECK_IN_OPENS and not service.is_cancelled,
        "cancel_form": CancelForm(),
        "querystring_nopage": "",
    }
    return render(request, "practice/service/detail.html", context)


@login_required
@require_POST
def service_cancel(request, pk: int):
    _staff(request)
    service = _service(request, pk)
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ServiceError(_("请填写取消原因（不超过 200 个字）"))
        services.service_cancel(service, reason=form.cleaned_data["reason"], request=request)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("活动已取消"))
    return redirect("practice:service_detail", service.pk)


@login_required
@require_POST
def service_presence(request, pk: int):
    _staff(request)
    service = _service(request, pk)
    present = {i for i in (id_param(v) for v in request.POST.getlist("present")) if i}
    shown = {i for i in (id_param(v) for v in request.POST.getlist("shown")) if i}
    try:
        result = services.service_mark_presence(service, present, among=shown, request=request)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已标记到场 %(marked)s 人，取消 %(cleared)s 人") % result)
    return redirect("practice:service_detail", service.pk)


@login_required
@require_POST
def service_hours(request, pk: int):
    _staff(request)
    service = _service(request, pk)
    try:
        count = services.hours_record(service, request=request)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已为 %(n)s 人记录服务时长，等待审核") % {"n": count})
    return redirect("practice:service_detail", service.pk)


@login_required
@require_POST
def participant_minutes(request, pk: int):
    _staff(request)
    participant = access.get_service_participant_or_404(request.user, pk, ServiceParticipant.objects.select_related("member"))
    form = MinutesForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ServiceError(_("服务时长须在 1 至 %(max)s 分钟之间") % {"max": services.MAX_MINUTES})
        services.hours_adjust(participant, minutes=form.cleaned_data["minutes"], note=form.cleaned_data["note"], request=request)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已调整%(name)s的服务时长") % {"name": participant.member.name})
    return redirect("practice:service_detail", participant.service_id)


# --- The check-in screen --------------------------------------------------------------------------


@login_required
def service_display(request, pk: int):
    _staff(request)
    return render(request, "practice/service/display.html", {"service": _service(request, pk)})


@login_required
def service_display_code(request, pk: int):
    """The fragment the screen polls (htmx): the QR of the current code, and who has checked in."""
    _staff(request)
    service = _service(request, pk)
    now = timezone.now()
    came = service.participants.filter(status=ServiceParticipant.Status.SIGNED_UP, checked_in_at__isnull=False).count()
    context = {"service": service, "came": came}
    if service.is_cancelled or now > service.ends_at or now < service.starts_at - services.CHECK_IN_OPENS:
        context["closed"] = True
    else:
        code = service_codes.current(service.pk, now)
        url = request.build_absolute_uri(reverse("practice:service_scan", args=[service.pk, code.token]))
        context.update(url=url, qr=segno.make(url, error="m").svg_inline(scale=8, dark="#111", light="#fff", omitsize=True))
    return render(request, "practice/service/_display_code.html", context)


# --- The approval queue and the export ------------------------------------------------------------


@login_required
def service_queue(request):
    _staff(request)
    qs = service_selectors.queue(request.user)
    kind = request.GET.get("kind", "")
    if kind == "correction":
        qs = qs.filter(hours_status=ServiceParticipant.Hours.CORRECTION)
    elif kind == "pending":
        qs = qs.filter(hours_status=ServiceParticipant.Hours.PENDING)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {"active": "service_queue", "page": page, "kind": kind, "querystring_nopage": f"kind={kind}&" if kind else ""}
    return render(request, "practice/service/queue.html", context)


@login_required
@require_POST
def service_queue_approve(request):
    _staff(request)
    ids = [i for i in (id_param(v) for v in request.POST.getlist("participant")) if i]
    try:
        result = services.hours_approve(access.filter_service_participants(request.user), ids, by=request.user, request=request)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已审核通过 %(n)s 条") % {"n": len(result.approved)})
        for line in result.refused[:10]:
            messages.warning(request, line)
    return redirect("practice:service_queue")


@login_required
@require_POST
def service_correction_decide(request, pk: int):
    _staff(request)
    participant = access.get_service_participant_or_404(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    try:
        services.hours_correction_decide(
            participant, accept=accept, note=request.POST.get("note", "")[:200], by=request.user, request=request
        )
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已同意更正") if accept else _("已驳回更正申请，原时长有效"))
    return redirect("practice:service_queue")


@login_required
def service_export(request):
    _staff(request)
    year = year_param(request.GET.get("year"), timezone.localdate().year)
    full = request.GET.get("full") == "1" and access.scope_for(request.user).can_reveal_personal_data
    data = hours_workbook(request.user, year, organization_id=id_param(request.GET.get("org")), full=full, request=request)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{year}-volunteer-service.xlsx"
    return response
