"""Write paths of the people domain: roster import, reveals and exports of personal data, tokens.

Problems shown to the user are translated; audit summaries are stored records and are written in
Chinese, the product's source language, whatever language the actor reads.
"""

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.masking import mask_phone

from .models import ApiToken, Member, MemberTransfer, Organization, User
from .roster import MEMBER_FIELDS, ParsedRow, RosterFileError, RowError, cross_check, export_workbook, read_rows
from .selectors import token_expiry_cutoff
from .throttle import throttle_forget

UPDATABLE = tuple(f for f in MEMBER_FIELDS if f != "phone") + ("phone",)
DEFAULTS = {
    "status": Member.Status.FULL,
    "ethnicity": "",
    "position": "",
    "is_mobile": False,
    "is_elderly_infirm": False,
    "is_organ_worker": False,
    "is_new_employment": False,
}
CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds
TOKEN_TOUCH_SECONDS = 3600  # how stale an API token's last use may get before it is written again
TOKEN_FLUSH_SECONDS = 30  # how long a process keeps the tokens' new last uses before writing them together
TOKEN_FLUSH_BATCH = 300  # or how many it keeps: a bigger UPDATE holds SQLite's write lock long enough to show in p99


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "committed": self.committed,
            "errors": [e.as_dict() for e in self.errors],
        }


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _resolve_organization(row: ParsedRow, by_code: dict, by_name: dict) -> tuple[Organization | None, RowError | None]:
    code = row.values.get("organization_code") or ""
    name = row.values.get("organization_name") or ""
    column = row.header("organization_name")
    if code:
        org = by_code.get(code)
        if org is None:
            return None, RowError(
                row.row, row.header("organization_code"), _("组织编码“%(code)s”不存在或不在您的管理范围内") % {"code": code}
            )
        return org, None
    if not name:
        return None, RowError(row.row, column, _("%(column)s不能为空") % {"column": column})
    found = by_name.get(name, [])
    if not found:
        return None, RowError(row.row, column, _("组织“%(name)s”不存在或不在您的管理范围内") % {"name": name})
    if len(found) > 1:
        if row.layout == "national":
            return None, RowError(
                row.row, column, _("有多个名为“%(name)s”的组织，无法确定是哪一个，请先在组织管理中区分其名称") % {"name": name}
            )
        return None, RowError(row.row, column, _("有多个名为“%(name)s”的组织，请填写组织编码") % {"name": name})
    return found[0], None


