"""The secretary's leave inbox: every request of their scope in one list, decided singly or in bulk."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.teaching.services import TeachingError

from .leave import leave_decide_many, leave_inbox
from .models import LeaveRequest


@login_required
def inbox(request):
    access.require(access.scope_for(request.user).is_staff)
    status = request.GET.get("status", LeaveRequest.Status.PENDING)
    if status not in LeaveRequest.Status.values:
        status = LeaveRequest.Status.PENDING
    page = Paginator(leave_inbox(request.user, status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "attendance/leave_inbox.html",
        {
            "active": "leave",
            "page": page,
            "status": status,
            "statuses": LeaveRequest.Status.choices,
            "querystring_nopage": f"status={status}&",
        },
    )


@login_required
@require_POST
def decide(request):
    access.require(access.scope_for(request.user).is_staff)
    approve = request.POST.get("decision") == "approve"
    try:
        result = leave_decide_many(
            request.user, request.POST.getlist("leave"), approve=approve, note=request.POST.get("note", ""), request=request
        )
    except TeachingError as exc:
        messages.error(request, str(exc))
    else:
        if result.decided:
            label = _("已批准%(n)s条请假申请。") if approve else _("已不批准%(n)s条请假申请。")
            messages.success(request, label % {"n": len(result.decided)})
        for line in result.refused:
            messages.error(request, line)
    return redirect("attendance:leave_inbox")
