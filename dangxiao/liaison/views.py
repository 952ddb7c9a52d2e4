"""The handlers' matter pages: the queue, one matter with its actions, recording on a resident's
behalf. Staff and grid leaders (片长/组长/邻长 with an account) use them; every matter is loaded
through access.get_matter_or_404, so another compound's matter is simply not there (404).

Each action parses a form, calls one service inside a transaction, and either redirects back to
the matter or renders it again (422) with the service's Chinese message and the typed input kept.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangxiao.core import access, tables
from dangxiao.core.audit import audit_record
from dangxiao.core.masking import mask_phone
from dangxiao.core.uploads import private_file_response

from . import selectors, services
from .figures import Period
from .forms import (
    AcceptForm,
    AssignForm,
    MatterFilterForm,
    MergeForm,
    NoteForm,
    RecordForm,
    ResolveForm,
    StateForm,
)
from .models import STATE_TYPES, GridRole, Household, Matter, MatterCategory, StateType
from .selectors import follow_up_q, overdue_q
from .services import MatterError
from .tables import MATTERS, with_deadline

PAGE_SIZE = 30
# The queue's tabs: key, label, the query that selects it. 待受理 first: that is where the work starts.
TABS = [
    ("reported", gettext_lazy("待受理"), "state=reported"),
    ("open", gettext_lazy("未办结"), "type=open"),  # every open state, 待受理 included
    ("overdue", gettext_lazy("已逾期"), "overdue=1"),
    ("follow_up", gettext_lazy("待回访"), "follow_up=1"),
    ("fixed", gettext_lazy("已解决"), "type=fixed"),
    ("closed", gettext_lazy("已关闭"), "type=closed"),
    ("all", gettext_lazy("全部"), "type=all"),
]
TAB_PARAMS = ("state", "type", "overdue", "follow_up", "page")


def _require_handler(request) -> None:
    """Staff, or a grid leader with an account; anyone else finds no such page."""
    user = request.user
    access.require(access.scope_for(user).is_staff or bool(access.grid_compound_ids(user)))


# --- The queue ---------------------------------------------------------------------------------


@login_required
def matter_list(request):
    user, now = request.user, timezone.now()
    form, matters, table, extra = _matter_rows(request)
    open_codes = [c for c, t in STATE_TYPES.items() if t == StateType.OPEN]
    counts = matters.aggregate(
        reported=Count("pk", filter=Q(state="reported")),
        open=Count("pk", filter=Q(state__in=open_codes)),
        overdue=Count("pk", filter=overdue_q(now)),
        follow_up=Count("pk", filter=follow_up_q(now)),
        fixed=Count("pk", filter=Q(state__in=[c for c, t in STATE_TYPES.items() if t == StateType.FIXED])),
        closed=Count("pk", filter=Q(state__in=[c for c, t in STATE_TYPES.items() if t == StateType.CLOSED])),
        all=Count("pk"),
    )
    rows = table.order(with_deadline(selectors.matter_list(form.apply_tab(matters, now))))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    compounds = list(selectors.with_committee(access.filter_compounds(user)).only("id", "name").order_by("name"))
    committees = selectors.committee_ids_of(compounds)
    labels_by_committee = selectors.state_labels_by_committee(committees)
    defaults = selectors.default_state_labels()
    # The filter offers the labels of the user's committee (the default ones to whoever handles several).
    labels = labels_by_committee.get(committees[0], defaults) if len(committees) == 1 else defaults
    for matter in page:
        matter.state_label = labels_by_committee.get(matter.category.working_committee_id, defaults).get(matter.state, matter.state)
        _deadline_facts(matter, now)
    keep = request.GET.copy()
    for key in TAB_PARAMS:
        keep.pop(key, None)
    base = keep.urlencode()
    nopage = request.GET.copy()
    nopage.pop("page", None)
    active_tab = form.tab()
    return render(
        request,
        "liaison/matters/list.html",
        {
            "active": "matters",
            "form": form,
            "values": form.values(),
            "page": page,
            "querystring_nopage": (nopage.urlencode() + "&") if nopage else "",
            "tabs": [
                (key, label, f"?{query}&{base}" if base else f"?{query}", counts[key], key == active_tab) for key, label, query in TABS
            ],
            "compounds": compounds,
            "categories": MatterCategory.objects.filter(working_committee_id__in=committees).only("id", "name"),
            "states": list(labels.items()),
            "now": now,
            "table": table,
            **extra,
        },
    )


def _matter_rows(request):
    """The queue's filters (the form's, plus the organisation subtree and the reporting dates), before
    the tab: what the tab counts are over."""
    _require_handler(request)
    user = request.user
    form = MatterFilterForm(request.GET or None)
    matters = form.apply(access.filter_matters(user), user=user, member_id=access.scope_for(user).member_id)
    staff = access.scope_for(user).is_staff
    organization = tables.organization_filter(request) if staff else None
    dates = tables.date_range(request)
    if organization is not None:
        matters = matters.filter(compound__community__path__startswith=organization.path)
    if dates.active:
        matters = matters.filter(Period(dates.start, dates.end).q())
    extra = {"organization": organization, "dates": dates, "organizations": tables.organization_choices(user) if staff else []}
    return form, matters, MATTERS.bind(request), extra


@login_required
def matter_export(request):
    """The queue as the page lists it (filters, tab and order), every page; assignees are members by
    name, so the export is audited."""
    form, matters, table, _extra = _matter_rows(request)
    rows = with_deadline(selectors.matter_list(form.apply_tab(matters, timezone.now())))
    labels = selectors.state_labels_by_committee(
        selectors.committee_ids_of(list(selectors.with_committee(access.filter_compounds(request.user)).only("id")))
    )
    defaults = selectors.default_state_labels()
    rows = list(table.order(rows)[: tables.export_row_limit(request)])
    for matter in rows:
        matter.state_label = labels.get(matter.category.working_committee_id, defaults).get(matter.state, matter.state)
    paths = access.scope_for(request.user).staff_paths
    return table.export(rows, "matters", organization_id=access.common_organization_id(paths), personal=True)


def _deadline_facts(matter: Matter, now) -> None:
    """What the pages show of a matter's deadlines: the current level's, the original one when an
    escalation has moved it (or the response came late), and whether it is overdue."""
    matter.deadline, matter.overdue = matter.current_deadline, matter.is_overdue(now)
    first = matter.first_deadline
    matter.original_deadline = first if first is not None and first != matter.deadline else None


# --- One matter --------------------------------------------------------------------------------


def _get_matter(request, pk) -> Matter:
    _require_handler(request)
    return access.get_matter_or_404(
        request.user,
        pk,
        Matter.objects.select_related(
            "compound__community",
            "category",
            "building",
            "household__building",
            "assigned_role",
            "assigned_member",
            "assigned_party",
            "duplicate_of",
            "resolved_by",
        ),
    )


ASSIGN_MEMBERS_SHOWN = 50


def _assign_form(request, matter: Matter, data=None, *, query: str = "") -> AssignForm:
    """The compound's grid roles and parties, and the members of its community in the user's scope: the
    first ASSIGN_MEMBERS_SHOWN by name, or those whose name contains `query`; any of them may be posted."""
    compound = matter.compound
    members = access.filter_members(request.user).filter(organization__path__startswith=compound.community.path)
    shown = members.filter(name__icontains=query) if query else members
    listed = list(shown.only("id", "name").order_by("name", "id")[: ASSIGN_MEMBERS_SHOWN + 1])  # one more: are there others?
    form = AssignForm(
        data,
        roles=GridRole.objects.filter(compound=compound).order_by("kind", "name"),
        members=listed[:ASSIGN_MEMBERS_SHOWN],
        member_lookup=members.only("id", "name"),
        parties=compound.parties.all(),
    )
    form.more_members = len(listed) > ASSIGN_MEMBERS_SHOWN
    return form


def _render_detail(request, matter: Matter, *, bound: dict | None = None, status: int = 200, revealed: str = ""):
    now = timezone.now()
    labels = selectors.state_labels(matter.category.working_committee_id)
    bound = bound or {}
    updates = list(matter.updates.all())
    for update in updates:
        update.from_label = labels.get(update.from_state, update.from_state)
        update.to_label = labels.get(update.to_state, update.to_state)
    matter.state_label = labels.get(matter.state, matter.state)
    _deadline_facts(matter, now)
    canned = selectors.canned_replies(matter)
    forms = {
        "accept": AcceptForm(),
        "assign": _assign_form(request, matter) if "assign" not in bound else None,
        "state": StateForm(labels=labels, current=matter.state),
        "note": NoteForm(),
        "resolve": ResolveForm(),
        "merge": MergeForm(),
        **bound,
    }
    context = {
        "active": "matters",
        "matter": matter,
        "updates": updates,
        "photos": list(matter.photos.all()),
        "merged_here": list(matter.duplicates.only("pk", "created_at", "duplicate_of_id").order_by("pk")),
        "duplicates": selectors.nearby_duplicates(matter) if matter.is_open else [],
        "canned": canned,
        "forms": forms,
        "masked_phone": mask_phone(matter.reporter_phone),
        "can_reveal": bool(matter.reporter_phone) and access.can_reveal_reporter(request.user, matter),
        "revealed": revealed,
        "now": now,
    }
    return render(request, "liaison/matters/detail.html", context, status=status)


@login_required
def matter_detail(request, pk: int):
    return _render_detail(request, _get_matter(request, pk))


@login_required
@require_POST
def matter_reveal(request, pk: int):
    """The reporter's full phone number, for the one handling the matter to call back; audited."""
    matter = _get_matter(request, pk)
    access.require(access.can_reveal_reporter(request.user, matter))
    audit_record(
        request,
        "reveal",
        organization_id=matter.compound.community_id,
        object_type="matter",
        object_id=matter.pk,
        summary=f"查看事项 #{matter.pk} 反映人{matter.reporter_name}的手机号",
    )
    if request.headers.get("HX-Request"):
        return render(request, "liaison/matters/_revealed.html", {"matter": matter})
    return _render_detail(request, matter, revealed=matter.reporter_phone)


