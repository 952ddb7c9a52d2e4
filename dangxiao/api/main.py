"""The JSON API under /api/v1/. Each domain has its own router; all call services and selectors."""

from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .account import router as account_router
from .appraisal import router as appraisal_router
from .appraisal_points import router as points_router
from .attendance import router as attendance_router
from .auth import AUTH
from .certificates import router as certificates_router
from .cohorts import me_router as cohorts_me_router
from .courses import router as courses_router
from .dashboards import router as dashboards_router
from .leave_inbox import router as leave_inbox_router
from .ledger import router as ledger_router
from .liaison import router as liaison_router
from .members import router as _members  # noqa: F401  (adds the member writes to the people router)

# The school's router, with the network's writes (school, plans, venues, partners, agreements) on it.
from .network import router as school_router
from .notifications import router as notifications_router
from .online import router as online_router
from .openapi import DocumentSchema, document_errors, document_examples
from .organizations import router as organizations_router
from .people import router as people_router
from .practice_meetings import router as practice_meetings_router
from .practice_projects import router as practice_projects_router
from .practice_reflections import router as reflections_router
from .practice_service import router as practice_service_router
from .practice_service_me import me_router as practice_service_me_router
from .reports import router as reports_router
from .teachers import router as teachers_router
from .teaching import me_router as teaching_me_router
from .teaching import router as teaching_router


class DangxiaoAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document with one name per schema and every operation's common refusals declared (api/openapi.py)."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return document_examples(document_errors(DocumentSchema(self, path_prefix)), path_prefix)


api = DangxiaoAPI(
    title="党校管理平台 API",
    version="1",
    description="Dangxiao: a grassroots Party school platform. Token auth: POST /api/v1/auth/token, then `Authorization: Bearer <token>`.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=AUTH,
)
api.add_router("/", account_router)
api.add_router("/", people_router)
api.add_router("/", organizations_router)
api.add_router("/", attendance_router)
api.add_router("/", school_router)
api.add_router("/", teachers_router)
api.add_router("/", courses_router)
api.add_router("/", teaching_router)
api.add_router("/", teaching_me_router)
api.add_router("/", cohorts_me_router)
api.add_router("/", leave_inbox_router)
api.add_router("/", online_router)
api.add_router("/", ledger_router)
api.add_router("/", certificates_router)
api.add_router("/", liaison_router)
api.add_router("/", practice_meetings_router)
api.add_router("/", reflections_router)
api.add_router("/", points_router)
api.add_router("/", practice_projects_router)
api.add_router("/", practice_service_router)
api.add_router("/", practice_service_me_router)
api.add_router("/", reports_router)
api.add_router("/", dashboards_router)
api.add_router("/", appraisal_router)
api.add_router("/", notifications_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("未找到，或不在您的权限范围内")}, status=404)


@api.exception_handler(MultiPartParserError)
def unreadable_multipart(request, exc):
    return api.create_response(request, {"detail": _("请求体不是有效的 multipart/form-data")}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("未登录或令牌无效")}, status=401)


def _message(error: dict) -> str:
    """A validation error's message in Chinese for the kinds a caller meets (pydantic's English otherwise)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("应为整数")
    if kind == "greater_than_equal":
        return _("不能小于 %(limit)s") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("不能大于 %(limit)s") % {"limit": ctx.get("le")}
    if kind == "greater_than":
        return _("须大于 %(limit)s") % {"limit": ctx.get("gt")}
    if kind == "less_than":
        return _("须小于 %(limit)s") % {"limit": ctx.get("lt")}
    if kind in ("enum", "literal_error"):
        return _("不是可选的值，可选：%(expected)s") % {"expected": ctx.get("expected", "")}
    if kind == "string_too_long":
        return _("不能超过 %(limit)s 个字") % {"limit": ctx.get("max_length")}
    if kind in ("decimal_parsing", "decimal_type", "float_parsing"):
        return _("应为数字")
    if kind in ("decimal_max_places", "decimal_max_digits", "decimal_whole_digits"):
        return _("数字的位数过多（最多一位小数）")
    if kind.startswith("date_") or kind == "date_type":
        return _("应为日期，如 2026-03-01")
    if kind.startswith("datetime_"):
        return _("应为日期时间，如 2026-03-01T09:00:00+08:00")
    if kind in ("bool_parsing", "bool_type"):
        return _("应为 true 或 false")
    if kind == "missing":
        return _("必填")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    return error.get("msg", "")


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None, "message": _message(e)} for e in exc.errors]
    return api.create_response(request, {"detail": _("请求参数有误"), "errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """django-ninja's own refusals; the one a caller meets is a body that does not parse (not JSON, or
    JSON nested too deep to read: its parser's RecursionError), answered 400 in Chinese."""
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return api.create_response(request, {"detail": _("请求体不是有效的 JSON，或嵌套层次过深")}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
