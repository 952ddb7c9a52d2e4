"""Cohort pages for staff, the calendar, "my schedule" for members and the private iCalendar feeds."""

import calendar as pycal
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangxiao.core import access, tables
from dangxiao.core.params import date_param
from dangxiao.liaison.selectors import distance_bands
from dangxiao.people.models import Member
from dangxiao.school.selectors import school_for_organization, user_school
from dangxiao.school.teacher_selectors import bookable_teachers

from . import changes, ical, selectors, services
from .courses import offered_courses
from .forms import CohortForm, ScheduleRuleForm, SessionForm
from .models import CalendarFeed, Cohort, Course, Enrollment
from .rules import TargetRule
from .tables import COHORTS


def _stored_description(rule: TargetRule) -> str:
    """The stored description is data (printed on Chinese documents), whatever language the organiser reads."""
    with translation.override(settings.LANGUAGE_CODE):
        return rule.describe()


def _require_staff(request):
    access.require(access.scope_for(request.user).can_view_roster)


def _school_choices(request, school):
    venues = access.filter_school_objects(request.user, "school.Venue").filter(school=school, is_active=True).order_by("tier", "name")
    teachers = bookable_teachers(access.filter_school_objects(request.user, "school.Teacher").filter(school=school)).order_by("name")
    return {"venues": venues, "teachers": teachers}


def _cohort_rows(request):
    """The cohorts the list shows (and exports): in scope, under the chosen organisation, overlapping
    the chosen dates, in the order asked for."""
    _require_staff(request)
    table = COHORTS.bind(request)
    organization, dates = tables.organization_filter(request), tables.date_range(request)
    rows = table.order(selectors.cohort_list(request.user, organization=organization, start=dates.start, end=dates.end))
    return table, rows, organization, dates


@login_required
def cohort_list(request):
    table, rows, organization, dates = _cohort_rows(request)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "active": "cohorts",
        "page": page,
        "table": table,
        "organization": organization,
        "dates": dates,
        "organizations": tables.organization_choices(request.user),
        "keep": [("sort", table.sort.param)],
        "querystring_nopage": table.query() + "&" if table.query() else "",
    }
    return render(request, "teaching/cohort_list.html", context)


@login_required
def cohort_export(request):
    table, rows, _organization, _dates = _cohort_rows(request)
    return table.export(rows, "cohorts")


