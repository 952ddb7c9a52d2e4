"""The liaison part of the demo (SYSTEM.md §5: compounds with 片长/组长/邻长 and 100+ resolved matters
helping 3000+ households), built on the people demo and checked from the records.

One test, because the builder takes a few seconds and every check reads the same records.
"""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db.models import Count, Q, Sum

from dangxiao.core.access import filter_compounds, filter_matters
from dangxiao.demo.clock import DemoClock
from dangxiao.demo.liaison import build_compounds, build_liaison, history_end, history_start, liaison_summary
from dangxiao.demo.people import DEMO_ACCOUNTS, build_people
from dangxiao.liaison.models import OPEN_STATES, Compound, GridRole, Household, Matter, MatterUpdate, Party
from dangxiao.people import activation
from dangxiao.people.models import Member, User


@pytest.mark.django_db
def test_demo_liaison_has_a_grid_in_every_compound_and_a_history_of_resolved_matters_helping_3000_households():
    clock = DemoClock(date(2026, 11, 27))
    END = history_end(clock)
    build_people(clock)
    build_compounds()
    summary = build_liaison(clock)
    assert summary == liaison_summary()

    # Compounds, buildings, households: 3000+ households of 1–5 people, each building 4–12 per compound.
    households = Household.objects.all()
    assert summary["households"] == households.count() >= 3000
    assert set(households.values_list("size", flat=True)) <= {1, 2, 3, 4, 5}
    per_compound = Compound.objects.annotate(n=Count("buildings"))
    assert summary["compounds"] == 20 and all(4 <= c.n <= 12 for c in per_compound)
    # Contact phones: a third or so, unique, in a range no member uses.
    phones = list(households.exclude(contact_phone="").values_list("contact_phone", flat=True))
    assert 0.25 < len(phones) / summary["households"] < 0.45
    assert len(set(phones)) == len(phones) and all(p.startswith("1660000") for p in phones)
    assert not Member.objects.filter(phone__in=phones).exists()

    # The grid: one 片长 per compound, a cadre of the compound's community; 2–4 组长 under it.
    for compound in Compound.objects.select_related("community"):
        chiefs = list(compound.grid_roles.filter(kind=GridRole.Kind.AREA_CHIEF).select_related("member__organization"))
        assert len(chiefs) == 1, compound
        assert chiefs[0].member.organization.path.startswith(compound.community.path)
        assert chiefs[0].member.position in ("secretary", "deputy_secretary", "committee_member")
        groups = compound.grid_roles.filter(kind=GridRole.Kind.GROUP_LEADER)
        assert 2 <= groups.count() <= 4 and all(g.parent_id == chiefs[0].pk for g in groups)
        assert {p.kind for p in compound.parties.all()} >= {Party.Kind.PROPERTY}
    assert Party.objects.filter(kind=Party.Kind.OWNERS_COMMITTEE).count() >= 10

    # Every 邻长 covers 5–15 neighbouring households (one building, consecutive rooms), under a 组长;
    # members and residents both hold the role, residents with a name and phone.
    neighbours = GridRole.objects.filter(kind=GridRole.Kind.NEIGHBOUR_LEADER)
    rooms = defaultdict(list)
    for role_id, building_id, room in Household.objects.filter(grid_roles__in=neighbours).values_list("grid_roles", "building_id", "room"):
        rooms[role_id].append((building_id, room))
    assert len(rooms) == neighbours.count() == summary["neighbour_leader"]
    for role_id, covered in rooms.items():
        assert 5 <= len(covered) <= 15 and len({b for b, _r in covered}) == 1
        all_rooms = sorted(Household.objects.filter(building_id=covered[0][0]).values_list("room", flat=True))
        mine = sorted(r for _b, r in covered)
        start = all_rooms.index(mine[0])
        assert all_rooms[start : start + len(mine)] == mine, role_id
    assert not neighbours.exclude(parent__kind=GridRole.Kind.GROUP_LEADER).exists()
    residents = neighbours.filter(member__isnull=True)
    assert residents.exists() and neighbours.filter(member__isnull=False).exists()
    assert not residents.filter(Q(name="") | Q(phone="")).exists()
    # A few households nobody covers yet (the grid page shows them), but not many.
    uncovered = households.exclude(grid_roles__kind=GridRole.Kind.NEIGHBOUR_LEADER).count()
    assert 0.01 * summary["households"] < uncovered < 0.05 * summary["households"]

    # Matters: 100+ resolved, benefiting 3000+ households in all, counted from the households served.
    resolved = Matter.objects.filter(state="resolved")
    assert summary["resolved"] == resolved.count() >= 100
    assert summary["benefited"] == resolved.aggregate(n=Sum("households_benefited"))["n"] >= 3000
    assert not resolved.filter(Q(households_benefited__lt=1) | Q(resolved_at__isnull=True) | Q(resolved_at__gte=END)).exists()
    biggest = {c.pk: c.n for c in Compound.objects.annotate(n=Count("buildings__households"))}
    assert all(m.households_benefited <= biggest[m.compound_id] for m in resolved)
    by_category = dict(resolved.values_list("category__code").annotate(n=Count("id")))
    assert by_category["e_bike_charging"] > by_category["noise"] and by_category["roads_ramps"] > by_category["other"]
    assert len(by_category) == 7
    assert Matter.objects.filter(created_at__date__lt=history_start(clock) + timedelta(days=30)).exists()  # 22 months of history

    # Every figure has a history: each matter starts with a report, each resolved one has its fix.
    first = {}
    for matter_id, kind in MatterUpdate.objects.order_by("matter_id", "at", "id").values_list("matter_id", "kind"):
        first.setdefault(matter_id, kind)
    assert len(first) == summary["matters"] and set(first.values()) == {MatterUpdate.Kind.REPORTED}
    assert not resolved.exclude(updates__kind=MatterUpdate.Kind.RESOLVED).exists()
    assert not MatterUpdate.objects.filter(at__gte=END).exists()
    kinds = set(MatterUpdate.objects.values_list("kind", flat=True))
    assert kinds >= {"accepted", "assigned", "state", "escalated", "resolved", "confirmed", "reopened", "merged", "follow_up"}
    assert Matter.objects.filter(state="duplicate", duplicate_of__isnull=False).count() >= 3
    assert Matter.objects.filter(state="not_responsible").exists()
    assert resolved.filter(updates__kind=MatterUpdate.Kind.REOPENED).exists()  # reopened, then fixed again
    assert resolved.filter(stayed_fixed=True).exists() and resolved.filter(confirmed_fixed_at__isnull=False).exists()

    # Some are still open on the demo's today, and some of those are overdue.
    still_open = Matter.objects.filter(state__in=OPEN_STATES)
    overdue = still_open.filter(Q(state="reported", respond_by__lt=END) | (~Q(state="reported") & Q(resolve_by__lt=END)))
    assert still_open.count() >= 5 and overdue.exists()

    # The demo logins with a grid role: the member is a 邻长 and the secretary a 片长 of the same
    # compound, so their logins see its matters.
    member_user, secretary_user = User.objects.get(username="13900000003"), User.objects.get(username="13900000002")
    neighbour = GridRole.objects.get(user=member_user)
    assert neighbour.kind == GridRole.Kind.NEIGHBOUR_LEADER and neighbour.member.user == member_user
    chief = GridRole.objects.get(user=secretary_user)
    assert chief.kind == GridRole.Kind.AREA_CHIEF and chief.compound_id == neighbour.compound_id
    assert list(filter_compounds(member_user).values_list("pk", flat=True)) == [neighbour.compound_id]
    assert filter_matters(member_user).filter(assigned_role=neighbour, state__in=OPEN_STATES).exists()
    assert filter_matters(member_user).filter(assigned_role=neighbour, state="resolved").exists()
    # Grid leaders who record matters have accounts; every recorded matter names one.
    assert not GridRole.objects.filter(kind__in=[GridRole.Kind.AREA_CHIEF, GridRole.Kind.GROUP_LEADER], user__isnull=True).exists()
    assert not Matter.objects.filter(source=Matter.Source.GRID, recorded_by__isnull=True).exists()

    # Only the documented demo logins have a known password (issue 9): every other account, the grid
    # leaders' included, has none until its holder activates it with a code from their secretary.
    documented = {"admin", *(account[0] for account in DEMO_ACCOUNTS)}
    assert all(User.objects.get(username=u).check_password(settings.DEMO_PASSWORD) for u in documented)
    others = User.objects.exclude(username__in=documented)
    assert others.count() > 50 and not any(u.has_usable_password() for u in others)
    activatable = activation.activatable(Member.objects.filter(user__in=others))
    assert activatable.count() == others.count()
