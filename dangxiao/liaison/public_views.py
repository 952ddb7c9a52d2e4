"""Residents' pages, no account needed (phone first): report a matter from the compound's QR poster,
follow it on a private link, and the compound's public progress board; and the poster itself.

The compound's page is reached by its public token (a new token retires old posters); a matter's
page by the reporter's private token. Neither page shows anyone's name or phone: the board shows
category, a short description, state and dates; a matter's history shows who acted only when it was
a grid leader (a 邻长 is a neighbour residents know), otherwise "社区工作人员".
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from dangxiao.core import access
from dangxiao.core.audit import client_ip
from dangxiao.core.middleware import limits_its_body
from dangxiao.core.params import id_param

from . import poster, selectors, services
from .models import Building, Compound, GridRole, Matter, StateType
from .public_forms import MAX_BODY_BYTES, NoteForm, ReopenForm, ReportForm
from .services import MatterError

GRID_SUFFIXES = tuple(f"（{label}）" for _code, label in GridRole.Kind.choices)
SIMILAR_LIMIT = 5


def _public(response: HttpResponse) -> HttpResponse:
    """Keep the tokens in these addresses out of search engines and other sites' logs."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"  # not no-referrer: browsers then send "Origin: null" and CSRF refuses the form
    response["Cache-Control"] = "no-store"
    return response


def _compound(token: str) -> Compound:
    return get_object_or_404(Compound.objects.only("pk", "name", "public_token"), public_token=token)


def _similar(compound: Compound, category_id, now) -> list[Matter]:
    """Accepted matters of the same compound and category in the last 30 days (what residents may see)."""
    if not category_id:
        return []
    probe = Matter(compound_id=compound.pk, category_id=category_id, created_at=now)
    found = selectors.nearby_duplicates(probe, limit=SIMILAR_LIMIT * 4)
    return [m for m in found if m.state != "reported" and m.created_at <= now][:SIMILAR_LIMIT]


def _labelled(matters: list[Matter]) -> list[Matter]:
    """Each matter with its working committee's label for its state (one query)."""
    return selectors.label_matters(matters)


