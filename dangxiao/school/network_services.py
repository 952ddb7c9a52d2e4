"""Write paths of the school's record and its network: the school itself, venues "1+5+N", partners and
their agreements. Nothing here deletes: retiring a venue or a partner, or ending an agreement, dates it
and takes it out of the pickers and current lists, while the sessions, teachers and agreements that
name it keep it.

Who may write (callers check it through `dangxiao.core.access`; the services check the ids they are
given): the school and its partners and agreements are the board's; a venue is the board's, or the
organisation administrators' over the organisation running it (they may create venues run by their own
subtree only).

Every service raises NetworkError (a field and a Chinese message) on input a user can get wrong and
changes nothing then; every change is audited.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date, sane_date_message
from dangxiao.people.models import Organization, User

from .models import Partner, PartnerAgreement, School, Venue

MAX_CAPACITY = 100_000


class NetworkError(Exception):
    """A refusal the user can fix: `field` names the input at fault (None: the request as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class _Change:
    before: dict
    after: dict

    @property
    def fields(self) -> list[str]:
        return [k for k in self.after if self.before.get(k) != self.after[k]]


def _apply(obj, fields: dict, allowed: tuple[str, ...]) -> _Change:
    before, after = {}, {}
    for name, value in fields.items():
        if name not in allowed:
            raise NetworkError(_("不能修改此项"), name)
        attname = obj._meta.get_field(name).attname  # an id for a relation: readable before it is set
        before[name] = getattr(obj, attname)
        setattr(obj, name, value)
        after[name] = getattr(obj, attname)
    return _Change(before, after)


def _text(value, field: str, *, required: bool = False, limit: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        raise NetworkError(_("必填"), field)
    if len(value) > limit:
        raise NetworkError(_("不能超过 %(n)d 个字") % {"n": limit}, field)
    return value


def _audit(request, action: str, obj, organization_id: int | None, summary: str, detail: dict | None = None) -> None:
    audit_record(
        request,
        action,
        organization_id=organization_id,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        summary=summary,
        detail=detail or {},
    )


def _user(request) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# --- The school ----------------------------------------------------------------------------------

SCHOOL_FIELDS = ("name", "brand", "address")


@transaction.atomic
def school_update(request, school: School, **fields) -> School:
    """Rename the school, its brand or address (the board's). Refused: an empty name, text too long."""
    if "name" in fields:
        fields["name"] = _text(fields["name"], "name", required=True, limit=100)
    for name, limit in (("brand", 40), ("address", 200)):
        if name in fields:
            fields[name] = _text(fields[name], name, limit=limit)
    change = _apply(school, fields, SCHOOL_FIELDS)
    school.full_clean()
    school.save()
    _audit(request, "record_update", school, school.organization_id, f"修改党校信息：{school.name}", {"fields": change.fields})
    return school


# --- Venues --------------------------------------------------------------------------------------

VENUE_FIELDS = (
    "name",
    "tier",
    "kind",
    "address",
    "latitude",
    "longitude",
    "capacity",
    "facilities",
    "opening_hours",
    "organization",
    "partner",
)


def venue_organizations(user, school: School):
    """Organisations that may run a venue of the school created or edited by `user`: the school's subtree,
    within the user's staff scope (the whole subtree for its board)."""
    qs = Organization.objects.filter(path__startswith=school.organization.path)
    if access.can_manage_school(user, school):
        return qs
    q = access.staff_q(access.scope_for(user), "path")
    return qs if q is None else qs.filter(q)


def open_partners(school: School):
    """Partners a venue, teacher or session may still name: the school's, not retired."""
    return school.partners.filter(retired_on__isnull=True)


def _clean_venue(user, school: School, fields: dict, venue: Venue | None = None) -> dict:
    if "name" in fields or venue is None:
        fields["name"] = _text(fields.get("name"), "name", required=True, limit=100)
    for name, limit in (("address", 200), ("facilities", 200), ("opening_hours", 100)):
        if name in fields:
            fields[name] = _text(fields[name], name, limit=limit)
    if venue is None or "tier" in fields:
        if fields.get("tier") not in Venue.Tier.values:
            raise NetworkError(_("请选择层级"), "tier")
    if venue is None or "kind" in fields:
        if fields.get("kind") not in Venue.Kind.values:
            raise NetworkError(_("请选择类型"), "kind")
    if "capacity" in fields or venue is None:
        capacity = fields.get("capacity")
        if capacity is None:
            fields["capacity"] = capacity = 30
        if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
            raise NetworkError(_("容纳人数须在 1 至 %(max)d 之间") % {"max": MAX_CAPACITY}, "capacity")
    for name, bound in (("latitude", 90), ("longitude", 180)):
        if fields.get(name) is not None:
            value = Decimal(str(fields[name]))
            if not -bound <= value <= bound:
                raise NetworkError(_("超出范围（%(min)d 至 %(max)d）") % {"min": -bound, "max": bound}, name)
            fields[name] = value.quantize(Decimal("0.000001"))
    if venue is None or "organization" in fields:
        org = fields.get("organization")
        if org is None or not venue_organizations(user, school).filter(pk=getattr(org, "pk", org)).exists():
            raise NetworkError(_("请选择您管理范围内的组织"), "organization")
        if not isinstance(org, Organization):
            fields["organization"] = Organization.objects.get(pk=org)
    if fields.get("partner") is not None:
        partner = fields["partner"]
        partner_id = getattr(partner, "pk", partner)
        if not open_partners(school).filter(pk=partner_id).exists() and not (venue and venue.partner_id == partner_id):
            raise NetworkError(_("请选择本校在册的共建单位"), "partner")
        if not isinstance(partner, Partner):
            fields["partner"] = Partner.objects.get(pk=partner_id)
    return fields


@transaction.atomic
def venue_create(request, school: School, **fields) -> Venue:
    """A new venue of the school. Refused: no name, an unknown tier or kind, a capacity outside
    1–100000, coordinates off the globe, a running organisation outside the caller's scope or the school,
    a partner of another school or retired."""
    fields = _clean_venue(request.user, school, fields)
    venue = Venue(school=school)
    _apply(venue, fields, VENUE_FIELDS)
    venue.save()
    _audit(request, "record_create", venue, venue.organization_id, f"新建阵地：{venue.name}")
    return venue


@transaction.atomic
def venue_update(request, venue: Venue, **fields) -> Venue:
    """Edit a venue; the same refusals as venue_create. Its sessions keep pointing at it."""
    fields = _clean_venue(request.user, venue.school, fields, venue)
    change = _apply(venue, fields, VENUE_FIELDS)
    venue.save()
    _audit(request, "record_update", venue, venue.organization_id, f"修改阵地：{venue.name}", {"fields": change.fields})
    return venue


@transaction.atomic
def venue_retire(request, venue: Venue, *, on: date | None = None) -> Venue:
    """Retire a venue: no longer offered for new sessions or listed as current; its past and planned
    sessions keep it (reschedule them elsewhere as needed). Refused: already retired."""
    if not venue.is_active:
        raise NetworkError(_("该阵地已停用"))
    venue.is_active = False
    venue.retired_on = on or timezone.localdate()
    venue.save(update_fields=["is_active", "retired_on"])
    _audit(request, "record_retire", venue, venue.organization_id, f"停用阵地：{venue.name}")
    return venue


@transaction.atomic
def venue_reinstate(request, venue: Venue) -> Venue:
    """Bring a retired venue back into use. Refused: it is in use already."""
    if venue.is_active:
        raise NetworkError(_("该阵地正在使用"))
    venue.is_active, venue.retired_on = True, None
    venue.save(update_fields=["is_active", "retired_on"])
    _audit(request, "record_update", venue, venue.organization_id, f"恢复启用阵地：{venue.name}")
    return venue


# --- Partners ------------------------------------------------------------------------------------

PARTNER_FIELDS = ("name", "kind", "contact_name", "description")


def _clean_partner(school: School, fields: dict, partner: Partner | None = None) -> dict:
    if "name" in fields or partner is None:
        fields["name"] = _text(fields.get("name"), "name", required=True, limit=100)
        clash = school.partners.filter(name=fields["name"]).exclude(pk=getattr(partner, "pk", None))
        if clash.exists():
            raise NetworkError(_("本校已有同名共建单位"), "name")
    if ("kind" in fields or partner is None) and fields.get("kind") not in Partner.Kind.values:
        raise NetworkError(_("请选择单位类型"), "kind")
    if "contact_name" in fields:
        fields["contact_name"] = _text(fields["contact_name"], "contact_name", limit=50)
    if "description" in fields:
        fields["description"] = _text(fields["description"], "description", limit=2000)
    return fields


@transaction.atomic
def partner_create(request, school: School, **fields) -> Partner:
    """A new partner unit of the school. Refused: no name, a name the school already has, an unknown kind."""
    fields = _clean_partner(school, fields)
    partner = Partner(school=school)
    _apply(partner, fields, PARTNER_FIELDS)
    partner.save()
    _audit(request, "record_create", partner, school.organization_id, f"新建共建单位：{partner.name}")
    return partner


@transaction.atomic
def partner_update(request, partner: Partner, **fields) -> Partner:
    """Edit a partner; the same refusals as partner_create."""
    fields = _clean_partner(partner.school, fields, partner)
    change = _apply(partner, fields, PARTNER_FIELDS)
    partner.save()
    _audit(request, "record_update", partner, partner.school.organization_id, f"修改共建单位：{partner.name}", {"fields": change.fields})
    return partner


@transaction.atomic
def partner_retire(request, partner: Partner, *, on: date | None = None) -> Partner:
    """Retire a partner: out of the pickers and the current list; its agreements still in force are ended
    the same day; venues, teachers and sessions keep naming it. Refused: already retired."""
    if partner.retired_on:
        raise NetworkError(_("该共建单位已停用"))
    day = on or timezone.localdate()
    partner.retired_on = day
    partner.save(update_fields=["retired_on"])
    for agreement in partner.agreements.filter(terminated=False, ends_on__gte=day):
        _end(agreement, day, _("共建单位停用"))
    _audit(request, "record_retire", partner, partner.school.organization_id, f"停用共建单位：{partner.name}")
    return partner


# --- Agreements ----------------------------------------------------------------------------------

AGREEMENT_FIELDS = ("title", "shares_venues", "shares_talent", "joint_activities", "signed_on", "starts_on", "ends_on")


def _clean_agreement(fields: dict, agreement: PartnerAgreement | None = None) -> dict:
    if "title" in fields or agreement is None:
        fields["title"] = _text(fields.get("title"), "title", required=True, limit=120)
    for name in ("signed_on", "starts_on", "ends_on"):
        if agreement is None and fields.get(name) is None:
            raise NetworkError(_("必填"), name)
        if fields.get(name) is not None and not is_sane_date(fields[name]):
            raise NetworkError(sane_date_message(), name)
    starts = fields.get("starts_on", getattr(agreement, "starts_on", None))
    ends = fields.get("ends_on", getattr(agreement, "ends_on", None))
    if starts and ends and ends < starts:
        raise NetworkError(_("到期日期不能早于生效日期"), "ends_on")
    flags = {f: fields.get(f, getattr(agreement, f, False)) for f in ("shares_venues", "shares_talent", "joint_activities")}
    if not any(flags.values()):
        raise NetworkError(_("请至少选择一项共建内容（阵地共建、人才共育、活动共联）"), "shares_venues")
    return fields


@transaction.atomic
def agreement_create(request, partner: Partner, **fields) -> PartnerAgreement:
    """A new agreement of a partner. Refused: a retired partner, no title, a missing date or one outside
    2000–2100, an end before the start, no scope of co-building."""
    if partner.retired_on:
        raise NetworkError(_("该共建单位已停用，不能签订新协议"))
    fields = _clean_agreement(fields)
    agreement = PartnerAgreement(partner=partner)
    _apply(agreement, {**fields, "renews": fields.pop("renews", None)}, (*AGREEMENT_FIELDS, "renews"))
    agreement.save()
    _audit(request, "record_create", agreement, partner.school.organization_id, f"新签共建协议：{partner.name}《{agreement.title}》")
    return agreement


@transaction.atomic
def agreement_update(request, agreement: PartnerAgreement, **fields) -> PartnerAgreement:
    """Correct an agreement's title, scope or dates; the same refusals as agreement_create, and an ended
    agreement is not edited."""
    if agreement.terminated:
        raise NetworkError(_("该协议已终止"))
    fields = _clean_agreement(fields, agreement)
    change = _apply(agreement, fields, AGREEMENT_FIELDS)
    agreement.save()
    _audit(
        request,
        "record_update",
        agreement,
        agreement.partner.school.organization_id,
        f"修改共建协议：{agreement.partner.name}《{agreement.title}》",
        {"fields": change.fields},
    )
    return agreement


def renewal_defaults(agreement: PartnerAgreement) -> dict:
    """What a renewal proposes: the same title and scope, for as long, from the day after the old one ends."""
    # An agreement ended early is followed from today; one that ran its course, from the day after its end.
    starts = timezone.localdate() if agreement.terminated else agreement.ends_on + timedelta(days=1)
    length = agreement.ends_on - agreement.starts_on
    return {
        "title": agreement.title,
        "shares_venues": agreement.shares_venues,
        "shares_talent": agreement.shares_talent,
        "joint_activities": agreement.joint_activities,
        "signed_on": timezone.localdate(),
        "starts_on": starts,
        "ends_on": starts + length,
    }


@transaction.atomic
def agreement_renew(request, agreement: PartnerAgreement, **fields) -> PartnerAgreement:
    """Renew: a new agreement continuing the old (which keeps its dates and history), by default on the
    same terms from the day after it ends. Refused: the partner is retired, the old agreement was renewed
    already, or the new one starts before the old one ends (end that one first)."""
    if agreement.renewals.exists():
        raise NetworkError(_("该协议已续签"))
    fields = {**renewal_defaults(agreement), **{k: v for k, v in fields.items() if v is not None}}
    if not agreement.terminated and fields["starts_on"] <= agreement.ends_on:
        raise NetworkError(_("续签协议须在原协议到期后生效"), "starts_on")
    return agreement_create(request, agreement.partner, renews=agreement, **fields)


def _end(agreement: PartnerAgreement, day: date, reason: str) -> None:
    agreement.terminated, agreement.ended_on, agreement.end_reason = True, day, reason
    agreement.save(update_fields=["terminated", "ended_on", "end_reason"])


@transaction.atomic
def agreement_end(request, agreement: PartnerAgreement, *, reason: str, on: date | None = None) -> PartnerAgreement:
    """End an agreement early, with a reason (终止). Refused: ended already, no reason, a date outside
    2000–2100 or before the agreement was signed."""
    if agreement.terminated:
        raise NetworkError(_("该协议已终止"))
    reason = _text(reason, "reason", required=True, limit=200)
    day = on or timezone.localdate()
    if not is_sane_date(day):
        raise NetworkError(sane_date_message(), "on")
    if day < agreement.signed_on:
        raise NetworkError(_("终止日期不能早于签订日期"), "on")
    _end(agreement, day, reason)
    _audit(
        request,
        "record_retire",
        agreement,
        agreement.partner.school.organization_id,
        f"终止共建协议：{agreement.partner.name}《{agreement.title}》",
        {"reason": reason},
    )
    return agreement
