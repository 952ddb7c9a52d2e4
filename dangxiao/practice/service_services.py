"""Write paths of volunteer service (志愿服务): activities, sign-up and withdrawal, check-in, hours and
their approval. Each is a named verb in one transaction with an injectable clock; every refusal a user can
cause is a `ServiceError` in Chinese and changes nothing. Staff changes and members' correction requests
are audited with the generic record actions.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date
from dangxiao.people.models import Member, Organization, User

from . import service_codes
from .models import ServiceParticipant, VolunteerService

MAX_MINUTES = 24 * 60  # one activity's hours: within a day
MAX_LIMIT = 10_000
MAX_AT_ONCE = 500  # participations approved in one request
CHECK_IN_OPENS = timedelta(minutes=30)  # before the start
Hours = ServiceParticipant.Hours


class ServiceError(Exception):
    """A refusal the user caused; the message says why, in Chinese."""


def _audit(request, action: str, service: VolunteerService, summary: str, **detail) -> None:
    audit_record(
        request,
        action,
        organization_id=service.organization_id,
        object_type="volunteer_service",
        object_id=service.pk,
        summary=summary,
        detail=detail,
    )


def _locked(service: VolunteerService) -> VolunteerService:
    """The activity row, locked until the transaction ends (its organisation read along, not locked)."""
    return VolunteerService.objects.select_for_update(of=("self",)).select_related("organization").get(pk=service.pk)


# --- Activities ------------------------------------------------------------------------------------


def _check(*, title: str, kind: str, starts_at: datetime, ends_at: datetime, signup_limit: int | None) -> None:
    if not (title or "").strip():
        raise ServiceError(_("请填写活动名称"))
    if len(title) > 120:
        raise ServiceError(_("活动名称不能超过 120 个字"))
    if kind not in VolunteerService.Kind.values:
        raise ServiceError(_("活动类别不是可选的值"))
    if starts_at is None or ends_at is None:
        raise ServiceError(_("请填写开始和结束时间"))
    if not (is_sane_date(starts_at) and is_sane_date(ends_at)):
        raise ServiceError(_("时间须在2000年至2100年之间"))
    if ends_at <= starts_at:
        raise ServiceError(_("结束时间须晚于开始时间"))
    if ends_at - starts_at > timedelta(minutes=MAX_MINUTES):
        raise ServiceError(_("一次活动不能超过 24 小时"))
    if signup_limit is not None and not 1 <= signup_limit <= MAX_LIMIT:
        raise ServiceError(_("报名名额须在 1 至 %(max)s 之间，或留空为不限") % {"max": MAX_LIMIT})


@transaction.atomic
def service_create(
    organization: Organization,
    *,
    title: str,
    kind: str = VolunteerService.Kind.POLICY,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    venue=None,
    place: str = "",
    signup_limit: int | None = None,
    by: User | None = None,
    request=None,
) -> VolunteerService:
    """A new activity run by `organization` (which the caller manages: the view or endpoint checks)."""
    _check(title=title, kind=kind, starts_at=starts_at, ends_at=ends_at, signup_limit=signup_limit)
    if organization.dissolved_on is not None:
        raise ServiceError(_("该组织已撤销，不能再组织活动"))
    service = VolunteerService.objects.create(
        organization=organization,
        title=title.strip(),
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        description=(description or "").strip(),
        venue=venue,
        place=(place or "").strip(),
        signup_limit=signup_limit,
        created_by=by,
    )
    _audit(request, "record_create", service, f"新建志愿服务活动“{service.title}”")
    return service


EDITABLE = ("title", "kind", "starts_at", "ends_at", "description", "venue", "place", "signup_limit")


@transaction.atomic
def service_update(service: VolunteerService, *, request=None, **changes) -> VolunteerService:
    """Change the fields given. Refused on a cancelled activity, for a limit below those already signed up,
    and for new times once hours are recorded (they were worked out from the times)."""
    service = _locked(service)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(_("不能修改的字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    if service.is_cancelled:
        raise ServiceError(_("活动已取消，不能再修改"))
    new = {name: changes.get(name, getattr(service, name)) for name in EDITABLE}
    _check(title=new["title"], kind=new["kind"], starts_at=new["starts_at"], ends_at=new["ends_at"], signup_limit=new["signup_limit"])
    signed = service.participants.filter(status=ServiceParticipant.Status.SIGNED_UP)
    if new["signup_limit"] is not None and signed.count() > new["signup_limit"]:
        raise ServiceError(_("已有 %(n)s 人报名，名额不能少于报名人数") % {"n": signed.count()})
    moved = new["starts_at"] != service.starts_at or new["ends_at"] != service.ends_at
    if moved and signed.exclude(hours_status=Hours.NONE).exists():
        raise ServiceError(_("已记录服务时长，不能再修改活动时间"))
    changed = sorted(name for name in EDITABLE if new[name] != getattr(service, name))
    for name in changed:
        value = new[name]
        setattr(service, name, value.strip() if isinstance(value, str) else value)
    if changed:
        service.save()
        _audit(request, "record_update", service, f"修改志愿服务活动“{service.title}”", fields=changed)
    return service


@transaction.atomic
def service_cancel(service: VolunteerService, *, reason: str, request=None, now: datetime | None = None) -> VolunteerService:
    """Cancel (retire) an activity: nobody may sign up or check in any more. Refused once hours are recorded."""
    now = now or timezone.now()
    service = _locked(service)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写取消原因"))
    if len(reason) > 200:
        raise ServiceError(_("取消原因不能超过 200 个字"))
    if service.is_cancelled:
        raise ServiceError(_("活动已取消"))
    if service.participants.exclude(hours_status=Hours.NONE).exists():
        raise ServiceError(_("已记录服务时长的活动不能取消"))
    service.cancelled_at, service.cancel_reason = now, reason
    service.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    _audit(request, "record_retire", service, f"取消志愿服务活动“{service.title}”", reason=reason)
    return service


# --- Sign-up, withdrawal, check-in ----------------------------------------------------------------


def _join(service: VolunteerService, member: Member, now: datetime, *, walk_in: bool = False) -> ServiceParticipant:
    """Sign `member` up on a locked `service`; the limit counts those signed up now."""
    if service.is_cancelled:
        raise ServiceError(_("活动已取消"))
    if member.left_on is not None:
        raise ServiceError(_("该党员已离开，记录仅供查阅，不能修改"))
    if not member.organization.path.startswith(service.organization.path):
        raise ServiceError(_("该活动未向您所在的组织开放"))
    if now >= (service.ends_at if walk_in else service.starts_at):
        raise ServiceError(_("活动已开始，不能再报名") if not walk_in else _("活动已结束"))
    existing = ServiceParticipant.objects.filter(service=service, member=member).first()
    if existing and existing.is_signed_up:
        raise ServiceError(_("您已报名这项活动"))
    signed = ServiceParticipant.objects.filter(service=service, status=ServiceParticipant.Status.SIGNED_UP).count()
    if service.signup_limit is not None and signed >= service.signup_limit:
        raise ServiceError(_("名额已满"))
    if existing:  # back after withdrawing: the row is reused (one per member and activity)
        existing.status, existing.signed_up_at, existing.withdrawn_at = ServiceParticipant.Status.SIGNED_UP, now, None
        existing.save(update_fields=["status", "signed_up_at", "withdrawn_at"])
        return existing
    return ServiceParticipant.objects.create(service=service, member=member, signed_up_at=now)


@transaction.atomic
def service_sign_up(service: VolunteerService, member: Member, *, now: datetime | None = None) -> ServiceParticipant:
    """Sign a member up before the start. The activity row is locked while the sign-ups are counted, so
    concurrent sign-ups never pass the limit; the unique (activity, member) row keeps one per member.
    Refused when cancelled, started, full, not offered to the member's organisation, or already signed up."""
    return _join(_locked(service), member, now or timezone.now())


