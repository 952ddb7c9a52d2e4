"""The demo's residents' liaison (联户): 20 compounds placed around their community's service centre,
their buildings and households, the 片长/组长/邻长 grid with the parties matters go to, and a history
of key small matters (关键小事) over the 22 months (of 30 days) before the demo's today.

Generated from a fixed seed, so every run builds the same records. Households and the grid go in
with bulk_create; every matter is written through the services (report, accept, assign, resolve,
confirm, reopen, merge, escalate, follow up) in time order with their `now`, so that every figure —
resolved matters, households benefited, times to respond, overdue matters — is computed from a
real history, never written in. (This module is longer than most: the brief keeps the liaison
demo in one file; households and grid come first, the matter history after.)
"""

import heapq
import itertools
import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Sum

from dangxiao.demo.clock import DemoClock
from dangxiao.demo.people import COMMUNITIES, COMPOUNDS, GIVEN, SEED, SURNAMES
from dangxiao.liaison import services as S
from dangxiao.liaison.models import Building, Compound, GridRole, Household, Matter, MatterCategory, MatterUpdate, Party
from dangxiao.liaison.selectors import committee_categories, compound_committee_id
from dangxiao.people.models import Member, Organization, User

# The community service centres of the school demo (latitude, longitude).
CENTRES = {1: (28.1652, 112.9786), 2: (28.1748, 112.9892), 3: (28.1593, 112.9905), 4: (28.1801, 112.9740), 5: (28.1687, 112.9671)}
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The history runs over this many periods of 30 days up to the demo's today; events due later have not happened yet.
PERIODS = 22


def history_end(clock: DemoClock) -> datetime:
    return clock.as_of


def history_start(clock: DemoClock) -> date:
    return clock.today - timedelta(days=30 * PERIODS)


# Residents' phones: 1660000xxxx — 166 is none of the member demo's prefixes, so they never collide.
RESIDENT_PHONE_PREFIX = "1660000"
# The demo logins with a grid role: the secretary is a 片长, the member a 邻长, both in their home compound.
CHIEF_PHONE, NEIGHBOUR_PHONE = "13900000002", "13900000003"
CADRE_POSITIONS = (Member.Position.SECRETARY, Member.Position.DEPUTY_SECRETARY, Member.Position.COMMITTEE_MEMBER)
PROPERTY_COMPANIES = ("湘府物业服务有限公司", "长沙绿城物业管理有限公司", "天心区房产物业管理所", "文源安居物业服务中心")
CATEGORY_WEIGHTS = {"e_bike_charging": 30, "roads_ramps": 20, "lighting": 12, "sanitation": 12, "repairs": 14, "noise": 6, "other": 6}


def wipe_compounds() -> None:
    """Compounds protect their community organisations, so they go before the people demo is
    rebuilt; matters protect their compounds, so they go first."""
    Matter.objects.all().delete()
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


def _daytime(when: datetime) -> datetime:
    """People act between 7:00 and 22:00: a step due at night happens the next morning; whole minutes."""
    local = when.astimezone(SHANGHAI).replace(second=0, microsecond=0)
    if local.hour >= 22:
        local += timedelta(days=1)
    if local.hour >= 22 or local.hour < 7:
        local = local.replace(hour=8 + local.hour % 3)
    return local


def _resident_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.35 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _unit(room: str) -> str:
    return room.split("单元")[0]


# --- Buildings, households, the grid -------------------------------------------------------------