@login_required
def cohort_create(request):
    _require_staff(request)
    orgs = access.filter_organizations(request.user).filter(access.staff_q(access.scope_for(request.user), "path") or Q()).order_by("path")
    school = user_school(request.user)
    if school is None:
        raise Http404(_("尚未设立党校"))
    courses = offered_courses(access.filter_school_objects(request.user, "teaching.Course").filter(school=school))
    form = CohortForm(request.POST or None, organizations=orgs, courses=courses)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = access.get_organization_or_404(request.user, data["organization"], orgs)
        rule = TargetRule(flags=tuple(data["flags"]), positions=tuple(data["positions"]), age_bands=tuple(data["age_bands"]))
        try:
            cohort, result = changes.cohort_create(
                school_for_organization(org) or school,
                org,
                name=data["name"],
                mode=data["mode"],
                rule=rule,
                rule_description=_stored_description(rule),
                seat_limit=data["seat_limit"],
                auto_enrol=data["auto_enrol"],
                self_enrol_open=data["self_enrol_open"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                courses=data["courses"],
                request=request,
            )
        except services.TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            if result is not None:
                messages.success(
                    request,
                    _("班次已创建，按规则报名%(enrolled)s人，候补%(waitlisted)s人。")
                    % {"enrolled": result.enrolled, "waitlisted": result.waitlisted},
                )
            else:
                messages.success(request, _("班次已创建。"))
            return redirect("teaching:cohort_detail", cohort.pk)
    return render(request, "teaching/cohort_form.html", {"active": "cohorts", "form": form}, status=422 if form.errors else 200)


def _cohort_context(request, cohort, **extra):
    choices = _school_choices(request, cohort.school)
    eligible = selectors.cohort_eligible_members(cohort)
    near_venue = cohort.default_venue
    if request.GET.get("near_venue"):
        near_venue = access.get_school_object_or_404(request.user, "school.Venue", request.GET["near_venue"])
    near = None
    if near_venue is not None and near_venue.latitude is not None:
        near = distance_bands(eligible, near_venue.latitude, near_venue.longitude)
    context = {
        "near_venue": near_venue,
        "near": near,
        "venues": choices["venues"],
        "active": "cohorts",
        "cohort": cohort,
        "rule": selectors.cohort_rule(cohort).describe(),
        "eligible_count": eligible.count(),
        "eligible_preview": eligible.select_related("organization").order_by("organization__path", "name")[:12],
        "enrolled": Paginator(selectors.cohort_enrollments(cohort, Enrollment.Status.ENROLLED), 50).get_page(request.GET.get("page")),
        "waitlisted": selectors.cohort_enrollments(cohort, Enrollment.Status.WAITLISTED)[:100],
        "sessions": selectors.cohort_sessions(cohort),
        "rule_form": ScheduleRuleForm(**choices),
        "session_form": SessionForm(**choices),
        "querystring_nopage": "",
    }
    context.update(extra)
    return context


@login_required
def cohort_detail(request, pk: int):
    _require_staff(request)
    cohort = access.get_cohort_or_404(request.user, pk, Cohort.objects.select_related("organization", "school"))
    return render(request, "teaching/cohort_detail.html", _cohort_context(request, cohort))


NAMESAKES_SHOWN = 50


def _members_matching(request, key: str) -> list[Member]:
    """Members of the user's roster with this full phone number or this exact name (namesakes included)."""
    members = access.filter_roster(request.user).current().select_related("organization")
    found = members.filter(phone=key) if key.isdigit() else members.filter(name=key)
    return list(found.order_by("organization__path", "pk")[:NAMESAKES_SHOWN])


def _enrol_and_say(request, cohort, member) -> None:
    try:
        enrollment = services.cohort_enroll(cohort, member)
    except services.TeachingError as exc:
        messages.error(request, str(exc))
    else:
        label = _("已加入候补名单") if enrollment.status == Enrollment.Status.WAITLISTED else _("已报名")
        messages.success(request, f"{enrollment.member.name}{label}。")


@login_required
@require_POST
def cohort_enroll(request, pk: int):
    """Add a member by full phone number or name. A name several members share is never guessed: the
    page asks which one (organisation and masked phone shown), and the choice comes back as `member_id`."""
    _require_staff(request)
    cohort = access.get_cohort_or_404(request.user, pk, Cohort.objects.select_related("organization", "school"))
    if request.POST.get("member_id"):
        member = access.get_member_or_404(request.user, request.POST["member_id"], access.filter_roster(request.user))
        _enrol_and_say(request, cohort, member)
        return redirect("teaching:cohort_detail", cohort.pk)
    key = (request.POST.get("member") or "").strip()
    found = _members_matching(request, key) if key else []
    if not found:
        messages.error(request, _("在您的管理范围内找不到党员“%(key)s”（请输入完整手机号或姓名）") % {"key": key})
    elif len(found) == 1:
        _enrol_and_say(request, cohort, found[0])
    else:
        on_lists = dict(
            Enrollment.objects.filter(cohort=cohort, member__in=found)
            .exclude(status=Enrollment.Status.REMOVED)
            .values_list("member_id", "status")
        )
        namesakes = [(m, Enrollment.Status(on_lists[m.pk]).label if m.pk in on_lists else "") for m in found]
        return render(request, "teaching/cohort_detail.html", _cohort_context(request, cohort, namesakes=namesakes, namesake_key=key))
    return redirect("teaching:cohort_detail", cohort.pk)


@login_required
@require_POST
def cohort_unenroll(request, pk: int, member_id: int):
    _require_staff(request)
    cohort = access.get_cohort_or_404(request.user, pk)
    member = access.get_member_or_404(request.user, member_id, access.filter_roster(request.user))
    try:
        promoted = services.cohort_unenroll(cohort, member)
    except services.TeachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("已移出%(name)s。") % {"name": member.name}
            + (_("候补的%(name)s已递补。") % {"name": promoted.member.name} if promoted else ""),
        )
    return redirect("teaching:cohort_detail", cohort.pk)


