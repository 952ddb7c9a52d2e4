"""A lobby screen's session (reports.kiosk) reaches the lobby screen and nothing else."""

from django.http import Http404
from django.urls import reverse

from .kiosk import SESSION_KEY


class KioskOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The session is already loaded for a signed-in user; an anonymous request without a cookie
        # costs nothing here.
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            allowed = (reverse("lobby"), reverse("lobby_fragment"), reverse("logout"))
            if request.path not in allowed and not request.path.startswith("/static/"):
                raise Http404("大屏账号只能打开大屏")
        return self.get_response(request)
