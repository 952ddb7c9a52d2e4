"""Pages of 主题党日 and 三会一课 for staff: the compliance grid (and its Excel), the year's frequencies
(the board), the records of each branch, the 党课我主讲 registry. Anyone without staff scope, and any
branch or record outside it, gets 404."""

from io import BytesIO
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from dangxiao.core import access, xlsx
from dangxiao.core.audit import audit_record
from dangxiao.core.params import id_param, year_param
from dangxiao.core.uploads import private_file_response
from dangxiao.people.models import Organization
from dangxiao.school.models import Teacher
from dangxiao.school.selectors import school_for_organization

from . import meetings_selectors as selectors
from . import meetings_services as services
from .meetings_forms import MeetingForm, RuleForm, ThemedDayForm, branch_sessions, current_members, meeting_initial, roll_from_post
from .models import MeetingAttendance, OrganizationalMeeting, ThemedPartyDay

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _year(request) -> int:
    current = timezone.localdate().year
    year = year_param(request.GET.get("year"), current)
    return year if year <= current + 1 else current


def _years(selected: int) -> list[int]:
    current = timezone.localdate().year
    return sorted({*range(current - 3, current + 2), selected}, reverse=True)


def _root(request):
    """The organisation of the `org` filter (404 outside the staff scope), or None for the whole scope."""
    value = request.GET.get("org")
    if not value:
        return None
    q = access.staff_q(access.scope_for(request.user), "path")
    qs = Organization.objects.all() if q is None else Organization.objects.filter(q)
    return access.get_organization_or_404(request.user, value, qs)


def _organizations(request):
    q = access.staff_q(access.scope_for(request.user), "path")
    qs = Organization.objects.exclude(kind=Organization.Kind.GROUP)
    return (qs if q is None else qs.filter(q)).order_by("path").only("pk", "name", "depth")


def _querystring(request, *drop) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    text = params.urlencode()
    return f"{text}&" if text else ""


def _kind(request) -> str:
    kind = request.GET.get("kind") or selectors.THEMED_DAY
    return kind if kind in selectors.KINDS else selectors.THEMED_DAY


# --- The compliance grid -----------------------------------------------------------------------


@login_required
def compliance(request):
    _staff(request)
    year, kind, root = _year(request), _kind(request), _root(request)
    grid = selectors.compliance(request.user, year, kind, timezone.localdate(), root)
    if request.GET.get("format") == "xlsx":
        return _grid_xlsx(request, grid, root)
    page = Paginator(grid.rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "active": "meetings_compliance",
        "grid": grid,
        "page": page,
        "root": root,
        "year": year,
        "years": _years(year),
        "kinds": [(k, str(v)) for k, v in selectors.KINDS.items()],
        "organizations": _organizations(request),
        "querystring_nopage": _querystring(request, "page"),
        "querystring_noformat": _querystring(request, "format", "page"),
        "can_edit_rule": access.scope_for(request.user).is_board,
        "statuses": [(k, str(v)) for k, v in selectors.STATUS_LABELS.items()],
    }
    return render(request, "practice/meetings/compliance.html", context)


