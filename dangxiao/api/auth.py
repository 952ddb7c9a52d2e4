from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth

from dangxiao.people import services


@dataclass(frozen=True)
class UncheckedToken:
    """A bearer token the operation itself checks (see BearerToken's `deferred`)."""

    key: str


def token_refused(key: str) -> Exception:
    """The error to answer a refused token with: why it was refused when that helps the client (revoked,
    expired, a password to change first: 401 or 403 with a message), else the plain 401. Looked up only
    after the refusal, so accepted requests pay nothing for it."""
    refusal = services.token_refusal(key)
    if refusal is None:
        return AuthenticationError()
    return HttpError(*refusal)


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` issued by POST /api/v1/auth/token.

    `deferred=True` is for an operation that checks the token in its own first read: it gets an
    UncheckedToken as `request.auth`, and must raise `token_refused(key)` when its read finds no user.
    The check-in does (attendance.selectors.token_check_in_facts), one round trip to the database fewer
    on the busiest write (README "Benchmarks").
    """

    def __init__(self, *, deferred: bool = False):
        super().__init__()
        self.deferred = deferred

    def authenticate(self, request: HttpRequest, token: str):
        if self.deferred:
            return UncheckedToken(token)
        user = services.token_user(token)
        if user is None:
            raise token_refused(token)
        request.user = user
        request.api_token = token
        return user


class PasswordSetSessionAuth(SessionAuth):
    """A signed-in page's session, refused (403) while its user must change their password first: the pages
    send such a user to the password form (core.middleware), and the API must not be the way around it."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user and getattr(user, "must_change_password", False):
            raise HttpError(403, _("须先修改密码：请在网页上登录并设置新密码，或调用 POST /api/v1/auth/activate。"))
        return user


AUTH = [BearerToken(), PasswordSetSessionAuth()]
