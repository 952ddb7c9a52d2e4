"""The audit trail: reveals, exports and imports of personal data, Open311 keys and course materials,
each row readable by the boards over what it touched."""

import ipaddress
from typing import Any

from django.conf import settings

from .models import AuditEvent


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or — when that is one of settings.TRUSTED_PROXIES — the
    last address in X-Forwarded-For that is not a trusted proxy (the one our proxy saw)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXIES
    if remote and remote in trusted:
        for value in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = _ip(value)
            if address and address not in trusted:
                return address
    return remote


def audit_record(
    request,
    action: str,
    *,
    organization_id: int | None,
    object_type: str = "",
    object_id: Any = "",
    summary: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """One audit row. `organization_id` is the organisation of what was touched (for several objects,
    access.common_organization_id of theirs): the boards over it read the row, and no other (core
    knows no domain, so the caller, who does, names it)."""
    user = getattr(request, "user", None)
    return AuditEvent.objects.create(
        organization_id=organization_id,
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:200],
        detail=detail or {},
        ip_address=client_ip(request),
    )
