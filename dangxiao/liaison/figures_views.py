"""The liaison figures (staff and grid leaders, over the matters they handle) and the board's
liaison settings (categories, state labels, canned replies)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access

from . import figures as figures_selectors
from . import selectors, settings_services
from .figures_forms import CannedReplyFormSet, CategoryFormSet, FiguresFilterForm, StateFormSet
from .models import StateType
from .tables import FIGURES_CATEGORIES, FIGURES_COMPOUNDS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_figures(user) -> None:
    """Staff (possibly over no compound: an empty page) and grid leaders; nobody else."""
    access.require(access.scope_for(user).is_staff or bool(access.grid_compound_ids(user)))


def _figures(request):
    _require_figures(request.user)
    now = timezone.now()
    compounds = figures_selectors.visible_compounds(request.user)
    form = FiguresFilterForm(request.GET or None, compounds=compounds, today=timezone.localdate(now))
    filters = form.filters()
    return form, figures_selectors.liaison_figures(request.user, filters, now=now, compounds=compounds)


def _matter_url(pk: int) -> str:
    # The matter page belongs to the staff pages (liaison:matter_detail); no link until it exists.
    try:
        return reverse("liaison:matter_detail", args=[pk])
    except NoReverseMatch:
        return ""


@login_required
def figures(request):
    form, data = _figures(request)
    compounds_table, categories_table = FIGURES_COMPOUNDS.bind(request), FIGURES_CATEGORIES.bind(request)
    data.by_compound, data.by_category = compounds_table.order(data.by_compound), categories_table.order(data.by_category)
    for matter in data.overdue:
        matter.url = _matter_url(matter.pk)
    charts = {
        "months": [m for m, _r, _s in data.months],
        "reported": [r for _m, r, _s in data.months],
        "resolved": [s for _m, _r, s in data.months],
        "reported_label": _("反映"),
        "resolved_label": _("解决"),
        "categories": [[row.name, row.open, row.resolved, row.closed] for row in data.by_category],
        "type_labels": [str(StateType.OPEN.label), str(StateType.FIXED.label), str(StateType.CLOSED.label)],
    }
    return render(
        request,
        "liaison/figures/figures.html",
        {
            "active": "liaison_figures",
            "form": form,
            "figures": data,
            "charts": charts,
            "export_query": compounds_table.export_query,
            "compounds_table": compounds_table,
            "categories_table": categories_table,
            "type_labels": dict(StateType.choices),
            "can_settings": access.scope_for(request.user).is_board,
        },
    )


@login_required
def figures_export(request):
    """The per-compound table as Excel (counts only, no personal data: not audited)."""
    _form, data = _figures(request)
    if request.GET.get("table") == "categories":
        return FIGURES_CATEGORIES.bind(request).export(data.by_category, "liaison-categories")
    data.by_compound = FIGURES_COMPOUNDS.bind(request).order(data.by_compound)
    response = HttpResponse(figures_selectors.compound_workbook(data), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''liaison-figures-{timezone.localdate():%Y%m%d}.xlsx"
    return response


def _committee(request, committees: list):
    """The committee chosen (?committee= or the form's field), the first one by default; another
    committee is 404."""
    chosen = request.POST.get("committee") or request.GET.get("committee")
    if not chosen:
        return committees[0]
    committee = next((c for c in committees if str(c.pk) == chosen), None)
    access.require(committee is not None)
    return committee


@login_required
def liaison_settings(request):
    """A working committee's categories, state labels and canned replies: its school's board only;
    everything saved or nothing."""
    committees = selectors.board_committees(request.user)
    access.require(bool(committees))
    committee = _committee(request, committees)
    category_qs = settings_services.categories_for_settings(committee)
    state_qs = settings_services.states_for_settings(committee)
    reply_qs = settings_services.replies_for_settings(committee)
    data = request.POST if request.method == "POST" else None
    categories = CategoryFormSet(data, queryset=category_qs, prefix="categories", committee=committee)
    states = StateFormSet(data, queryset=state_qs, prefix="states")
    state_list, category_list = list(state_qs), list(category_qs)
    replies = CannedReplyFormSet(
        data,
        queryset=reply_qs,
        prefix="replies",
        form_kwargs={"states": state_list, "categories": category_list, "committee": committee},
    )
    if request.method == "POST":
        if categories.is_valid() and states.is_valid() and replies.is_valid():
            try:
                settings_services.settings_save(committee, categories=categories, states=states, replies=replies)
            except settings_services.SettingsError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("联户设置已保存。"))
                return redirect(f"{reverse('liaison_figures:settings')}?committee={committee.pk}")
        else:
            messages.error(request, _("有填写错误，未保存任何修改，请按提示修改。"))
    return render(
        request,
        "liaison/figures/settings.html",
        {
            "active": "liaison_settings",
            "committees": committees,
            "committee": committee,
            "categories": categories,
            "states": states,
            "replies": replies,
            "type_labels": dict(StateType.choices),
        },
    )
