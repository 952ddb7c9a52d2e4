"""Members one at a time: add, edit, 转正, transfer between organisations (组织关系转接), leaving.

A member's values are checked by the roster import's own code (roster.parse_cells and
roster.cross_check), so a form or an API call accepts and refuses exactly what an import would. Every
write is one transaction and one audit row; a refused write changes nothing and raises MemberError
with (field, message) pairs in the interface language.
"""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record

from . import selectors
from .models import Member, MemberTransfer, Organization, Role, User
from .roles import GRANTABLE, grantable_kinds
from .roster import BY_KEY, HEADERS, cross_check, parse_cells

# The member's own values a form or the API may set (the organisation changes only by a transfer).
EDITABLE = tuple(k for k in BY_KEY if not k.startswith("organization_"))
TEXT_DEFAULTS = {"ethnicity", "education", "occupation", "industry", "home_compound", "address", "mobile_location", "position"}
FLAG_DEFAULTS = {"is_mobile", "is_elderly_infirm", "is_organ_worker", "is_new_employment"}


class MemberError(Exception):
    """A refused write: `errors` are (field, message) pairs; nothing was changed."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(m for _, m in errors))


def _today() -> date:
    return timezone.localdate()


def _check_day(day: date | None, field: str, *, label: str) -> list[tuple[str, str]]:
    if day is None:
        return [(field, _("请填写%(label)s") % {"label": label})]
    if day.year < 1900 or day > _today():
        return [(field, _("%(label)s不能晚于今天") % {"label": label})]
    return []


def member_validate(raw: dict[str, Any], member: Member | None = None) -> dict[str, Any]:
    """The clean values of a member from `raw` (field → what was typed), checked as the import checks a
    row, plus uniqueness of the phone and ID number. For an existing `member`, keys missing from `raw`
    keep their stored value (a partial edit). Raises MemberError listing every problem."""
    given = {k: raw[k] for k in EDITABLE if k in raw}
    values, failed, problems = parse_cells((BY_KEY[k], v) for k, v in given.items())
    errors = [(HEADERS[header].key, message) for header, message in problems]
    if member is None:
        for key in EDITABLE:
            column = BY_KEY[key]
            if key not in given and column.required:
                errors.append((key, _("%(column)s不能为空") % {"column": column.header}))
    else:
        values = {**{k: getattr(member, k) for k in EDITABLE}, **values}
        if "id_number" in given and "birth_date" not in given:
            values["birth_date"] = None  # a new ID number brings its own birth date
    values["id_number"] = values.get("id_number") or None
    for key in TEXT_DEFAULTS:
        values[key] = values.get(key) or ""
    for key in FLAG_DEFAULTS:
        values[key] = bool(values.get(key))
    values["status"] = values.get("status") or Member.Status.FULL
    errors += cross_check(values, failed)
    others = Member.objects.exclude(pk=member.pk) if member else Member.objects.all()
    if values.get("phone") and "phone" not in failed:
        if others.filter(phone=values["phone"]).exists():
            errors.append(("phone", _("手机号码已登记在另一名党员名下")))
        elif User.objects.filter(username=values["phone"]).exclude(pk=member.user_id if member and member.user_id else None).exists():
            errors.append(("phone", _("该手机号码已是另一个登录账号的用户名")))
    if values["id_number"] and others.filter(id_number=values["id_number"]).exists():
        errors.append(("id_number", _("身份证号已登记在另一名党员名下")))
    if errors:
        raise MemberError(errors)
    return {k: values.get(k) for k in EDITABLE}


def _stored_label(member: Member) -> str:
    with translation.override("zh-hans"):  # audit rows are stored in the source language
        return str(member.get_left_reason_display())


def _audit(request, action: str, member: Member, summary: str, detail: dict | None = None, organization_id: int | None = None) -> None:
    audit_record(
        request,
        action,
        organization_id=organization_id or member.organization_id,
        object_type="member",
        object_id=member.pk,
        summary=summary,
        detail=detail or {},
    )


def member_create(user: User, organization: Organization, raw: dict[str, Any], *, request=None) -> Member:
    """Add one member to `organization` (which the user must manage, not dissolved). Raises MemberError on bad input."""
    if not selectors.managed_organizations(user).filter(pk=organization.pk).exists():
        raise MemberError([("organization", _("组织不存在或不在您的管理范围内"))])
    if organization.dissolved_on is not None:
        raise MemberError([("organization", _("“%(name)s”已撤销") % {"name": organization.name})])
    values = member_validate(raw)
    try:
        with transaction.atomic():
            member = Member.objects.create(organization=organization, **values)
            _audit(request, "create", member, f"新增党员：{member.name}（{organization.name}）")
    except IntegrityError:  # a concurrent write took the phone or ID number first
        raise MemberError([("phone", _("手机号码已登记在另一名党员名下"))]) from None
    return member


def member_update(user: User, member: Member, raw: dict[str, Any], *, request=None) -> list[str]:
    """Change a member's values (not their organisation: that is a transfer). Returns the changed fields.

    The account's username follows a new phone number. Raises MemberError on bad input, a member
    who has left (their record is history), or a new phone for an account the user could not
    withdraw the roles of (a superuser's, a principal's for a secretary)."""
    if member.left_on:
        raise MemberError([("", _("该党员已离开，记录仅供查阅，不能修改"))])
    values = member_validate(raw, member)
    changed = [k for k, v in values.items() if getattr(member, k) != v]
    if not changed:
        return []
    if "phone" in changed:
        refused = _roles_out_of_reach(user, member)
        if refused:
            raise MemberError([("phone", refused[0][1])])
    try:
        with transaction.atomic():
            for key in changed:
                setattr(member, key, values[key])
            member.save(update_fields=[*changed, "updated_at"])
            if "phone" in changed and member.user_id:
                User.objects.filter(pk=member.user_id).update(username=member.phone)
            _audit(request, "update", member, f"修改党员信息：{member.name}", {"fields": changed})
    except IntegrityError:
        raise MemberError([("phone", _("手机号码已登记在另一名党员名下"))]) from None
    return changed


def member_confirm(user: User, member: Member, confirmed_on: date | None, *, request=None) -> Member:
    """预备党员 → 正式党员 on `confirmed_on` (转正). Refused for a full member, a member who left, a date in
    the future or before the joining date."""
    errors = _check_day(confirmed_on, "confirmed_on", label=_("转正日期"))
    if member.left_on:
        errors.append(("", _("该党员已离开，记录仅供查阅，不能修改")))
    elif member.status != Member.Status.PROBATIONARY:
        errors.append(("status", _("该党员已是正式党员")))
    if not errors and member.joined_party_on and confirmed_on < member.joined_party_on:
        errors.append(("confirmed_on", _("转正日期不能早于入党日期")))
    if errors:
        raise MemberError(errors)
    with transaction.atomic():
        member.status, member.confirmed_on = Member.Status.FULL, confirmed_on
        member.save(update_fields=["status", "confirmed_on", "updated_at"])
        _audit(request, "update", member, f"预备党员转正：{member.name}（{confirmed_on:%Y-%m-%d}）", {"confirmed_on": str(confirmed_on)})
    return member


def member_transfer(
    user: User, member: Member, to_organization: Organization, *, on: date | None = None, note: str = "", request=None
) -> MemberTransfer:
    """Move a member to another organisation of the same working committee (组织关系转接).

    Directly when the user manages the receiving organisation too (the member moves now); otherwise a
    request that the receiving organisation's staff accept or refuse (the member stays until accepted).
    Refused for a member who left, one with a request already pending, the member's own organisation,
    a dissolved organisation, or an organisation outside the member's working committee (moving there is leaving: 转出)."""
    on = on or _today()
    errors = _check_day(on, "transferred_on", label=_("转接日期"))
    if member.left_on:
        errors.append(("", _("该党员已离开，记录仅供查阅，不能修改")))
    if to_organization.pk == member.organization_id:
        errors.append(("to_organization", _("该党员已在这个组织")))
    elif to_organization.dissolved_on is not None:
        errors.append(("to_organization", _("“%(name)s”已撤销") % {"name": to_organization.name}))
    elif not selectors.same_committee_organizations(member.organization).filter(pk=to_organization.pk).exists():
        errors.append(("to_organization", _("接收组织不存在或不在本街道党工委内；转往街道以外请登记“转出”")))
    if MemberTransfer.objects.filter(member=member, status=MemberTransfer.Status.PENDING).exists():
        errors.append(("", _("该党员已有一条待接收的转接申请")))
    if errors:
        raise MemberError(errors)
    direct = selectors.managed_organizations(user).filter(pk=to_organization.pk).exists()
    source = member.organization
    now = timezone.now()
    try:
        with transaction.atomic():
            transfer = MemberTransfer.objects.create(
                member=member,
                from_organization=source,
                to_organization=to_organization,
                kind=MemberTransfer.Kind.DIRECT if direct else MemberTransfer.Kind.REQUEST,
                status=MemberTransfer.Status.ACCEPTED if direct else MemberTransfer.Status.PENDING,
                transferred_on=on,
                note=note[:200],
                requested_by=user,
                decided_by=user if direct else None,
                decided_at=now if direct else None,
            )
            if direct:
                member.organization = to_organization
                member.save(update_fields=["organization", "updated_at"])
            verb = "转接" if direct else "申请转接"
            _audit(
                request,
                "transfer",
                member,
                f"组织关系{verb}：{member.name}，{source.name} → {to_organization.name}",
                {"transfer": transfer.pk, "from": source.pk, "to": to_organization.pk, "direct": direct},
                organization_id=access.common_organization_id([source.path, to_organization.path]),
            )
    except IntegrityError:  # another request was filed at the same moment
        raise MemberError([("", _("该党员已有一条待接收的转接申请"))]) from None
    return transfer


