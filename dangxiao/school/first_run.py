"""From nothing to a school: a working committee (党工委, a root of the tree), its school and its principal.

The first-run page offers this to a superuser while the install holds no organisation; afterwards a
superuser adds further working committees from the organisation pages with the same service.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.people import normalize as n
from dangxiao.people.models import Organization, Role, User
from dangxiao.people.organizations import OrganizationError, clean_fields
from dangxiao.people.roles import temporary_password

from .models import School


@dataclass
class CommitteeCreated:
    committee: Organization
    school: School
    principal: User
    temporary_password: str = ""  # set when the principal's account was created here; shown once


def needs_first_run() -> bool:
    return not Organization.objects.exists()


@transaction.atomic
def committee_create(
    actor: User,
    *,
    name: str,
    code: str,
    unit_type: str = Organization.UnitType.SUB_DISTRICT,
    short_name: str = "",
    school_name: str,
    school_brand: str = "",
    principal: User | None = None,
    principal_username: str = "",
    principal_name: str = "",
    request=None,
) -> CommitteeCreated:
    """Create a working committee, its school, and appoint its principal: the account `principal`, or
    the one whose username is `principal_username`, or else a new account by that username and
    `principal_name` with a temporary password that is returned once and must be changed at the first
    sign-in.

    Superusers only. Refused (OrganizationError, naming the field) for a code in use, an empty name or
    school name, no principal named, or a new account without a name; nothing is written then."""
    if not actor.is_superuser:
        raise OrganizationError(_("只有系统管理员可以新建党工委"))
    fields = clean_fields(name=name, short_name=short_name, code=code, kind=Organization.Kind.WORKING_COMMITTEE, unit_type=unit_type)
    school_name, school_brand = n.clean_text(school_name), n.clean_text(school_brand)
    if not school_name:
        raise OrganizationError(_("党校名称不能为空"), "school_name")
    if len(school_name) > 100 or len(school_brand) > 40:
        raise OrganizationError(_("党校名称不能超过100个字，品牌名不能超过40个字"), "school_name")
    password = ""
    if principal is None:
        username = n.sign_in_username(principal_username)
        if not username:
            raise OrganizationError(_("请填写校长的登录名（手机号）"), "principal_username")
        principal = User.objects.filter(username=username).first()
    if principal is None:
        principal_name = n.clean_text(principal_name)
        if len(username) > 150 or len(principal_name) > 150:
            raise OrganizationError(_("登录名或姓名过长"), "principal_username")
        if not principal_name:
            raise OrganizationError(_("新账号须填写校长姓名"), "principal_name")
        password = temporary_password()
        principal = User.objects.create_user(username, password=password, first_name=principal_name, must_change_password=True)
    committee = Organization.objects.add_root(instance=Organization(**fields.__dict__))
    committee = Organization.objects.get(pk=committee.pk)
    school = School.objects.create(name=school_name, brand=school_brand, organization=committee)
    Role.objects.create(user=principal, organization=committee, kind=Role.Kind.PRINCIPAL)
    for action, summary in (
        ("org_create", f"新建党工委 {committee.name}（{committee.code}）及党校 {school.name}"),
        ("role_grant", f"授予 {principal.get_full_name() or principal.username} 校长（{committee.name}）"),
    ):
        audit_record(request, action, organization_id=committee.pk, object_type="organization", object_id=committee.pk, summary=summary)
    return CommitteeCreated(committee, school, principal, password)
