"""Read paths of the people domain. Every function takes the user and stays inside their scope."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.lookups import StartsWith
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangxiao.core import access

from .models import ApiToken, Member, MemberTransfer, Organization, User


@dataclass(frozen=True)
class AgeBand:
    key: str
    label: str | Promise
    low: int  # inclusive
    high: int | None  # inclusive


AGE_BANDS = (
    AgeBand("0-35", _("35岁及以下"), 0, 35),
    AgeBand("36-45", _("36–45岁"), 36, 45),
    AgeBand("46-55", _("46–55岁"), 46, 55),
    AgeBand("56-65", _("56–65岁"), 56, 65),
    AgeBand("66-75", _("66–75岁"), 66, 75),
    AgeBand("76+", _("76岁及以上"), 76, None),
)
AGE_BAND_BY_KEY = {b.key: b for b in AGE_BANDS}
# Names of groups of members (filters, counts): a context of their own, as English needs plurals.
FLAGS = {
    "is_mobile": pgettext_lazy("member group", "流动党员"),
    "is_elderly_infirm": pgettext_lazy("member group", "年老体弱"),
    "is_organ_worker": pgettext_lazy("member group", "机关党员"),
    "is_new_employment": pgettext_lazy("member group", "新就业群体"),
}


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def age_band_q(band: AgeBand, today: date) -> Q:
    """Members whose age today lies in the band, as a range on birth_date (index-friendly)."""
    q = Q(birth_date__lte=_years_before(today, band.low))
    if band.high is not None:
        q &= Q(birth_date__gt=_years_before(today, band.high + 1))
    return q


@dataclass
class MemberFilters:
    q: str = ""
    organization: Organization | None = None
    status: str = ""
    age_band: str = ""
    industry: str = ""
    position: str = ""
    flags: tuple[str, ...] = ()
    left: bool = False  # those who left (history) instead of the current rolls

    def describe(self) -> str:
        """The filters in words, for the audit log: stored, so always in Chinese (the source language)."""
        with translation.override("zh-hans"):
            return self._describe()

    def _describe(self) -> str:
        parts = []
        if self.organization:
            parts.append(f"组织：{self.organization.name}（含下级）")
        if self.q:
            parts.append(f"关键词：{self.q}")
        if self.status:
            parts.append(f"类别：{dict(Member.Status.choices).get(self.status, self.status)}")
        if self.age_band in AGE_BAND_BY_KEY:
            parts.append(f"年龄：{AGE_BAND_BY_KEY[self.age_band].label}")
        if self.industry:
            parts.append(f"行业：{self.industry}")
        if self.position:
            parts.append(f"职务：{dict(Member.Position.choices).get(self.position, self.position)}")
        parts += [str(FLAGS[f]) for f in self.flags if f in FLAGS]
        if self.left:
            parts.append("已离开的党员")
        return "；".join(parts)


def member_list(user: User, filters: MemberFilters, today: date | None = None) -> QuerySet:
    """The scoped roster with filters applied, ready for one paged query."""
    qs = access.filter_roster(user).select_related("organization")
    qs = qs.filter(left_on__isnull=False) if filters.left else qs.current()
    if filters.organization is not None:
        qs = qs.filter(organization__path__startswith=filters.organization.path)
    if filters.q:
        qs = qs.filter(Q(name__contains=filters.q) | Q(phone__endswith=filters.q) | Q(occupation__contains=filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.age_band in AGE_BAND_BY_KEY:
        qs = qs.filter(age_band_q(AGE_BAND_BY_KEY[filters.age_band], today or timezone.localdate()))
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.position:
        qs = qs.filter(position=filters.position)
    for flag in filters.flags:
        if flag in FLAGS:
            qs = qs.filter(**{flag: True})
    return qs.order_by("organization__path", "name", "id")


def member_industries(user: User) -> list[str]:
    return list(
        access.filter_roster(user).current().exclude(industry="").values_list("industry", flat=True).distinct().order_by("industry")
    )


def age_band_case(today: date) -> Case:
    return Case(
        *[When(age_band_q(b, today), then=Value(i)) for i, b in enumerate(AGE_BANDS)],
        default=Value(-1),
        output_field=IntegerField(),
    )


@dataclass
class RosterSummary:
    total: int
    probationary: int
    by_age_band: list[tuple[str, int]]
    by_industry: list[tuple[str, int]]
    by_organization: list[tuple[Organization, int]]
    flags: list[tuple[str, str, int]]
    grassroots: int | None = None  # 基层党组织 (党委, 党总支, 党支部) in the subtree of the root, when one is given


def roster_summary(user: User, root: Organization | None = None, today: date | None = None) -> RosterSummary:
    """Counts for a home page: by age band, industry, child organisation and flag, and the 基层党组织 under the
    root — 党委, 党总支 and 党支部, not the 党工委 above them nor 党小组 (a fixed 5 queries)."""
    today = today or timezone.localdate()
    qs = access.filter_roster(user).current()
    if root is not None:
        qs = qs.filter(organization__path__startswith=root.path)
    totals = qs.aggregate(
        total=Count("id"),
        probationary=Count("id", filter=Q(status=Member.Status.PROBATIONARY)),
        **{flag: Count("id", filter=Q(**{flag: True})) for flag in FLAGS},
    )
    bands = dict(qs.annotate(band=age_band_case(today)).values_list("band").annotate(c=Count("id")).values_list("band", "c"))
    industries = list(
        qs.exclude(industry="").values("industry").annotate(c=Count("id")).order_by("-c", "industry").values_list("industry", "c")
    )
    by_org: list[tuple[Organization, int]] = []
    grassroots = None
    if root is not None:
        subtree = Organization.objects.filter(path__startswith=root.path, kind__in=Organization.GRASSROOTS_KINDS)
        grassroots = subtree.count()
        children = list(Organization.objects.get_children(root))
        if children:
            step = len(children[0].path)
            counts: dict[str, int] = {}
            for path, c in (
                qs.filter(organization__depth__gt=root.depth)
                .values_list("organization__path")
                .annotate(c=Count("id"))
                .values_list("organization__path", "c")
            ):
                counts[path[:step]] = counts.get(path[:step], 0) + c
            by_org = [(child, counts.get(child.path, 0)) for child in children]
    return RosterSummary(
        total=totals["total"],
        probationary=totals["probationary"],
        by_age_band=[(str(b.label), bands.get(i, 0)) for i, b in enumerate(AGE_BANDS)],
        by_industry=industries,
        by_organization=by_org,
        flags=[(flag, str(label), totals[flag]) for flag, label in FLAGS.items()],
        grassroots=grassroots,
    )


def organization_tree(user: User) -> list[dict]:
    """The visible current organisations as nested dicts, roots first, with direct and subtree counts of current members (1 query)."""
    # Dissolved organisations keep their rows for history but are not part of the current tree; nor are members who left.
    orgs = list(
        access.filter_organizations(user)
        .filter(dissolved_on__isnull=True)
        .annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
        .order_by("path")
    )
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    for org in orgs:
        node = {"org": org, "children": [], "total": org.member_count}
        nodes[org.path] = node
        parent = nodes.get(org.path[: -org.steplen])
        (parent["children"] if parent else roots).append(node)
    for org in reversed(orgs):  # children come after their parent in path order
        parent = nodes.get(org.path[: -org.steplen])
        if parent:
            parent["total"] += nodes[org.path]["total"]
    return roots


def scope_root(user: User) -> Organization | None:
    """The highest organisation the user manages (for a home page and default filters)."""
    scope = access.scope_for(user)
    paths = scope.staff_paths
    if scope.is_superuser and not paths:
        return Organization.objects.get_first_root_node()
    if not paths:
        return None
    return Organization.objects.filter(path=paths[0]).first()


def token_list(user: User) -> list[ApiToken]:
    """The user's own live API tokens, newest first, each with the `expires_at` its last use gives it."""
    cutoff = token_expiry_cutoff()
    tokens = (
        ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True)
        .filter(Q(last_used_at__gte=cutoff) | Q(last_used_at__isnull=True, created_at__gte=cutoff))
        .order_by("-created_at", "-pk")
    )
    days = timedelta(days=settings.API_TOKEN_DAYS)
    result = list(tokens)
    for token in result:
        token.expires_at = (token.last_used_at or token.created_at) + days
    return result


