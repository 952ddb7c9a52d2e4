"""Staff pages that change a session: edit or reschedule it (with creation's conflict checks), cancel it."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access, tables

from . import changes, selectors
from .change_forms import SessionCancelForm, SessionEditForm
from .models import Session
from .services import ConflictError, TeachingError
from .tables import SESSIONS
from .views import _require_staff, _school_choices, _venue_teacher


def _session(request, pk: int) -> Session:
    """A session of a cohort the user manages (a teacher sees their sessions but does not move them)."""
    _require_staff(request)
    session = access.get_session_or_404(
        request.user, pk, Session.objects.select_related("cohort__organization", "cohort__school", "venue", "teacher")
    )
    access.require(access.filter_cohorts(request.user).filter(pk=session.cohort_id).exists())
    return session


def _initial(session: Session) -> dict:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return {
        "title": session.title,
        "date": start.date(),
        "start_time": start.time(),
        "end_time": end.time(),
        "venue": session.venue_id,
        "teacher": session.teacher_id,
        "hours": session.hours,
    }


def _page(request, session, form, cancel_form, status=200, **extra):
    context = {"active": "cohorts", "session": session, "form": form, "cancel_form": cancel_form, **extra}
    return render(request, "teaching/session_edit.html", context, status=status)


@login_required
def session_edit(request, pk: int):
    session = _session(request, pk)
    choices = _school_choices(request, session.cohort.school)
    form = SessionEditForm(request.POST or None, initial=_initial(session), **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        venue, teacher = _venue_teacher(request, session.cohort, data)
        tz = timezone.get_current_timezone()
        try:
            changes.session_update(
                session,
                by=request.user,
                title=data["title"],
                starts_at=datetime.combine(data["date"], data["start_time"], tz),
                ends_at=datetime.combine(data["date"], data["end_time"], tz),
                venue=venue,
                teacher=teacher,
                hours=data["hours"],
                override_reason=data["override_reason"],
                request=request,
            )
        except ConflictError as exc:
            return _page(request, session, form, SessionCancelForm(), status=409, conflicts=exc.conflicts)
        except TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("课次已保存，已报名学员的课表和日历会随之更新。"))
            return redirect("teaching:cohort_detail", session.cohort_id)
    return _page(request, session, form, SessionCancelForm(), status=422 if form.errors else 200)


@login_required
def session_cancel(request, pk: int):
    session = _session(request, pk)
    if request.method != "POST":
        return redirect("teaching:session_edit", session.pk)
    form = SessionCancelForm(request.POST)
    if form.is_valid():
        try:
            changes.session_cancel(session, by=request.user, reason=form.cleaned_data["reason"], request=request)
        except TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("课次已取消，已报名学员的课表和日历会显示为已取消。"))
            return redirect("teaching:cohort_detail", session.cohort_id)
    edit = SessionEditForm(initial=_initial(session), **_school_choices(request, session.cohort.school))
    return _page(request, session, edit, form, status=422)


# --- The sessions table (core.tables) --------------------------------------------------------------


SESSIONS_PER_PAGE = 50


def _session_rows(request):
    """Sessions the list shows and exports: of the cohorts the user manages, under the chosen
    organisation, between the chosen dates, at a venue or by a teacher (ids out of scope: 404)."""
    _require_staff(request)
    user, table = request.user, SESSIONS.bind(request)
    venue = teacher = None
    if request.GET.get("venue"):
        venue = access.get_school_object_or_404(user, "school.Venue", request.GET["venue"])
    if request.GET.get("teacher"):
        teacher = access.get_school_object_or_404(user, "school.Teacher", request.GET["teacher"])
    organization, dates = tables.organization_filter(request), tables.date_range(request)
    unmarked = request.GET.get("unmarked") == "1"  # held, not cancelled, no attendance marked: what a secretary owes
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    rows = selectors.session_table(
        user,
        organization=organization,
        start=dates.start,
        end=dates.end,
        venue=venue,
        teacher=teacher,
        unmarked_before=today if unmarked else None,
    )
    filters = {"organization": organization, "dates": dates, "venue": venue, "teacher": teacher, "unmarked": unmarked}
    return table, table.order(rows), filters


@login_required
def session_list(request):
    table, rows, filters = _session_rows(request)
    number = request.GET.get("page")
    if number is None and table.sort.param == "starts_at" and not filters["unmarked"]:
        # In time order the list opens at today's page: the year's first sessions are rarely what is sought.
        today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        number = rows.filter(starts_at__lt=today).count() // SESSIONS_PER_PAGE + 1
    page = Paginator(rows, SESSIONS_PER_PAGE).get_page(number)
    keep = [("sort", table.sort.param)] + [(k, request.GET[k]) for k in ("venue", "teacher", "unmarked") if request.GET.get(k)]
    context = {
        "active": "sessions",
        "page": page,
        "table": table,
        "organizations": tables.organization_choices(request.user),
        "keep": keep,
        "querystring_nopage": table.query() + "&" if table.query() else "",
        **filters,
    }
    return render(request, "teaching/session_list.html", context)


@login_required
def session_export(request):
    table, rows, _filters = _session_rows(request)
    return table.export(rows, "sessions")
