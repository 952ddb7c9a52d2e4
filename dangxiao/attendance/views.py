"""Check-in (screen, phone, kiosk), the roll, leave, member cards and ratings."""

import secrets
from datetime import UTC, datetime, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.audit import client_ip
from dangxiao.teaching.models import Enrollment, Session
from dangxiao.teaching.services import TeachingError

from . import codes, selectors, services
from .leave import leave_decide_many
from .models import Attendance, LeaveRequest

DEVICE_COOKIE = "dx_device"
TICKET_KEY = "checkin_ticket"
TICKET_SECONDS = 300


def _qr_svg(data: str, scale: int = 8) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, dark="#111", light="#fff", omitsize=True)


def _member(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    return access.get_member_or_404(request.user, scope.member_id)


# --- The screen in the room ----------------------------------------------------------------------


@login_required
def display(request, pk: int):
    """Full-screen page for the venue's screen: the rotating QR, the typed code, the count rising."""
    session = access.get_session_for_marking_or_404(request.user, pk)
    return render(
        request,
        "attendance/display.html",
        {"session": session, "enrolled": Enrollment.objects.filter(cohort_id=session.cohort_id, status="enrolled").count()},
    )


@login_required
def display_code(request, pk: int):
    """The fragment the screen polls every second (htmx): QR, digits, count."""
    session = access.get_session_for_marking_or_404(request.user, pk)
    policy = services.policy_for(session.cohort.school_id)
    now = timezone.now()
    count = selectors.checked_in_count(session.pk)
    try:
        services.check_window(session, policy, now)
    except services.CheckInRefused as exc:  # outside the window: no live code on the screen
        return render(request, "attendance/_display_code.html", {"session": session, "closed": str(exc), "count": count})
    code = codes.current(session.pk, now, policy.code_step_seconds)
    url = request.build_absolute_uri(reverse("attendance:scan", args=[session.pk, code.token]))
    return render(
        request, "attendance/_display_code.html", {"session": session, "code": code, "qr": _qr_svg(url), "url": url, "count": count}
    )


# --- The member's phone ----------------------------------------------------------------------------


def scan(request, pk: int, token: str):
    """Where the QR leads. The code is judged when scanned; signing in first does not make it expire."""
    now = timezone.now()
    if not request.user.is_authenticated:
        request.session[TICKET_KEY] = {"session": pk, "token": token, "at": now.timestamp()}
        return redirect(f"{reverse('login')}?next={request.path}")
    code_time = None
    ticket = request.session.pop(TICKET_KEY, None)
    if ticket and ticket.get("session") == pk and ticket.get("token") == token and now.timestamp() - ticket["at"] <= TICKET_SECONDS:
        code_time = datetime.fromtimestamp(ticket["at"], tz=UTC)
    return _check_in_response(request, pk, token=token, code_time=code_time, now=now)


def _check_in_response(request, pk: int, *, token: str = "", digits: str = "", code_time=None, now=None):
    member = _member(request)
    session = Session.objects.select_related("cohort", "venue").filter(pk=pk).first()
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(16)
    context = {"session": session, "active": "schedule"}
    status = 200
    if session is None:
        context["error"] = _("签到码无效，请扫描现场屏幕上的二维码")
        status = 404
    else:
        try:
            result = services.session_check_in(
                session,
                member,
                now=now,
                token=token,
                digits=digits,
                device_id=device,
                ip=client_ip(request),
                by=request.user,
                code_time=code_time,
            )
        except services.CheckInRefused as exc:
            context.update(error=str(exc), reason=exc.reason)
            status = 422
        else:
            context.update(result=result, attendance=result.attendance)
    response = render(request, "attendance/checkin_result.html", context, status=status)
    response.set_cookie(DEVICE_COOKIE, device, max_age=3 * 365 * 86400, httponly=True, samesite="Lax", secure=request.is_secure())
    return response


@login_required
def typed_check_in(request):
    """The fallback: pick the session happening now and type the 6 digits on the screen."""
    member = _member(request)
    now = timezone.now()
    around = (
        Session.objects.filter(
            cohort__enrollments__member=member,
            cohort__enrollments__status="enrolled",
            starts_at__lte=now + timedelta(hours=1),
            ends_at__gte=now - timedelta(minutes=30),
        )
        .exclude(status="cancelled")
        .select_related("venue", "cohort")
        .order_by("starts_at")
    )
    if request.method == "POST":
        try:
            pk = int(request.POST.get("session") or 0)
        except ValueError:
            pk = 0
        return _check_in_response(request, pk, digits=request.POST.get("digits", ""), now=now)
    return render(request, "attendance/checkin_typed.html", {"active": "schedule", "sessions": around})


# --- Kiosk ---------------------------------------------------------------------------------------------


@login_required
def kiosk(request, pk: int):
    session = access.get_session_for_marking_or_404(request.user, pk)
    return render(request, "attendance/kiosk.html", {"session": session, "count": selectors.checked_in_count(session.pk)})


@login_required
@require_POST
def kiosk_scan(request, pk: int):
    session = access.get_session_for_marking_or_404(request.user, pk)
    try:
        result = services.kiosk_check_in(session, request.POST.get("card", ""), by=request.user, ip=client_ip(request))
    except services.CheckInRefused as exc:
        context = {"ok": False, "message": str(exc)}
    else:
        context = {"ok": True, "repeat": not result.created, "message": result.message, "member": result.attendance.member}
    context["count"] = selectors.checked_in_count(session.pk)
    return render(request, "attendance/_kiosk_result.html", context)


@login_required
def my_card(request):
    member = _member(request)
    text = services.member_card_text(member)
    return render(request, "attendance/member_card.html", {"active": "me", "cards": [(member, _qr_svg(text, scale=5), text)]})


@login_required
def member_cards(request):
    """Printable member cards for an organisation in scope (for members without a phone)."""
    access.require(access.scope_for(request.user).can_view_roster)
    org = access.get_organization_or_404(request.user, request.GET.get("organization")) if request.GET.get("organization") else None
    members = access.filter_roster(request.user).current().select_related("organization").order_by("organization__path", "name")
    if org is not None:
        members = members.filter(organization__path__startswith=org.path)
    if request.GET.get("member"):  # one member's card, from their page or the ledger
        members = members.filter(pk=access.get_member_or_404(request.user, request.GET["member"], access.filter_roster(request.user)).pk)
    only_elderly = request.GET.get("elderly") == "1"
    if only_elderly:
        members = members.filter(is_elderly_infirm=True)
    members = list(members[:400])
    cards = [(m, _qr_svg(services.member_card_text(m), scale=4), services.member_card_text(m)) for m in members]
    return render(request, "attendance/member_card.html", {"active": "members", "cards": cards, "organization": org, "printing": True})


# --- The roll ----------------------------------------------------------------------------------------


@login_required
def roll(request, pk: int):
    session = access.get_session_for_marking_or_404(request.user, pk)
    if request.method == "POST":
        if "all_present" in request.POST and request.POST.get("confirm") != "1":
            return _confirm_all_present(request, session)
        try:
            if "all_present" in request.POST:
                n = services.roll_mark_all_present(session, by=request.user, ip=client_ip(request))
            else:
                marks = {}
                for key, value in request.POST.items():
                    if key.startswith("status_") and value:
                        marks[int(key.removeprefix("status_"))] = value
                current = {a.member_id: a.status for a in Attendance.objects.filter(session=session)}
                n = services.roll_mark(
                    session, {m: s for m, s in marks.items() if current.get(m) != s}, by=request.user, ip=client_ip(request)
                )
        except (TeachingError, ValueError) as exc:
            messages.error(request, str(exc) if isinstance(exc, TeachingError) else _("提交的数据有误"))
        else:
            messages.success(request, _("已更新 %(count)s 人的考勤。") % {"count": n})
        return redirect("attendance:roll", session.pk)
    return _roll_page(request, session)


def _confirm_all_present(request, session):
    """ "Mark all present" asks first, saying how many it would mark: an accidental press (or any POST
    without `confirm`) marks nobody."""
    try:
        count = len(services.all_present_marks(session))
    except TeachingError as exc:
        messages.error(request, str(exc))
        return redirect("attendance:roll", session.pk)
    if not count:
        messages.info(request, _("没有需要记为出席的学员。"))
        return redirect("attendance:roll", session.pk)
    return _roll_page(request, session, confirm_all=count)


def _roll_page(request, session, **extra):
    rows = selectors.session_roll(session)
    counts = {s: 0 for s in Attendance.Status.values}
    for r in rows:
        if r["attendance"]:
            counts[r["attendance"].status] += 1
    return render(
        request,
        "attendance/roll.html",
        {
            "active": "cohorts",
            "session": session,
            "rows": rows,
            "statuses": Attendance.Status.choices,
            "counts": counts,
            "unmarked": sum(1 for r in rows if not r["attendance"]),
            "pending_leave": [r for r in rows if r["leave"] and r["leave"].status == LeaveRequest.Status.PENDING],
            **extra,
        },
    )


@login_required
@require_POST
def leave_decide(request, pk: int):
    leave = LeaveRequest.objects.select_related("session__cohort", "session__teacher", "member").filter(pk=pk).first()
    access.require(leave is not None)
    access.require(access.filter_cohorts(request.user).filter(pk=leave.session.cohort_id).exists())
    approve = request.POST.get("decision") == "approve"
    result = leave_decide_many(request.user, [leave.pk], approve=approve, note=request.POST.get("note", ""), request=request)
    for line in result.refused:
        messages.error(request, line)
    if result.decided:
        messages.success(request, _("已处理%(name)s的请假。") % {"name": leave.member.name})
    return redirect("attendance:roll", leave.session_id)


@login_required
def leave_ask(request, pk: int):
    """A member asks for leave from an upcoming session."""
    member = _member(request)
    session = access.get_session_or_404(request.user, pk, Session.objects.select_related("cohort", "venue"))
    existing = LeaveRequest.objects.filter(session=session, member=member).first()
    error = None
    if request.method == "POST":
        try:
            services.leave_request(session, member, request.POST.get("reason", ""))
        except TeachingError as exc:
            error = str(exc)
        else:
            messages.success(request, _("请假申请已提交，等待支部书记审批。"))
            return redirect("attendance:my_schedule")
    return render(
        request,
        "attendance/leave_ask.html",
        {"active": "schedule", "session": session, "existing": existing, "error": error},
        status=422 if error else 200,
    )


@login_required
def session_rate(request, pk: int):
    """A member who attended a session rates its teacher (1–5 and a comment), once."""
    member = _member(request)
    session = access.get_session_or_404(request.user, pk, Session.objects.select_related("teacher", "cohort"))
    error = None
    if request.method == "POST":
        try:
            services.session_rate(session, member, int(request.POST.get("score") or 0), request.POST.get("comment", ""))
        except (TeachingError, ValueError) as exc:
            error = str(exc) if isinstance(exc, TeachingError) else _("请选择1到5分")
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("attendance:my_schedule")
    return render(
        request, "attendance/session_rate.html", {"active": "schedule", "session": session, "error": error}, status=422 if error else 200
    )