def token_expiry_cutoff(now: datetime | None = None) -> datetime:
    """A token last used (or, never used, made) before this has expired: API_TOKEN_DAYS after its last use.

    The last use is written at most hourly and up to a few seconds late (services._TokenUses), which a
    window of days does not notice."""
    return (now or timezone.now()) - timedelta(days=settings.API_TOKEN_DAYS)


# --- Working committees ----------------------------------------------------------------------------
# One install can serve several working committees (党工委), each with its school; what they set up
# for themselves (the liaison settings, say) belongs to the committee a node lies under.


def committee_q(prefix: str = "") -> Q:
    """Nodes that own settings: working committees, and the roots of trees that have none above a node."""
    return Q(**{f"{prefix}kind": Organization.Kind.WORKING_COMMITTEE}) | Q(**{f"{prefix}depth": 1})


def committee_id_subquery(path_ref: str) -> Subquery:
    """The id of the working committee of the node whose path the outer query has at `path_ref` (an
    annotation: no query of its own)."""
    nearest = Organization.objects.filter(committee_q(), StartsWith(OuterRef(path_ref), F("path"))).order_by("-depth").values("pk")[:1]
    return Subquery(nearest)


# --- Members one at a time -------------------------------------------------------------------------


def managed_organizations(user: User) -> QuerySet:
    """Organisations the user manages as staff (a member's own organisation alone is not one)."""
    q = access.staff_q(access.scope_for(user), "path")
    return Organization.objects.all() if q is None else Organization.objects.filter(q)


