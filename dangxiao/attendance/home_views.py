"""送学上门 pages: a helper's elders and the visit form (phone), the staff page of a home-delivery cohort."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.uploads import private_file_response
from dangxiao.teaching.models import Cohort

from . import home_delivery as hd


def _cohort_or_404(request, cohort_id: int) -> Cohort:
    cohort = access.get_cohort_or_404(request.user, cohort_id, Cohort.objects.select_related("organization", "school"))
    access.require(cohort.mode == Cohort.Mode.HOME_DELIVERY)
    return cohort


@login_required
def home_delivery(request):
    """A helper's elders with their last visit and a button to record the next; an elder's own visits."""
    scope = access.scope_for(request.user)
    member_id = scope.member_id
    return render(
        request,
        "attendance/home/index.html",
        {
            "active": "home_delivery",
            "pairs": list(hd.helper_pairs(member_id)) if member_id else [],
            "pending": list(hd.visits_awaiting_confirmation(member_id)) if member_id else [],
            "my_visits": hd.visits_to_elder(member_id) if member_id else [],
            "cohorts": list(hd.home_cohorts(request.user)) if scope.is_staff else [],
            "methods": hd.CONFIRMATION_METHODS,
        },
    )


def _parse_visit(request, pair) -> dict:
    post = request.POST
    try:
        visited_on = date.fromisoformat(post.get("visited_on", ""))
    except ValueError:
        raise hd.HomeDeliveryError(_("请填写上门日期")) from None
    try:
        minutes = int(post.get("minutes") or 0)
    except ValueError:
        raise hd.HomeDeliveryError(_("送学时长请填写分钟数")) from None
    session = None
    if post.get("session"):
        session = pair.cohort.sessions.filter(pk=post["session"] if post["session"].isdigit() else 0).first()
        if session is None:
            raise hd.HomeDeliveryError(_("所选课次不属于本送学班次"))
    confirmed = post.get("elder_confirmed") == "on"
    confirmation = post.get("confirmation", "")
    if confirmed and confirmation not in hd.CONFIRMATION_METHODS:
        raise hd.HomeDeliveryError(_("请选择老党员的确认方式（如本人签字、电话确认）"))
    photo = request.FILES.get("photo") or request.FILES.get("photo_album")
    return {
        "visited_on": visited_on,
        "minutes": minutes,
        "content": post.get("content", ""),
        "photo": photo,
        "elder_confirmed": confirmed,
        "confirmation": confirmation,
        "session": session,
    }


@login_required
def home_visit_new(request, pk: int):
    """The visit form, on the helper's phone: date, minutes, content, photo, session, the elder's confirmation."""
    pair = hd.get_pair_or_404(request.user, pk)
    access.require(pair.active)
    today = timezone.localdate()
    sessions = list(pair.cohort.sessions.exclude(status="cancelled").order_by("starts_at"))
    now = timezone.now()  # the latest session that has started: one still to come credits nothing yet
    current = next((s for s in reversed(sessions) if s.starts_at <= now), None)
    error, values = None, {"visited_on": today.isoformat(), "minutes": 60, "session": current.pk if current else "", "confirmation": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("visited_on", "minutes", "content", "session", "confirmation", "elder_confirmed")}
        try:
            visit = hd.visit_record(pair, **_parse_visit(request, pair), by=request.user, today=today)
        except hd.HomeDeliveryError as exc:
            error = str(exc)
        else:
            hours = hd.visit_credited_hours(visit) if visit.elder_confirmed else None
            if hours is not None:
                messages.success(
                    request,
                    _("已记录上门送学：%(elder)s计入 %(hours)s 学时，您计入志愿服务 %(minutes)s 分钟。")
                    % {"elder": pair.elder.name, "hours": hours, "minutes": visit.minutes},
                )
            elif visit.elder_confirmed:
                messages.success(
                    request,
                    _("已记录上门送学，您计入志愿服务 %(minutes)s 分钟（%(elder)s该课次的学时此前已计入）。")
                    % {"minutes": visit.minutes, "elder": pair.elder.name},
                )
            else:
                messages.success(request, _("已记录上门送学，待%(elder)s确认后计入学时和志愿服务时长。") % {"elder": pair.elder.name})
            if pair.helper.user_id == request.user.pk:
                return redirect("home_delivery")
            return redirect("home_cohort", pair.cohort_id)
    return render(
        request,
        "attendance/home/visit_form.html",
        {
            "active": "home_delivery",
            "pair": pair,
            "sessions": sessions,
            "values": values,
            "error": error,
            "today": today,
            "methods": hd.CONFIRMATION_METHODS,
            "min_minutes": hd.MIN_MINUTES,
            "max_minutes": hd.MAX_MINUTES,
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def home_visit_confirm(request, pk: int):
    """Confirm a visit later: by the elder on their own phone, or by the helper or staff saying how."""
    visit = hd.get_visit_or_404(request.user, pk)
    scope = access.scope_for(request.user)
    is_elder = scope.member_id == visit.pair.elder_id
    confirmation = hd.SELF_CONFIRMATION if is_elder else request.POST.get("confirmation", "")
    try:
        if not is_elder and confirmation not in hd.CONFIRMATION_METHODS:
            raise hd.HomeDeliveryError(_("请选择老党员的确认方式（如本人签字、电话确认）"))
        hd.visit_confirm(visit, confirmation=confirmation, by=request.user)
    except hd.HomeDeliveryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("已确认%(day)s的上门送学，学时和志愿服务时长已计入。") % {"day": date_format(visit.visited_on, _("n月j日"))}
        )
    if scope.member_id in (visit.pair.helper_id, visit.pair.elder_id):
        return redirect("home_delivery")
    return redirect("home_cohort", visit.pair.cohort_id)


@login_required
def home_visit_photo(request, pk: int):
    """A visit's photo, only for the pair's helper and elder and the staff managing the cohort."""
    visit = hd.get_visit_or_404(request.user, pk)
    access.require(bool(visit.photo))
    content_type = hd.photo_content_type(visit)
    return private_file_response(visit.photo, f"送学上门-{visit.visited_on:%Y%m%d}{visit.photo.name[-4:]}", content_type)


@login_required
def home_cohort(request, cohort_id: int):
    """Staff: the cohort's pairs, elders still without a helper (with suggestions), and the visits."""
    cohort = _cohort_or_404(request, cohort_id)
    today = timezone.localdate()
    unpaired = list(hd.unpaired_elders(cohort))
    suggestions = hd.helper_suggestions(cohort, unpaired, access.filter_roster(request.user).current(), today)
    for elder in unpaired:
        elder.suggested = suggestions[elder.pk]
    page = Paginator(hd.cohort_visits(cohort), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "attendance/home/cohort.html",
        {
            "active": "cohorts",
            "cohort": cohort,
            "figures": hd.cohort_figures(cohort),
            "pairs": list(hd.cohort_pairs(cohort)),
            "unpaired": unpaired,
            "page": page,
            "methods": hd.CONFIRMATION_METHODS,
            "max_age": hd.HELPER_MAX_AGE,
        },
    )


