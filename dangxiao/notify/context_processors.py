from . import selectors


def unread(request):
    """The unread count for the nav's badge: one query, and none for visitors who are not signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notify_unread": selectors.unread_count(user)}
