"""The whole record of one member on the staff member page, gathered from every app.

The people app sits below teaching, attendance and liaison, so it cannot read their tables; each of those
contributes sections through `register` at start-up (see reports.member_record), and the member page asks
`sections(member)` for them. A provider runs a fixed number of queries whatever the member's history, so
the page keeps its query budget.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import Member, MemberTransfer, Role


@dataclass
class Section:
    key: str
    title: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)
    order: int = 100


Provider = Callable[[Member], list[Section]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider of sections (idempotent, so a reloaded app registers once)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections(member: Member) -> list[Section]:
    found = [s for provider in _providers for s in provider(member)]
    return sorted(found, key=lambda s: (s.order, s.key))


def organization_history(member: Member) -> list[MemberTransfer]:
    """Every transfer of the member, newest first, with both organisations (1 query)."""
    return list(
        MemberTransfer.objects.filter(member=member)
        .select_related("from_organization", "to_organization", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def roles(member: Member) -> list[Role]:
    """The roles the member's account holds (1 query; none without an account)."""
    if not member.user_id:
        return []
    return list(Role.objects.filter(user_id=member.user_id).select_related("organization").order_by("organization__path", "kind"))