def _grid_xlsx(request, grid, root) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(grid.kind_label[:30])
    ws.append([_("党支部"), *[p.label for p in grid.periods], _("已开展"), _("逾期")])
    for row in grid.rows:
        ws.append(xlsx.safe_row(ws, [row.name, *[c.label if c.status != "held" else c.count for c in row.cells], row.held, row.overdue]))
    buffer = BytesIO()
    wb.save(buffer)
    audit_record(
        request,
        "export",
        organization_id=root.pk if root else None,
        object_type="meeting_grid",
        summary=f"导出{grid.year}年{grid.kind_label}开展情况",
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{grid.year}-{grid.kind}.xlsx')}"
    return response


@login_required
def frequencies(request):
    """The board sets how often each kind must be held in a year; the defaults until saved."""
    access.require(access.scope_for(request.user).is_board)
    school = access.board_schools(request.user).select_related("organization").order_by("organization__depth", "pk").first()
    access.require(school is not None)
    year = _year(request)
    rule = selectors.rule_for(school, year)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        periods = {k: form.cleaned_data[k] for k in rule.DEFAULTS}
        try:
            saved = services.rule_save(school, year, periods, request=request)
        except (services.MeetingError, IntegrityError) as exc:
            messages.error(request, str(exc) if isinstance(exc, services.MeetingError) else _("该年度的频次刚被他人保存，请刷新后再改"))
        else:
            saved.note = form.cleaned_data["note"]
            saved.save(update_fields=["note"])
            messages.success(request, _("%(year)s年组织生活频次已保存") % {"year": year})
            return redirect(f"{reverse('practice:frequencies')}?year={year}")
    context = {"active": "meetings_compliance", "form": form, "rule": rule, "school": school, "year": year, "years": _years(year)}
    return render(request, "practice/meetings/frequencies.html", context, status=422 if form.errors else 200)


# --- Themed Party days -------------------------------------------------------------------------


@login_required
def themed_day_list(request):
    _staff(request)
    year, root = _year(request), _root(request)
    page = Paginator(selectors.themed_days(request.user, year=year, root=root), PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_rolls(page.object_list)
    context = {
        "active": "themed_days",
        "page": page,
        "root": root,
        "year": year,
        "years": _years(year),
        "organizations": _organizations(request),
        "querystring_nopage": _querystring(request, "page"),
    }
    return render(request, "practice/meetings/themed_day_list.html", context)


def _branch_from_query(request):
    pk = id_param(request.GET.get("org"))
    if pk is None:
        return None
    try:
        return access.filter_managed_branches(request.user).get(pk=pk)
    except Organization.DoesNotExist:
        access.require(False)


def _choose_branch(request, title: str):
    branches = access.filter_managed_branches(request.user).filter(dissolved_on__isnull=True).order_by("path").only("pk", "name")
    return render(request, "practice/meetings/choose_branch.html", {"active": "themed_days", "branches": branches, "title": title})


def _themed_day_form(request, org, day: ThemedPartyDay | None):
    sessions = branch_sessions(access.filter_sessions(request.user), org)
    initial = {}
    if day is not None:
        fields = ("held_on", "session", "lesson", "film", "practice", "note")
        initial = {f: getattr(day, f) for f in fields}
    return ThemedDayForm(request.POST or None, initial=initial, sessions=sessions)


@login_required
def themed_day_create(request):
    _staff(request)
    org = _branch_from_query(request)
    if org is None:
        return _choose_branch(request, _("记录主题党日"))
    form = _themed_day_form(request, org, None)
    if request.method == "POST" and form.is_valid():
        try:
            services.themed_day_record(org, form.to_input(), by=request.user, request=request)
        except services.MeetingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("主题党日已记录"))
            return redirect(f"{reverse('practice:themed_day_list')}?org={org.pk}")
    context = {"active": "themed_days", "form": form, "org": org, "day": None}
    return render(request, "practice/meetings/themed_day_form.html", context, status=422 if form.errors else 200)


@login_required
def themed_day_edit(request, pk: int):
    _staff(request)
    day = access.get_themed_day_or_404(request.user, pk, ThemedPartyDay.objects.select_related("organization", "session"))
    access.require(day.retired_at is None)
    form = _themed_day_form(request, day.organization, day)
    if request.method == "POST" and form.is_valid():
        try:
            services.themed_day_update(day, form.to_input(), request=request)
        except services.MeetingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("主题党日已保存"))
            return redirect(f"{reverse('practice:themed_day_list')}?org={day.organization_id}&year={day.month.year}")
    context = {"active": "themed_days", "form": form, "org": day.organization, "day": day}
    return render(request, "practice/meetings/themed_day_form.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def themed_day_retire(request, pk: int):
    _staff(request)
    day = access.get_themed_day_or_404(request.user, pk, ThemedPartyDay.objects.select_related("organization"))
    services.themed_day_retire(day, request=request)
    messages.success(request, _("该主题党日记录已撤销"))
    return redirect(f"{reverse('practice:themed_day_list')}?year={day.month.year}")


# --- 三会一课 -------------------------------------------------------------------------------------


@login_required
def meeting_list(request):
    _staff(request)
    year, root = _year(request), _root(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in OrganizationalMeeting.Kind.values else None
    page = Paginator(selectors.meetings(request.user, year=year, kind=kind, root=root), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "active": "meetings",
        "page": page,
        "root": root,
        "kind": kind,
        "kinds": OrganizationalMeeting.Kind.choices,
        "year": year,
        "years": _years(year),
        "organizations": _organizations(request),
        "querystring_nopage": _querystring(request, "page"),
    }
    return render(request, "practice/meetings/meeting_list.html", context)


def _meeting_form(request, org, meeting: OrganizationalMeeting | None):
    members = list(current_members(org))
    school = school_for_organization(org)
    teachers = Teacher.objects.filter(school=school, is_active=True).order_by("name").only("pk", "name") if school else []
    initial = meeting_initial(meeting) if meeting else {"kind": request.GET.get("kind") or ""}
    form = MeetingForm(request.POST or None, request.FILES or None, initial=initial, members=members, teachers=teachers)
    marks = dict(meeting.attendances.values_list("member_id", "status")) if meeting else {}
    if request.method == "POST":
        marks = roll_from_post(request.POST, [m.pk for m in members])
    roll = [{"id": m.pk, "name": m.name, "status": marks.get(m.pk, "")} for m in members]
    return form, roll, marks


def _save_meeting(request, form, org, meeting, marks):
    try:
        if meeting is None:
            return services.meeting_record(
                org, form.to_input(), by=request.user, marks=marks, upload=form.cleaned_data.get("minutes_file"), request=request
            )
        return services.meeting_update(meeting, form.to_input(), marks=marks, upload=form.cleaned_data.get("minutes_file"), request=request)
    except services.MeetingError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None


def _meeting_page(request, form, org, meeting, roll):
    context = {
        "active": "meetings",
        "form": form,
        "org": org,
        "meeting": meeting,
        "roll": roll,
        "statuses": MeetingAttendance.Status.choices,
    }
    return render(request, "practice/meetings/meeting_form.html", context, status=422 if form.errors else 200)


@login_required
def meeting_create(request):
    _staff(request)
    org = _branch_from_query(request)
    if org is None:
        return _choose_branch(request, _("记录三会一课"))
    form, roll, marks = _meeting_form(request, org, None)
    if request.method == "POST" and form.is_valid():
        if _save_meeting(request, form, org, None, marks):
            messages.success(request, _("会议已记录"))
            return redirect(f"{reverse('practice:meeting_list')}?org={org.pk}")
    return _meeting_page(request, form, org, None, roll)


@login_required
def meeting_edit(request, pk: int):
    _staff(request)
    meeting = access.get_meeting_or_404(request.user, pk, OrganizationalMeeting.objects.select_related("organization"))
    access.require(meeting.retired_at is None)
    form, roll, marks = _meeting_form(request, meeting.organization, meeting)
    if request.method == "POST" and form.is_valid():
        if _save_meeting(request, form, meeting.organization, meeting, marks):
            messages.success(request, _("会议已保存"))
            return redirect(f"{reverse('practice:meeting_list')}?org={meeting.organization_id}&year={meeting.held_on.year}")
    return _meeting_page(request, form, meeting.organization, meeting, roll)


@login_required
@require_POST
def meeting_retire(request, pk: int):
    _staff(request)
    meeting = access.get_meeting_or_404(request.user, pk, OrganizationalMeeting.objects.select_related("organization"))
    services.meeting_retire(meeting, request=request)
    messages.success(request, _("该会议记录已撤销"))
    return redirect(f"{reverse('practice:meeting_list')}?year={meeting.held_on.year}")


@login_required
def meeting_minutes(request, pk: int):
    """The uploaded minutes, to the staff over the branch only."""
    _staff(request)
    meeting = access.get_meeting_or_404(request.user, pk)
    access.require(bool(meeting.minutes_file))
    return private_file_response(meeting.minutes_file, meeting.minutes_name or "minutes", meeting.minutes_content_type)


# --- 党课我主讲 ---------------------------------------------------------------------------------


@login_required
def lecturers(request):
    _staff(request)
    year, root = _year(request), _root(request)
    page = Paginator(selectors.lecturers(request.user, year=year, root=root), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "active": "lecturers",
        "page": page,
        "root": root,
        "year": year,
        "years": _years(year),
        "organizations": _organizations(request),
        "querystring_nopage": _querystring(request, "page"),
    }
    return render(request, "practice/meetings/lecturers.html", context)