@transaction.atomic
def service_withdraw(service: VolunteerService, member: Member, *, now: datetime | None = None) -> ServiceParticipant:
    """Withdraw before the start; the seat is free again."""
    now = now or timezone.now()
    service = _locked(service)
    participant = ServiceParticipant.objects.filter(service=service, member=member, status=ServiceParticipant.Status.SIGNED_UP).first()
    if participant is None:
        raise ServiceError(_("您没有报名这项活动"))
    if now >= service.starts_at or participant.checked_in_at:
        raise ServiceError(_("活动已开始，不能再取消报名"))
    participant.status, participant.withdrawn_at = ServiceParticipant.Status.WITHDRAWN, now
    participant.save(update_fields=["status", "withdrawn_at"])
    return participant


@dataclass
class CheckInResult:
    participant: ServiceParticipant
    already: bool = False


@transaction.atomic
def service_check_in(
    service: VolunteerService, member: Member, *, token: str, now: datetime | None = None, code_time: datetime | None = None
) -> CheckInResult:
    """A member checks in by scanning the activity's rotating code, from half an hour before the start to
    the end. A member who had not signed up joins on the spot if a seat is free. `code_time` is when the
    code was scanned, if the member signed in first (the code is judged then, not after the sign-in)."""
    now = now or timezone.now()
    service = _locked(service)
    if service.is_cancelled:
        raise ServiceError(_("活动已取消"))
    if not service_codes.is_valid(service.pk, token, code_time or now):
        raise ServiceError(_("签到码无效或已过期，请扫描现场屏幕上最新的二维码"))
    if now < service.starts_at - CHECK_IN_OPENS:
        raise ServiceError(_("活动开始前半小时才能签到"))
    if now > service.ends_at:
        raise ServiceError(_("活动已结束，不能再签到"))
    participant = ServiceParticipant.objects.filter(service=service, member=member, status=ServiceParticipant.Status.SIGNED_UP).first()
    if participant is None:
        participant = _join(service, member, now, walk_in=True)
    if participant.checked_in_at:
        return CheckInResult(participant, already=True)
    participant.checked_in_at, participant.check_in_method = now, ServiceParticipant.CheckIn.QR
    participant.save(update_fields=["checked_in_at", "check_in_method"])
    return CheckInResult(participant)


