"""民主评议 pages. Members (phone, 390 px): their appraisals, the 自评 and the secret ballot, their own
result. Non-members: the 民主测评 ballot with a one-time code. Staff (desktop): open, watch the quorum,
issue codes, close, see the tallies beside each member's year, propose grades, record the decision,
follow up 不合格. Every object is loaded through core.access (404 out of scope)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.params import date_param, id_param, year_param
from dangxiao.people.models import Organization

from . import appraisal_selectors as selectors
from . import appraisal_services as services
from .models import Appraisal, FollowUp, Grade

PAGE_SIZE = 30


def _require_staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _branches(request):
    q = access.staff_q(access.scope_for(request.user), "path")
    qs = Organization.objects.filter(kind=Organization.Kind.BRANCH, dissolved_on__isnull=True)
    return (qs if q is None else qs.filter(q)).order_by("path")


# --- Members ------------------------------------------------------------------------------------------


@login_required
def my_appraisals(request):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    return render(request, "appraisal/my_list.html", {"active": "appraisal", "items": selectors.member_appraisals(scope.member_id)})


@login_required
def my_appraisal(request, pk):
    """The member's page of one appraisal: the 自评, the ballot (once), and their own result after the decision."""
    appraisal = access.get_own_appraisal_or_404(request.user, pk)
    member_id = access.scope_for(request.user).member_id
    mine = selectors.member_appraisals(member_id, appraisal_id=appraisal.pk)[0]
    voted = selectors.has_voted(appraisal, member_id)
    open_ = appraisal.status == Appraisal.Status.OPEN
    context = {
        "active": "appraisal",
        "a": appraisal,
        "mine": mine,
        "voted": voted,
        "is_open": open_,
        "ratees": selectors.ballot_ratees(appraisal, member_id) if open_ and not voted else [],
        "grades": Grade.choices,
        "self_text": appraisal.self_assessments.filter(member_id=member_id).values_list("text", flat=True).first() or "",
        "quorum": selectors.quorum(appraisal),
    }
    return render(request, "appraisal/my_detail.html", context)


@login_required
@require_POST
def my_self_assessment(request, pk):
    appraisal = access.get_own_appraisal_or_404(request.user, pk)
    member = access.get_member_or_404(request.user, access.scope_for(request.user).member_id)
    try:
        services.self_assessment_save(appraisal, member, request.POST.get("text", ""))
    except services.AppraisalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("个人自评已保存"))
    return redirect("appraisal:my_detail", pk=appraisal.pk)


def _marks(post, ratees) -> dict:
    return {m.pk: post.get(f"grade_{m.pk}", "") for m in ratees}


@login_required
@require_POST
def my_vote(request, pk):
    appraisal = access.get_own_appraisal_or_404(request.user, pk)
    member = access.get_member_or_404(request.user, access.scope_for(request.user).member_id)
    try:
        services.ballot_cast(appraisal, member, _marks(request.POST, selectors.ballot_ratees(appraisal, member.pk)))
    except services.AppraisalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("投票成功。您的选票不记名，任何人都无法查到您投给谁什么等次。"))
    return redirect("appraisal:my_detail", pk=appraisal.pk)


def code_vote(request):
    """民主测评 without an account: the one-time code printed on the slip, then the ballot."""
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:20]
    appraisal = services.appraisal_for_code(code) if code else None
    if request.method == "POST" and appraisal is not None and "cast" in request.POST:
        try:
            services.ballot_cast_with_code(appraisal, code, _marks(request.POST, selectors.ballot_ratees(appraisal, None)))
        except services.AppraisalError as exc:
            messages.error(request, str(exc))
        else:
            return render(request, "appraisal/code_vote.html", {"done": True})
    elif code and appraisal is None:
        messages.error(request, _("测评码无效或已使用"))
    context = {
        "code": code if appraisal else "",
        "a": appraisal,
        "ratees": selectors.ballot_ratees(appraisal, None) if appraisal else [],
        "grades": Grade.choices,
    }
    return render(request, "appraisal/code_vote.html", context)


# --- Staff ---------------------------------------------------------------------------------------------


@login_required
def appraisal_list(request):
    _require_staff(request)
    today = timezone.localdate()
    if request.method == "POST":
        org = access.get_organization_or_404(request.user, id_param(request.POST.get("organization")), _branches(request))
        year = year_param(request.POST.get("year"), today.year)
        try:
            appraisal = services.appraisal_open(org, year, by=request.user, request=request)
        except services.AppraisalError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("民主评议已开始，党员可在手机上填写个人自评并投票"))
            return redirect("appraisal:detail", pk=appraisal.pk)
    year = year_param(request.GET.get("year"), 0) or None
    page = Paginator(selectors.appraisal_list(request.user, year=year), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "active": "appraisals",
        "page": page,
        "branches": _branches(request)[:500],
        "years": [today.year, today.year - 1],
        "follow_ups": selectors.follow_up_counts(request.user, today),
    }
    return render(request, "appraisal/list.html", context)


