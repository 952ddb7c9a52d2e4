"""Organisation pages: the tree, one organisation (edit, add a child, move, dissolve, its roles), the tree's
import and export, and the roles in the user's scope. Each view parses, calls one service, renders."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access

from . import org_tree_io, organizations, roles, selectors
from .models import Organization, Role
from .org_forms import DissolveForm, GrantForm, MoveForm, OrganizationForm, TreeUploadForm
from .roster import RosterFileError
from .views import XLSX, _upload_dir

PAGE_SIZE = 50


def _staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _refused(form, exc: organizations.OrganizationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
def organization_list(request):
    access.require(access.scope_for(request.user).can_view_roster)
    context = {
        "active": "organizations",
        "roots": selectors.organization_tree(request.user),
        "dissolved": organizations.managed_organizations(request.user)
        .filter(dissolved_on__isnull=False)
        .order_by("-dissolved_on", "path")[:50],
    }
    return render(request, "people/organization_list.html", context)


def _detail(request, org: Organization, status: int = 200, **forms):
    """The organisation's page, with whichever of its forms came back with errors."""
    managed = organizations.managed_organizations(request.user)
    refused = [e for form in forms.values() if hasattr(form, "errors") for errors in form.errors.values() for e in errors]
    context = {
        "refused": refused,
        "active": "organizations",
        "org": org,
        "ancestors": managed.filter(path__in=[org.path[:i] for i in range(org.steplen, len(org.path), org.steplen)]).order_by("path"),
        "children": list(Organization.objects.get_children(org).order_by("dissolved_on", "path")),
        "member_count": org.members.count(),
        "org_roles": list(org.roles.exclude(kind=Role.Kind.MEMBER).select_related("user", "user__member").order_by("kind", "id")),
        "grantable": [(k, Role.Kind(k).label) for k in roles.grantable_kinds(request.user, org)],
        "blockers": organizations.dissolve_blockers(org),
        "edit_form": forms.get("edit_form") or OrganizationForm.for_instance(org),
        "child_form": forms.get("child_form") or OrganizationForm(prefix="child"),
        "move_form": forms.get("move_form") or MoveForm(),
        "dissolve_form": forms.get("dissolve_form") or DissolveForm(),
        "grant_form": forms.get("grant_form") or GrantForm(),
        "granted": forms.get("granted"),
    }
    return render(request, "people/organizations/detail.html", context, status=status)


@login_required
def organization_detail(request, pk: int):
    org = organizations.get_managed_organization_or_404(request.user, pk)
    return _detail(request, org)


@login_required
@require_POST
def organization_edit(request, pk: int):
    org = organizations.get_managed_organization_or_404(request.user, pk)
    form = OrganizationForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            organizations.organization_update(request.user, org, request=request, **form.cleaned_data)
        except organizations.OrganizationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("people:organization_detail", org.pk)
    return _detail(request, org, 422, edit_form=form)


@login_required
@require_POST
def organization_add_child(request, pk: int):
    parent = organizations.get_managed_organization_or_404(request.user, pk)
    form = OrganizationForm(request.POST, prefix="child")
    if form.is_valid():
        try:
            child = organizations.organization_add(request.user, parent, request=request, **form.cleaned_data)
        except organizations.OrganizationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已新建“%(name)s”。") % {"name": child.name})
            return redirect("people:organization_detail", child.pk)
    return _detail(request, parent, 422, child_form=form)


@login_required
@require_POST
def organization_move(request, pk: int):
    org = organizations.get_managed_organization_or_404(request.user, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        target = organizations.get_managed_organization_or_404(request.user, form.cleaned_data["parent"])
        try:
            organizations.organization_move(request.user, org, target, request=request)
        except organizations.OrganizationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已调整到“%(name)s”之下。") % {"name": target.name})
            return redirect("people:organization_detail", org.pk)
    return _detail(request, org, 422, move_form=form)


@login_required
@require_POST
def organization_dissolve(request, pk: int):
    org = organizations.get_managed_organization_or_404(request.user, pk)
    form = DissolveForm(request.POST)
    if form.is_valid():
        try:
            organizations.organization_dissolve(request.user, org, reason=form.cleaned_data["reason"], request=request)
        except organizations.OrganizationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("“%(name)s”已撤销。") % {"name": org.name})
            return redirect("people:organization_list")
    return _detail(request, org, 422, dissolve_form=form)