def _too_large(request) -> bool:
    """Django limits the non-file fields only (DATA_UPLOAD_MAX_MEMORY_SIZE): the whole body is checked
    here, before anything reads it."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
    except ValueError:
        return True


def _report_context(compound: Compound, form: ReportForm, **extra) -> dict:
    categories = list(form.fields["category"].queryset.only("pk", "name", "description"))
    buildings = list(Building.objects.filter(compound=compound).only("pk", "name"))
    return {
        "compound": compound,
        "form": form,
        "categories": categories,
        "buildings": buildings,
        "chosen_category": str(form["category"].value() or ""),
        "chosen_building": str(form["building"].value() or ""),
        "max_mb": MAX_BODY_BYTES // (1024 * 1024),
        **extra,
    }


def _render_report(request, compound: Compound, form: ReportForm, *, status: int = 200, **extra) -> HttpResponse:
    context = _report_context(compound, form, **extra)
    return _public(render(request, "liaison/public/report.html", context, status=status))


def _report_post(request, compound: Compound) -> HttpResponse:
    form = ReportForm(compound, request.POST)
    if form.is_bot:
        # Look exactly as pleased as for a person, and keep nothing.
        return _public(render(request, "liaison/public/thanks.html", {"compound": compound}))
    photos = request.FILES.getlist("photos")
    if not form.is_valid():
        return _render_report(request, compound, form, status=422, photos_lost=bool(photos))
    data = form.cleaned_data
    now = timezone.now()
    similar = _similar(compound, data["category"].pk, now)
    if similar and not data["confirm"]:
        return _render_report(request, compound, form, similar=_labelled(similar), ask_confirm=True, photos_lost=bool(photos))
    try:
        matter = services.matter_report(
            compound,
            category=data["category"],
            description=data["description"],
            location=data["location"],
            building=data["building"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            photos=photos,
            source=Matter.Source.PUBLIC,
            address_fingerprint=services.fingerprint(client_ip(request)),
            now=now,
        )
    except MatterError as exc:
        return _render_report(request, compound, form, status=422, error=str(exc), photos_lost=bool(photos))
    return redirect(reverse("residents:matter", args=[matter.token]) + "?new=1")


@limits_its_body  # and the NUL check leaves a large body to it, for the same reason
@csrf_exempt  # checked below, after the size: the middleware would read the whole body first
@require_http_methods(["GET", "POST"])
def report(request, token: str):
    compound = _compound(token)
    if request.method == "POST" and _too_large(request):
        form = ReportForm(compound)
        message = _("提交的内容过大（超过 %(mb)d MB），请少选几张照片或压缩后再试") % {"mb": MAX_BODY_BYTES // (1024 * 1024)}
        response = _render_report(request, compound, form, status=413, error=message)
        response["Connection"] = "close"  # the unread body is not worth draining
        return response
    return _report_checked(request, compound)


@csrf_protect
def _report_checked(request, compound: Compound) -> HttpResponse:
    if request.method == "POST":
        return _report_post(request, compound)
    return _render_report(request, compound, ReportForm(compound))


@require_GET
def similar(request, token: str):
    """The list under the category choice (htmx): is it the same problem as one already reported?"""
    compound = _compound(token)
    similar = _similar(compound, id_param(request.GET.get("category")), timezone.now())
    # Having seen the list here, the resident is not asked again on submitting (and keeps their photos).
    context = {"compound": compound, "similar": _labelled(similar), "seen": True}
    return _public(render(request, "liaison/public/_similar.html", context))


@require_GET
def board(request, token: str):
    compound = _compound(token)
    year = timezone.localdate().year
    context = {
        "compound": compound,
        "matters": _labelled(selectors.public_board(compound)),
        "counts": selectors.board_counts(compound, year),
        "year": year,
    }
    return _public(render(request, "liaison/public/board.html", context))


# --- The reporter's private page --------------------------------------------------------------------


def _who(update) -> str:
    """Who acted, as a resident may see it: grid leaders by name and role, the reporter, the system;
    anyone else as community staff."""
    label = update.actor_label or ""
    if update.actor_id is None or label.endswith(GRID_SUFFIXES):
        return label or _("社区工作人员")
    return _("社区工作人员")


def _matter(token: str) -> Matter:
    queryset = Matter.objects.select_related("category", "compound", "duplicate_of")
    try:
        return queryset.get(token=token)
    except Matter.DoesNotExist:
        raise Http404(_("没有找到这条反映，请核对链接或查询码")) from None


def _reporter_actions(matter: Matter) -> dict:
    fixed = matter.state_type == StateType.FIXED
    return {
        "can_withdraw": matter.state == "reported",
        "can_confirm": fixed and matter.confirmed_fixed_at is None and matter.follow_up_asked_at is None,
        "can_reopen": fixed,
        "ask_follow_up": fixed and matter.follow_up_asked_at is not None and matter.stayed_fixed is None,
    }


def _render_matter(request, matter: Matter, *, status: int = 200, **extra) -> HttpResponse:
    updates = list(matter.updates.filter(public=True).only("at", "kind", "actor_id", "actor_label", "to_state", "note"))
    labels = selectors.state_labels(matter.category.working_committee_id)
    matter.state_label = labels.get(matter.state, matter.state)
    for u in updates:
        u.who = _who(u)
        u.state_label = labels.get(u.to_state, "")
    context = {
        "matter": matter,
        "updates": updates,
        "photo_count": matter.photos.filter(stage="report").count(),
        "is_new": request.GET.get("new") == "1",
        "reopen_form": extra.pop("reopen_form", None) or ReopenForm(),
        "note_form": NoteForm(),
        "link": request.build_absolute_uri(reverse("residents:matter", args=[matter.token])),
        **_reporter_actions(matter),
        **extra,
    }
    return _public(render(request, "liaison/public/matter.html", context, status=status))


@require_http_methods(["GET", "POST"])
def matter(request, token: str):
    matter = _matter(token)
    if request.method != "POST":
        return _render_matter(request, matter)
    action = request.POST.get("action", "")
    note = (request.POST.get("note") or "").strip()[:500]
    try:
        if action == "withdraw":
            if matter.state != "reported":
                raise MatterError(_("事项已受理，不能再撤回；如问题已自行解决，请告诉您的邻长"))
            services.matter_set_state(matter, None, "withdrawn", note=note or _("反映人撤回了反映"))
            done = _("已撤回这条反映")
        elif action == "confirm":
            services.matter_confirm_fixed(matter, note=note)
            done = _("感谢您确认问题已解决")
        elif action == "reopen":
            form = ReopenForm(request.POST)
            if not form.is_valid():
                return _render_matter(request, matter, status=422, reopen_form=form, open_reopen=True)
            services.matter_reopen(matter, note=form.cleaned_data["note"])
            done = _("已重新打开，处理人员会再次跟进")
        elif action in ("stayed_fixed", "came_back"):
            services.matter_follow_up_answer(matter, stayed_fixed=action == "stayed_fixed", note=note)
            done = _("感谢您的回复") if action == "stayed_fixed" else _("已重新打开，处理人员会再次跟进")
        else:
            return _render_matter(request, matter, status=422, error=_("未知的操作"))
    except MatterError as exc:
        return _render_matter(request, matter, status=422, error=str(exc))
    messages.success(request, done)
    return redirect("residents:matter", token=matter.token)


@require_GET
def lookup(request):
    """The follow-up code typed on the report page: to the matter's page."""
    code = re.sub(r"[^A-Za-z0-9_-]", "", request.GET.get("code") or "")[:32]
    if not code:
        raise Http404(_("请输入查询码"))
    return redirect("residents:matter", token=code)


# --- The poster (staff) ------------------------------------------------------------------------------


@login_required
@require_GET
def poster_pdf(request, pk: int):
    compound = access.get_compound_or_404(request.user, pk, manage=True)
    url = request.build_absolute_uri(reverse("residents:report", args=[compound.public_token]))
    response = HttpResponse(poster.poster_pdf(compound, url), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"居民意见征求-{compound.name}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response
