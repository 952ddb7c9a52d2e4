"""The board's page for Open311 API keys: who may post requests, issued and revoked here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.audit import audit_record

from . import open311, selectors
from .models import Open311Client
from .services import MatterError


def _committees(request) -> list:
    """The working committees whose board the user sits on; nobody else finds the page."""
    committees = selectors.board_committees(request.user)
    access.require(bool(committees))
    return committees


@login_required
def key_list(request):
    committees = _committees(request)
    context = {"active": "liaison", "committees": committees, "new_key": None, "new_client": None, "name": ""}
    if request.method == "POST":
        chosen = next((c for c in committees if str(c.pk) == request.POST.get("committee", str(committees[0].pk))), None)
        access.require(chosen is not None)
        try:
            limit = open311.parse_hourly_limit(request.POST.get("hourly_limit", "60"))
            client, key = open311.client_issue(
                name=request.POST.get("name", ""), working_committee=chosen, issued_by=request.user, hourly_limit=limit
            )
        except MatterError as exc:
            messages.error(request, str(exc))
            context["name"] = request.POST.get("name", "")[:80]
        else:
            audit_record(
                request,
                "open311_issue",
                organization_id=chosen.pk,
                object_type="open311client",
                object_id=client.pk,
                summary=f"签发 Open311 接入密钥：{client.name}（{client.key_prefix}…），每小时上限 {client.hourly_limit} 条",
            )
            # Shown in this response only: the page is rendered, not redirected, so the key is never stored.
            context.update(new_key=key, new_client=client)
    context["clients"] = open311.client_list(committees)
    return render(request, "liaison/open311/keys.html", context)


@login_required
@require_POST
def key_revoke(request, pk: int):
    client = get_object_or_404(Open311Client, pk=pk, working_committee__in=_committees(request))
    try:
        open311.client_revoke(client)
    except MatterError as exc:
        messages.error(request, str(exc))
    else:
        audit_record(
            request,
            "open311_revoke",
            organization_id=client.working_committee_id,
            object_type="open311client",
            object_id=client.pk,
            summary=f"吊销 Open311 接入密钥：{client.name}（{client.key_prefix}…）",
        )
        messages.success(request, _("已吊销“%(name)s”的密钥，该应用不能再提交反映。") % {"name": client.name})
    return redirect("open311_keys:keys")


@login_required
@require_POST
def key_limit(request, pk: int):
    """The board sets how many requests a key may post per hour."""
    client = get_object_or_404(Open311Client, pk=pk, working_committee__in=_committees(request))
    try:
        client = open311.client_set_limit(client, open311.parse_hourly_limit(request.POST.get("hourly_limit")))
    except MatterError as exc:
        messages.error(request, str(exc))
    else:
        audit_record(
            request,
            "open311_limit",
            organization_id=client.working_committee_id,
            object_type="open311client",
            object_id=client.pk,
            summary=f"设置 Open311 接入密钥 {client.name}（{client.key_prefix}…）的每小时上限为 {client.hourly_limit} 条",
        )
        messages.success(
            request, _("已将“%(name)s”的每小时提交上限设为 %(limit)s 条。") % {"name": client.name, "limit": client.hourly_limit}
        )
    return redirect("open311_keys:keys")
