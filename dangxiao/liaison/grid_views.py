"""Staff pages of the liaison grid: compounds, a compound's grid, roles and parties, household import.

Grid leaders may view the compounds they hold a role in; changing anything is for staff managing
the compound (access.get_compound_or_404(..., manage=True)), everyone else gets 404.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access

from . import compounds as compound_changes
from . import grid, households
from .grid_forms import CompoundFilterForm, CompoundForm, GridRoleForm, HouseholdUploadForm, PartyForm
from .models import Compound, GridRole, Household, Party

ACTIVE = "liaison_grid"


def _require_staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _compound(request, pk: int, *, manage: bool = False) -> Compound:
    return access.get_compound_or_404(request.user, pk, Compound.objects.select_related("community"), manage=manage)


def _poster_url(pk: int) -> str:
    try:
        return reverse("residents:poster", args=[pk])
    except NoReverseMatch:
        return f"/liaison/compounds/{pk}/poster.pdf"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=households.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def compound_list(request):
    access.require(access.scope_for(request.user).is_staff or bool(access.grid_compound_ids(request.user)))
    form = CompoundFilterForm(request.GET or None)
    community = form.cleaned_data.get("community") if form.is_valid() else None
    compounds = list(grid.compound_list(request.user, community_id=community))
    for c in compounds:
        c.covered_percent = round(100 * c.covered_count / c.household_count) if c.household_count else 0
    return render(
        request,
        "liaison/grid/compound_list.html",
        {
            "active": ACTIVE,
            "compounds": compounds,
            "communities": grid.compound_communities(request.user),
            "community": community,
            "is_staff": access.scope_for(request.user).is_staff,
            "can_add": compound_changes.community_choices(request.user).exists(),
        },
    )


@login_required
def compound_detail(request, pk: int):
    compound = _compound(request, pk)
    return render(
        request,
        "liaison/grid/compound_detail.html",
        {
            "active": ACTIVE,
            "compound": compound,
            "grid": grid.compound_grid(compound),
            "can_manage": access.can_manage_compound(request.user, compound),
            "poster_url": _poster_url(compound.pk),
            "min_households": grid.MIN_HOUSEHOLDS,
            "max_households": grid.MAX_HOUSEHOLDS,
        },
    )


@login_required
def compound_households(request, pk: int):
    compound = _compound(request, pk, manage=True)
    return render(
        request,
        "liaison/grid/compound_households.html",
        {"active": ACTIVE, "compound": compound, "households": grid.household_rows(compound)},
    )


def _role_form(request, compound: Compound, role: GridRole | None):
    roles = list(GridRole.objects.filter(compound=compound).order_by("kind", "name"))
    rows = grid.household_rows(compound)
    members = grid.compound_members(request.user, compound).only("id", "name", "phone", "user_id")
    initial = {}
    if role is not None:
        initial = {
            "kind": role.kind,
            "parent": role.parent_id,
            "member": role.member_id,
            "name": "" if role.member_id else role.name,
            "phone": role.phone,
            "households": [h.pk for h in rows if role.pk in {r.pk for r in h.grid_roles.all()}],
        }
    else:
        initial = {k: request.GET[k] for k in ("kind", "parent") if request.GET.get(k)}
    data = request.POST if request.method == "POST" else None
    form = GridRoleForm(data, initial=initial, roles=roles, members=members, households=rows, role=role)
    chosen = form["households"].value() or []
    context = {
        "active": ACTIVE,
        "compound": compound,
        "role": role,
        "form": form,
        "households": rows,
        "selected": {int(x) for x in chosen if str(x).isdigit()},
        "max_households": grid.MAX_HOUSEHOLDS,
    }
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_pk = {r.pk: r for r in roles}
        parent = by_pk.get(d["parent"]) if d["parent"] else None
        try:
            if d["parent"] and parent is None:
                raise grid.GridError(_("上级不属于本小区"))
            saved = grid.grid_role_save(
                compound,
                kind=d["kind"],
                parent=parent,
                member=d["member"],
                name=d["name"],
                phone=d["phone"],
                households=d["households"],
                create_account=d["create_account"],
                role=role,
                actor=request.user,
            )
        except grid.GridError as exc:
            context["error"] = str(exc)
            return render(request, "liaison/grid/role_form.html", context, status=422)
        if saved.password:
            return render(request, "liaison/grid/role_account.html", {"active": ACTIVE, "compound": compound, "saved": saved})
        messages.success(request, _("已保存%(kind)s%(name)s。") % {"kind": saved.role.get_kind_display(), "name": saved.role.name})
        return redirect("grid:compound_detail", compound.pk)
    return render(request, "liaison/grid/role_form.html", context, status=422 if request.method == "POST" else 200)


@login_required
def role_add(request, pk: int):
    return _role_form(request, _compound(request, pk, manage=True), None)


@login_required
def role_edit(request, pk: int, role_pk: int):
    compound = _compound(request, pk, manage=True)
    role = get_object_or_404(GridRole, pk=role_pk, compound=compound)
    return _role_form(request, compound, role)


@login_required
@require_POST
def role_delete(request, pk: int, role_pk: int):
    compound = _compound(request, pk, manage=True)
    role = get_object_or_404(GridRole, pk=role_pk, compound=compound)
    try:
        grid.grid_role_delete(role)
    except grid.GridError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除%(kind)s%(name)s。") % {"kind": role.get_kind_display(), "name": role.name})
    return redirect("grid:compound_detail", compound.pk)


@login_required
@require_POST
def role_reveal(request, pk: int, role_pk: int):
    compound = _compound(request, pk, manage=True)
    role = get_object_or_404(GridRole.objects.select_related("member", "compound"), pk=role_pk, compound=compound)
    return render(request, "liaison/grid/_revealed.html", grid.role_reveal(request, role))


@login_required
@require_POST
def household_reveal(request, pk: int, household_pk: int):
    compound = _compound(request, pk, manage=True)
    household = get_object_or_404(Household.objects.select_related("building__compound"), pk=household_pk, building__compound=compound)
    return render(request, "liaison/grid/_revealed.html", grid.household_reveal(request, household))


def _party_form(request, compound: Compound, party: Party | None):
    initial = {}
    if party is not None:
        initial = {"kind": party.kind, "name": party.name, "contact_name": party.contact_name, "phone": party.phone}
    form = PartyForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"active": ACTIVE, "compound": compound, "party": party, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            saved = grid.party_save(compound, party=party, **form.cleaned_data)
        except grid.GridError as exc:
            context["error"] = str(exc)
            return render(request, "liaison/grid/party_form.html", context, status=422)
        messages.success(request, _("已保存%(name)s。") % {"name": saved.name})
        return redirect("grid:compound_detail", compound.pk)
    return render(request, "liaison/grid/party_form.html", context, status=422 if request.method == "POST" else 200)


@login_required
def party_add(request, pk: int):
    return _party_form(request, _compound(request, pk, manage=True), None)


@login_required
def party_edit(request, pk: int, party_pk: int):
    compound = _compound(request, pk, manage=True)
    return _party_form(request, compound, get_object_or_404(Party, pk=party_pk, compound=compound))


@login_required
@require_POST
def party_delete(request, pk: int, party_pk: int):
    compound = _compound(request, pk, manage=True)
    party = get_object_or_404(Party, pk=party_pk, compound=compound)
    grid.party_delete(party)
    messages.success(request, _("已删除%(name)s。") % {"name": party.name})
    return redirect("grid:compound_detail", compound.pk)


# --- Compounds ---------------------------------------------------------------------------------


def _compound_form(request, compound: Compound | None):
    communities = list(compound_changes.community_choices(request.user))
    access.require(bool(communities))
    initial = {}
    if compound is not None:
        initial = {f: getattr(compound, f) for f in ("name", "address", "latitude", "longitude")}
        initial["community"] = compound.community_id
    form = CompoundForm(request.POST if request.method == "POST" else None, initial=initial, communities=communities)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        community = next((c for c in communities if c.pk == d["community"]), None)
        try:
            if community is None:
                raise grid.GridError(_("只能在您管理的社区下添加小区"))
            saved = compound_changes.compound_save(
                request.user,
                community=community,
                name=d["name"],
                address=d["address"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                compound=compound,
            )
        except grid.GridError as exc:
            error = str(exc)
        else:
            messages.success(request, _("已保存小区“%(name)s”。") % {"name": saved.name})
            return redirect("grid:compound_detail", saved.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "liaison/grid/compound_form.html", {"active": ACTIVE, "compound": compound, "form": form, "error": error}, status=status
    )


@login_required
def compound_add(request):
    return _compound_form(request, None)


@login_required
def compound_edit(request, pk: int):
    return _compound_form(request, _compound(request, pk, manage=True))


@login_required
@require_POST
def compound_reset_token(request, pk: int):
    compound = compound_changes.compound_reset_token(_compound(request, pk, manage=True))
    messages.success(request, _("已生成新的二维码地址，此前印制的海报将失效，请重新打印。"))
    return redirect("grid:compound_detail", compound.pk)


# --- Household import and export ----------------------------------------------------------------


def _upload_dir() -> Path:
    path = settings.VAR_DIR / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def household_template(request):
    _require_staff(request)
    compounds = access.filter_managed_compounds(request.user, Compound.objects.select_related("community")).order_by("name")
    return _xlsx(households.template_workbook(compounds), "住户导入模板.xlsx")


@login_required
def household_export(request):
    _require_staff(request)
    compound_id = request.GET.get("compound")
    compound_id = int(compound_id) if compound_id and compound_id.isdigit() else None
    if compound_id:
        _compound(request, compound_id, manage=True)
    full = request.GET.get("full") == "1"
    data, _count = households.household_export(request.user, compound_id=compound_id, full=full, request=request)
    return _xlsx(data, f"住户名单-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def household_import(request):
    """Upload → preview with every problem listed → confirm. The confirmed file is the one previewed."""
    _require_staff(request)
    context = {"active": ACTIVE, "form": HouseholdUploadForm()}
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        path = _upload_dir() / f"households-{request.user.pk}-{token}.xlsx"
        if not token.isalnum() or not path.exists():
            messages.error(request, _("预览已过期，请重新上传文件。"))
            return redirect("grid:household_import")
        try:
            result = households.household_import(request.user, path.read_bytes(), request=request)
        except households.HouseholdFileError as exc:
            messages.error(request, str(exc))
            return redirect("grid:household_import")
        path.unlink(missing_ok=True)
        if result.errors:
            context.update(result=result)
            return render(request, "liaison/grid/household_import.html", context, status=422)
        messages.success(
            request,
            _("导入完成：新增 %(created)d 户，更新 %(updated)d 户，未变化 %(unchanged)d 户，新建楼栋 %(buildings)d 栋。")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "buildings": result.buildings_created},
        )
        return redirect("grid:compound_list")
    if request.method == "POST":
        form = HouseholdUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "liaison/grid/household_import.html", context, status=422)
        data = form.cleaned_data["file"].read()
        try:
            result = households.household_import(request.user, data, dry_run=True)
        except households.HouseholdFileError as exc:
            context["file_error"] = str(exc)
            return render(request, "liaison/grid/household_import.html", context, status=422)
        context.update(result=result, filename=form.cleaned_data["file"].name)
        if not result.errors and (result.created or result.updated):
            token = secrets.token_hex(16)
            (_upload_dir() / f"households-{request.user.pk}-{token}.xlsx").write_bytes(data)
            context["token"] = token
        return render(request, "liaison/grid/household_import.html", context, status=422 if result.errors else 200)
    return render(request, "liaison/grid/household_import.html", context)