@login_required
def appraisal_detail(request, pk):
    return _detail_page(request, pk)


def _detail_page(request, pk, posted: dict | None = None, status: int = 200):
    """The committee's page; after a refused proposal (`posted`), the grades as they were chosen."""
    _require_staff(request)
    appraisal = access.get_appraisal_or_404(request.user, pk)
    rows = selectors.appraisal_rows(appraisal, request.user)
    for row in rows:
        row.selected = (posted or {}).get(str(row.member.pk), row.rating.proposed if row.rating else "")
    rated = sum(1 for r in rows if r.participant.is_rated)
    context = {
        "active": "appraisals",
        "a": appraisal,
        "rows": rows,
        "quorum": selectors.quorum(appraisal),
        "visible": selectors.tallies_visible(appraisal),
        "grades": Grade.choices,
        "rated": rated,
        "cap": services.excellent_cap(rated),
        "codes_total": appraisal.voting_codes.count(),
        "today": timezone.localdate(),
    }
    return render(request, "appraisal/detail.html", context, status=status)


def _act(request, pk, action):
    _require_staff(request)
    appraisal = access.get_appraisal_or_404(request.user, pk)
    try:
        done = action(appraisal)
    except services.AppraisalError as exc:
        messages.error(request, str(exc))
        return None, appraisal
    return done, appraisal


@login_required
@require_POST
def appraisal_close(request, pk):
    done, appraisal = _act(request, pk, lambda a: services.appraisal_close(a, by=request.user, request=request))
    if done:
        messages.success(request, _("投票已截止，计票结果如下"))
    return redirect("appraisal:detail", pk=appraisal.pk)


@login_required
@require_POST
def appraisal_propose(request, pk):
    grades = {key[6:]: value for key, value in request.POST.items() if key.startswith("grade_")}
    done, appraisal = _act(request, pk, lambda a: services.ratings_propose(a, grades, request=request))
    if done is None:  # refused: the page again with the committee's choices, so they can correct one
        return _detail_page(request, pk, posted=grades, status=422)
    messages.success(request, _("建议等次已保存"))
    return redirect("appraisal:detail", pk=appraisal.pk)


@login_required
@require_POST
def appraisal_decide(request, pk):
    decided_on = date_param(request.POST.get("decided_on"))
    deadline = date_param(request.POST.get("follow_up_deadline"))

    def decide(a):
        if decided_on is None:
            raise services.AppraisalError(_("请填写党员大会日期"))
        return services.appraisal_decide(
            a, decided_on=decided_on, notes=request.POST.get("notes", ""), follow_up_deadline=deadline, request=request
        )

    done, appraisal = _act(request, pk, decide)
    if done:
        messages.success(request, _("党员大会评定结果已记录"))
    return redirect("appraisal:detail", pk=appraisal.pk)


@login_required
@require_POST
def appraisal_codes(request, pk):
    """Issue one-time 民主测评 codes and show them once, on a page made for printing."""
    count = id_param(request.POST.get("count")) or 0
    done, appraisal = _act(request, pk, lambda a: services.codes_issue(a, count, by=request.user, request=request))
    if not done:
        return redirect("appraisal:detail", pk=appraisal.pk)
    response = render(request, "appraisal/codes.html", {"a": appraisal, "codes": done, "active": "appraisals"})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def follow_ups(request):
    _require_staff(request)
    page = Paginator(selectors.follow_up_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appraisal/follow_ups.html", {"active": "appraisals", "page": page, "today": timezone.localdate()})


@login_required
def follow_up_edit(request, pk):
    _require_staff(request)
    follow_up = access.get_follow_up_or_404(request.user, pk)
    if request.method == "POST":
        deadline = date_param(request.POST.get("deadline"))
        try:
            if deadline is None:
                raise services.AppraisalError(_("请填写整改期限"))
            services.follow_up_update(
                follow_up,
                plan=request.POST.get("plan", ""),
                deadline=deadline,
                reviewed_on=date_param(request.POST.get("reviewed_on")),
                outcome=request.POST.get("outcome", ""),
                outcome_notes=request.POST.get("outcome_notes", ""),
                request=request,
            )
        except services.AppraisalError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("appraisal:follow_ups")
    context = {"active": "appraisals", "f": follow_up, "outcomes": FollowUp.Outcome.choices}
    return render(request, "appraisal/follow_up_edit.html", context)