@login_required
@require_POST
def cohort_enroll_by_rule(request, pk: int):
    _require_staff(request)
    cohort = access.get_cohort_or_404(request.user, pk)
    result = services.cohort_enroll_by_rule(cohort)
    messages.success(
        request, _("按规则新报名%(enrolled)s人，候补%(waitlisted)s人。") % {"enrolled": result.enrolled, "waitlisted": result.waitlisted}
    )
    return redirect("teaching:cohort_detail", cohort.pk)


def _venue_teacher(request, cohort, data):
    venue = access.get_school_object_or_404(request.user, "school.Venue", data["venue"]) if data.get("venue") else None
    teacher = access.get_school_object_or_404(request.user, "school.Teacher", data["teacher"]) if data.get("teacher") else None
    return venue, teacher


@login_required
@require_POST
def cohort_rule_create(request, pk: int):
    _require_staff(request)
    cohort = access.get_cohort_or_404(request.user, pk, Cohort.objects.select_related("organization", "school"))
    form = ScheduleRuleForm(request.POST, **_school_choices(request, cohort.school))
    if form.is_valid():
        data = dict(form.cleaned_data)
        venue, teacher = _venue_teacher(request, cohort, data)
        try:
            _rule, sessions = services.schedule_rule_create(
                cohort,
                by=request.user,
                request=request,
                override_reason=data.pop("override_reason"),
                weekdays=data["weekdays"],
                skip_dates=data["skip_dates"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                title=data["title"],
                hours=data["hours"],
                venue=venue,
                teacher=teacher,
            )
        except services.ConflictError as exc:
            return render(
                request,
                "teaching/cohort_detail.html",
                _cohort_context(request, cohort, rule_form=form, conflicts=exc.conflicts, open_form="rule"),
                status=409,
            )
        except services.TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已按规则生成%(count)s个课次。") % {"count": len(sessions)})
            return redirect("teaching:cohort_detail", cohort.pk)
    return render(request, "teaching/cohort_detail.html", _cohort_context(request, cohort, rule_form=form, open_form="rule"), status=422)


@login_required
@require_POST
def cohort_session_create(request, pk: int):
    _require_staff(request)
    cohort = access.get_cohort_or_404(request.user, pk, Cohort.objects.select_related("organization", "school"))
    form = SessionForm(request.POST, **_school_choices(request, cohort.school))
    if form.is_valid():
        data = form.cleaned_data
        venue, teacher = _venue_teacher(request, cohort, data)
        tz = timezone.get_current_timezone()
        try:
            services.session_create(
                cohort,
                by=request.user,
                request=request,
                override_reason=data["override_reason"],
                title=data["title"],
                starts_at=datetime.combine(data["date"], data["start_time"], tz),
                ends_at=datetime.combine(data["date"], data["end_time"], tz),
                venue=venue,
                teacher=teacher,
                hours=data["hours"],
            )
        except services.ConflictError as exc:
            return render(
                request,
                "teaching/cohort_detail.html",
                _cohort_context(request, cohort, session_form=form, conflicts=exc.conflicts, open_form="session"),
                status=409,
            )
        except services.TeachingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("课次已添加。"))
            return redirect("teaching:cohort_detail", cohort.pk)
    return render(
        request, "teaching/cohort_detail.html", _cohort_context(request, cohort, session_form=form, open_form="session"), status=422
    )


# --- Calendars ---------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date:
    return date_param(value) or timezone.localdate()