@transaction.atomic
def service_mark_presence(service: VolunteerService, present_member_ids, *, among=None, request=None, now: datetime | None = None) -> dict:
    """The organiser marks who came, among those signed up (or among the members `among`, the page of the
    list they saw): the others lose their check-in and any hours not yet approved. Ids of members not
    signed up are refused."""
    now = now or timezone.now()
    service = _locked(service)
    if service.is_cancelled:
        raise ServiceError(_("活动已取消"))
    if now < service.starts_at - CHECK_IN_OPENS:
        raise ServiceError(_("活动开始前半小时才能标记到场"))
    present = set(present_member_ids)
    rows = ServiceParticipant.objects.filter(service=service, status=ServiceParticipant.Status.SIGNED_UP)
    rows = list(rows if among is None else rows.filter(member_id__in=set(among) | present))
    if present - {p.member_id for p in rows}:
        raise ServiceError(_("只能标记已报名的党员"))
    came, cleared, kept = [], [], 0
    for p in rows:
        if p.member_id in present and not p.checked_in_at:
            p.checked_in_at, p.check_in_method = now, ServiceParticipant.CheckIn.MANUAL
            came.append(p)
        elif p.member_id not in present and p.checked_in_at:
            if p.hours_status == Hours.APPROVED:
                kept += 1
                continue
            p.checked_in_at, p.check_in_method, p.minutes, p.hours_status = None, "", None, Hours.NONE
            cleared.append(p)
    ServiceParticipant.objects.bulk_update(came + cleared, ["checked_in_at", "check_in_method", "minutes", "hours_status"])
    if came or cleared:
        _audit(
            request,
            "record_update",
            service,
            f"标记志愿服务活动“{service.title}”到场 {len(came)} 人、取消 {len(cleared)} 人",
            present=[p.member_id for p in came],
            absent=[p.member_id for p in cleared],
        )
    return {"marked": len(came), "cleared": len(cleared), "kept_approved": kept}


