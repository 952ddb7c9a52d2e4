"""The notification centre (phone-first), the user's preferences, and the board's WeCom robots."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.people.models import Organization

from . import selectors, services, staff_services
from .forms import PreferencesForm, RobotForm
from .models import WeComRobot

PAGE_SIZE = 20


@login_required
def centre(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.unread_count(request.user)
    return render(request, "notify/centre.html", {"active": "notifications", "page": page, "unread": unread, "querystring_nopage": ""})


@never_cache
def badge(request):
    """The nav's unread count, fetched by htmx after each page has loaded (and every two minutes), so that
    no page pays for it: one query here. Empty for a visitor or when nothing is unread."""
    unread = selectors.unread_count(request.user) if request.user.is_authenticated else 0
    # Rendered without the request: the navigation's context processor (roles, member) is not needed here.
    return HttpResponse(render_to_string("notify/_badge.html", {"unread": unread}))


@login_required
@require_POST
def mark_read(request, pk: int):
    """Mark one read; with `open`, go on to what it is about."""
    notification = access.get_notification_or_404(request.user, pk)
    services.notification_mark_read(notification)
    url = notification.url
    if request.POST.get("open") and url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("notify:centre")


@login_required
@require_POST
def mark_all_read(request):
    n = services.notifications_mark_all_read(request.user)
    messages.success(request, _("已将%(n)s条通知标为已读。") % {"n": n})
    return redirect("notify:centre")


@login_required
def preferences(request):
    current = selectors.preferences_for(request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_update(
                request.user,
                channels_by_kind=form.channels_by_kind(),
                quiet_enabled=form.cleaned_data["quiet_enabled"],
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
            )
            messages.success(request, _("通知设置已保存。"))
            return redirect("notify:preferences")
    else:
        initial = {
            "quiet_enabled": current["quiet_enabled"],
            "quiet_start": current["quiet_start"],
            "quiet_end": current["quiet_end"],
        }
        initial.update({f"kind_{k['kind']}": k["channels"] for k in current["kinds"]})
        form = PreferencesForm(initial=initial)
    return render(request, "notify/preferences.html", {"active": "notifications", "form": form, "current": current})


def _robot_organizations(user):
    kinds = [Organization.Kind.WORKING_COMMITTEE, Organization.Kind.COMMITTEE, Organization.Kind.GENERAL_BRANCH]
    return access.filter_robot_organizations(user).filter(kind__in=kinds).order_by("path")


@login_required
def robots(request):
    """The board's page: a WeCom group robot per organisation (matters' deadlines, teachers' terms and 学时
    warnings of its subtree are posted to the group)."""
    access.require(access.scope_for(request.user).is_board)
    organizations = _robot_organizations(request.user)
    form = RobotForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.robot_set(
                form.cleaned_data["organization"],
                webhook_url=form.cleaned_data["webhook_url"],
                enabled=form.cleaned_data["enabled"],
                by=request.user,
                request=request,
            )
        except staff_services.NotifyError as exc:
            form.add_error("webhook_url", str(exc))
        else:
            messages.success(request, _("群机器人已保存。"))
            return redirect("notify:robots")
    page = Paginator(selectors.robots_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notify/robots.html", {"active": "robots", "form": form, "page": page, "querystring_nopage": ""})


@login_required
@require_POST
def robot_retire(request, pk: int):
    access.require(access.scope_for(request.user).is_board)
    try:
        robot = access.filter_wecom_robots(request.user).select_related("organization").get(pk=pk)
    except (WeComRobot.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("群机器人不存在")) from None
    staff_services.robot_retire(robot, request=request)
    messages.success(request, _("群机器人已删除。"))
    return redirect("notify:robots")


@login_required
@require_POST
def activation_sms(request, member_pk: int):
    """The secretary's "send by SMS" on a member's page: a new code, sent to the member's phone only."""
    access.require(access.scope_for(request.user).can_import_roster)
    member = access.get_member_or_404(request.user, member_pk, access.filter_roster(request.user).select_related("organization", "user"))
    try:
        staff_services.activation_sms_send(request.user, member, request=request)
    except staff_services.NotifyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("激活码已通过短信发送到%(name)s的手机。") % {"name": member.name})
    return redirect("people:member_detail", pk=member.pk)
