"""The lobby screen (大屏) and its kiosk accounts, and the export of the members at risk."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.school.models import School

from . import kiosk as kiosks


def _lobby_school(request) -> School:
    """A kiosk's own school; for the board, the highest school they sit on (to preview the screen)."""
    if request.session.get(kiosks.SESSION_KEY):
        account = kiosks.kiosk_of_user(request.user)
        if account is None:
            raise Http404
        return account.school
    school = access.board_schools(request.user).select_related("organization").order_by("organization__depth", "pk").first()
    if school is None:
        raise Http404
    return school


@login_required
def lobby(request):
    return render(request, "reports/lobby.html", {"lobby": kiosks.lobby(_lobby_school(request))})


@login_required
def lobby_fragment(request):
    return render(request, "reports/_lobby_body.html", {"lobby": kiosks.lobby(_lobby_school(request))})


def kiosk_enter(request, key: str):
    """The link shown once when the board creates the kiosk: signs the screen in as its account."""
    account = kiosks.kiosk_for_key(key)
    if account is None or not account.user.is_active:
        raise Http404(_("大屏链接无效或已停用"))
    login(request, account.user, backend="dangxiao.people.auth.PhoneBackend")
    request.session[kiosks.SESSION_KEY] = account.pk
    return redirect("lobby")


@login_required
def kiosk_list(request):
    """The board's lobby screens: create one (its link is shown once), retire one."""
    schools = list(access.board_schools(request.user).select_related("organization").order_by("organization__path"))
    access.require(bool(schools))
    new_link = None
    if request.method == "POST":
        school = next((s for s in schools if str(s.pk) == request.POST.get("school", str(schools[0].pk))), None)
        if school is None:
            raise Http404
        try:
            account, key = kiosks.kiosk_create(request.user, school, request.POST.get("name", ""), request=request)
        except kiosks.KioskError as e:
            messages.error(request, str(e))
        else:
            new_link = request.build_absolute_uri(f"/lobby/enter/{key}/")
            messages.success(request, _("已新建大屏账号“%(name)s”") % {"name": account.name})
    accounts = access.filter_kiosks(request.user).select_related("school__organization")[:100]
    return render(
        request,
        "reports/kiosk_list.html",
        {"active": "school", "accounts": accounts, "schools": schools, "new_link": new_link},
    )


@login_required
@require_POST
def kiosk_retire(request, pk: int):
    account = access.get_kiosk_or_404(request.user, pk, access.filter_kiosks(request.user).select_related("school"))
    try:
        kiosks.kiosk_retire(request.user, account, request=request)
    except kiosks.KioskError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已停用大屏账号“%(name)s”") % {"name": account.name})
    return redirect("kiosk_list")
