"""Read paths of the liaison domain used elsewhere: where members live."""

from django.db.models import Count, QuerySet

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
