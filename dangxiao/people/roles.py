"""Granting and withdrawing roles (校长, 副校长, 教学副校长, 组织管理员, 教师) within one's scope.

The rank: principal > vice principal > dean > organisation administrator > teacher. A user's rank
over an organisation is the highest rank among their roles on it or above it. They may grant there:

- any role of a lower rank;
- a principal the principal role too (a co-principal, or a successor), and an organisation
  administrator the administrator role (a secretary of a branch below, or a second administrator);
  a vice principal or a dean never their own role.

The board roles (校长, 副校长, 教学副校长) are held on a working committee only. Withdrawing follows the
same rule as granting that role there. Nobody withdraws their own last staff role (board or
administrator), so that a school is never left without the one who runs it by mistake; a superuser
may do anything. Every grant and withdrawal is audited.

A role is held by an account; picking a member who has none creates their account (username: their
phone) with a temporary password shown once, which they must change at the first sign-in.
"""

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.masking import mask_phone

from .models import Member, Organization, Role, User
from .organizations import OrganizationError

RANK = {
    Role.Kind.PRINCIPAL: 5,
    Role.Kind.VICE_PRINCIPAL: 4,
    Role.Kind.DEAN: 3,
    Role.Kind.ORG_ADMIN: 2,
    Role.Kind.TEACHER: 1,
}
GRANTABLE = tuple(RANK)  # the member role is not granted: it is being a member
SAME_RANK_GRANTS = {Role.Kind.PRINCIPAL, Role.Kind.ORG_ADMIN}
STAFF_KINDS = {Role.Kind.PRINCIPAL, Role.Kind.VICE_PRINCIPAL, Role.Kind.DEAN, Role.Kind.ORG_ADMIN}
PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


class RoleError(OrganizationError):
    """A refusal with a message for the user (and the field it concerns)."""


@dataclass
class Grant:
    role: Role
    created: bool
    temporary_password: str = ""  # set when an account was created for the member; shown once


def temporary_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def rank_over(user: User, org: Organization) -> int:
    """The user's highest rank on `org` or above it (0: none; a superuser outranks everyone)."""
    if user.is_superuser:
        return 99
    held = Role.objects.filter(user_id=user.pk, kind__in=GRANTABLE, organization__path__in=_prefixes(org.path)).values_list(
        "kind", flat=True
    )
    return max((RANK[k] for k in held), default=0)


def _prefixes(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def grantable_kinds(user: User, org: Organization) -> list[str]:
    """The role kinds the user may grant (or withdraw) on `org`, highest first."""
    rank = rank_over(user, org)
    kinds = []
    for kind, r in RANK.items():
        if r < rank or (r == rank and kind in SAME_RANK_GRANTS):
            if kind in access.BOARD and not org.is_root():
                continue
            kinds.append(kind)
    return kinds


def check_may_grant(user: User, org: Organization, kind: str) -> None:
    if kind not in RANK:
        raise RoleError(_("请选择角色"), "kind")
    if org.dissolved_on is not None:
        raise RoleError(_("“%(name)s”已撤销") % {"name": org.name}, "organization")
    if kind in access.BOARD and not org.is_root():
        raise RoleError(_("校长、副校长和教学副校长只能设在党工委"), "kind")
    if kind not in grantable_kinds(user, org):
        raise RoleError(_("您不能授予或撤销高于（或等于）自己级别的角色：%(kind)s") % {"kind": Role.Kind(kind).label}, "kind")


def managed_roles(user: User) -> QuerySet:
    """Roles held on the organisations the user manages (staff subtrees; all for a superuser)."""
    qs = Role.objects.exclude(kind=Role.Kind.MEMBER)
    q = access.staff_q(access.scope_for(user), "organization__path")
    return qs if q is None else qs.filter(q)


def get_managed_role_or_404(user: User, pk) -> Role:
    try:
        return managed_roles(user).select_related("user", "organization").get(pk=pk)
    except (ValueError, TypeError, Role.DoesNotExist):
        raise Http404(_("角色不存在")) from None


def pick_members(user: User, q: str, limit: int = 20) -> list[Member]:
    """Members of the user's subtrees whose name, or phone's digits, contain `q` (for the picker)."""
    q = (q or "").strip()
    if not q:
        return []
    match = Q(name__icontains=q) | (Q(phone__contains=q) if q.isdigit() and len(q) >= 4 else Q(pk__in=[]))
    return list(access.filter_roster(user).current().filter(match).select_related("organization").order_by("name", "id")[:limit])


def _audit(request, action: str, role: Role, summary: str) -> None:
    audit_record(
        request,
        action,
        organization_id=role.organization_id,
        object_type="role",
        object_id=role.pk,
        summary=summary,
        detail={"user": role.user.username, "kind": role.kind, "organization": role.organization.code},
    )


def _role_summary(verb: str, role: Role) -> str:
    who = role.user.get_full_name() or role.user.username
    return f"{verb} {who} {Role.Kind(role.kind).label}（{role.organization.name}）"


@transaction.atomic
def role_grant(actor: User, org: Organization, kind: str, *, member: Member | None = None, user: User | None = None, request=None) -> Grant:
    """Give `kind` on `org` (loaded through the actor's scope) to a member of the actor's subtree or to
    an existing account. A member without an account gets one, with a temporary password (returned).

    Refused (RoleError) for a rank above the actor's, a board role off a working committee, a
    dissolved organisation, a member who left, or when nobody is named. Granting a role already held changes nothing."""
    check_may_grant(actor, org, kind)
    password = ""
    if user is None:
        if member is None:
            raise RoleError(_("请选择党员"), "member")
        if member.left_on is not None:
            raise RoleError(_("该党员已离开，记录仅供查阅，不能修改"), "member")
        user = member.user
        if user is None:
            if User.objects.filter(username=member.phone).exists():
                raise RoleError(_("手机号 %(phone)s 已被另一个账号使用") % {"phone": mask_phone(member.phone)}, "member")
            password = temporary_password()
            user = User.objects.create_user(member.phone, password=password, first_name=member.name, must_change_password=True)
            member.user = user
            member.save(update_fields=["user"])
    try:
        with transaction.atomic():
            role, created = Role.objects.get_or_create(user=user, organization=org, kind=kind)
    except IntegrityError:  # a simultaneous identical grant won
        role, created = Role.objects.get(user=user, organization=org, kind=kind), False
    if created:
        role.user, role.organization = user, org
        _audit(request, "role_grant", role, _role_summary("授予", role))
    return Grant(role, created, password)


@transaction.atomic
def role_withdraw(actor: User, role: Role, *, request=None) -> None:
    """Withdraw `role` (loaded through the actor's scope). The row goes; the audit row keeps it.

    Refused (RoleError) when the actor could not grant that role there, or it is the actor's own last
    board or administrator role."""
    check_may_grant(actor, role.organization, role.kind)
    if role.user_id == actor.pk and not actor.is_superuser and role.kind in STAFF_KINDS:
        others = Role.objects.filter(user_id=actor.pk, kind__in=STAFF_KINDS).exclude(pk=role.pk)
        if not others.exists():
            raise RoleError(_("不能撤销自己唯一的管理角色"))
    _audit(request, "role_withdraw", role, _role_summary("撤销", role))
    Role.objects.filter(pk=role.pk).delete()