def _pending_for(user: User, transfer: MemberTransfer) -> MemberTransfer:
    locked = MemberTransfer.objects.select_for_update().select_related("member", "from_organization", "to_organization").get(pk=transfer.pk)
    if locked.status != MemberTransfer.Status.PENDING:
        raise MemberError([("", _("这条转接申请已处理"))])
    return locked


def transfer_accept(user: User, transfer: MemberTransfer, *, request=None) -> MemberTransfer:
    """The receiving organisation takes the member in: they move now. Refused once decided, or when
    the receiving organisation was dissolved meanwhile."""
    with transaction.atomic():
        transfer = _pending_for(user, transfer)
        if transfer.to_organization.dissolved_on is not None:
            raise MemberError([("", _("“%(name)s”已撤销") % {"name": transfer.to_organization.name})])
        member = transfer.member
        transfer.status, transfer.decided_by, transfer.decided_at = MemberTransfer.Status.ACCEPTED, user, timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        member.organization = transfer.to_organization
        member.save(update_fields=["organization", "updated_at"])
        _audit(
            request,
            "transfer",
            member,
            f"接收转接：{member.name}，{transfer.from_organization.name} → {transfer.to_organization.name}",
            {"transfer": transfer.pk, "accepted": True},
            organization_id=access.common_organization_id([transfer.from_organization.path, transfer.to_organization.path]),
        )
    return transfer


