"""Open311 GeoReport v2 endpoints (JSON only). Plain views: no session, no CSRF for the POST (the
API key is the credential); every answer and every error is in the GeoReport format."""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from dangxiao.core.audit import client_ip

from . import open311
from .open311 import Open311Error


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(exc: Open311Error) -> JsonResponse:
    return _json(exc.as_list(), status=exc.code)


def _params(request) -> dict:
    """Form fields as Open311 clients send them; a JSON object body is accepted too."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep to read
            raise Open311Error(400, "请求体不是有效的 JSON") from None
        if not isinstance(body, dict):
            raise Open311Error(400, "请求体应为 JSON 对象")
        return {k: (v if isinstance(v, dict) else ("" if v is None else str(v))) for k, v in body.items()}
    return {k: request.POST.get(k, "") for k in request.POST}


@require_GET
def services(request):
    try:
        return _json(open311.service_list(request.GET))
    except Open311Error as exc:
        return _error(exc)


@require_GET
def service_definition(request, code: str):
    try:
        return _json(open311.service_definition(code, request.GET))
    except Open311Error as exc:
        return _error(exc)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request):
    try:
        if request.method == "POST":
            return _json(open311.request_create(_params(request), client_ip=client_ip(request)).as_list())
        return _json(open311.request_list(request.GET))
    except Open311Error as exc:
        return _error(exc)


@require_GET
def request_detail(request, request_id: str):
    try:
        return _json(open311.request_detail(request_id))
    except Open311Error as exc:
        return _error(exc)


def xml_refused(request, name: str):
    return _error(Open311Error(400, "仅支持 JSON 格式，请使用 .json 地址"))
