"""Organisations managed in pages and the API: add a child, edit, move a branch, dissolve.

Staff (a board or an organisation administrator) manage the subtree of each of their roles: every
organisation they touch is loaded through `get_managed_organization_or_404` (404 outside it). A move
is treebeard's: the subtree's paths change, and with them the reach of the roles held in it, so a
secretary of the moved branch keeps it and the old parent's administrators lose it. Dissolving keeps
the row (its members' history and audit rows point at it) and takes it out of pickers and trees.

Refusals users can cause raise OrganizationError with a Chinese message and the field it concerns;
nothing is written then. Audit summaries are stored in Chinese.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record

from . import normalize as n
from .models import Member, Organization, Role, User

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
# Kinds that may be created under each kind of parent (党小组 holds no organisation).
CHILD_KINDS = {
    Organization.Kind.WORKING_COMMITTEE: {"committee", "general_branch", "branch"},
    Organization.Kind.COMMITTEE: {"committee", "general_branch", "branch"},
    Organization.Kind.GENERAL_BRANCH: {"branch"},
    Organization.Kind.BRANCH: {"group"},
    Organization.Kind.GROUP: set(),
}


class OrganizationError(Exception):
    """A refusal with a message for the user; `field` names the form or API field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class OrganizationFields:
    name: str
    short_name: str
    code: str
    kind: str
    unit_type: str


# --- Reads --------------------------------------------------------------------------------------


def current(queryset: QuerySet | None = None) -> QuerySet:
    """Organisations not dissolved (what pickers and current trees offer)."""
    qs = Organization.objects.all() if queryset is None else queryset
    return qs.filter(dissolved_on__isnull=True)


