"""Adding and changing compounds: the community they belong to, their address and coordinates,
and the token behind the QR poster (a new token retires every poster printed before)."""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.people import normalize
from dangxiao.people.models import Organization

from .grid import GridError
from .models import Compound, new_token

COMMUNITY_KINDS = (Organization.Kind.COMMITTEE, Organization.Kind.GENERAL_BRANCH)


def community_choices(user) -> QuerySet:
    """The community Party organisations whose compounds the user runs (staff over them)."""
    qs = Organization.objects.filter(unit_type=Organization.UnitType.COMMUNITY, kind__in=COMMUNITY_KINDS).order_by("path")
    q = access.staff_q(access.scope_for(user), "path")
    return qs if q is None else qs.filter(q)


def _coordinate(value, low: float, high: float, label: str) -> Decimal | None:
    text = normalize.clean_text(value)
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise GridError(_("%(label)s须为数字，例如 28.165200") % {"label": label}) from None
    if not low <= number <= high:
        raise GridError(_("%(label)s应在 %(low)s 到 %(high)s 之间") % {"label": label, "low": low, "high": high})
    return number


@transaction.atomic
def compound_save(
    user, *, community: Organization, name: str, address: str = "", latitude="", longitude="", compound: Compound | None = None
) -> Compound:
    """Add a compound to a community the user runs, or change one. Coordinates are optional (both
    or neither) and must lie in China; the name is unique within the community."""
    if not community_choices(user).filter(pk=community.pk).exists():
        raise GridError(_("只能在您管理的社区下添加小区"))
    name = normalize.clean_text(name)
    if not name:
        raise GridError(_("小区名称不能为空"))
    lat = _coordinate(latitude, 3, 54, _("纬度"))
    lon = _coordinate(longitude, 73, 136, _("经度"))
    if (lat is None) != (lon is None):
        raise GridError(_("经纬度须同时填写或同时留空"))
    compound = compound or Compound()
    compound.community, compound.name, compound.address = community, name[:60], normalize.clean_text(address)[:200]
    compound.latitude, compound.longitude = lat, lon
    try:
        with transaction.atomic():
            compound.save()
    except IntegrityError:
        raise GridError(_("%(community)s已有名为“%(name)s”的小区") % {"community": community.name, "name": name}) from None
    return compound


def compound_reset_token(compound: Compound) -> Compound:
    """A new address for the report page: posters printed before stop working."""
    compound.public_token = new_token()
    compound.save(update_fields=["public_token"])
    return compound
