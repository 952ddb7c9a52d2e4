"""Read paths of the liaison domain: where members live; matters and what is late."""

from datetime import datetime

from django.db.models import Case, Count, F, Q, QuerySet, Value, When

from dangxiao.people.models import Organization

from .geo import distance_km
from .models import Compound, Matter


def compounds_under(org: Organization) -> QuerySet:
    """Compounds of the communities at or under the organisation, and of the communities above it."""
    step = Organization.steplen
    above = [org.path[:i] for i in range(step, len(org.path) + 1, step)]
    return Compound.objects.filter(community__path__startswith=org.path) | Compound.objects.filter(community__path__in=above)


def compound_coordinates(names) -> dict[str, tuple[float, float]]:
    """Coordinates by compound name (members' home compounds are recorded by name on the roster)."""
    coords: dict[str, tuple[float, float]] = {}
    for name, lat, lon in Compound.objects.filter(name__in=list(names), latitude__isnull=False).values_list(
        "name", "latitude", "longitude"
    ):
        coords.setdefault(name, (float(lat), float(lon)))
    return coords


def distance_bands(members: QuerySet, lat, lon, bands=(1, 2, 5)) -> dict:
    """How many of `members` live within each distance of a point (2 queries), and how many are unlocated."""
    by_compound = dict(
        members.exclude(home_compound="").values_list("home_compound").annotate(c=Count("id")).values_list("home_compound", "c")
    )
    coords = compound_coordinates(by_compound)
    total = members.count()
    within = {b: 0 for b in bands}
    located = 0
    for name, count in by_compound.items():
        if name not in coords:
            continue
        located += count
        d = distance_km(lat, lon, *coords[name])
        for b in bands:
            if d <= b:
                within[b] += count
    return {"total": total, "located": located, "unlocated": total - located, "within": within}


# --- Matters -------------------------------------------------------------------------------------


def overdue_q(now: datetime, prefix: str = "") -> Q:
    """Open matters that have missed a deadline (Matter.missed_deadline in SQL): the first response
    deadline, while still reported or when the acceptance came after it; the first deadline for the
    fix; or the current level's deadline. Escalation renews the current deadlines only, so a late
    matter stays late until it is resolved or closed. `prefix` reaches matters through a relation
    ("matters__")."""
    from .models import OPEN_STATES

    p = prefix
    first_response = Q(**{f"{p}first_respond_by__lt": now}) & (
        Q(**{f"{p}state": "reported"}) | Q(**{f"{p}accepted_at__gt": F(f"{p}first_respond_by")})
    )
    first_resolution = Q(**{f"{p}first_resolve_by__lt": now})
    late_response = Q(**{f"{p}state": "reported", f"{p}respond_by__lt": now})
    late_resolution = Q(**{f"{p}state__in": [s for s in OPEN_STATES if s != "reported"], f"{p}resolve_by__lt": now})
    return Q(**{f"{p}state__in": OPEN_STATES}) & (first_response | first_resolution | late_response | late_resolution)


def follow_up_q(now: datetime) -> Q:
    """Resolved more than a week ago, and the reporter has not said whether it stayed fixed."""
    from .services import FOLLOW_UP_AFTER

    return Q(state="resolved", resolved_at__lte=now - FOLLOW_UP_AFTER, stayed_fixed__isnull=True)


def matter_list(queryset: QuerySet) -> QuerySet:
    """Matters with what a list row shows, in one query."""
    return queryset.select_related("compound", "category", "assigned_role", "assigned_member", "assigned_party")


def nearby_duplicates(matter, *, limit: int = 5) -> list:
    """Possible duplicates of `matter`: same compound and category, reported within 30 days before
    it, not closed as duplicate or withdrawn themselves — the ones to merge into."""
    from .models import Matter
    from .services import DUPLICATE_WINDOW

    return list(
        Matter.objects.filter(
            compound_id=matter.compound_id,
            category_id=matter.category_id,
            created_at__gte=matter.created_at - DUPLICATE_WINDOW,
            created_at__lte=matter.created_at + DUPLICATE_WINDOW,
        )
        .exclude(pk=matter.pk)
        .exclude(state__in=["duplicate", "withdrawn"])
        .select_related("category")
        .order_by("-created_at")[:limit]
    )


# --- The working committee's settings ------------------------------------------------------------
# Categories, state labels and canned replies are each working committee's own. A matter's committee
# is its category's (matter.category.working_committee_id, no query); a compound's is found from its
# community's place in the tree.


def compound_committee_id(compound) -> int | None:
    """The working committee whose settings a compound uses: the nearest committee above its
    community (one query)."""
    return with_committee(Compound.objects.filter(pk=compound.pk)).values_list("committee_id", flat=True).first()


def with_committee(compounds: QuerySet) -> QuerySet:
    """Compounds annotated with `committee_id`, their working committee's (no query of its own)."""
    from dangxiao.people.selectors import committee_id_subquery

    return compounds.annotate(committee_id=committee_id_subquery("community__path"))


def board_committees(user) -> list:
    """The working committees whose board the user sits on (a board role on the committee or above
    it; every committee for a superuser), one query: whose liaison settings and Open311 keys they
    run."""
    from dangxiao.core import access
    from dangxiao.people.models import Organization
    from dangxiao.people.selectors import committee_q

    scope = access.scope_for(user)
    committees = Organization.objects.filter(committee_q())
    if not scope.is_superuser:
        committees = committees.filter(access.subtree_q(scope.board_paths, "path"))
    return list(committees.order_by("path"))


