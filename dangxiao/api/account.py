"""Signing in through the API: tokens, the activation step, and the user's own tokens."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from dangxiao.people import activation, selectors, services

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class Activation(Schema):
    username: str
    code: str
    new_password: str


class TokenOut(Schema):
    token: str


class Message(Schema):
    detail: str


class Problems(Schema):
    detail: str
    errors: list[str]


class TokenInfo(Schema):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    current: bool


@router.post(
    "/auth/token",
    auth=None,
    # 429: the account or the address is locked after too many failures (people/throttle.py), with Retry-After.
    response={200: TokenOut, 401: Message, 403: Message, 429: Message},
    summary="Sign in and get a bearer token",
)
def token_create(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password, activation=True)
    if user is None:
        return Status(401, {"detail": _("手机号或密码不正确")})
    if getattr(user, "activation_code", None) is not None:
        return Status(403, {"detail": _("这是激活码，不能直接登录：请先设置新密码（POST /api/v1/auth/activate）。")})
    if user.must_change_password:
        return Status(403, {"detail": _("须先修改密码：请在网页上登录并设置新密码，或调用 POST /api/v1/auth/activate。")})
    return Status(200, {"token": services.token_sign_in(user)})


@router.post(
    "/auth/activate",
    auth=None,
    response={200: TokenOut, 400: Problems, 401: Message, 429: Message},
    summary="Set a new password with an activation code (or the current password) and get a bearer token",
)
def activate(request, body: Activation):
    try:
        user = activation.account_activate(request, body.username, body.code, body.new_password)
    except ValidationError as exc:
        return Status(400, {"detail": _("新密码不符合要求"), "errors": list(exc.messages)})
    except activation.ActivationError as exc:
        return Status(400, {"detail": str(exc), "errors": []})
    if user is None:
        return Status(401, {"detail": _("手机号或激活码不正确")})
    return Status(200, {"token": services.token_sign_in(user)})


@router.delete("/auth/token", response={204: None, 400: Message}, summary="Revoke the bearer token used for this request")
def token_delete(request):
    key = getattr(request, "api_token", None)
    if not key:
        return Status(400, {"detail": _("请使用要吊销的令牌调用此接口")})
    services.token_revoke(key)
    return Status(204, None)


@router.get("/auth/tokens", response=list[TokenInfo], summary="The caller's own live tokens")
def token_list(request):
    current = services.token_hash(request.api_token) if getattr(request, "api_token", None) else None
    return [
        {
            "id": t.pk,
            "name": t.name,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "expires_at": t.expires_at,
            "current": t.key_hash == current,
        }
        for t in selectors.token_list(request.user)
    ]


@router.delete("/auth/tokens/{token_id}", response={204: None, 404: Message}, summary="Revoke one of the caller's own tokens")
def token_revoke(request, token_id: int):
    if not services.token_revoke_own(request.user, token_id):
        return Status(404, {"detail": _("未找到，或不在您的权限范围内")})
    return Status(204, None)
