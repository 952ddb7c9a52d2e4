"""Issuing activation codes: a printed sheet or an Excel column for the roster's members, or one member's
code on their page. Each view parses, calls one service, answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.pdf import qr_data_uri, render_pdf

from . import activation, selectors, services
from .forms import ActivationIssueForm
from .views import _filters, _xlsx

SHEET_MAX = 300  # slips in one PDF


def _activation_url(request) -> str:
    return request.build_absolute_uri(reverse("activate"))


@login_required
@never_cache
def activation_codes(request):
    """Codes for the members the roster's filters select (the query string), as a sheet or a spreadsheet."""
    access.require(access.scope_for(request.user).can_import_roster)
    filter_form, filters = _filters(request)
    members = selectors.member_list(request.user, filters)
    form = ActivationIssueForm(request.POST or None)
    counts = activation.activation_counts(request.user, members)
    if request.method == "POST" and form.is_valid():
        replace, as_pdf = form.cleaned_data["replace"], form.cleaned_data["format"] == "pdf"
        description = filters.describe()
        if as_pdf and counts["eligible"] - (0 if replace else counts["holding"]) > SHEET_MAX:
            # WeasyPrint lays out some 25 slips a second: a bigger sheet would outlast the worker's timeout
            # after the codes were issued, and the codes would be lost with it.
            messages.error(request, _("一次最多打印 %(max)d 人的激活码，请先按组织筛选，分批打印。") % {"max": SHEET_MAX})
            return redirect(request.get_full_path())
        issued = activation.activation_codes_issue(request.user, members, replace=replace, request=request, description=description)
        today = timezone.localdate()
        if as_pdf:
            if not issued:
                messages.warning(request, _("没有需要生成激活码的党员：所选党员都已激活，或已持有有效的激活码。"))
                return redirect(request.get_full_path())
            pdf = activation_sheet_pdf(issued, _activation_url(request))
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''党员激活码-{today:%Y%m%d}.pdf"
            return response
        column = activation.activation_column(members, issued)
        data = services.roster_export(request.user, members, request=request, description=description, activation=column)
        return _xlsx(data, f"党员名单-激活码-{today:%Y%m%d}.xlsx")
    context = {
        "active": "members",
        "form": form,
        "filters": filters,
        "counts": counts,
        "query": request.GET.urlencode(),
        "days": activation.code_days(),
    }
    return render(request, "people/activation_codes.html", context, status=400 if form.errors else 200)


def activation_sheet_pdf(issued: list[activation.IssuedCode], url: str) -> bytes:
    """The sheet to cut into slips, one per member: name, organisation, masked phone, code, last day, how."""
    return render_pdf(
        "people/documents/activation_sheet.html",
        {"slips": issued, "url": url, "qr": qr_data_uri(url), "printed_on": timezone.localdate()},
    )


@login_required
@never_cache
@require_POST
def member_activation_code(request, pk: int):
    """A new code for one member (the previous one stops working), shown once."""
    access.require(access.scope_for(request.user).can_import_roster)
    member = access.get_member_or_404(request.user, pk, access.filter_roster(request.user).select_related("organization"))
    issued = activation.activation_codes_issue(
        request.user, access.filter_roster(request.user).filter(pk=member.pk), replace=True, request=request
    )
    if not issued:
        messages.error(request, _("该党员的账号已在使用，不能发放激活码。"))
        return redirect("people:member_detail", pk=member.pk)
    return render(
        request,
        "people/activation_code.html",
        {"active": "members", "member": member, "issued": issued[0], "url": _activation_url(request)},
    )
