"""The sign-in throttle: django-axes, counting failures the way sign-in reads usernames.

Two counters, each over the cool-off window (settings AXES_*):
- per account: the username as sign-in looks it up (normalize.sign_in_username), from any address, so
  " 13900000005", "139 0000 0005" and full-width digits are one account and one counter;
- per address: every failure from one client address, whatever username it tried, so one client cannot
  try a code or a password on many phones. Its limit is higher (AXES_ADDRESS_FAILURE_LIMIT), because an
  office or a phone network may put many members behind one address.

Every way to sign in counts here, because each goes through django.contrib.auth.authenticate: the sign-in
page, the API's token endpoint and the activation step (page and API). A locked username answers the same
whether or not it belongs to an account: the lock is decided before any account is looked up.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .normalize import sign_in_username


def throttle_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the key the per-account counter is kept under."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username")
    if raw is None:
        return None
    return sign_in_username(raw) or None


class SignInThrottle(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with the two limits above.

    Axes compares one count against one limit; this handler's count is the account's failures, raised to
    the limit when the address has reached its own, higher limit.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        mine = Q(username=username) if username else Q(pk__in=[])
        counts = AccessAttempt.objects.filter(mine | Q(ip_address=address), attempt_time__gte=get_cool_off_threshold(request)).aggregate(
            account=Sum("failures_since_start", filter=mine),
            address=Sum("failures_since_start", filter=Q(ip_address=address)),
        )
        account, by_address = counts["account"] or 0, counts["address"] or 0
        if by_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(account, get_failure_limit(request, credentials))
        return account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful sign-in, forget that account's failures only. Axes would also forget every
        failure from the address, so signing in to one's own account would wipe the count of guesses at
        another's."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429, as JSON for the API and as a page otherwise; the same for any username."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    if request.path.startswith("/api/"):
        message = _("登录失败次数过多，已暂时锁定，请%(minutes)d分钟后再试。") % {"minutes": minutes}
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "core/lockout.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(max(1, round(settings.AXES_COOLOFF_TIME * 3600)))  # the lock's full length
    return response


def throttle_forget(username: str) -> None:
    """A sign-in that does not go through django.contrib.auth.login (the API's token endpoint) forgets the
    account's failures as the sign-in page does."""
    if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
        AccessAttempt.objects.filter(username=sign_in_username(username)).delete()