def _chunks(rng: random.Random, n: int) -> list[int]:
    """Sizes of consecutive runs of n households, each 5–15 (one 邻长 each)."""
    k = max(math.ceil(n / 15), min(n // 5, round(n / rng.uniform(7.5, 11))), 1)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    for _ in range(k):  # jitter, keeping every run within 5–15
        i, j = rng.randrange(k), rng.randrange(k)
        if i != j and sizes[i] < 15 and sizes[j] > 5:
            sizes[i] += 1
            sizes[j] -= 1
    return sizes


def _pick(rng: random.Random, pool: list[Member], used: set[int], prefer: str) -> Member | None:
    """A member not yet holding a role, preferably one living in the compound `prefer`."""
    free = [m for m in pool if m.pk not in used]
    home = [m for m in free if m.home_compound == prefer]
    choice = rng.choice(home or free) if (home or free) else None
    if choice is not None:
        used.add(choice.pk)
    return choice


@dataclass
class _Grid:
    """What the matter history needs to know about the grid, in memory."""

    compounds: list[Compound]
    buildings: dict[int, list[Building]]  # compound id → buildings
    households: dict[int, list[Household]]  # building id → households in room order
    roles: dict[int, GridRole]  # id → role (with user and member)
    chief: dict[int, GridRole]  # compound id → 片长
    parties: dict[int, dict[str, Party]]  # compound id → kind → party
    residents: dict[int, list[Member]]  # compound id → members living there
    neighbour_of: dict[int, GridRole] = field(default_factory=dict)  # household id → its 邻长


def build_grid(clock: DemoClock) -> _Grid:
    """Buildings and households of every compound, the parties, and the grid: one 片长 (a community
    cadre), 2–4 组长 (community members), and 邻长 covering 5–15 neighbouring households each; a
    few households are left uncovered (vacancies the grid page shows)."""
    rng = random.Random(SEED + 51)
    compounds = list(Compound.objects.select_related("community").order_by("community__code", "pk"))
    phones = (f"{RESIDENT_PHONE_PREFIX}{n:04d}" for n in rng.sample(range(10000), 10000))

    buildings: list[Building] = []
    for compound in compounds:
        buildings += [Building(compound=compound, name=f"{i}栋") for i in range(1, rng.randint(4, 12) + 1)]
    Building.objects.bulk_create(buildings)
    households: list[Household] = []
    by_building: dict[int, list[Household]] = {}
    for building in buildings:
        units = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
        floors, doors = rng.choice((5, 5, 6, 7)), 2
        rows = [
            Household(building=building, room=f"{u}单元{f}0{d}", size=rng.choices((1, 2, 3, 4, 5), weights=(14, 30, 30, 17, 9))[0])
            for u in range(1, units + 1)
            for f in range(1, floors + 1)
            for d in range(1, doors + 1)
        ]
        for h in rows:
            if rng.random() < 1 / 3:
                h.contact_name, h.contact_phone = _resident_name(rng), next(phones)
        by_building[id(building)] = rows
        households += rows

    # Members by community and by compound they live in, in a fixed order.
    community_members: dict[int, list[Member]] = {c.community_id: [] for c in compounds}
    paths = {c.community_id: c.community.path for c in compounds}
    living: dict[str, list[Member]] = {}
    for m in Member.objects.filter(is_elderly_infirm=False, is_mobile=False).select_related("organization", "user").order_by("pk"):
        for org_id, path in paths.items():
            if m.organization.path.startswith(path):
                community_members[org_id].append(m)
        living.setdefault(m.home_compound, []).append(m)
    demo = {m.phone: m for ms in community_members.values() for m in ms if m.phone in (CHIEF_PHONE, NEIGHBOUR_PHONE)}
    used = {m.pk for m in demo.values()}
    demo_placed = False

    chiefs, groups, neighbours, parties = [], [], [], []
    covered: list[tuple[GridRole, list[Household]]] = []
    for compound in compounds:
        pool = community_members[compound.community_id]
        secretary = demo.get(CHIEF_PHONE)
        chief_member = secretary if secretary and secretary.home_compound == compound.name else None
        if chief_member is None:
            chief_member = _pick(rng, [m for m in pool if m.position in CADRE_POSITIONS], used, compound.name) or _pick(
                rng, pool, used, compound.name
            )
        chief = GridRole(compound=compound, kind=GridRole.Kind.AREA_CHIEF, member=chief_member, name=chief_member.name)
        chiefs.append(chief)
        blds = [b for b in buildings if b.compound is compound]
        n_groups = min(4, max(2, math.ceil(len(blds) / 3)))
        per_group = [blds[i * len(blds) // n_groups : (i + 1) * len(blds) // n_groups] for i in range(n_groups)]
        vacancies = rng.choice((0, 0, 1, 1, 2))
        runs_here = []
        for group_blds in per_group:
            younger = [m for m in pool if m.birth_date and (clock.today - m.birth_date).days < 72 * 365]
            leader = _pick(rng, younger, used, compound.name) or _pick(rng, pool, used, compound.name)
            group = GridRole(compound=compound, kind=GridRole.Kind.GROUP_LEADER, member=leader, name=leader.name, parent=chief)
            groups.append(group)
            for building in group_blds:
                rows, start = by_building[id(building)], 0
                for size in _chunks(rng, len(rows)):
                    runs_here.append((group, rows[start : start + size]))
                    start += size
        # A vacancy or two: those households have no 邻长 until one is elected.
        for _ in range(vacancies):
            runs_here.pop(rng.randrange(1, len(runs_here)))
        residents_here = [m for m in living.get(compound.name, []) if m.pk not in used]
        for group, run in runs_here:
            neighbour_member = None
            if NEIGHBOUR_PHONE in demo and demo[NEIGHBOUR_PHONE].home_compound == compound.name and not demo_placed:
                neighbour_member, demo_placed = demo[NEIGHBOUR_PHONE], True
            elif rng.random() < 0.4 and residents_here:
                neighbour_member = residents_here.pop(rng.randrange(len(residents_here)))
                used.add(neighbour_member.pk)
            if neighbour_member is not None:
                role = GridRole(compound=compound, kind=GridRole.Kind.NEIGHBOUR_LEADER, parent=group, member=neighbour_member)
                role.name = neighbour_member.name  # a member's phone is on the roster
            else:  # a resident of one of the households, who is then its contact
                home = rng.choice(run)
                if not home.contact_name:
                    home.contact_name, home.contact_phone = _resident_name(rng), next(phones)
                role = GridRole(compound=compound, kind=GridRole.Kind.NEIGHBOUR_LEADER, parent=group, name=home.contact_name)
                role.phone = home.contact_phone
            neighbours.append(role)
            covered.append((role, run))
        company = rng.choice(PROPERTY_COMPANIES)
        parties.append(
            Party(
                compound=compound,
                kind=Party.Kind.PROPERTY,
                name=f"{company}（{compound.name}项目部）",
                contact_name=_resident_name(rng)[0] + "经理",
                phone=f"0731-8{rng.randrange(10**6, 10**7)}",
            )
        )
        if rng.random() < 0.8:
            parties.append(
                Party(
                    compound=compound,
                    kind=Party.Kind.OWNERS_COMMITTEE,
                    name=f"{compound.name}业主委员会",
                    contact_name=_resident_name(rng),
                    phone=next(phones),
                )
            )
        if rng.random() < 0.45:
            parties.append(
                Party(compound=compound, kind=Party.Kind.VOLUNTEERS, name=f"{compound.name}党员志愿服务队", contact_name=chief.name)
            )

    Household.objects.bulk_create(households, batch_size=1000)
    _give_accounts(chiefs + groups + [r for r in neighbours if r.member and r.member.phone == NEIGHBOUR_PHONE])
    # Parents are saved first; bulk_create takes their new ids.
    GridRole.objects.bulk_create(chiefs)
    GridRole.objects.bulk_create(groups)
    GridRole.objects.bulk_create(neighbours, batch_size=500)
    links = GridRole.households.through
    links.objects.bulk_create([links(gridrole_id=role.pk, household_id=h.pk) for role, run in covered for h in run], batch_size=2000)
    Party.objects.bulk_create(parties)

    grid = _Grid(
        compounds=compounds,
        buildings={c.pk: [b for b in buildings if b.compound_id == c.pk] for c in compounds},
        households={b.pk: by_building[id(b)] for b in buildings},
        roles={r.pk: r for r in GridRole.objects.select_related("user", "member")},
        chief={r.compound_id: r for r in chiefs},
        parties={},
        residents={c.pk: living.get(c.name, []) for c in compounds},
    )
    for p in parties:
        grid.parties.setdefault(p.compound_id, {})[p.kind] = p
    grid.chief = {cid: grid.roles[r.pk] for cid, r in grid.chief.items()}
    for role, run in covered:
        for h in run:
            grid.neighbour_of[h.pk] = grid.roles[role.pk]
    return grid


def _give_accounts(roles: list[GridRole]) -> None:
    """片长 and 组长 handle matters online, so they get an account (username = phone); so does the demo
    member who is a 邻长. Existing accounts are reused (the demo logins keep the demo password). A new
    account has no usable password: like any member, its holder activates it with a code from their
    secretary (people.activation), so no demo account but the documented logins has a known password."""
    members = [r.member for r in roles if r.member is not None]
    existing = {u.username: u for u in User.objects.filter(username__in=[m.phone for m in members])}
    password = make_password(None)
    new = [
        User(username=m.phone, first_name=m.name, password=password)
        for m in {m.phone: m for m in members}.values()
        if m.phone not in existing and m.user_id is None
    ]
    User.objects.bulk_create(new)
    users = {u.username: u for u in User.objects.filter(username__in=[m.phone for m in members])}
    changed = []
    for m in members:
        if m.user_id is None:
            m.user = users[m.phone]
            changed.append(m)
    Member.objects.bulk_update(changed, ["user"])
    for role in roles:
        role.user = role.member.user if role.member else None


# --- The history of matters ---------------------------------------------------------------------

# What residents report and how it was fixed, per category: ({b} building, {u} unit, {loc} place,
# {floor}, {n} things installed, {k} buildings, {h} households benefited — counted from the records).
SCENES = {
    "e_bike_charging": (
        (
            "{b}有住户从{floor}楼窗户拉电线下来给电动车充电，电线垂在过道上，有火灾和触电隐患",
            "{b}楼道里停放电动车充电，晚上插着线不拔，楼上楼下都很担心",
            "{b}附近没有充电桩，大家只能飞线充电，希望能装几个集中充电桩",
            "{b}一楼过道堆着电动车电池在充电，堵住了消防通道",
        ),
        (
            "协调物业在{b}旁建成集中充电棚，安装 {n} 个智能充电口，飞线全部拆除，{bs} {h} 户受益",
            "邻长逐户上门宣传安全充电，拆除飞线，在{b}楼下新增 {n} 个充电口，{bs} {h} 户受益",
            "党员带头清理楼道电动车，物业加装 {n} 个充电口，{bs} {h} 户消除飞线充电隐患",
        ),
    ),
    "roads_ramps": (
        (
            "{loc}台阶太陡，老人和推婴儿车的居民上下很不方便，雨天容易滑倒，希望改成坡道",
            "{loc}路面坑洼积水，电动车和轮椅通行困难",
            "{loc}有一道高坎，车辆出入刮底，老人走路常被绊倒",
        ),
        (
            "业委会和物业共同出资完成{loc}道路降坡，铺设防滑坡道并加装扶手，{k} 栋楼 {h} 户出行受益",
            "完成{loc}路面修补和降坡改造，{k} 栋楼 {h} 户通行受益",
        ),
    ),
    "lighting": (
        ("{b}楼道灯坏了好几层，晚上上下楼看不清", "{b}旁的路灯不亮，晚上回家很黑，担心安全"),
        ("物业更换{b}楼道声控灯 {n} 盏，{h} 户受益", "修复{b}旁路灯并加装 {n} 盏庭院灯，{h} 户夜间出行受益"),
    ),
    "sanitation": (
        ("{b}旁的垃圾桶满了没人清运，气味很大", "{b}后面有卫生死角，堆了很多建筑垃圾和杂物", "{b}楼道里堆满杂物，影响通行"),
        ("协调物业和志愿者清运垃圾、清理卫生死角，{k} 栋楼 {h} 户受益", "组织党员志愿者清理杂物，物业增加清运频次，{h} 户受益"),
    ),
    "noise": (
        ("{b}旁广场舞音响太大声，晚上九点后还在跳", "{b}附近商铺夜里卸货噪音大，影响休息", "{b}有住户装修，中午和晚上也在施工"),
        ("邻长上门协调，约定了音量和时间，{b} {h} 户恢复安静", "组长约谈商户和装修住户，调整了作业时间，{h} 户受益"),
    ),
    "repairs": (
        (
            "{b}{u}单元门禁坏了，外人随便进出",
            "{b}{u}单元楼道水管漏水，墙面发霉",
            "{b}{u}单元楼梯扶手松动，老人上下楼不安全",
            "{b}{u}单元的信报箱门坏了",
        ),
        ("物业上门维修完毕，{b}{u}单元 {h} 户受益", "协调维修资金完成维修，{b}{u}单元 {h} 户受益"),
    ),
    "other": (
        (
            "{b}独居老人家里灯泡坏了，自己换不了，希望有人帮忙",
            "{b}有位老人腿脚不便，想请人帮忙代购药品",
            "{b}住户家门口的下水道堵了，自己疏通不了",
        ),
        ("党员志愿者上门帮忙解决，{h} 户受益",),
    ),
}
ROAD_PLACES = ("{b}门前的台阶", "{b}到小区大门的通道", "{b}旁的小区主路", "{b}单元门口")
NOT_OURS = {
    "roads_ramps": "经核实，该路段属于小区外的市政道路，已转交街道城管办跟进",
    "lighting": "经核实，该路灯属于市政路灯，已报城管部门维修",
    "noise": "经核实，噪音来自小区外的工地，已转交城管执法中队处理",
    "repairs": "经核实，该设施属于住户家中自用部分，不属于公共维修范围，已告知住户联系维修",
}
# Normal days to resolve per category (low, high); a late one takes 1.3–2.5 times the deadline.
DAYS = {
    "e_bike_charging": (1, 6),
    "roads_ramps": (5, 27),
    "lighting": (0.5, 6),
    "sanitation": (0.3, 2.5),
    "noise": (0.3, 2.5),
    "repairs": (1, 12),
    "other": (1, 10),
}
PROGRESS_NOTES = ("已到现场查看，正在协调处理", "已联系物业，约定近期施工", "材料已采购，正在安排施工", "已电话联系反映人，约定上门查看")
REOPEN_NOTES = ("问题又出现了，请再来看看", "修好没几天又坏了", "又有人在楼道飞线充电了")


@dataclass
class _Spec:
    """One matter to be: where, what, and its fate (how far its history goes)."""

    n: int
    created: datetime
    compound: Compound
    category: str
    building: Building
    household: Household
    fate: str  # resolved, open, not_responsible, withdrawn, duplicate, stuck
    grid: bool  # recorded by a grid leader on the resident's behalf
    description: str = ""
    location: str = ""
    benefited: int = 0
    fix_note: str = ""
    days: float = 1.0
    late: bool = False
    stage: str = "in_progress"  # how far an open matter got
    after: str = ""  # resolved: confirm, follow_up, reopen, follow_up_no
    to_own_role: bool = False
    original: "_Spec | None" = None
    matter: Matter | None = None


class _History:
    """Runs every matter's life and the weekly escalation and follow-up in one time-ordered queue."""

    def __init__(self, grid: _Grid, rng: random.Random, clock: DemoClock):
        self.grid, self.rng = grid, rng
        self.start_day, self.end = history_start(clock), history_end(clock)
        self.queue: list = []
        self.seq = itertools.count()
        self.categories = {c.code: c for c in _demo_categories(grid)}
        self.escalated: dict[int, tuple[datetime, int | None]] = {}  # matter id → when and to whom

    # the clock
    def start(self, life: Generator[datetime, datetime, None]) -> None:
        """Run `life` step by step: it yields when its next step is due and is sent the time it runs at."""

        def resume(now=None):
            try:
                when = _daytime(life.send(now))
            except StopIteration:
                return
            when = max(when, now or when)  # never before the step just done
            if when < self.end:  # later events have not happened by the demo's today
                heapq.heappush(self.queue, (when, next(self.seq), resume))

        resume()

    def run(self) -> None:
        while self.queue:
            when, _seq, resume = heapq.heappop(self.queue)
            resume(when)

    def ticks(self) -> Generator[datetime, datetime, None]:
        """Every Monday morning the periodic jobs escalate overdue matters and ask for follow-ups."""
        day = self.start_day + timedelta(days=(7 - self.start_day.weekday()) % 7)
        at = datetime.combine(day, time(8, 0), tzinfo=SHANGHAI)
        while True:
            yield at
            if S.matters_escalate(now=at):
                moved = MatterUpdate.objects.filter(kind=MatterUpdate.Kind.ESCALATED, at=at)
                for matter_id, role_id in moved.values_list("matter_id", "matter__assigned_role_id"):
                    self.escalated[matter_id] = (at, role_id)
            S.matters_follow_up(now=at)
            at += timedelta(days=7)

    # who acts
    def home_role(self, spec: _Spec) -> GridRole:
        grid = self.grid
        role = grid.neighbour_of.get(spec.household.pk)
        if role is None:
            role = next((grid.neighbour_of[h.pk] for h in grid.households[spec.building.pk] if h.pk in grid.neighbour_of), None)
        return role or grid.chief[spec.compound.pk]

    def user_up(self, role: GridRole | None, spec: _Spec):
        while role is not None and role.user_id is None:
            role = self.grid.roles.get(role.parent_id)
        return role.user if role is not None else self.grid.chief[spec.compound.pk].user

    def actor(self, m: Matter, spec: _Spec):
        """The user of whoever holds the matter now (escalation may have moved it), or up their grid."""
        at, role_id = self.escalated.get(m.pk, (None, None))
        if at is None or at < m.updated_at:  # `m` is the services' latest word on it
            role_id = m.assigned_role_id
        return self.user_up(self.grid.roles.get(role_id) or self.home_role(spec), spec)

    # the steps
    def report(self, spec: _Spec, now: datetime) -> Matter:
        h = spec.household
        kwargs = {
            "category": self.categories[spec.category],
            "description": spec.description,
            "location": spec.location,
            "building": spec.building,
            "household": h,
            "reporter_name": h.contact_name or (self.rng.choice(SURNAMES) + self.rng.choice(("先生", "女士", "阿姨", "师傅"))),
            "reporter_phone": h.contact_phone,
            "now": now,
        }
        if spec.grid:
            recorded_by = self.user_up(self.home_role(spec), spec)
            spec.matter = S.matter_report(spec.compound, source=Matter.Source.GRID, recorded_by=recorded_by, **kwargs)
        else:
            fingerprint = S.fingerprint(f"demo-address-{spec.n}")
            spec.matter = S.matter_report(spec.compound, source=Matter.Source.PUBLIC, address_fingerprint=fingerprint, **kwargs)
        return spec.matter

    def assign(self, m: Matter, spec: _Spec, now: datetime) -> Matter:
        rng, parties = self.rng, self.grid.parties[spec.compound.pk]
        code, roll = spec.category, rng.random()
        home = self.home_role(spec)
        target: dict = {}
        if spec.to_own_role:
            target = {"role": home}
        elif code in ("lighting", "repairs") or (code == "e_bike_charging" and roll < 0.5) or (code == "sanitation" and roll < 0.6):
            target = {"party": parties[Party.Kind.PROPERTY]}
        elif code == "roads_ramps" and Party.Kind.OWNERS_COMMITTEE in parties and roll < 0.6:
            target = {"party": parties[Party.Kind.OWNERS_COMMITTEE]}
        elif code == "sanitation" and Party.Kind.VOLUNTEERS in parties:
            target = {"party": parties[Party.Kind.VOLUNTEERS]}
        elif code in ("noise", "e_bike_charging"):
            target = {
                "role": home if home.kind == GridRole.Kind.NEIGHBOUR_LEADER and roll < 0.8 else self.grid.roles.get(home.parent_id, home)
            }
        else:
            helpers = self.grid.residents[spec.compound.pk]
            target = {"member": rng.choice(helpers)} if helpers else {"party": parties[Party.Kind.PROPERTY]}
        return S.matter_assign(m, self.actor(m, spec), now=now, **target)

    def resolve(self, m: Matter, spec: _Spec, now: datetime, again: bool = False) -> Matter:
        note = ("再次处理：" if again else "") + spec.fix_note
        return S.matter_resolve(m, self.actor(m, spec), households_benefited=spec.benefited, note=note, now=now)

    # the lives
    def life(self, spec: _Spec) -> Generator[datetime, datetime, None]:
        rng = self.rng
        category = self.categories[spec.category]
        now = yield spec.created
        m = self.report(spec, now)
        if spec.fate == "open" and spec.stage == "reported" and not spec.grid:
            return
        if not spec.grid:
            late = rng.random() < 0.1
            now += timedelta(hours=category.respond_hours * (rng.uniform(1.1, 3) if late else rng.uniform(0.05, 0.9)))
            now = yield now
            m = S.matter_accept(m, self.actor(m, spec), note="您反映的问题已受理，我们会尽快安排人员处理，请留意进展。", now=now)
        if spec.fate == "duplicate":
            now += timedelta(hours=rng.uniform(1, 20))
            now = yield now
            S.matter_merge(m, spec.original.matter, self.actor(m, spec), now=now)
            return
        if spec.fate in ("not_responsible", "withdrawn"):
            now += timedelta(hours=rng.uniform(2, 48))
            now = yield now
            note = NOT_OURS.get(spec.category, "") if spec.fate == "not_responsible" else "居民来电表示问题已自行解决，撤回反映"
            S.matter_set_state(m, self.actor(m, spec), spec.fate, note=note, now=now)
            return
        if spec.fate == "open" and spec.stage in ("reported", "accepted"):
            return
        due = max(spec.created + timedelta(days=spec.days), now + timedelta(hours=3))
        span = due - now
        now += span * rng.uniform(0.05, 0.25)
        now = yield now
        m = self.assign(m, spec, now)
        if spec.fate == "open" and spec.stage == "assigned":
            return
        if spec.fate in ("open", "stuck") or rng.random() < 0.5:
            now += (due - now) * rng.uniform(0.2, 0.6)
            now = yield now
            note = "需要街道统筹老旧小区改造资金，已上报街道" if spec.fate == "stuck" else rng.choice(PROGRESS_NOTES)
            m = S.matter_set_state(m, self.actor(m, spec), "in_progress", note=note, now=now)
        if spec.fate in ("open", "stuck"):
            return
        now = yield due
        m = self.resolve(m, spec, now)
        if spec.after == "confirm":
            now += timedelta(hours=rng.uniform(3, 72))
            now = yield now
            S.matter_confirm_fixed(m, now=now)
            return
        elif spec.after in ("follow_up", "follow_up_no"):
            now += timedelta(days=15, hours=rng.uniform(1, 48))  # after the next Monday's question
            now = yield now
            m = Matter.objects.get(pk=m.pk)
            if m.follow_up_asked_at is None or m.stayed_fixed is not None:
                return
            ok = spec.after == "follow_up"
            m = S.matter_follow_up_answer(m, stayed_fixed=ok, note="" if ok else rng.choice(REOPEN_NOTES), now=now)
            if ok:
                return
        elif spec.after == "reopen":
            now += timedelta(days=rng.uniform(2, 5))
            now = yield now
            m = S.matter_reopen(m, note=rng.choice(REOPEN_NOTES), now=now)
        else:
            return
        # reopened: look again, fix again
        now += timedelta(days=rng.uniform(0.5, 2))
        now = yield now
        m = S.matter_set_state(m, self.actor(m, spec), "in_progress", note="已重新安排人员处理", now=now)
        now += timedelta(days=rng.uniform(2, 8))
        now = yield now
        self.resolve(m, spec, now, again=True)


def _scene(rng: random.Random, spec: _Spec, grid: _Grid, deadlines: dict[str, int]) -> None:
    """What is reported and what the fix does, with the households benefited counted from the
    households of the building, unit or stretch of buildings the fix serves."""
    b, code = spec.building, spec.category
    buildings = grid.buildings[spec.compound.pk]
    room = spec.household.room
    i = buildings.index(b)
    part = [b]
    if code == "roads_ramps":  # a ramp or a stretch of road serves the buildings along it
        part = buildings[i : i + rng.choice((1, 1, 2, 3))]
    elif code in ("e_bike_charging", "sanitation") and rng.random() < 0.2:  # a shed or a bin point for two buildings
        part = buildings[i : i + 2]
    k, served = len(part), [h for x in part for h in grid.households[x.pk]]
    if code == "repairs":
        served = [h for h in served if _unit(h.room) == _unit(room)]
    elif code == "other":
        served = [spec.household]
    reports, fixes = SCENES[code]
    values = {
        "b": b.name,
        "u": _unit(room),
        "floor": room.split("单元")[1][:-2],
        "loc": rng.choice(ROAD_PLACES).format(b=b.name),
        "n": rng.randint(4, 16),
        "k": k,
        "bs": "、".join(x.name for x in part),
        "h": len(served),
    }
    spec.description = rng.choice(reports).format(**values)
    spec.location = values["loc"] if code == "roads_ramps" else f"{b.name}{_unit(room)}单元"
    spec.fix_note = rng.choice(fixes).format(**values)
    spec.benefited = len(served)
    low, high = DAYS[code]
    spec.days = deadlines[code] * rng.uniform(1.3, 2.5) if spec.late else rng.uniform(low, high)


def _plan(rng: random.Random, grid: _Grid, clock: DemoClock) -> list[_Spec]:
    """Every matter of the history: about 7 a month over 22 months of 30 days, more in the last one (when
    many are still open); a few duplicates, reopened, stuck at the sub-district; and the demo
    member's own as a 邻长."""
    codes, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    compounds = grid.compounds
    sizes = [sum(len(grid.households[b.pk]) for b in grid.buildings[c.pk]) for c in compounds]
    specs: list[_Spec] = []
    deadlines = {c.code: c.resolve_days for c in _demo_categories(grid)}

    def new(created, compound, code, fate, building=None, household=None, **kw) -> _Spec:
        building = building or rng.choice(grid.buildings[compound.pk])
        household = household or rng.choice(grid.households[building.pk])
        spec = _Spec(len(specs) + 1, created, compound, code, building, household, fate, grid=rng.random() < 0.6, **kw)
        if fate in ("resolved", "stuck") and rng.random() < 0.15:
            spec.late = True
        _scene(rng, spec, grid, deadlines)
        specs.append(spec)
        return spec

    def when(day: date) -> datetime:
        return datetime.combine(day, time(rng.randint(7, 20), rng.randrange(60)), tzinfo=SHANGHAI)

    end, today = history_end(clock), clock.today
    for i in reversed(range(PERIODS)):  # oldest first; period 0 is the last 30 days
        first = today - timedelta(days=30 * (i + 1))
        recent = i == 0
        for _ in range(rng.randint(12, 16) if recent else rng.randint(7, 9)):
            created = when(first + timedelta(days=rng.randrange(30)))
            if recent:
                fate = rng.choices(("resolved", "open", "not_responsible"), weights=(45, 50, 5))[0]
            elif i == 1:
                fate = rng.choices(("resolved", "open", "not_responsible", "withdrawn"), weights=(78, 15, 5, 2))[0]
            else:
                fate = rng.choices(("resolved", "not_responsible", "withdrawn"), weights=(92, 6, 2))[0]
            code = rng.choices(codes, weights)[0]
            if fate == "not_responsible" and code not in NOT_OURS:
                code = rng.choice(list(NOT_OURS))
            spec = new(created, rng.choices(compounds, sizes)[0], code, fate)
            if fate == "open":
                spec.stage = rng.choice(("reported", "accepted", "assigned", "in_progress"))

    # Two road ramps that need the sub-district's money: in progress for months, escalated to the top.
    for days_ago in (227, 177):
        new(when(today - timedelta(days=days_ago)), rng.choice(compounds), "roads_ramps", "stuck")
    resolved = [s for s in specs if s.fate == "resolved" and s.created < end - timedelta(days=60)]
    for spec in resolved:
        spec.after = rng.choices(("confirm", "follow_up", ""), weights=(45, 20, 35))[0]
    for spec in rng.sample(resolved, 2):
        spec.after = "reopen"
    for spec in rng.sample([s for s in resolved if not s.after], 2):
        spec.after = "follow_up_no"
    # Duplicates: a second resident reports the same thing in the same building a few days later.
    common = [s for s in resolved if s.category in ("e_bike_charging", "roads_ramps", "sanitation", "lighting")]
    for original in rng.sample(common, 8):
        dup = new(
            original.created + timedelta(hours=rng.uniform(12, 96)), original.compound, original.category, "duplicate", original.building
        )
        dup.original, dup.description = original, original.description

    # The demo member's own neighbours: matters he handled, one in hand and one waiting for him.
    role = next(r for r in grid.roles.values() if r.member and r.member.phone == NEIGHBOUR_PHONE)
    own = [h for hs in grid.households.values() for h in hs if grid.neighbour_of.get(h.pk) == role]
    compound = next(c for c in compounds if c.pk == role.compound_id)
    building = next(b for b in grid.buildings[compound.pk] if b.pk == own[0].building_id)
    for days_ago, code, fate, stage in (
        (441, "noise", "resolved", ""),
        (267, "e_bike_charging", "resolved", ""),
        (162, "repairs", "resolved", ""),
        (12, "e_bike_charging", "open", "in_progress"),
        (3, "lighting", "open", "reported"),
    ):
        spec = new(when(today - timedelta(days=days_ago)), compound, code, fate, building, rng.choice(own), to_own_role=True)
        spec.stage, spec.grid = stage or spec.stage, stage != "reported" and spec.grid
        if spec.late:
            spec.late, spec.days = False, rng.uniform(*DAYS[code])
        if fate == "resolved":
            spec.after = "confirm"
    return specs


def _demo_categories(grid: _Grid) -> list[MatterCategory]:
    """The categories of the demo's one working committee, the committee of all its compounds."""
    return list(committee_categories(compound_committee_id(grid.compounds[0])))


@transaction.atomic
def build_matters(grid: _Grid, clock: DemoClock) -> int:
    """The matter history, written through the services in time order."""
    rng = random.Random(SEED + 52)
    history = _History(grid, rng, clock)
    specs = _plan(rng, grid, clock)
    history.start(history.ticks())
    for spec in sorted(specs, key=lambda s: (s.created, s.n)):
        history.start(history.life(spec))
    history.run()
    return len(specs)


def build_liaison(clock: DemoClock, stdout=None) -> dict:
    """Households, the grid and the matter history on the demo's compounds (build_compounds first)."""
    with transaction.atomic():
        grid = build_grid(clock)
        build_matters(grid, clock)
    summary = liaison_summary()
    if stdout:
        stdout.write(
            "  小区 {compounds} 个、楼栋 {buildings} 栋、住户 {households:,} 户；片长 {area_chief}、组长 {group_leader}、邻长 {neighbour_leader}；"
            "关键小事 {matters} 件，已解决 {resolved} 件，受益 {benefited:,} 户".format(**summary)
        )
    return summary


def liaison_summary() -> dict:
    """The liaison figures of the demo, counted from the records."""
    roles = dict(GridRole.objects.values_list("kind").annotate(n=Count("id")))
    resolved = Matter.objects.filter(state="resolved")
    return {
        "compounds": Compound.objects.count(),
        "buildings": Building.objects.count(),
        "households": Household.objects.count(),
        **{kind: roles.get(kind, 0) for kind in GridRole.Kind.values},
        "matters": Matter.objects.count(),
        "resolved": resolved.count(),
        "benefited": resolved.aggregate(n=Sum("households_benefited"))["n"] or 0,
    }


def grid_labels(usernames: list[str]) -> dict[str, str]:
    """The grid role each of these logins holds, e.g. {"13900000003": "青山祠小区邻长"}."""
    roles = GridRole.objects.filter(user__username__in=usernames).select_related("compound", "user").order_by("kind", "pk")
    return {r.user.username: f"{r.compound.name}{r.get_kind_display()}" for r in roles}
