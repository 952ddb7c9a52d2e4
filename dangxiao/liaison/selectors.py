"""Read paths of the liaison domain: where members live; matters and what is late."""

from datetime import datetime

from django.db.models import Count, F, Q, QuerySet

from dangxiao.people.models import Organization

from .geo import distance_km
from .models import Compound


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


def state_labels() -> dict[str, str]:
    """The school's labels for the state codes (one query)."""
    from .models import STATES, MatterState

    labels = {code: label for code, (_type, label) in STATES.items()}
    labels.update(dict(MatterState.objects.values_list("code", "label")))
    return labels


def public_board(compound, *, limit: int = 50) -> list:
    """The compound's public progress board: accepted matters only, nothing personal."""
    from .models import Matter

    return list(
        Matter.objects.filter(compound=compound)
        .exclude(state="reported")
        .exclude(state__in=["withdrawn"])
        .select_related("category")
        .only("pk", "category__name", "description", "state", "created_at", "updated_at", "resolved_at", "compound_id", "category_id")
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
