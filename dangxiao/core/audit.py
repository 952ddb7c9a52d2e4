"""The audit trail of personal data: reveals and exports, readable by the board."""

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