@login_required
def matter_photo(request, pk: int, photo_pk: int):
    matter = _get_matter(request, pk)
    photo = get_object_or_404(matter.photos.all(), pk=photo_pk)
    ext = ".png" if photo.content_type == "image/png" else ".jpg"
    return private_file_response(photo.file, f"matter-{matter.pk}-{photo.pk}{ext}", photo.content_type)


def _form_errors(form) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts += [f"{label}：{e}" if label else str(e) for e in errors]
    return "；".join(parts)


def _act(request, matter: Matter, name: str, form, call, done: str):
    """Run one action: valid input → the service in a transaction → back to the matter; a refusal →
    the matter again with the message and the input kept, nothing changed."""
    if form.is_valid():
        try:
            with transaction.atomic():
                call(form.cleaned_data)
        except MatterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
            return redirect("liaison:matter_detail", matter.pk)
    else:
        messages.error(request, _form_errors(form))
    return _render_detail(request, matter, bound={name: form}, status=422)


@login_required
@require_POST
def matter_accept(request, pk: int):
    matter = _get_matter(request, pk)
    user = request.user
    return _act(
        request, matter, "accept", AcceptForm(request.POST), lambda d: services.matter_accept(matter, user, note=d["note"]), _("已受理。")
    )


@login_required
@require_POST
def matter_assign(request, pk: int):
    matter = _get_matter(request, pk)
    form = _assign_form(request, matter, request.POST)
    return _act(
        request,
        matter,
        "assign",
        form,
        lambda d: services.matter_assign(matter, request.user, note=d["note"], **form.target_kwargs()),
        _("已指派。"),
    )


