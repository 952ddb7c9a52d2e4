"""The leave inbox: the leave requests a secretary answers, and deciding them singly or in bulk, audited.

A request is in a user's inbox when the member is on their roster (their own members, whichever cohort
asked them) or the session belongs to a cohort they manage. Requests for cancelled sessions leave the
inbox: there is nothing to be excused from.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.people.models import User
from dangxiao.teaching.models import Session
from dangxiao.teaching.services import TeachingError

from .models import LeaveRequest
from .roll import leave_decide

MAX_AT_ONCE = 200


def leave_inbox(user: User, status: str = LeaveRequest.Status.PENDING) -> QuerySet:
    """The user's inbox, earliest session first; empty for anyone who is not staff."""
    scope = access.scope_for(user)
    qs = LeaveRequest.objects.exclude(session__status=Session.Status.CANCELLED)
    if not scope.is_superuser:
        if not scope.is_staff:
            return qs.none()
        q = access.staff_q(scope, "member__organization__path") | access.staff_q(scope, "session__cohort__organization__path")
        qs = qs.filter(q)
    if status in LeaveRequest.Status.values:
        qs = qs.filter(status=status)
    return qs.select_related("member__organization", "session__cohort", "session__venue").order_by("session__starts_at", "id")


@dataclass
class Decided:
    decided: list[LeaveRequest] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why some were not decided, one line each


def leave_decide_many(user: User, ids, *, approve: bool, note: str = "", request=None) -> Decided:
    """Approve (marks excused) or refuse each pending request of the user's inbox among `ids`; each one
    decided is audited. Ids outside the inbox are ignored (as a 404 would); one already decided is named
    in `refused` and the others still go through. TeachingError when none is chosen or too many at once."""
    try:
        ids = sorted({i for i in map(int, ids) if 0 < i < 2**63})  # beyond a database id: not in any inbox
    except (TypeError, ValueError):
        raise TeachingError(_("请选择请假申请")) from None
    if not ids:
        raise TeachingError(_("请选择请假申请"))
    if len(ids) > MAX_AT_ONCE:
        raise TeachingError(_("一次最多处理%(n)s条请假申请") % {"n": MAX_AT_ONCE})
    result = Decided()
    for leave in leave_inbox(user, "").filter(pk__in=ids):
        try:
            with transaction.atomic():
                decided = leave_decide(leave, approve=approve, by=user, note=note)
                audit_record(
                    request,
                    "leave_approve" if approve else "leave_refuse",
                    organization_id=leave.member.organization_id,
                    object_type="leave_request",
                    object_id=leave.pk,
                    summary=f"{'批准' if approve else '不批准'}请假：{leave.member.name} · {leave.session.title}",
                    detail={"session": leave.session_id, "note": note[:200]},
                )
        except TeachingError as exc:
            result.refused.append(f"{leave.member.name}：{exc}")
        else:
            result.decided.append(decided)
    return result