# --- Hours and their approval ------------------------------------------------------------------------


@transaction.atomic
def hours_record(service: VolunteerService, *, request=None, now: datetime | None = None) -> int:
    """After the end, record the activity's duration for everyone checked in without hours yet; they go
    to the approval queue. Returns how many were recorded."""
    now = now or timezone.now()
    service = _locked(service)
    if service.is_cancelled:
        raise ServiceError(_("活动已取消"))
    if now < service.ends_at:
        raise ServiceError(_("活动结束后才能记录服务时长"))
    rows = ServiceParticipant.objects.filter(
        service=service, status=ServiceParticipant.Status.SIGNED_UP, checked_in_at__isnull=False, hours_status=Hours.NONE
    )
    count = rows.update(minutes=service.duration_minutes, hours_status=Hours.PENDING)
    if count:
        _audit(request, "record_update", service, f"记录志愿服务活动“{service.title}”的服务时长 {count} 人")
    return count


def _minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise ServiceError(_("服务时长须为整数分钟")) from None
    if not 1 <= minutes <= MAX_MINUTES:
        raise ServiceError(_("服务时长须在 1 至 %(max)s 分钟之间") % {"max": MAX_MINUTES})
    return minutes


@transaction.atomic
def hours_adjust(participant: ServiceParticipant, *, minutes, note: str = "", request=None, now: datetime | None = None):
    """The organiser sets a participant's minutes (someone left early, stayed on). The hours go back to the
    queue, approved ones too; a pending correction is left for the approver to decide."""
    now = now or timezone.now()
    participant = ServiceParticipant.objects.select_for_update().select_related("service").get(pk=participant.pk)
    minutes = _minutes(minutes)
    if len(note or "") > 200:
        raise ServiceError(_("说明不能超过 200 个字"))
    service = participant.service
    if service.is_cancelled or not participant.is_signed_up:
        raise ServiceError(_("活动已取消或该党员已取消报名"))
    if now < service.ends_at:
        raise ServiceError(_("活动结束后才能记录服务时长"))
    before = participant.minutes
    participant.minutes, participant.hours_note = minutes, (note or "").strip()
    if participant.hours_status != Hours.CORRECTION:
        participant.hours_status = Hours.PENDING
    if not participant.checked_in_at:  # hours for someone who came but was not marked: they came
        participant.checked_in_at, participant.check_in_method = now, ServiceParticipant.CheckIn.MANUAL
    participant.approved_by, participant.approved_at = None, None
    participant.save()
    _audit(
        request,
        "record_update",
        service,
        f"调整{participant.member.name}在“{service.title}”的服务时长",
        participant=participant.pk,
        before=before,
        after=minutes,
    )
    return participant


@dataclass
class Approval:
    approved: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@transaction.atomic