@login_required
def matter_assign_members(request, pk: int):
    """The assign form's choices with the members whose name contains ?q= (htmx, as the handler types)."""
    matter = _get_matter(request, pk)
    query = request.GET.get("q", "").strip()[:40]
    form = _assign_form(request, matter, query=query)
    return render(request, "liaison/matters/_assign_target.html", {"forms": {"assign": form}, "matter": matter, "query": query})


@login_required
@require_POST
def matter_state(request, pk: int):
    matter = _get_matter(request, pk)
    form = StateForm(request.POST, labels=selectors.state_labels(matter.category.working_committee_id), current=matter.state)
    return _act(
        request,
        matter,
        "state",
        form,
        lambda d: services.matter_set_state(matter, request.user, d["state"], note=d["note"], public=d["public"]),
        _("状态已更新。"),
    )


@login_required
@require_POST
def matter_note(request, pk: int):
    matter = _get_matter(request, pk)
    return _act(
        request,
        matter,
        "note",
        NoteForm(request.POST),
        lambda d: services.matter_note(matter, request.user, d["note"], public=d["public"]),
        _("备注已添加。"),
    )


@login_required
@require_POST
def matter_resolve(request, pk: int):
    matter = _get_matter(request, pk)
    photos = request.FILES.getlist("photos")
    return _act(
        request,
        matter,
        "resolve",
        ResolveForm(request.POST),
        lambda d: services.matter_resolve(
            matter, request.user, households_benefited=d["households_benefited"], note=d["note"], photos=photos
        ),
        _("已记录解决情况。"),
    )


