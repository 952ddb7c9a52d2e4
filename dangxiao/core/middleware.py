from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """An account given a temporary password (by an administrator, or with a grid role) must set its own
    before using any page. The API refuses such an account too (api.auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = (reverse("password_change"), reverse("logout"))
            if request.path not in allowed and not request.path.startswith(("/static/", "/api/")):
                return redirect("password_change")
        return self.get_response(request)