def _helper_from_post(request, roster):
    """The helper chosen from a suggestion (by id) or typed in (full phone number or a unique name)."""
    if request.POST.get("helper_id"):
        return access.get_member_or_404(request.user, request.POST["helper_id"], roster)
    key = (request.POST.get("helper") or "").strip()
    found = list(roster.filter(phone=key)[:1] if key.isdigit() else roster.filter(name=key)[:2]) if key else []
    if len(found) > 1:
        raise hd.HomeDeliveryError(_("您的管理范围内有多名党员叫“%(name)s”，请输入手机号") % {"name": key})
    if not found:
        raise hd.HomeDeliveryError(_("在您的管理范围内找不到党员“%(name)s”（请输入完整手机号或姓名）") % {"name": key})
    return found[0]


@login_required
@require_POST
def home_pair_create(request, cohort_id: int):
    cohort = _cohort_or_404(request, cohort_id)
    roster = access.filter_roster(request.user)
    elder = access.get_member_or_404(request.user, request.POST.get("elder"), roster)
    try:
        pair = hd.pair_create(cohort, elder, _helper_from_post(request, roster))
    except hd.HomeDeliveryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已安排%(helper)s为%(elder)s送学上门。") % {"helper": pair.helper.name, "elder": pair.elder.name})
    return redirect("home_cohort", cohort.pk)
