"""Staff pages for one member: add, edit, 转正, transfer, leaving, and the transfer inbox.

Members are loaded through the access helpers (out of scope: 404); each view parses, calls one service,
renders; a refused write shows the form again with the reasons (422) and changes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access

from . import member_services as ms
from . import selectors, services
from .member_forms import ConfirmForm, LeaveForm, MemberForm, RefuseForm, TransferForm
from .models import Member


def _staff(request) -> None:
    access.require(access.scope_for(request.user).can_import_roster)


def _managed_member(request, pk) -> Member:
    """A member on the user's roster (staff scope), never their own record alone."""
    _staff(request)
    return access.get_member_or_404(request.user, pk, access.filter_roster(request.user).select_related("organization"))


def _choices(orgs) -> list[tuple[int, str]]:
    return [(o.pk, "\u3000" * max(o.depth - 1, 0) + o.name) for o in orgs.only("id", "name", "depth", "path").order_by("path")]


@login_required
def member_create(request):
    _staff(request)
    organizations = _choices(selectors.managed_organizations(request.user).filter(dissolved_on__isnull=True))
    form = MemberForm(request.POST or None, organizations=organizations, initial={"organization": request.GET.get("organization", "")})
    if request.method == "POST" and form.is_valid():
        org = selectors.managed_organizations(request.user).filter(pk=form.cleaned_data.get("organization") or None).first()
        try:
            if org is None:
                raise ms.MemberError([("organization", _("请选择所在组织"))])
            member = ms.member_create(request.user, org, form.raw(), request=request)
        except ms.MemberError as exc:
            form.show(exc)
        else:
            messages.success(request, _("已添加党员 %(name)s。") % {"name": member.name})
            return redirect("people:member_detail", member.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/member_form.html", {"active": "members", "form": form, "member": None}, status=status)


@login_required
def member_edit(request, pk: int):
    member = _managed_member(request, pk)
    form = MemberForm(request.POST or None, initial=MemberForm.initial_for(member))
    if request.method == "POST" and form.is_valid():
        try:
            changed = ms.member_update(request.user, member, form.raw(), request=request)
        except ms.MemberError as exc:
            form.show(exc)
        else:
            messages.success(request, _("已保存。") if changed else _("没有修改。"))
            return redirect("people:member_detail", member.pk)
    if request.method != "POST":  # the form shows the full phone and ID number: a reveal
        services.member_reveal(request, member)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/member_form.html", {"active": "members", "form": form, "member": member}, status=status)


@login_required
def member_confirm(request, pk: int):
    member = _managed_member(request, pk)
    form = ConfirmForm(request.POST or None, initial={"confirmed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            ms.member_confirm(request.user, member, form.cleaned_data["confirmed_on"], request=request)
        except ms.MemberError as exc:
            form.show(exc)
        else:
            messages.success(request, _("%(name)s 已转为正式党员。") % {"name": member.name})
            return redirect("people:member_detail", member.pk)
    return _action_page(request, member, form, _("预备党员转正"), _("转正"))


@login_required
def member_transfer(request, pk: int):
    member = _managed_member(request, pk)
    targets = selectors.same_committee_organizations(member.organization).exclude(pk=member.organization_id)
    targets = targets.filter(dissolved_on__isnull=True)
    form = TransferForm(request.POST or None, organizations=_choices(targets), initial={"transferred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        target = targets.filter(pk=form.cleaned_data["to_organization"]).first()
        try:
            if target is None:
                raise ms.MemberError([("to_organization", _("接收组织不存在或不在本街道党工委内；转往街道以外请登记“转出”"))])
            transfer = ms.member_transfer(
                request.user, member, target, on=form.cleaned_data["transferred_on"], note=form.cleaned_data["note"], request=request
            )
        except ms.MemberError as exc:
            form.show(exc)
        else:
            if transfer.status == transfer.Status.ACCEPTED:
                messages.success(request, _("%(name)s 已转入 %(org)s。") % {"name": member.name, "org": target.name})
            else:
                messages.info(request, _("已向 %(org)s 发出转接申请，对方接收后生效。") % {"org": target.name})
            return redirect("people:member_detail", member.pk)
    return _action_page(request, member, form, _("组织关系转接"), _("转接"))


@login_required
def member_leave(request, pk: int):
    member = _managed_member(request, pk)
    form = LeaveForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ms.member_leave(request.user, member, on=data["left_on"], reason=data["reason"], note=data["note"], request=request)
        except ms.MemberError as exc:
            form.show(exc)
        else:
            messages.success(request, _("已登记 %(name)s 离开，其记录保留备查。") % {"name": member.name})
            return redirect("people:member_detail", member.pk)
    return _action_page(request, member, form, _("登记党员离开"), _("登记离开"))


def _action_page(request, member, form, title, button):
    status = 422 if request.method == "POST" else 200
    context = {"active": "members", "member": member, "form": form, "title": title, "button": button}
    return render(request, "people/member_action.html", context, status=status)


@login_required
def transfer_inbox(request):
    _staff(request)
    return render(
        request, "people/transfer_inbox.html", {"active": "members", "refuse_form": RefuseForm(), **selectors.transfer_inbox(request.user)}
    )


@login_required
@require_POST
def transfer_accept(request, pk: int):
    _staff(request)
    transfer = selectors.get_incoming_transfer_or_404(request.user, pk)
    try:
        ms.transfer_accept(request.user, transfer, request=request)
    except ms.MemberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已接收 %(name)s。") % {"name": transfer.member.name})
    return redirect("people:transfer_inbox")


@login_required
@require_POST
def transfer_withdraw(request, pk: int):
    _staff(request)
    transfer = selectors.get_outgoing_transfer_or_404(request.user, pk)
    try:
        ms.transfer_withdraw(request.user, transfer, request=request)
    except ms.MemberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤回 %(name)s 的转接申请。") % {"name": transfer.member.name})
    return redirect("people:transfer_inbox")


@login_required
@require_POST
def transfer_refuse(request, pk: int):
    _staff(request)
    transfer = selectors.get_incoming_transfer_or_404(request.user, pk)
    form = RefuseForm(request.POST)
    try:
        ms.transfer_refuse(request.user, transfer, form.data.get("reason", ""), request=request)
    except ms.MemberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已拒绝 %(name)s 的转接申请。") % {"name": transfer.member.name})
    return redirect("people:transfer_inbox")