def transfer_refuse(user: User, transfer: MemberTransfer, reason: str, *, request=None) -> MemberTransfer:
    """The receiving organisation refuses, with a reason; the member stays where they are."""
    reason = (reason or "").strip()
    if not reason:
        raise MemberError([("reason", _("请填写拒绝理由"))])
    with transaction.atomic():
        transfer = _pending_for(user, transfer)
        transfer.status, transfer.decided_by, transfer.decided_at = MemberTransfer.Status.REFUSED, user, timezone.now()
        transfer.refusal_reason = reason[:200]
        transfer.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        _audit(
            request,
            "transfer",
            transfer.member,
            f"拒绝转接：{transfer.member.name}（{transfer.to_organization.name}）",
            {"transfer": transfer.pk, "accepted": False, "reason": transfer.refusal_reason},
            organization_id=access.common_organization_id([transfer.from_organization.path, transfer.to_organization.path]),
        )
    return transfer


def transfer_withdraw(user: User, transfer: MemberTransfer, *, request=None) -> MemberTransfer:
    """The sending side takes back its request before the receiver decides; the member stays."""
    with transaction.atomic():
        transfer = _pending_for(user, transfer)
        transfer.status, transfer.decided_by, transfer.decided_at = MemberTransfer.Status.WITHDRAWN, user, timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(
            request,
            "transfer",
            transfer.member,
            f"撤回转接申请：{transfer.member.name}（{transfer.to_organization.name}）",
            {"transfer": transfer.pk, "withdrawn": True},
            organization_id=access.common_organization_id([transfer.from_organization.path, transfer.to_organization.path]),
        )
    return transfer


