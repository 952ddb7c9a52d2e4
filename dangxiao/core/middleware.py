import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

# A JSON string's escape for NUL, not itself escaped (an even run of backslashes before it is text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class PasswordChangeRequiredMiddleware:
    """An account given a temporary password (by an administrator, or with a grid role) must set its own
    before using any page. The API refuses such an account too (api.auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            target = reverse("password_change")
            if request.path not in (target, reverse("logout")) and not request.path.startswith(("/static/", "/api/")):
                if request.headers.get("HX-Request"):
                    # An htmx fragment (the nav's unread badge, a button) redirected would put a whole page
                    # inside the element: the browser is sent to the password page instead, and a fragment
                    # asked for from the password page itself gets nothing.
                    response = HttpResponse(status=204)
                    if urlsplit(request.headers.get("HX-Current-URL", "")).path != target:
                        response["HX-Redirect"] = target
                    return response
                return redirect("password_change")
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL character anywhere in a request's text is refused with a 400 before the view runs.

    PostgreSQL cannot store NUL in text (psycopg raises DataError: a 500), and nothing we accept —
    a form field, a query parameter, a JSON string — has a use for one. Checking here covers every
    page, the API and Open311 at once, including the views that read parameters without a form.
    Uploaded files are not text and are not looked into. Cheap on the hot paths: a query string is
    only parsed when it holds "%00", a JSON body is searched for the byte and the escape.

    One exception: a view marked `limits_its_body` (the residents' public report page) checks a
    body's size before anything reads it, so a large multipart body is left to it here; it reads its
    fields through a form, whose fields refuse NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            if _carries_nul(request, own_limit=getattr(view_func, "limits_its_body", False)):
                return nul_refused(request)
        except MultiPartParserError:  # a multipart body without a boundary, or cut short: unreadable, not a 500
            return refused(request, _("请求体不是有效的 multipart/form-data"))
        return None


def limits_its_body(view):
    """Marks a view that refuses a large body before reading it (see RefuseNulMiddleware)."""
    view.limits_its_body = True
    return view


def _in_querydict(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


def _carries_nul(request, *, own_limit: bool) -> bool:
    if "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if ("%00" in query or "\x00" in query) and _in_querydict(request.GET):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return False
    if request.content_type == "multipart/form-data":
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if own_limit and size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            return False
        return _in_querydict(request.POST)
    if request.content_type == "application/x-www-form-urlencoded":
        return _in_querydict(request.POST)
    body = request.body
    return b"\x00" in body or (b"\\u0000" in body and _JSON_NUL.search(body) is not None)


def nul_refused(request) -> HttpResponse:
    return refused(request, _("内容中含有不允许的空字符（NUL），请删除后重新提交"))


def refused(request, message: str) -> HttpResponse:
    """A 400 in the caller's format: JSON for the API, GeoReport errors for Open311, a page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": 400, "description": message}], status=400, safe=False, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)
