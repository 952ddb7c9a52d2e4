from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from dangxiao.core import access
from dangxiao.teaching.services import TeachingError

from . import services


@login_required
def session_rate(request, pk: int):
    """A member who attended a session rates its teacher (1–5 and a comment), once."""
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    session = access.get_session_or_404(request.user, pk, access.filter_sessions(request.user).select_related("teacher", "cohort"))
    member = access.get_member_or_404(request.user, scope.member_id)
    error = None
    if request.method == "POST":
        try:
            services.session_rate(session, member, int(request.POST.get("score") or 0), request.POST.get("comment", ""))
        except (TeachingError, ValueError) as exc:
            error = str(exc) if isinstance(exc, TeachingError) else "请选择1到5分"
        else:
            messages.success(request, "感谢您的评价！")
            return redirect("teaching:my_schedule")
    return render(
        request, "attendance/session_rate.html", {"active": "schedule", "session": session, "error": error}, status=422 if error else 200
    )