def _roles_out_of_reach(user: User, member: Member) -> list[tuple[str, str]]:
    """Leaving signs the member's account out for good, and a new phone renames it: refused when that
    account is a superuser's or holds a role the user could not withdraw (a secretary does not lock
    out or rename her principal)."""
    if not member.user_id or user.is_superuser:
        return []
    if User.objects.filter(pk=member.user_id, is_superuser=True).exists():
        return [("", _("该党员的账号是系统管理员账号，只有系统管理员能办理"))]
    for role in Role.objects.filter(user_id=member.user_id, kind__in=GRANTABLE).select_related("organization"):
        if role.kind not in grantable_kinds(user, role.organization):
            message = _("该党员的账号担任%(kind)s（%(org)s），请由上级先撤销该角色") % {
                "kind": Role.Kind(role.kind).label,
                "org": role.organization.name,
            }
            return [("", message)]
    return []


def member_leave(user: User, member: Member, *, on: date | None, reason: str, note: str = "", request=None) -> Member:
    """Record that a member left (转出 outside the sub-district, 去世, 出党, 退党 …) on `on`.

    The row stays for history; the member drops off current rolls, enrolment by rule, the 学时 check and
    activation; their account can no longer sign in; a pending transfer request is refused. Refused for
    a member whose account holds a role the user could not withdraw, a member who already left, an unknown
    reason, a date in the future or before joining the Party, or the caller's own member record."""
    errors = _check_day(on, "left_on", label=_("离开日期"))
    if reason not in Member.LeftReason.values:
        errors.append(("reason", _("请选择离开原因")))
    if member.left_on:
        errors.append(("", _("该党员已登记离开")))
    if member.user_id is not None and member.user_id == user.pk:
        # Leaving ends the account: whoever records it would lock themselves out in the act.
        errors.append(("", _("不能为自己登记离开，请由其他管理员办理")))
    if not errors and member.joined_party_on and on < member.joined_party_on:
        errors.append(("left_on", _("离开日期不能早于入党日期")))
    errors += _roles_out_of_reach(user, member)
    if errors:
        raise MemberError(errors)
    with transaction.atomic():
        member.left_on, member.left_reason, member.left_note = on, reason, (note or "").strip()[:200]
        member.save(update_fields=["left_on", "left_reason", "left_note", "updated_at"])
        MemberTransfer.objects.filter(member=member, status=MemberTransfer.Status.PENDING).update(
            status=MemberTransfer.Status.REFUSED, decided_by=user, decided_at=timezone.now(), refusal_reason="党员已离开"
        )
        if member.user_id:
            User.objects.filter(pk=member.user_id).update(is_active=False)
        _audit(
            request,
            "leave",
            member,
            f"党员离开：{member.name}（{_stored_label(member)}，{on:%Y-%m-%d}）",
            {"reason": reason, "left_on": str(on), "note": member.left_note},
        )
    return member