def committee_of(org: Organization) -> Organization:
    """The working committee (or tree root) a node lies under: the deepest committee at or above it (1 query)."""
    step = Organization.steplen
    prefixes = [org.path[:i] for i in range(step, len(org.path) + 1, step)]
    return Organization.objects.filter(committee_q(), path__in=prefixes).order_by("-depth").first() or org


def same_committee_organizations(org: Organization) -> QuerySet:
    """The organisations of `org`'s working committee: where its members may be transferred to."""
    root = committee_of(org)
    return Organization.objects.filter(path__startswith=root.path)


def transfer_inbox(user: User, limit: int = 200) -> dict[str, list]:
    """Transfers for the user's organisations: requests waiting for them to accept or refuse, their own
    requests waiting on others, and the latest decided ones (3 queries)."""
    managed = managed_organizations(user).values("pk")
    base = MemberTransfer.objects.select_related("member", "from_organization", "to_organization", "requested_by", "decided_by")
    pending = base.filter(status=MemberTransfer.Status.PENDING)
    return {
        "incoming": list(pending.filter(to_organization__in=managed)[:limit]),
        "outgoing": list(pending.filter(from_organization__in=managed).exclude(to_organization__in=managed)[:limit]),
        "decided": list(
            base.exclude(status=MemberTransfer.Status.PENDING)
            .filter(Q(to_organization__in=managed) | Q(from_organization__in=managed))
            .order_by("-decided_at", "-id")[:50]
        ),
    }


def get_outgoing_transfer_or_404(user: User, pk):
    """A transfer of a member the user manages (the sending side); 404 otherwise."""
    try:
        return MemberTransfer.objects.select_related("member", "from_organization", "to_organization").get(
            pk=pk, member__in=access.filter_roster(user).values("pk")
        )
    except (ValueError, TypeError, MemberTransfer.DoesNotExist):
        raise Http404(_("转接申请不存在")) from None


def get_incoming_transfer_or_404(user: User, pk):
    """A pending-or-decided transfer whose receiving organisation the user manages; 404 otherwise."""
    try:
        return MemberTransfer.objects.select_related("member", "from_organization", "to_organization").get(
            pk=pk, to_organization__in=managed_organizations(user).values("pk")
        )
    except (ValueError, TypeError, MemberTransfer.DoesNotExist):
        raise Http404(_("转接申请不存在")) from None
