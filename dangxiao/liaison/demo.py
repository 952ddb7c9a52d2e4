"""The demo's residential compounds, placed around their community's service centre, so that
"near home" distances are computed from real coordinates."""

import random
from decimal import Decimal

from dangxiao.people.demo import COMMUNITIES, COMPOUNDS, SEED
from dangxiao.people.models import Organization

from .models import Compound

# The community service centres of the school demo (latitude, longitude).
CENTRES = {1: (28.1652, 112.9786), 2: (28.1748, 112.9892), 3: (28.1593, 112.9905), 4: (28.1801, 112.9740), 5: (28.1687, 112.9671)}


def wipe_compounds() -> None:
    """Compounds protect their community organisations, so they go before the people demo is rebuilt."""
    Compound.objects.all().delete()


def build_compounds(stdout=None) -> int:
    rng = random.Random(SEED + 5)
    wipe_compounds()
    rows = []
    for i, community in enumerate(COMMUNITIES, start=1):
        org = Organization.objects.get(code=f"WY-C{i}")
        lat, lon = CENTRES[i]
        for name in COMPOUNDS[community]:
            # within about 1.5 km of the centre
            rows.append(
                Compound(
                    community=org,
                    name=name,
                    address=f"长沙市天心区{community}社区{name}",
                    latitude=Decimal(f"{lat + rng.uniform(-0.012, 0.012):.6f}"),
                    longitude=Decimal(f"{lon + rng.uniform(-0.012, 0.012):.6f}"),
                )
            )
    Compound.objects.bulk_create(rows)
    if stdout:
        stdout.write(f"  小区 {len(rows)} 个（含坐标）")
    return len(rows)