# --- Roles ----------------------------------------------------------------------------------------


@login_required
def member_picker(request, pk: int):
    """The picker's results (an htmx fragment): members of the user's subtrees by name or phone, masked."""
    organizations.get_managed_organization_or_404(request.user, pk)
    return render(
        request, "people/organizations/_member_picker.html", {"found": roles.pick_members(request.user, request.GET.get("q", ""))}
    )


@login_required
def parent_picker(request, pk: int):
    """The move picker's results (an htmx fragment): organisations the user manages, by name or code."""
    org = organizations.get_managed_organization_or_404(request.user, pk)
    found = organizations.parent_choices(request.user, org, request.GET.get("q", ""))
    return render(request, "people/organizations/_parent_picker.html", {"found": found})


@login_required
@require_POST
def role_grant(request, pk: int):
    org = organizations.get_managed_organization_or_404(request.user, pk)
    form = GrantForm(request.POST)
    if form.is_valid():
        member = access.get_member_or_404(request.user, form.cleaned_data["member"], access.filter_roster(request.user))
        try:
            grant = roles.role_grant(request.user, org, form.cleaned_data["kind"], member=member, request=request)
        except roles.RoleError as exc:
            _refused(form, exc)
        else:
            if grant.temporary_password:  # shown once, on this answer only
                return _detail(request, org, granted=grant)
            messages.success(request, _("已授予。") if grant.created else _("该党员已有此角色。"))
            return redirect("people:organization_detail", org.pk)
    return _detail(request, org, 422, grant_form=form)


@login_required
@require_POST
def role_withdraw(request, pk: int):
    role = roles.get_managed_role_or_404(request.user, pk)
    try:
        roles.role_withdraw(request.user, role, request=request)
    except roles.RoleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销该角色。"))
    return redirect("people:organization_detail", role.organization_id)


@login_required
def role_list(request):
    _staff(request)
    qs = roles.managed_roles(request.user).select_related("user", "organization").order_by("organization__path", "kind", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/organizations/roles.html", {"active": "organizations", "page": page})


# --- The tree as a spreadsheet --------------------------------------------------------------------


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def tree_template(request):
    _staff(request)
    orgs = organizations.current(organizations.managed_organizations(request.user)).order_by("path")
    return _xlsx(org_tree_io.template_workbook(orgs), "组织架构导入模板.xlsx")


@login_required
def tree_export(request):
    _staff(request)
    return _xlsx(org_tree_io.export_workbook(request.user), f"组织架构-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def tree_import(request):
    """Upload → preview listing every problem → confirm the file previewed (as the roster import does)."""
    _staff(request)
    context = {"active": "organizations", "form": TreeUploadForm()}
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        path = _upload_dir() / f"org-{request.user.pk}-{token}.xlsx"
        if not token.isalnum() or not path.exists():
            messages.error(request, _("预览已过期，请重新上传文件。"))
            return redirect("people:organization_import")
        try:
            result = org_tree_io.tree_import(request.user, path.read_bytes(), request=request)
        except RosterFileError as exc:
            messages.error(request, str(exc))
            return redirect("people:organization_import")
        path.unlink(missing_ok=True)
        if result.errors:
            return render(request, "people/organizations/import.html", {**context, "result": result}, status=422)
        messages.success(
            request,
            _("导入完成：新增 %(created)d 个，修改 %(updated)d 个，调整上级 %(moved)d 个，未变化 %(unchanged)d 个。") % result.as_dict(),
        )
        return redirect("people:organization_list")
    if request.method == "POST":
        form = TreeUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "people/organizations/import.html", context, status=422)
        data = form.cleaned_data["file"].read()
        try:
            result = org_tree_io.tree_import(request.user, data, dry_run=True)
        except RosterFileError as exc:
            return render(request, "people/organizations/import.html", {**context, "file_error": str(exc)}, status=422)
        context.update(result=result, filename=form.cleaned_data["file"].name)
        if not result.errors and (result.created or result.updated or result.moved):
            token = secrets.token_hex(16)
            (_upload_dir() / f"org-{request.user.pk}-{token}.xlsx").write_bytes(data)
            context["token"] = token
        return render(request, "people/organizations/import.html", context, status=422 if result.errors else 200)
    return render(request, "people/organizations/import.html", context)
