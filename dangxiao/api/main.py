"""The JSON API under /api/v1/. Each domain has its own router; all call services and selectors."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from .account import router as account_router
from .attendance import router as attendance_router
from .auth import AUTH
from .certificates import router as certificates_router
from .ledger import router as ledger_router
from .liaison import router as liaison_router
from .online import router as online_router
from .people import router as people_router
from .school import router as school_router
from .teaching import me_router as teaching_me_router
from .teaching import router as teaching_router

api = NinjaAPI(
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
api.add_router("/", attendance_router)
api.add_router("/", school_router)
api.add_router("/", teaching_router)
api.add_router("/", teaching_me_router)
api.add_router("/", online_router)
api.add_router("/", ledger_router)
api.add_router("/", certificates_router)
api.add_router("/", liaison_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("未找到，或不在您的权限范围内")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("未登录或令牌无效")}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None, "message": e.get("msg", "")} for e in exc.errors]
    return api.create_response(request, {"detail": _("请求参数有误"), "errors": errors}, status=422)
