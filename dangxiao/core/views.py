from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import access, exports
from .models import AuditEvent
from .tables import XLSX


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


@login_required
def export_list(request):
    """我的导出: the user's queued exports (core.exports), newest first; the list refreshes while one is
    on its way."""
    jobs = exports.recent(request.user.pk)
    template = "core/_export_rows.html" if request.headers.get("HX-Request") else "core/export_list.html"
    return render(request, template, {"jobs": jobs, "pending": any(j.pending for j in jobs), "keep_days": exports.KEEP.days})


@login_required
def export_download(request, token: str):
    """One of the user's own finished exports; anybody else's, or one not ready, is a 404."""
    job = exports.load(request.user.pk, token)
    if job is None or not job.ready:
        raise Http404(_("导出文件不存在或已过期"))
    return FileResponse(job.file_path.open("rb"), as_attachment=True, filename=job.filename, content_type=XLSX)
