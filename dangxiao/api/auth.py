from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from dangxiao.people import services


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` issued by POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = services.token_user(token)
        if user is None:
            return None
        request.user = user
        request.api_token = token
        return user


AUTH = [BearerToken(), SessionAuth()]
