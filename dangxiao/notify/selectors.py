"""Reads of notifications: a user's centre, their unread count, their preferences, the robots a board
manages."""

from django.db.models import QuerySet

from dangxiao.core import access
from dangxiao.people.models import Member, User

from .models import Kind, Notification, Preference
from .services import DEFAULT_QUIET, USER_KINDS, channels_offered, chosen_channels, user_phone


def notifications_for(user: User) -> QuerySet:
    return access.filter_notifications(user).order_by("-created", "-id")


def unread_count(user: User) -> int:
    """One query (an index on user and read_at)."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def preferences_for(user: User) -> dict:
    """The user's choices as the page and the API show them, with the addresses the channels would use."""
    pref = Preference.objects.filter(user=user).first()
    start, end = (pref.quiet_start, pref.quiet_end) if pref else DEFAULT_QUIET
    phone = Member.objects.filter(user=user).values_list("phone", flat=True).first()
    return {
        "kinds": [
            {"kind": k.value, "label": str(k.label), "offered": channels_offered(k), "channels": chosen_channels(pref, k)}
            for k in (Kind(v) for v in USER_KINDS)
        ],
        "quiet_enabled": pref.quiet_enabled if pref else True,
        "quiet_start": start,
        "quiet_end": end,
        "email": user.email,
        "phone": user_phone(user, phone),
    }


def robots_for(user: User) -> QuerySet:
    return access.filter_wecom_robots(user).select_related("organization").order_by("organization__path")