def committee_ids_of(compounds) -> list[int]:
    """The working committees of compounds annotated by `with_committee`."""
    return sorted({c.committee_id for c in compounds} - {None})


def committee_categories(committee_id: int | None, *, active: bool = False) -> QuerySet:
    from .models import MatterCategory

    qs = MatterCategory.objects.filter(working_committee_id=committee_id)
    return qs.filter(active=True) if active else qs


def default_state_labels() -> dict[str, str]:
    from .models import STATES

    return {code: label for code, (_type, label) in STATES.items()}


def state_labels(committee_id: int | None) -> dict[str, str]:
    """A working committee's labels for the state codes (one query)."""
    return state_labels_by_committee([committee_id]).get(committee_id) or default_state_labels()


def state_labels_by_committee(committee_ids) -> dict[int, dict[str, str]]:
    """Labels for the state codes of several committees (one query): committee id → code → label."""
    from .models import MatterState

    labels: dict[int, dict[str, str]] = {}
    ids = {pk for pk in committee_ids if pk is not None}
    for committee_id, code, label in MatterState.objects.filter(working_committee_id__in=ids).values_list(
        "working_committee_id", "code", "label"
    ):
        labels.setdefault(committee_id, default_state_labels())[code] = label
    return labels


def state_order() -> Case:
    """The lifecycle's order of the state codes, for ordering by a state column."""
    from .models import STATES

    return Case(*(When(state=code, then=Value(i)) for i, code in enumerate(STATES)), default=Value(len(STATES)))


def canned_replies(matter) -> list[dict]:
    """The replies offered on a matter: its committee's, for every category or for the matter's own,
    in the order of the lifecycle (one query)."""
    from .models import CannedReply

    return list(
        CannedReply.objects.filter(
            Q(category__isnull=True) | Q(category_id=matter.category_id), working_committee_id=matter.category.working_committee_id
        )
        .order_by(state_order(), "-category_id", "title")
        .values("title", "text", state_id=F("state"))
    )


def label_matters(matters) -> list:
    """Each matter with its committee's label for its state (one query; the matters' categories loaded)."""
    matters = list(matters)
    if matters:
        by_committee = state_labels_by_committee({m.category.working_committee_id for m in matters})
        defaults = default_state_labels()
        for m in matters:
            labels = by_committee.get(m.category.working_committee_id, defaults)
            m.state_label = labels.get(m.state, m.state)
    return matters


def public_board(compound, *, limit: int = 50) -> list:
    """The compound's public progress board: accepted matters only, nothing personal."""
    return list(
        Matter.objects.filter(compound=compound)
        .exclude(state="reported")
        .exclude(state__in=["withdrawn"])
        .select_related("category")
        .only(
            "pk",
            "category__name",
            "category__working_committee_id",
            "description",
            "state",
            "created_at",
            "updated_at",
            "resolved_at",
            "compound_id",
            "category_id",
        )
        .order_by("-created_at")[:limit]
    )


def assigned_to_q(user, member_id: int | None) -> Q:
    """Matters in the hands of the user: through a grid role they hold, or as the member assigned."""
    mine = Q(assigned_role__user_id=user.pk)
    if member_id:
        mine |= Q(assigned_member_id=member_id) | Q(assigned_role__member_id=member_id)
    return mine


def handler_summary(user, now: datetime) -> dict | None:
    """What waits for a handler on their home page, in one query: matters to accept, overdue ones,
    and open ones in their own hands. None for users who handle no matters."""
    from dangxiao.core import access

    from .models import OPEN_STATES

    scope = access.scope_for(user)
    if not (scope.is_staff or access.grid_compound_ids(user)):
        return None
    counts = access.filter_matters(user).aggregate(
        total=Count("pk"),
        reported=Count("pk", filter=Q(state="reported")),
        overdue=Count("pk", filter=overdue_q(now)),
        mine=Count("pk", filter=Q(state__in=OPEN_STATES) & assigned_to_q(user, scope.member_id)),
    )
    return counts if counts["total"] or access.grid_compound_ids(user) else None


def board_counts(compound, year: int) -> dict:
    """The public board's figures: accepted matters still open, and those resolved this year (one query)."""
    from .models import OPEN_STATES, Matter

    accepted = Matter.objects.filter(compound=compound).exclude(state="reported")
    return accepted.aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        resolved=Count("pk", filter=Q(state="resolved", resolved_at__year=year)),
    )


# --- Matters resolved, per member (read by practice's volunteer service record) --------------------
# A matter counts for the member recorded as having resolved it (Matter.resolved_by), while it stays
# resolved: reopening clears resolved_by, so a matter reopened and fixed again is counted once.


def resolved_matter_counts(member_ids, year: int) -> dict[int, int]:
    """Matters resolved per member in a calendar year (Beijing time), one query."""
    rows = (
        Matter.objects.filter(state="resolved", resolved_by_id__in=list(member_ids), resolved_at__year=year)
        .values("resolved_by_id")
        .annotate(n=Count("pk"))
    )
    return {r["resolved_by_id"]: r["n"] for r in rows}


def resolved_matters(member_id: int, year: int, limit: int = 50) -> list:
    """A member's resolved matters of a year, newest first, with compound and category."""
    return list(
        Matter.objects.filter(state="resolved", resolved_by_id=member_id, resolved_at__year=year)
        .select_related("compound", "category")
        .order_by("-resolved_at", "-id")[:limit]
    )


def resolved_matter_years(member_id: int) -> set[int]:
    return {d.year for d in Matter.objects.filter(state="resolved", resolved_by_id=member_id).datetimes("resolved_at", "year")}