def managed_organizations(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """Organisations the user manages: their board and administrator subtrees (everything for a superuser)."""
    qs = Organization.objects.all() if queryset is None else queryset
    q = access.staff_q(access.scope_for(user), "path")
    return qs if q is None else qs.filter(q)


def get_managed_organization_or_404(user: User, pk, queryset: QuerySet | None = None) -> Organization:
    try:
        return managed_organizations(user, queryset).get(pk=pk)
    except (ValueError, TypeError, Organization.DoesNotExist):
        raise Http404(_("组织不存在")) from None


def parent_choices(user: User, org: Organization, q: str, limit: int = 20) -> list[Organization]:
    """Current organisations the user manages whose name or code contains `q`, outside `org`'s own
    subtree (a branch cannot move under itself), for the move picker."""
    q = n.clean_text(q)
    if not q:
        return []
    qs = current(managed_organizations(user)).exclude(path__startswith=org.path)
    qs = qs.filter(path__startswith=org.path[: Organization.steplen])  # its own working committee only
    return list(qs.filter(Q(name__icontains=q) | Q(code__icontains=q)).only("id", "name", "code", "kind").order_by("path")[:limit])


# --- Checks shared by the forms, the API and the import ----------------------------------------


def clean_fields(
    *, name, short_name, code, kind, unit_type, instance: Organization | None = None, parent: Organization | None = None
) -> OrganizationFields:
    """The fields cleaned, or OrganizationError for the first problem (name, code unique, kind allowed)."""
    name, short_name, code = n.clean_text(name), n.clean_text(short_name), n.clean_text(code)
    if not name:
        raise OrganizationError(_("名称不能为空"), "name")
    if len(name) > 100:
        raise OrganizationError(_("名称不能超过100个字"), "name")
    if len(short_name) > 40:
        raise OrganizationError(_("简称不能超过40个字"), "short_name")
    if not code:
        raise OrganizationError(_("组织编码不能为空"), "code")
    if len(code) > 40 or not CODE_RE.match(code):
        raise OrganizationError(_("组织编码只能由字母、数字、“-”“_”“.”组成，不超过40个字符"), "code")
    taken = Organization.objects.filter(code=code)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        raise OrganizationError(_("组织编码“%(code)s”已被使用") % {"code": code}, "code")
    if kind not in Organization.Kind.values:
        raise OrganizationError(_("请选择组织类别"), "kind")
    if unit_type not in Organization.UnitType.values:
        raise OrganizationError(_("请选择所在单位类型"), "unit_type")
    is_root = parent is None and (instance is None or instance.is_root())
    if is_root and kind != Organization.Kind.WORKING_COMMITTEE:
        raise OrganizationError(_("最上级组织只能是党工委"), "kind")
    if not is_root:
        above = parent if parent is not None else Organization.objects.get_parent(instance)
        check_child_kind(above, kind)
    if instance is not None and kind != instance.kind:
        for child in Organization.objects.get_children(instance).filter(dissolved_on__isnull=True):
            if child.kind not in CHILD_KINDS[kind]:
                raise OrganizationError(_("下级组织中有%(child)s，不能改为%(kind)s") % _labels(child.kind, kind), "kind")
    return OrganizationFields(name, short_name, code, kind, unit_type)


def _labels(child_kind: str, kind: str) -> dict:
    return {"child": Organization.Kind(child_kind).label, "kind": Organization.Kind(kind).label}


def check_child_kind(parent: Organization, kind: str) -> None:
    if kind not in CHILD_KINDS[parent.kind]:
        raise OrganizationError(
            _("%(parent)s下不能设立%(kind)s") % {"parent": Organization.Kind(parent.kind).label, "kind": Organization.Kind(kind).label},
            "kind",
        )


@contextmanager
def _code_taken(code: str):
    """The unique code taken by a simultaneous writer between our check and our write: refused alike."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise OrganizationError(_("组织编码“%(code)s”已被使用") % {"code": code}, "code") from None


def _refuse_dissolved(org: Organization, field: str | None = None) -> None:
    if org.dissolved_on is not None:
        raise OrganizationError(_("“%(name)s”已撤销") % {"name": org.name}, field)


def _audit(request, action: str, org: Organization, summary: str, detail: dict | None = None) -> None:
    audit_record(
        request, action, organization_id=org.pk, object_type="organization", object_id=org.pk, summary=summary, detail=detail or {}
    )


# --- Writes -------------------------------------------------------------------------------------


@transaction.atomic
def organization_add(user: User, parent: Organization, *, request=None, audit: bool = True, **fields) -> Organization:
    """A new organisation under `parent` (which the caller loaded through the user's scope).

    Refused (OrganizationError) when the parent is dissolved or a 党小组, the code is taken, the kind
    does not fit under the parent, or a field is empty or too long."""
    _refuse_dissolved(parent, "parent")
    clean = clean_fields(parent=parent, **fields)
    with _code_taken(clean.code):
        org = Organization.objects.add_child(parent, instance=Organization(**clean.__dict__))
    org = Organization.objects.get(pk=org.pk)
    if audit:
        _audit(request, "org_create", org, f"新建组织 {org.name}（{org.code}），上级 {parent.name}")
    return org


@transaction.atomic
def organization_update(user: User, org: Organization, *, request=None, audit: bool = True, **fields) -> Organization:
    """Rename, re-code or change the kind or unit type of `org`; the old values go to the audit row.

    Refused (OrganizationError) for a dissolved organisation, a code in use, a kind that does not fit
    its parent or its children."""
    _refuse_dissolved(org)
    clean = clean_fields(instance=org, **fields)
    before = {k: getattr(org, k) for k in clean.__dict__}
    changed = {k: v for k, v in clean.__dict__.items() if before[k] != v}
    if changed:
        with _code_taken(clean.code):
            Organization.objects.filter(pk=org.pk).update(**changed)
        org.refresh_from_db()
    if changed and audit:
        _audit(
            request, "org_update", org, f"修改组织 {org.name}（{org.code}）", {"before": {k: before[k] for k in changed}, "after": changed}
        )
    return org


@transaction.atomic
def organization_move(user: User, org: Organization, new_parent: Organization, *, request=None, audit: bool = True) -> Organization:
    """Move `org` and its whole subtree under `new_parent` (both loaded through the user's scope).

    Roles and members stay on their nodes, so they follow. Refused (OrganizationError) for a root (a
    working committee), a move under itself or one of its descendants, under another working
    committee (its members would change school without a transfer), under a dissolved organisation
    or under one where its kind may not sit."""
    _refuse_dissolved(org)
    _refuse_dissolved(new_parent, "parent")
    if org.is_root():
        raise OrganizationError(_("党工委是最上级组织，不能移动"), "parent")
    if new_parent.path.startswith(org.path):
        raise OrganizationError(_("不能移到本组织或其下级组织之下"), "parent")
    if new_parent.path[: Organization.steplen] != org.path[: Organization.steplen]:
        raise OrganizationError(_("不能移到另一个党工委之下；党员去往街道以外请登记“转出”"), "parent")
    check_child_kind(new_parent, org.kind)
    old_parent = Organization.objects.get_parent(org)
    if old_parent.pk == new_parent.pk:
        return org
    Organization.objects.move(org, new_parent, pos="sorted-child")
    org = Organization.objects.get(pk=org.pk)
    if audit:
        _audit(
            request,
            "org_move",
            org,
            f"{org.name}（{org.code}）由 {old_parent.name} 调整到 {new_parent.name}",
            {"from": old_parent.pk, "to": new_parent.pk},
        )
    return org


def dissolve_blockers(org: Organization) -> list[str]:
    """Why `org` cannot be dissolved now (empty when it can)."""
    reasons = []
    if org.is_root():
        reasons.append(_("党工委不能撤销"))
    members = Member.objects.current().filter(organization=org).count()  # those who left stay as history
    if members:
        reasons.append(_("还有 %(count)d 名党员，请先转出") % {"count": members})
    children = Organization.objects.get_children(org).filter(dissolved_on__isnull=True).count()
    if children:
        reasons.append(_("还有 %(count)d 个下级组织，请先撤销或移走") % {"count": children})
    return reasons


@transaction.atomic
def organization_dissolve(user: User, org: Organization, *, reason: str, on=None, request=None) -> Organization:
    """Dissolve (撤销) `org`: its row, path and history stay, dated and with the reason; the roles held on
    it are withdrawn (named in the audit row).

    Refused (OrganizationError) when it is already dissolved, is a working committee, still has members
    or a current child organisation, when the reason is empty, or when the user's own role sits on it."""
    _refuse_dissolved(org)
    reason = n.clean_text(reason)
    if not reason:
        raise OrganizationError(_("请填写撤销原因"), "reason")
    if len(reason) > 200:
        raise OrganizationError(_("撤销原因不能超过200个字"), "reason")
    blockers = dissolve_blockers(org)
    if blockers:
        raise OrganizationError(_("不能撤销：%(reasons)s") % {"reasons": "；".join(blockers)})
    if Role.objects.filter(user_id=user.pk, organization=org).exclude(kind=Role.Kind.MEMBER).exists():
        raise OrganizationError(_("您的角色在该组织上，不能撤销本组织；请由上级组织管理员办理"))
    roles = list(Role.objects.filter(organization=org).values_list("user__username", "kind"))
    Role.objects.filter(organization=org).delete()
    org.dissolved_on = on or timezone.localdate()
    org.dissolved_reason = reason
    org.save(update_fields=["dissolved_on", "dissolved_reason"])
    _audit(
        request,
        "org_dissolve",
        org,
        f"撤销组织 {org.name}（{org.code}）：{reason}",
        {"roles_withdrawn": [f"{u}:{k}" for u, k in roles]},
    )
    return org
