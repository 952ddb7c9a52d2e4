from dataclasses import dataclass

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from dangxiao.people import services


@dataclass(frozen=True)
class UncheckedToken:
    """A bearer token the operation itself checks (see BearerToken's `deferred`)."""

    key: str


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` issued by POST /api/v1/auth/token.

    `deferred=True` is for an operation that checks the token in its own first read: it gets an
    UncheckedToken as `request.auth`, and must answer 401 (raise ninja's AuthenticationError) when its
    read finds no user. The check-in does (attendance.selectors.token_check_in_facts), one round trip
    to the database fewer on the busiest write (README "Benchmarks").
    """

    def __init__(self, *, deferred: bool = False):
        super().__init__()
        self.deferred = deferred

    def authenticate(self, request: HttpRequest, token: str):
        if self.deferred:
            return UncheckedToken(token)
        user = services.token_user(token)
        if user is None:
            return None
        request.user = user
        request.api_token = token
        return user


AUTH = [BearerToken(), SessionAuth()]
