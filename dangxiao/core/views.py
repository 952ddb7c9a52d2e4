from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from . import access
from .models import AuditEvent


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def audit_log(request):
    access.require(access.scope_for(request.user).can_read_audit)
    events = access.filter_audit_events(request.user).select_related("actor").order_by("-at", "-id")
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "action": action, "actions": AuditEvent.Action.choices})


def ping(request):
    """Answers 200 without touching the database: the floor of the stack in benchmarks."""
    return HttpResponse("ok", content_type="text/plain")