@login_required
def calendar_view(request):
    """Month or week view of sessions, for a venue, a teacher or an organisation subtree."""
    user = request.user
    day = _parse_day(request.GET.get("date"))
    view = "week" if request.GET.get("view") == "week" else "month"
    venue = teacher = organization = None
    if request.GET.get("venue"):
        venue = access.get_school_object_or_404(user, "school.Venue", request.GET["venue"])
    if request.GET.get("teacher"):
        teacher = access.get_school_object_or_404(user, "school.Teacher", request.GET["teacher"])
        access.require(access.scope_for(user).is_staff or teacher.user_id == user.pk)
    if request.GET.get("organization"):
        organization = access.get_organization_or_404(user, request.GET["organization"])
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
        weeks = [[first + timedelta(days=i) for i in range(7)]]
        prev_day, next_day = first - timedelta(days=7), first + timedelta(days=7)
    else:
        weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
        first, last = weeks[0][0], weeks[-1][-1]
        prev_day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    by_day: dict[date, list] = {}
    for s in selectors.calendar_sessions(
        user, first, last, venue=venue, teacher=teacher, organization=organization, include_cancelled=True
    ):
        by_day.setdefault(timezone.localtime(s.starts_at).date(), []).append(s)
    base = request.GET.copy()
    for key in ("date", "view"):
        base.pop(key, None)
    school = user_school(user)
    choices = _school_choices(request, school) if school and access.scope_for(user).is_staff else {"venues": [], "teachers": []}
    return render(
        request,
        "teaching/calendar.html",
        {
            "active": "calendar",
            "view": view,
            "day": day,
            "weeks": [[(d, by_day.get(d, [])) for d in week] for week in weeks],
            "prev_day": prev_day,
            "next_day": next_day,
            "venue": venue,
            "teacher": teacher,
            "organization": organization,
            "filters": base.urlencode(),
            "venues": choices["venues"],
            "teachers": choices["teachers"],
            **_feed_context(user, venue, teacher),
            "organizations": [
                (o.pk, "\u3000" * (o.depth - 1) + o.name)
                for o in access.filter_organizations(user)
                .filter(access.staff_q(access.scope_for(user), "path") or Q())
                .only("id", "name", "depth")
                .order_by("path")
            ]
            if access.scope_for(user).is_staff
            else [],
        },
    )


def _feed_context(user, venue, teacher) -> dict:
    """The venue's or teacher's feed address, shown only to who may hold one; never made by viewing."""
    if (venue is None and teacher is None) or not access.can_hold_calendar_feed(user, venue=venue, teacher=teacher):
        return {"can_hold_feed": False, "feed": None}
    owner = {"venue": venue} if venue is not None else {"teacher": teacher}
    return {"can_hold_feed": True, "feed": CalendarFeed.objects.filter(holder=user, **owner).first()}


@login_required
@require_POST
def calendar_feed_make(request):
    """Make (or, with `reset`, replace) the user's private feed of a venue or a teacher."""
    user = request.user
    venue = teacher = None
    if request.POST.get("venue"):
        venue = access.get_school_object_or_404(user, "school.Venue", request.POST["venue"])
    elif request.POST.get("teacher"):
        teacher = access.get_school_object_or_404(user, "school.Teacher", request.POST["teacher"])
    access.require(access.can_hold_calendar_feed(user, venue=venue, teacher=teacher))
    feed = services.calendar_feed_for(venue=venue, teacher=teacher, holder=user)
    if request.POST.get("reset"):
        services.calendar_feed_reset(feed)
        messages.success(request, _("订阅地址已更换，旧地址已失效。"))
    else:
        messages.success(request, _("已生成订阅地址，请勿转给他人。"))
    target = {"venue": venue.pk} if venue is not None else {"teacher": teacher.pk}
    return redirect(f"{reverse('teaching:calendar')}?{urlencode(target)}")