def hours_approve(participants: QuerySet, ids, *, by: User, request=None, now: datetime | None = None) -> Approval:
    """Approve the pending hours among `ids` in `participants` (the caller's scope). Ids that are not
    pending are named in `refused`; corrections are decided one by one (`hours_correction_decide`)."""
    now = now or timezone.now()
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ServiceError(_("请选择要审核的记录"))
    if len(ids) > MAX_AT_ONCE:
        raise ServiceError(_("一次最多审核 %(n)s 条") % {"n": MAX_AT_ONCE})
    found = {p.pk: p for p in participants.select_for_update().filter(pk__in=ids).select_related("service")}
    result = Approval()
    done = []
    for pk in ids:
        p = found.get(pk)
        if p is None:
            result.refused.append(_("#%(id)s：不存在或不在您的管理范围内") % {"id": pk})
        elif p.hours_status != Hours.PENDING:
            result.refused.append(_("#%(id)s：不是待审核的时长") % {"id": pk})
        else:
            p.hours_status, p.approved_by, p.approved_at = Hours.APPROVED, by, now
            done.append(p)
    ServiceParticipant.objects.bulk_update(done, ["hours_status", "approved_by", "approved_at"])
    by_service: dict[int, list] = {}
    for p in done:
        by_service.setdefault(p.service_id, []).append(p)
    for group in by_service.values():
        service = group[0].service
        _audit(
            request, "record_update", service, f"审核通过“{service.title}”的服务时长 {len(group)} 人", participants=[p.pk for p in group]
        )
    result.approved = [p.pk for p in done]
    return result


@transaction.atomic
def hours_correction_ask(participant: ServiceParticipant, *, minutes, reason: str, request=None, now: datetime | None = None):
    """A member asks for their minutes to be corrected (or recorded, if they came but were not marked),
    with a reason; the request goes to the approval queue."""
    now = now or timezone.now()
    participant = ServiceParticipant.objects.select_for_update().select_related("service", "member").get(pk=participant.pk)
    minutes = _minutes(minutes)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写更正理由"))
    if len(reason) > 300:
        raise ServiceError(_("更正理由不能超过 300 个字"))
    service = participant.service
    if service.is_cancelled or not participant.is_signed_up:
        raise ServiceError(_("活动已取消或您已取消报名"))
    if now < service.ends_at:
        raise ServiceError(_("活动结束后才能申请更正服务时长"))
    if participant.hours_status == Hours.CORRECTION:
        raise ServiceError(_("已申请更正，请等待审核"))
    participant.hours_status = Hours.CORRECTION
    participant.correction_minutes, participant.correction_reason, participant.correction_asked_at = minutes, reason, now
    participant.save(update_fields=["hours_status", "correction_minutes", "correction_reason", "correction_asked_at"])
    _audit(
        request,
        "record_update",
        service,
        f"{participant.member.name}申请更正“{service.title}”的服务时长",
        participant=participant.pk,
        minutes=participant.minutes,
        asked=minutes,
    )
    return participant


@transaction.atomic
def hours_correction_decide(
    participant: ServiceParticipant, *, accept: bool, note: str = "", by: User, request=None, now: datetime | None = None
):
    """Accept the minutes the member asked for (approved as asked), or refuse: the minutes recorded before
    stand, approved (or none, if none were recorded)."""
    now = now or timezone.now()
    participant = ServiceParticipant.objects.select_for_update().select_related("service", "member").get(pk=participant.pk)
    if participant.hours_status != Hours.CORRECTION:
        raise ServiceError(_("没有待处理的更正申请"))
    if len(note or "") > 200:
        raise ServiceError(_("说明不能超过 200 个字"))
    before = participant.minutes
    if accept:
        participant.minutes = participant.correction_minutes
        if not participant.checked_in_at:
            participant.checked_in_at, participant.check_in_method = now, ServiceParticipant.CheckIn.MANUAL
    if participant.minutes is None:
        participant.hours_status, participant.approved_by, participant.approved_at = Hours.NONE, None, None
    else:
        participant.hours_status, participant.approved_by, participant.approved_at = Hours.APPROVED, by, now
    participant.hours_note = (note or "").strip() or participant.hours_note
    participant.save()
    service = participant.service
    verb = "同意" if accept else "不同意"
    _audit(
        request,
        "record_update",
        service,
        f"{verb}{participant.member.name}对“{service.title}”服务时长的更正申请",
        participant=participant.pk,
        before=before,
        after=participant.minutes,
    )
    return participant
