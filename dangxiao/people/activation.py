"""A member's first sign-in: a one-time activation code instead of a guessable initial password.

A secretary issues codes for the members of their organisations who have no working account yet (a
printed sheet or an Excel column, or one member at a time) and hands them out. The member types their phone
and the code, sets a password of their own, and is signed in; the code is then spent. Signing in with the
code on the sign-in page leads to the same step, and the API's token endpoint refuses it: nothing works
with a code but choosing a password (README "Accounts and roles").

A code is 8 characters from a 31-character alphabet without look-alikes (0/O, 1/I/L): 31^8 ≈ 8.5 × 10^11
values, against the sign-in throttle's few guesses per account. Only an HMAC of it is stored, keyed with
SECRET_KEY and salted with the member, so a copy of the database alone gives no code away; a keyed hash
rather than the password hasher because issuing a sheet for a thousand members must take a moment, not
minutes. Codes expire (ACTIVATION_CODE_DAYS, 30 by default) and a new one replaces the last.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record

from .models import ActivationCode, Member, Role, User
from .normalize import clean_text, sign_in_username

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_KEY_SALT = "dangxiao.people.activation"


class ActivationError(Exception):
    """The code cannot be used (spent, replaced, expired, or the account is already in use)."""


@dataclass(frozen=True)
class IssuedCode:
    member: Member
    code: str  # as printed: ABCD-EFGH
    expires_at: datetime


def _hash(member_id: int, code: str) -> str:
    return salted_hmac(_KEY_SALT, f"{member_id}:{code}", algorithm="sha256").hexdigest()


def normalize_code(value) -> str:
    """What the member typed, as stored: case, spaces, hyphens and full-width letters do not matter."""
    return clean_text(value).upper().replace(" ", "").replace("-", "")


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))


def activatable(members: QuerySet) -> QuerySet:
    """Members who may get a code: no account yet, or an account nobody has signed in to.

    Accounts holding a role (staff, teachers) and administrators are set up by an administrator and
    never get a code, so no one can take over a staff account by issuing one."""
    roles = Role.objects.filter(user_id=OuterRef("user_id"))
    unused = Q(
        user__last_login__isnull=True,
        user__is_active=True,
        user__is_staff=False,
        user__is_superuser=False,
    ) & ~Q(Exists(roles))
    return members.filter(left_on__isnull=True).filter(Q(user__isnull=True) | unused)


def _open(now: datetime) -> Q:
    return Q(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


def code_for_sign_in(username: str, typed: str) -> ActivationCode | None:
    """The live code matching what was typed for this username, or None. One query, no password hasher
    (the caller runs it once for every attempt, people.auth.PhoneBackend)."""
    code = normalize_code(typed)
    now = timezone.now()
    candidate = (
        ActivationCode.objects.filter(_open(now), member__in=activatable(Member.objects.filter(phone=sign_in_username(username))))
        .select_related("member__user")
        .first()
    )
    if candidate is None or len(code) != CODE_LENGTH:
        return None
    return candidate if constant_time_compare(candidate.code_hash, _hash(candidate.member_id, code)) else None


def code_in_hand(code_id) -> ActivationCode | None:
    """The code with this id while it is live and its member still may activate, else None."""
    live = ActivationCode.objects.filter(_open(timezone.now()), pk=code_id, member__in=activatable(Member.objects.all()))
    return live.select_related("member").first()


def activation_codes_issue(
    actor: User, members: QuerySet, *, replace: bool = False, request=None, description: str = ""
) -> list[IssuedCode]:
    """New codes for the members given that may have one (`activatable`, and on the actor's roster).

    Without `replace`, members who already hold a live code are left alone, so printing a sheet again does
    not void the sheets already handed out; with it, their codes are replaced. Every issue is audited as an
    export of personal data. Returns the codes in clear, the only time they exist.
    """
    now = timezone.now()
    expires_at = now + timedelta(days=settings.ACTIVATION_CODE_DAYS)
    targets = activatable(access.filter_roster(actor, members))
    if not replace:
        targets = targets.exclude(Exists(ActivationCode.objects.filter(_open(now), member_id=OuterRef("pk"))))
    targets = list(targets.select_related("organization").order_by("organization__path", "name", "pk"))
    issued = [IssuedCode(m, _new_code(), expires_at) for m in targets]
    with transaction.atomic():
        ids = [m.pk for m in targets]
        for start in range(0, len(ids), 900):
            ActivationCode.objects.filter(member_id__in=ids[start : start + 900], used_at__isnull=True, revoked_at__isnull=True).update(
                revoked_at=now
            )
        ActivationCode.objects.bulk_create(
            [ActivationCode(member=i.member, code_hash=_hash(i.member.pk, i.code), issued_by=actor, expires_at=expires_at) for i in issued],
            batch_size=500,
        )
        if issued:
            single = issued[0].member if len(issued) == 1 else None
            audit_record(
                request,
                "export",
                organization_id=single.organization_id
                if single
                else access.common_organization_id(i.member.organization.path for i in issued),
                object_type="member" if single else "activation_codes",
                object_id=single.pk if single else "",
                summary=(f"生成党员{single.name}的激活码" if single else f"生成并导出激活码{len(issued)}人")
                + (f"（{description}）" if description else ""),
                detail={"count": len(issued), "replace": replace, "filters": description},
            )
    return [IssuedCode(i.member, format_code(i.code), i.expires_at) for i in issued]


def code_days() -> int:
    return round(settings.ACTIVATION_CODE_DAYS)


def activation_counts(actor: User, members: QuerySet) -> dict[str, int]:
    """For the issuing page: how many of the members selected are on the actor's roster, may still get a
    code, and of those already hold a live one."""
    roster = access.filter_roster(actor, members)
    eligible = activatable(roster)
    holding = eligible.filter(Exists(ActivationCode.objects.filter(_open(timezone.now()), member_id=OuterRef("pk"))))
    return {"members": roster.count(), "eligible": eligible.count(), "holding": holding.count()}


def activation_column(members: QuerySet, issued: list[IssuedCode]) -> dict[int, tuple[str, str]]:
    """The roster export's activation columns, by member: the code just issued and its last day, or what
    stands instead (already in use, a code handed out earlier and still valid)."""
    new = {i.member.pk: (i.code, f"{timezone.localtime(i.expires_at):%Y-%m-%d}") for i in issued}
    eligible = set(activatable(members).values_list("pk", flat=True))
    held = dict(ActivationCode.objects.filter(_open(timezone.now()), member__in=members).values_list("member_id", "expires_at"))
    column = {}
    for pk in members.values_list("pk", flat=True):
        if pk in new:
            column[pk] = new[pk]
        elif pk in held:
            column[pk] = ("已发放，未使用", f"{timezone.localtime(held[pk]):%Y-%m-%d}")
        elif pk in eligible:
            column[pk] = ("未发放", "")
        else:
            column[pk] = ("已激活", "")
    return column


def activation_state(member: Member) -> dict:
    """For the member's page: whether the member can sign in, and the code in hand if not."""
    if not activatable(Member.objects.filter(pk=member.pk)).exists():
        return {"activated": member.user_id is not None, "can_issue": False, "code": None}
    code = ActivationCode.objects.filter(_open(timezone.now()), member=member).first()
    return {"activated": False, "can_issue": True, "code": code}


def activation_complete(code_id: int, new_password: str) -> User:
    """Spend the code: the member's account (created now if there is none) gets `new_password`.

    Raises ActivationError when the code is no longer live or the phone's username belongs to another
    account, and ValidationError when the password is too weak; nothing changes then.
    """
    now = timezone.now()
    with transaction.atomic():
        code = ActivationCode.objects.select_for_update().filter(_open(now), pk=code_id).first()
        member = activatable(Member.objects.filter(pk=code.member_id)).select_related("user").first() if code else None
        if member is None:
            raise ActivationError(_("激活码已失效，请联系所在党组织重新获取。"))
        user = member.user
        if user is None:
            if User.objects.filter(username=member.phone).exists():
                raise ActivationError(_("该手机号已有登录账号，请联系所在党组织管理员。"))
            user = User(username=member.phone, first_name=member.name[:150])
        password_validation.validate_password(new_password, user)
        user.set_password(new_password)
        user.must_change_password = False
        user.save()
        if member.user_id is None:
            Member.objects.filter(pk=member.pk).update(user=user)
        ActivationCode.objects.filter(pk=code.pk).update(used_at=now)
    return user


def password_set(user: User, new_password: str) -> None:
    """A new password for a signed-in user, clearing any obligation to change it. ValidationError when it is
    too weak. Changing it revokes the user's API tokens (people.signals)."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save()


def account_activate(request, username: str, secret: str, new_password: str) -> User | None:
    """Set a new password with the phone and an activation code (or the account's current password).

    None when they do not match; that counts as a failed sign-in (people.throttle). Raises ValidationError
    for a weak password and ActivationError as `activation_complete`; nothing changes then.
    """
    password_validation.validate_password(new_password, User(username=sign_in_username(username)))
    user = authenticate(request, username=username, password=secret, activation=True)
    if user is None:
        return None
    code = getattr(user, "activation_code", None)
    if code is not None:
        return activation_complete(code.pk, new_password)
    password_set(user, new_password)
    return user