@login_required
@require_POST
def my_feed_reset(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    services.calendar_feed_reset(services.calendar_feed_for(member=access.get_member_or_404(request.user, scope.member_id)))
    messages.success(request, _("订阅地址已更换，旧地址已失效。"))
    return redirect("attendance:my_schedule")


def _feed_document(token: str):
    """The feed and the document it carries, built with the stable DTSTAMP; Http404 for an unknown or revoked
    token, or a holder who may no longer hold it."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("member", "teacher", "venue", "holder"), token=token)
    if feed.member:
        name, sessions = f"{feed.member.name}的党校课表", selectors.feed_sessions(member=feed.member)
    else:
        access.require(access.can_hold_calendar_feed(feed.holder, venue=feed.venue, teacher=feed.teacher))
        if feed.teacher:
            name, sessions = f"{feed.teacher.name}的授课安排", selectors.feed_sessions(teacher=feed.teacher, holder=feed.holder)
        else:
            name, sessions = f"{feed.venue.name}场地安排", selectors.feed_sessions(venue=feed.venue, holder=feed.holder)
    return feed, name, sessions


@require_safe
def calendar_feed(request, token: str):
    """The private iCalendar feed: the token is the credential, so no sign-in is needed. A venue's or
    teacher's feed carries what its holder may see, and only while they may still hold it.

    Calendar apps poll: the ETag is a digest of the document rendered with a fixed DTSTAMP, so it moves
    with anything the feed shows (an edit, a reschedule, a cancellation, a session or enrolment added or
    removed, a renamed venue) and with nothing else; Last-Modified is when that digest last changed. Both
    answer If-None-Match / If-Modified-Since with a 304. A refused token is a short text/plain 404."""
    try:
        feed, name, sessions = _feed_document(token)
    except Http404:
        return HttpResponseNotFound("Not found: unknown or revoked calendar feed.\n", content_type="text/plain; charset=utf-8")
    body = ical.build(name, sessions, request.build_absolute_uri(reverse("home")), stamp=ical.STABLE_STAMP)
    feed = services.calendar_feed_seen(feed, ical.digest(body))
    response = HttpResponse(ical.restamp(body, feed.changed_at), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="dangxiao.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["ETag"] = f'"{feed.content_digest}"'
    response["Last-Modified"] = http_date(feed.changed_at.timestamp())
    return get_conditional_response(request, etag=response["ETag"], last_modified=int(feed.changed_at.timestamp()), response=response)


# --- Courses and their private materials ---------------------------------------------------------


def _course_or_404(request, pk: int) -> Course:
    course = access.get_school_object_or_404(request.user, "teaching.Course", pk, Course.objects.select_related("topic", "organization"))
    access.require(selectors.can_read_course(request.user, course))
    return course


@login_required
def course_detail(request, pk: int):
    course = _course_or_404(request, pk)
    can_manage = access.can_manage_course(request.user, course)
    if request.method == "POST":
        access.require(can_manage)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的文件"))
        else:
            try:
                services.course_material_add(course, upload, title=request.POST.get("title", ""), by=request.user, request=request)
            except services.TeachingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("资料已上传。"))
        return redirect("teaching:course_detail", course.pk)
    return render(
        request,
        "teaching/course_detail.html",
        {"active": "courses", "course": course, "materials": course.materials.order_by("-uploaded_at"), "can_manage": can_manage},
    )


@login_required
@require_POST
def material_remove(request, pk: int):
    """Only the course's owners (access.can_manage_course) remove its materials; audited."""
    from .models import CourseMaterial

    material = get_object_or_404(CourseMaterial.objects.select_related("course"), pk=pk)
    course = _course_or_404(request, material.course_id)
    access.require(access.can_manage_course(request.user, course))
    services.course_material_remove(material, request=request)
    messages.success(request, _("资料“%(title)s”已删除。") % {"title": material.title})
    return redirect("teaching:course_detail", course.pk)


@login_required
def material_download(request, pk: int):
    from dangxiao.core.uploads import private_file_response

    from .models import CourseMaterial

    material = get_object_or_404(CourseMaterial.objects.select_related("course"), pk=pk)
    _course_or_404(request, material.course_id)
    ext = material.file.name.rsplit(".", 1)[-1]
    return private_file_response(
        material.file, f"{material.title}.{ext}" if not material.title.endswith(ext) else material.title, material.content_type
    )


@login_required
def venues_near_me(request):
    """就近就便: the school's venues sorted by distance from the member's home compound."""
    from dangxiao.liaison.geo import distance_km
    from dangxiao.liaison.selectors import compound_coordinates

    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    member = access.get_member_or_404(request.user, scope.member_id)
    home = compound_coordinates([member.home_compound]).get(member.home_compound)
    venues = list(access.filter_school_objects(request.user, "school.Venue").filter(is_active=True).select_related("organization"))
    rows = [(v, distance_km(*home, v.latitude, v.longitude) if home and v.latitude is not None else None) for v in venues]
    rows.sort(key=lambda r: (r[1] is None, r[1] or 0, r[0].name))
    return render(
        request, "teaching/venues_near_me.html", {"active": "schedule", "rows": rows, "member": member, "located": home is not None}
    )