def roster_import(user: User, data: bytes, *, dry_run: bool = False, request=None) -> ImportResult:
    """Create or update members from a roster spreadsheet, all or nothing.

    Rows are matched to members by phone, then by ID number. Nothing is written when any row has a
    problem, or when `dry_run` is set; importing the same file twice leaves everything unchanged.
    Raises RosterFileError when the file itself cannot be read.
    """
    scope = access.scope_for(user)
    if not scope.can_import_roster:
        raise RosterFileError(_("您没有导入党员名单的权限"))
    rows, errors = read_rows(data)
    result = ImportResult(errors=errors)
    if not rows and not errors:
        raise RosterFileError(_("文件中没有党员数据（从第2行开始填写）"))

    orgs = list(access.filter_organizations(user).filter(dissolved_on__isnull=True).only("id", "name", "code", "path"))
    staff_paths = scope.staff_paths
    by_code = {o.code: o for o in orgs if scope.is_superuser or o.path.startswith(staff_paths)}
    by_name: dict[str, list] = {}
    for o in by_code.values():
        by_name.setdefault(o.name, []).append(o)

    # Duplicates inside the file.
    seen_phone: dict[str, int] = {}
    seen_id: dict[str, int] = {}
    for row in rows:
        phone, id_number = row.values.get("phone"), row.values.get("id_number")
        if phone:
            if phone in seen_phone:
                errors.append(RowError(row.row, row.header("phone"), _("与第%(row)d行的手机号重复") % {"row": seen_phone[phone]}))
            else:
                seen_phone[phone] = row.row
        if id_number:
            if id_number in seen_id:
                errors.append(RowError(row.row, row.header("id_number"), _("与第%(row)d行的身份证号重复") % {"row": seen_id[id_number]}))
            else:
                seen_id[id_number] = row.row

    # Existing members with those phones or ID numbers, anywhere (scope is checked per match).
    existing_by_phone: dict[str, Member] = {}
    existing_by_id: dict[str, Member] = {}
    fields = ("id", "organization__path", "user_id", "left_on", *MEMBER_FIELDS)
    for chunk in _chunks(list(seen_phone)):
        for m in Member.objects.filter(phone__in=chunk).select_related("organization").only(*fields):
            existing_by_phone[m.phone] = m
    for chunk in _chunks(list(seen_id)):
        for m in Member.objects.filter(id_number__in=chunk).select_related("organization").only(*fields):
            existing_by_id[m.id_number] = m

    # Members waiting on a transfer request: a file does not move them meanwhile.
    matched = sorted({m.pk for m in existing_by_phone.values()} | {m.pk for m in existing_by_id.values()})
    pending: set[int] = set()
    for chunk in _chunks(matched):
        pending.update(
            MemberTransfer.objects.filter(member_id__in=chunk, status=MemberTransfer.Status.PENDING).values_list("member_id", flat=True)
        )

    def in_scope(member: Member) -> bool:
        return scope.is_superuser or member.organization.path.startswith(staff_paths)

    to_create: list[Member] = []
    moved: list[MemberTransfer] = []  # a file that moves a member records the move, as a transfer would
    to_update: list[Member] = []
    renamed: list[User] = []  # the accounts of members whose phone (their username) changes
    changed_fields: set[str] = set()
    touched: set[str] = set()  # the organisations the file names: where the audit row belongs
    for row in rows:
        values = row.values
        org, org_error = _resolve_organization(row, by_code, by_name)
        if org_error:
            errors.append(org_error)
        elif org is not None:
            touched.add(org.path)
        id_number = values.get("id_number") or None
        errors += [RowError(row.row, row.header(key), message) for key, message in cross_check(values, row.failed)]
        phone = values.get("phone")
        if not phone or org is None:
            continue
        by_phone = existing_by_phone.get(phone)
        by_id = existing_by_id.get(id_number) if id_number else None
        if by_phone and by_id and by_phone.pk != by_id.pk:
            errors.append(
                RowError(
                    row.row,
                    row.header("id_number"),
                    _("身份证号已登记在另一名党员（手机号 %(phone)s）名下") % {"phone": mask_phone(by_id.phone)},
                )
            )
            continue
        target = by_phone or by_id
        if target is not None and not in_scope(target):
            column = row.header("phone") if by_phone else row.header("id_number")
            errors.append(RowError(row.row, column, _("该党员已在其他组织登记，不在您的管理范围内，请联系其所在组织转接")))
            continue
        if target is not None and target.left_on:  # history is not rewritten by a file
            column = row.header("phone") if by_phone else row.header("id_number")
            errors.append(RowError(row.row, column, _("该党员已登记离开，记录仅供查阅，不能通过导入修改")))
            continue
        clean = {k: values.get(k) for k in MEMBER_FIELDS if k != "organization_id" and k in values}
        clean["organization_id"] = org.pk
        clean["id_number"] = id_number
        # A blank cell means the default; a column the file does not have (the national layout has no 行业,
        # say) leaves an existing member's value alone.
        blanks = {**DEFAULTS, **dict.fromkeys(("education", "occupation", "industry", "home_compound", "address", "mobile_location"), "")}
        for key, default in blanks.items():
            if clean.get(key) is None and (key in clean or target is None):
                clean[key] = default
        if target is None:
            to_create.append(Member(**clean))
            continue
        diff = [k for k, v in clean.items() if getattr(target, k) != v]
        if "organization_id" in diff and target.pk in pending:
            errors.append(RowError(row.row, row.header("organization_name"), _("该党员有一条待接收的转接申请，请先处理后再调整所在组织")))
            continue
        if "organization_id" in diff:
            moved.append(
                MemberTransfer(
                    member_id=target.pk,
                    from_organization_id=target.organization_id,
                    to_organization_id=clean["organization_id"],
                    kind=MemberTransfer.Kind.DIRECT,
                    status=MemberTransfer.Status.ACCEPTED,
                    transferred_on=timezone.localdate(),
                    note="名单导入",
                    requested_by=user,
                    decided_by=user,
                    decided_at=timezone.now(),
                )
            )
        if diff:
            for k in diff:
                setattr(target, k, clean[k])
            changed_fields.update(diff)
            to_update.append(target)
            if "phone" in diff and target.user_id:
                renamed.append(User(pk=target.user_id, username=target.phone))
        else:
            result.unchanged += 1

    errors.sort(key=lambda e: (e.row, e.column))
    result.errors = errors
    result.created = len(to_create)
    result.updated = len(to_update)
    if errors or dry_run:
        return result
    with transaction.atomic():
        Member.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            # bulk_update skips auto_now, and the members were loaded without updated_at: stamp it here
            # (reading it would have cost a query per member, and written the old value back).
            now = timezone.now()
            for member in to_update:
                member.updated_at = now
            Member.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}), batch_size=500)
            User.objects.bulk_update(renamed, ["username"], batch_size=500)
            MemberTransfer.objects.bulk_create(moved, batch_size=500)
        audit_record(
            request,
            "import",
            organization_id=access.common_organization_id(touched or scope.staff_paths),
            object_type="roster",
            summary=f"导入党员名单：新增{result.created}人，更新{result.updated}人",
            detail={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    result.committed = True
    return result


def roster_export(
    user: User, members, *, request=None, description: str = "", activation: dict | None = None, layout: str = "template"
) -> bytes:
    """The scoped roster as .xlsx with full personal data; the export itself is audited. `activation`, by
    member id, fills the activation code columns (people.activation.activation_column); `layout` "national"
    writes the national system's columns (roster.NATIONAL_COLUMNS)."""
    members = list(members)
    data = export_workbook(members, activation=activation, layout=layout)
    paths = {m.organization.path for m in members} or access.scope_for(user).staff_paths
    audit_record(
        request,
        "export",
        organization_id=access.common_organization_id(paths),
        object_type="roster",
        summary=f"导出党员名单{len(members)}人" + (f"（{description}）" if description else ""),
        detail={"count": len(members), "filters": description},
    )
    return data


def member_reveal(request, member: Member) -> dict:
    """Full phone and ID number of one member, for a user allowed to see them; audited."""
    audit_record(
        request,
        "reveal",
        organization_id=member.organization_id,
        object_type="member",
        object_id=member.pk,
        summary=f"查看党员{member.name}的完整手机号和身份证号",
    )
    return {"phone": member.phone, "id_number": member.id_number or ""}


def token_issue(user: User, name: str = "") -> str:
    """A new bearer token; only its hash is kept, so the caller must show it now or never."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=token_hash(key), name=name[:60])
    return key


def token_sign_in(user: User, name: str = "api") -> str:
    """A new token for a user who has just proved who they are, recorded as a sign-in: `last_login` (an
    account used through the API alone is then not given an activation code) and the account's failed
    attempts forgotten, as the sign-in page does."""
    update_last_login(None, user)
    throttle_forget(user.get_username())
    return token_issue(user, name=name)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_revoke(key: str) -> bool:
    return ApiToken.objects.filter(key_hash=token_hash(key), revoked_at__isnull=True).update(revoked_at=timezone.now()) > 0


def token_revoke_own(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when the user holds no such live token."""
    return ApiToken.objects.filter(pk=token_id, user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()) > 0


def tokens_revoke_all(user: User) -> int:
    """Revoke every live token of the user: their password changed or they were deactivated (people.signals)."""
    return ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_refusal(key: str) -> tuple[int, str] | None:
    """Why the token statement refused this token, as (status, message) for the answer; None for a token
    that never existed or whose user is inactive. Read only after a refusal, never on an accepted request."""
    token = ApiToken.objects.filter(key_hash=token_hash(key)).select_related("user").first()
    if token is None or not token.user.is_active:
        return None
    if token.revoked_at is not None:
        return 401, _("令牌已吊销，请重新登录获取。")
    if token.user.must_change_password:
        return 403, _("须先修改密码：请在网页上登录并设置新密码，或调用 POST /api/v1/auth/activate。")
    if (token.last_used_at or token.created_at) < token_expiry_cutoff():
        return 401, _("令牌已过期（超过%(days)d天未使用），请重新登录获取。") % {"days": settings.API_TOKEN_DAYS}
    return None


_TOKEN_EXTRAS = ("api_token_id", "api_member_id", "api_token_stale")  # the columns after the user's in _token_sql


@cache
def _token_sql(columns: str = "", joins: str = "") -> str:
    """The token statement; `columns` (", expr, …") and `joins` (" LEFT JOIN …") read more in the same row,
    and may refer to the token's member as `m`."""
    user, token, member = User._meta, ApiToken._meta, Member._meta
    user_columns = ", ".join(f"u.{f.column}" for f in user.concrete_fields)
    return f"""
        SELECT {user_columns}, t.id AS api_token_id, m.id AS api_member_id,
          (t.last_used_at IS NULL OR t.last_used_at < %s) AS api_token_stale{columns}
        FROM {user.db_table} u
          JOIN {token.db_table} t ON t.user_id = u.id
          LEFT JOIN {member.db_table} m ON m.user_id = u.id{joins}
        WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active AND NOT u.must_change_password
          AND COALESCE(t.last_used_at, t.created_at) >= %s"""


@cache
def _user_converted(vendor: str) -> bool:
    """Whether the user's fields need the ORM's converters on this database (SQLite's dates do; on
    PostgreSQL none does, and building a compiler on every API request to find that out showed in profiles)."""
    compiler = User.objects.none().query.get_compiler(connection=connection)
    return bool(compiler.get_converters([f.cached_col for f in User._meta.concrete_fields]))


def _user_from_row(row: tuple) -> User:
    """A User from the token statement's row, its fields converted as the ORM would; the extra columns
    become attributes."""
    fields = User._meta.concrete_fields
    values = row[: len(fields)]
    if _user_converted(connection.vendor):
        compiler = User.objects.none().query.get_compiler(connection=connection)
        converters = compiler.get_converters([f.cached_col for f in fields])
        values = next(compiler.apply_converters([values], converters))
    user = User.from_db(connection.alias, [f.attname for f in fields], values)
    for name, value in zip(_TOKEN_EXTRAS, row[len(fields) :]):
        setattr(user, name, value)
    return user


class _TokenUses:
    """The tokens whose last use is due to be written, kept per process and written together.

    Writing a token's last use on the request that found it stale cost each such request a statement
    and a commit of its own (a fifth of a check-in's server CPU when every token is new, README
    "Benchmarks"). Now the request notes the token here, and the first request after
    TOKEN_FLUSH_SECONDS, or the one that brings the tokens noted to TOKEN_FLUSH_BATCH, writes them all in
    one UPDATE. A token's last use is thus written at most hourly as before, up to TOKEN_FLUSH_SECONDS
    late (with the time of the write),
    or never if the process ends before it; "last used" is a hint for people revoking old tokens, not
    an audit record. Tokens are noted by their hash, which unlike an id is never reused.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: set[str] = set()
        self.flushed_at = time.monotonic()

    def note(self, key_hash: str) -> None:
        with self.lock:
            self.pending.add(key_hash)
            if len(self.pending) < TOKEN_FLUSH_BATCH and time.monotonic() - self.flushed_at < TOKEN_FLUSH_SECONDS:
                return
        self.flush()

    def flush(self) -> int:
        """Write the noted tokens' last use now; how many were noted."""
        with self.lock:
            batch, self.pending = sorted(self.pending), set()
            self.flushed_at = time.monotonic()
        now = timezone.now()
        stale = now - timedelta(seconds=TOKEN_TOUCH_SECONDS)
        for chunk in _chunks(batch):
            ApiToken.objects.filter(key_hash__in=chunk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)).update(
                last_used_at=now
            )
        return len(batch)


token_uses = _TokenUses()


def token_user(key: str) -> User | None:
    """The active user holding this unrevoked, unexpired token, or None; every API request starts here. A
    user who must change their password first is refused too (they sign in on a page, or use
    POST auth/activate).

    One query, for the user row with the user's member id (`api_member_id`, None for staff without a
    member record) so that the check-in needs no lookup of its own. A token whose last use is over
    TOKEN_TOUCH_SECONDS old is noted, and written with others later (`_TokenUses`). In SQL rather than
    built with the ORM, which spent a millisecond of CPU composing the join on every API request, and
    prepared by psycopg on PostgreSQL once it has run a few times on a connection (README "Benchmarks").
    """
    return token_user_with(key)[0]


def token_user_with(key: str, columns: str = "", joins: str = "", params=()) -> tuple[User | None, tuple]:
    """`token_user`, reading more in the same statement: a request whose next read needs only the user's
    member saves that round trip (the check-in, attendance.selectors.token_check_in_facts). `columns` and
    `joins` as for `_token_sql`, their parameters in `params` in the order they appear; the row's extra
    values come back after the user, () when the token is refused."""
    digest = token_hash(key)
    now = timezone.now()
    stale = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=TOKEN_TOUCH_SECONDS))
    unused_since = connection.ops.adapt_datetimefield_value(token_expiry_cutoff(now))
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(columns, joins), [stale, *params, digest, unused_since])
        row = cursor.fetchone()
    if row is None:
        return None, ()
    user = _user_from_row(row)
    if user.api_token_stale:
        token_uses.note(digest)
    return user, row[len(User._meta.concrete_fields) + len(_TOKEN_EXTRAS) :]
