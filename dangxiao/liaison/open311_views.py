"""Open311 GeoReport v2 endpoints, in JSON and in XML (the spec's default). Plain views: no session, no
CSRF for the POST (the API key is the credential). Every answer and every error under /open311/v2/ —
unknown paths and wrong methods included — is in the GeoReport format and in the format asked for."""

import json
from functools import wraps
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from dangxiao.core.audit import client_ip

from . import open311
from .open311 import Open311Error

FORMATS = ("json", "xml")
# How XML wraps each answer: the root element and the name of each item of a list.
XML_LIST_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint", "formats": "format"}


def _xml_value(parent: Element, key: str, value) -> None:
    node = SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_value(node, k, v)
    elif isinstance(value, list):
        item = XML_LIST_ITEMS.get(key, "item")
        for v in value:
            _xml_value(node, item, v)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def _to_xml(root: str, data) -> bytes:
    element = Element(root)
    if isinstance(data, list):
        item = XML_LIST_ITEMS[root]
        for value in data:
            _xml_value(element, item, value)
    else:
        for key, value in data.items():
            _xml_value(element, key, value)
    return tostring(element, encoding="utf-8", xml_declaration=True)


def _answer(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_to_xml(root, data), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, exc: Open311Error) -> HttpResponse:
    response = _answer(fmt, "errors", exc.as_list(), status=exc.code)
    if exc.code == 429:
        response["Retry-After"] = str(exc.retry_after or 60)
    return response


def _guess_format(request, path: str = "") -> str:
    """The format of an answer whose URL names none we know: XML if asked for by suffix or Accept, else JSON."""
    if path.endswith(".xml") or ("xml" in request.headers.get("Accept", "") and not path.endswith(".json")):
        return "xml"
    return "json"


def georeport(*methods: str, root: str):
    """Method check, the format from the URL, and Open311Error as the spec's error list, for one endpoint."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            if request.method not in methods:
                response = _error(fmt, Open311Error(405, f"不支持 {request.method[:10]} 方法，请用 {'、'.join(methods)}"))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return _answer(fmt, root, view(request, *args, **kwargs))
            except Open311Error as exc:
                return _error(fmt, exc)

        return wrapper

    return decorate


def _params(request) -> dict:
    """Form fields as Open311 clients send them (a JSON object body is accepted too); `api_key` may also
    come in the query string, as some clients send it."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep to read
            raise Open311Error(400, "请求体不是有效的 JSON") from None
        if not isinstance(body, dict):
            raise Open311Error(400, "请求体应为 JSON 对象")
        params = {k: (v if isinstance(v, dict) else ("" if v is None else str(v))) for k, v in body.items()}
    else:
        params = {k: request.POST.get(k, "") for k in request.POST}
    for key in ("api_key", "jurisdiction_id"):
        if not params.get(key) and request.GET.get(key):
            params[key] = request.GET[key]
    return params


@georeport("GET", root="discovery")
def discovery(request):
    return open311.discovery(request.build_absolute_uri("/open311/v2/"))


@georeport("GET", root="services")
def services(request):
    return open311.service_list(request.GET)


@georeport("GET", root="service_definition")
def service_definition(request, code: str):
    return open311.service_definition(code, request.GET)


@georeport("GET", "POST", root="service_requests")
def requests(request):
    if request.method == "POST":
        return open311.request_create(_params(request), client_ip=client_ip(request)).as_list()
    return open311.request_list(request.GET)


@georeport("GET", root="service_requests")
def request_detail(request, request_id: str):
    return open311.request_detail(request_id, request.GET)


@csrf_exempt
def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: the spec's error, never Django's page."""
    return _error(_guess_format(request, path), Open311Error(404, "没有这个 Open311 接口；可用接口见 discovery.json"))
