"""Roster pages. Each view parses, calls one selector or service, renders."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.tables import export_deferred

from . import activation, record, selectors, services
from .forms import MemberFilterForm, RosterUploadForm
from .models import Member, Organization
from .roster import RosterFileError, template_workbook
from .tables import ROSTER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _filters(request):
    form = MemberFilterForm(request.GET or None)
    org = None
    if form.is_valid() and form.cleaned_data.get("organization"):
        org = access.get_organization_or_404(request.user, form.cleaned_data["organization"])
    return form, form.to_filters(org) if form.is_bound else selectors.MemberFilters()


@login_required
def member_list(request):
    access.require(access.scope_for(request.user).can_view_roster)
    form, filters = _filters(request)
    table = ROSTER.bind(request)
    members = table.order(selectors.member_list(request.user, filters))
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "active": "members",
        "form": form,
        "filters": filters,
        "page": page,
        "table": table,
        "querystring_nopage": (query.urlencode() + "&") if query else "",
        "export_query": table.export_query,
        "organizations": [
            (o.id, "\u3000" * (o.depth - 1) + o.name)
            for o in access.filter_organizations(request.user).only("id", "name", "depth", "path").order_by("path")
        ],
        "industries": selectors.member_industries(request.user),
        "flags": selectors.FLAGS,
    }
    return render(request, "people/member_list.html", context)


@login_required
def member_export(request):
    access.require(access.scope_for(request.user).can_view_roster)
    _form, filters = _filters(request)
    members = ROSTER.bind(request).order(selectors.member_list(request.user, filters))
    deferred = export_deferred(request, _("党员名单"), members.count())
    if deferred is not None:
        return deferred
    layout = "national" if request.GET.get("layout") == "national" else "template"
    data = services.roster_export(request.user, members, request=request, description=filters.describe(), layout=layout)
    return _xlsx(data, f"党员名单-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def member_detail(request, pk: int):
    member = access.get_member_or_404(request.user, pk, Member.objects.select_related("organization"))
    scope = access.scope_for(request.user)
    manages = scope.can_import_roster and member.pk != scope.member_id
    # The whole record, for staff over the member (a fixed number of queries: people.record).
    on_roster = manages and (scope.is_superuser or member.organization.path.startswith(scope.staff_paths))
    whole = {"history": record.organization_history(member), "roles": record.roles(member), "sections": record.sections(member)}
    return render(
        request,
        "people/member_detail.html",
        {
            "active": "me" if member.pk == scope.member_id else "members",
            "member": member,
            "can_reveal": scope.can_reveal_personal_data and member.pk != scope.member_id,
            "ancestors": Organization.objects.get_ancestors(member.organization),
            "account": activation.activation_state(member) if manages and not member.left_on else None,
            "manages": on_roster,
            **(whole if on_roster else {}),
        },
    )


@login_required
@require_POST
def member_reveal(request, pk: int):
    access.require(access.scope_for(request.user).can_reveal_personal_data)
    member = access.get_member_or_404(request.user, pk, access.filter_roster(request.user))
    data = services.member_reveal(request, member)
    return render(request, "people/_revealed.html", {"member": member, **data})


@login_required
def import_template(request):
    access.require(access.scope_for(request.user).can_import_roster)
    orgs = access.filter_organizations(request.user).order_by("path")
    return _xlsx(template_workbook(orgs), "党员名单导入模板.xlsx")


def _upload_dir() -> Path:
    path = settings.VAR_DIR / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def member_import(request):
    """Upload → preview with every problem listed → confirm. The confirmed file is the one previewed."""
    access.require(access.scope_for(request.user).can_import_roster)
    context = {"active": "import", "form": RosterUploadForm()}
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        path = _upload_dir() / f"{request.user.pk}-{token}.xlsx"
        if not token.isalnum() or not path.exists():
            messages.error(request, _("预览已过期，请重新上传文件。"))
            return redirect("people:member_import")
        try:
            result = services.roster_import(request.user, path.read_bytes(), request=request)
        except RosterFileError as exc:
            messages.error(request, str(exc))
            return redirect("people:member_import")
        path.unlink(missing_ok=True)
        if result.errors:
            context.update(result=result, file_error=None)
            return render(request, "people/member_import.html", context, status=422)
        messages.success(
            request,
            _("导入完成：新增 %(created)d 人，更新 %(updated)d 人，未变化 %(unchanged)d 人。")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        return redirect("people:member_list")
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            try:
                result = services.roster_import(request.user, data, dry_run=True)
            except RosterFileError as exc:
                context["file_error"] = str(exc)
                return render(request, "people/member_import.html", context, status=422)
            context["result"] = result
            context["filename"] = form.cleaned_data["file"].name
            if not result.errors and (result.created or result.updated):
                token = secrets.token_hex(16)
                (_upload_dir() / f"{request.user.pk}-{token}.xlsx").write_bytes(data)
                context["token"] = token
            return render(request, "people/member_import.html", context, status=422 if result.errors else 200)
        return render(request, "people/member_import.html", context, status=422)
    return render(request, "people/member_import.html", context)
