"""The audit trail of personal data: reveals and exports, readable by the board."""

from typing import Any

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    request, action: str, *, object_type: str = "", object_id: Any = "", summary: str = "", detail: dict | None = None
) -> AuditEvent:
    user = getattr(request, "user", None)
    return AuditEvent.objects.create(
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:200],
        detail=detail or {},
        ip_address=client_ip(request),
    )
