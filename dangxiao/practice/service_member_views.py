"""The member's phone pages of volunteer service (390 px): activities offered to them with sign-up and
withdrawal, the check-in a QR code leads to, and their service hours by year with the sources."""

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.params import year_param

from . import service_selectors
from . import service_services as services
from .models import ServiceParticipant, VolunteerService
from .service_forms import CorrectionForm

TICKET_KEY = "service_check_in_ticket"
TICKET_SECONDS = 180  # a code scanned before signing in is judged at the scan, for this long


def _member(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    return access.get_member_or_404(request.user, scope.member_id)


@login_required
def my_services(request):
    """The activities offered to the member (not ended), then what they took part in."""
    member = _member(request)
    offered = Paginator(service_selectors.open_services(request.user, member), 20).get_page(request.GET.get("page"))
    mine = Paginator(service_selectors.my_participations(member), 20).get_page(request.GET.get("mine"))
    context = {
        "active": "my_service",
        "member": member,
        "page": offered,
        "rows": service_selectors.as_open(offered),
        "mine": mine,
        "querystring_nopage": "",
        "now": timezone.now(),
    }
    return render(request, "practice/service/my_services.html", context)


def _joinable(request, pk: int) -> VolunteerService:
    return access.get_joinable_service_or_404(request.user, pk)


@login_required
@require_POST
def sign_up(request, pk: int):
    member = _member(request)
    service = _joinable(request, pk)
    try:
        services.service_sign_up(service, member)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已报名“%(title)s”") % {"title": service.title})
    return redirect("practice:my_services")


@login_required
@require_POST
def withdraw(request, pk: int):
    member = _member(request)
    service = _joinable(request, pk)
    try:
        services.service_withdraw(service, member)
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已取消报名“%(title)s”") % {"title": service.title})
    return redirect("practice:my_services")


def scan(request, pk: int, token: str):
    """Where the activity's QR leads: the check-in, judged at the moment of the scan."""
    now = timezone.now()
    if not request.user.is_authenticated:
        request.session[TICKET_KEY] = {"service": pk, "token": token, "at": now.timestamp()}
        return redirect(f"{reverse('login')}?next={request.path}")
    code_time = None
    ticket = request.session.pop(TICKET_KEY, None)
    if ticket and ticket.get("service") == pk and ticket.get("token") == token and now.timestamp() - ticket["at"] <= TICKET_SECONDS:
        code_time = datetime.fromtimestamp(ticket["at"], tz=UTC)
    member = _member(request)
    service = access.filter_joinable_services(request.user).filter(pk=pk).first()
    context, status = {"active": "my_service", "service": service}, 200
    if service is None:
        context["error"], status = _("签到码无效，或该活动未向您开放"), 404
    else:
        try:
            result = services.service_check_in(service, member, token=token, now=now, code_time=code_time)
        except services.ServiceError as exc:
            context["error"], status = str(exc), 422
        else:
            context["result"] = result
    return render(request, "practice/service/checkin_result.html", context, status=status)


@login_required
def my_hours(request):
    member = _member(request)
    this_year = timezone.localdate().year
    year = year_param(request.GET.get("year"), this_year)
    context = {
        "active": "my_service",
        "member": member,
        "year": year,
        "years": service_selectors.service_years(member, this_year),
        "record": service_selectors.member_record(member, year),
        "matter_minutes": service_selectors.MATTER_MINUTES,
    }
    return render(request, "practice/service/my_hours.html", context)


@login_required
def correction(request, pk: int):
    _member(request)
    participant = access.get_service_participant_or_404(request.user, pk, ServiceParticipant.objects.select_related("service"), own=True)
    form = CorrectionForm(request.POST or None, initial={"minutes": participant.minutes or participant.service.duration_minutes})
    if request.method == "POST" and form.is_valid():
        try:
            services.hours_correction_ask(
                participant, minutes=form.cleaned_data["minutes"], reason=form.cleaned_data["reason"], request=request
            )
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已提交更正申请，等待审核"))
            return redirect(f"{reverse('practice:my_service_hours')}?year={timezone.localtime(participant.service.starts_at).year}")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "practice/service/correction.html", {"active": "my_service", "participant": participant, "form": form}, status=status
    )