def _merge(request, matter: Matter, data: dict) -> None:
    try:
        into = access.get_matter_or_404(request.user, data["into"])
    except Http404:
        raise MatterError(_("找不到事项 #%(pk)s，或不在您的权限范围内") % {"pk": data["into"]}) from None
    services.matter_merge(matter, into, request.user, note=data.get("note") or "")


@login_required
@require_POST
def matter_merge(request, pk: int):
    matter = _get_matter(request, pk)
    return _act(request, matter, "merge", MergeForm(request.POST), lambda d: _merge(request, matter, d), _("已合并为重复事项。"))


# --- Recording on a resident's behalf ----------------------------------------------------------------


@login_required
def matter_new(request):
    """A grid leader or staff member records what a resident told them: accepted at once. Recent
    matters of the same compound and category are shown first, so the leader can merge instead."""
    _require_handler(request)
    user = request.user
    compounds = list(selectors.with_committee(access.filter_compounds(user)).only("id", "name").order_by("name"))
    access.require(bool(compounds))
    chosen = request.POST.get("compound") or request.GET.get("compound")
    if chosen is None and len(compounds) == 1:
        chosen = str(compounds[0].pk)
    compound = next((c for c in compounds if str(c.pk) == chosen), None)
    if compound is None:
        if chosen:
            raise Http404(_("小区不存在或不在您的权限范围内"))
        return render(request, "liaison/matters/new.html", {"active": "matters", "compounds": compounds})
    categories = selectors.committee_categories(compound.committee_id, active=True)
    if request.method == "GET" and request.headers.get("HX-Request") and request.GET.get("category"):
        category = get_object_or_404(categories, pk=request.GET["category"]) if request.GET["category"].isdigit() else None
        return render(
            request,
            "liaison/matters/_new_duplicates.html",
            {"duplicates": _recent(compound, category) if category else [], "live": True},
        )
    households = list(Household.objects.filter(building__compound=compound).select_related("building"))
    mine = list(Household.objects.filter(building__compound=compound, grid_roles__user_id=user.pk).select_related("building"))
    form = RecordForm(
        request.POST or None,
        categories=categories,
        buildings=list(compound.buildings.all()),
        households=households,
        mine=mine,
    )
    context = {"active": "matters", "compounds": compounds, "compound": compound, "form": form, "duplicates": [], "checked": False}
    if request.method != "POST":
        return render(request, "liaison/matters/new.html", context)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return render(request, "liaison/matters/new.html", context, status=422)
    data = form.cleaned_data
    duplicates = _recent(compound, data["category"])
    context["duplicates"] = duplicates
    if duplicates and "dup_checked" not in request.POST:
        context["checked"] = True
        messages.warning(request, _("最近 30 天本小区已有同类事项，请先确认是否为同一件事（如需附照片请重新选择）。"))
        return render(request, "liaison/matters/new.html", context)
    into = None
    if request.POST.get("merge_into"):
        into = next((m for m in duplicates if str(m.pk) == request.POST["merge_into"]), None)
        if into is None:
            messages.error(request, _("要合并的事项已不在近期同类事项中，请重新选择"))
            return render(request, "liaison/matters/new.html", context, status=422)
    try:
        with transaction.atomic():
            matter = services.matter_report(
                compound,
                category=data["category"],
                description=data["description"],
                location=data["location"],
                building=data["building"],
                household=data["household"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                photos=request.FILES.getlist("photos"),
                source=Matter.Source.GRID,
                recorded_by=user,
            )
            if into is not None:
                services.matter_merge(matter, into, user)
    except MatterError as exc:
        messages.error(request, str(exc))
        return render(request, "liaison/matters/new.html", context, status=422)
    if into is not None:
        messages.success(request, _("已登记并合并到 #%(pk)s。") % {"pk": into.pk})
        return redirect("liaison:matter_detail", into.pk)
    messages.success(request, _("已代居民登记并受理 #%(pk)s。") % {"pk": matter.pk})
    return redirect(reverse("liaison:matter_detail", args=[matter.pk]))


def _recent(compound, category) -> list:
    """Matters a new one of this compound and category may repeat (last 30 days)."""
    probe = Matter(compound=compound, category=category, created_at=timezone.now())
    return selectors.nearby_duplicates(probe, limit=5)
