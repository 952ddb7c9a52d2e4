"""The demo school's people: 文源街道党工委, 55 grassroots organisations (党委, 党总支 and 党支部; the
美团党支部's 党小组 come on top), 1362 members.

Generated from a fixed seed, so every run builds the same records; every figure shown on a page is
computed from them, never written in.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from dangxiao.demo.clock import DemoClock
from dangxiao.people.models import ApiToken, Member, Organization, Role, User
from dangxiao.people.normalize import ID_CHECK, ID_WEIGHTS

SEED = 20240118
TOTAL_MEMBERS = 1362
REGION = "430103"  # 长沙市天心区

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文辉鹏飞斌宇浩凯俊峰晨雪婷慧琳颖欣怡佳琪思源梓涵子轩若曦嘉怡海燕春梅德胜有才长青振华卫东新民淑珍秀兰凤英桂芝玉珍"
COMMUNITIES = ("青山祠", "赤岭路", "天剑", "桂花坪", "金菊")
COMPOUNDS = {
    "青山祠": ("湘林家园", "青山祠小区", "林科院宿舍", "书香苑"),
    "赤岭路": ("赤岭路小区", "铁道学院宿舍", "南园小区", "枫林苑"),
    "天剑": ("天剑小区", "中化地勘院宿舍", "新丰苑", "天剑南苑"),
    "桂花坪": ("桂花坪小区", "林科大宿舍", "嘉和城", "丹桂苑"),
    "金菊": ("金菊小区", "金菊东苑", "湘府名都", "和馨园"),
}


@dataclass(frozen=True)
class Profile:
    """How members of one kind of organisation look: ages, trades, flags."""

    ages: tuple[int, int]
    industries: tuple[str, ...]
    occupations: tuple[str, ...]
    unit: str


PROFILES = {
    "community": Profile(
        (24, 92),
        ("离退休", "社区服务", "个体经营", "教育", "医疗卫生", "物业管理"),
        ("退休职工", "社区工作者", "个体户", "教师", "医生", "物业管理员"),
        "community",
    ),
    "organ": Profile((24, 58), ("党政机关",), ("公务员", "事业编制人员", "街道干部"), "organ"),
    "enterprise": Profile(
        (23, 60), ("建筑工程", "地质勘查", "信息技术", "商贸流通", "金融"), ("工程师", "技术员", "项目经理", "销售", "会计"), "enterprise"
    ),
    "social": Profile((25, 70), ("社会服务", "文化体育"), ("社工", "志愿者", "协会工作人员"), "social"),
    "new_employment": Profile((21, 45), ("外卖配送", "快递物流"), ("外卖骑手", "快递员", "站点管理员"), "new_employment"),
    "institution": Profile((24, 62), ("教育", "科研", "医疗卫生"), ("教师", "研究员", "医生", "护士"), "institution"),
}


def id_number(rng: random.Random, birth: date, male: bool) -> str:
    seq = rng.randrange(0, 100) * 10 + (rng.choice((1, 3, 5, 7, 9)) if male else rng.choice((0, 2, 4, 6, 8)))
    body = f"{REGION}{birth:%Y%m%d}{seq:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def organization_plan() -> list[tuple]:
    """(code, name, kind, unit_type, parent_code, weight, profile) for the tree below the 党工委."""
    K, U = Organization.Kind, Organization.UnitType
    plan: list[tuple] = []
    for i, community in enumerate(COMMUNITIES, start=1):
        cc = f"WY-C{i}"
        plan.append((cc, f"{community}社区党委", K.COMMITTEE, U.COMMUNITY, "WY", 0, "community"))
        for j, branch in enumerate(("第一党支部", "第二党支部", "第三党支部", "离退休党支部", "小区联合党支部"), start=1):
            plan.append((f"{cc}-{j}", f"{community}社区{branch}", K.BRANCH, U.COMMUNITY, cc, 34 if j == 4 else 26, "community"))
    plan.append(("WY-J", "文源街道机关党总支", K.GENERAL_BRANCH, U.ORGAN, "WY", 0, "organ"))
    for j, name in enumerate(("机关第一党支部", "机关第二党支部", "机关第三党支部"), start=1):
        plan.append((f"WY-J-{j}", f"文源街道{name}", K.BRANCH, U.ORGAN, "WY-J", 44, "organ"))
    enterprises = (
        "中化地勘院第二党支部",
        "湘林建设集团党支部",
        "天心数码科技党支部",
        "文源农商银行党支部",
        "湘府物业公司党支部",
        "长沙绿城建工党支部",
        "书香文化传媒党支部",
        "金菊商贸党支部",
        "湘江环保科技党支部",
    )
    for j, name in enumerate(enterprises, start=1):
        plan.append((f"WY-E{j}", name, K.BRANCH, U.ENTERPRISE, "WY", 18, "enterprise"))
    for j, name in enumerate(("文源街道社会组织联合党支部", "天心区志愿者协会党支部", "文源老年协会党支部"), start=1):
        plan.append((f"WY-S{j}", name, K.BRANCH, U.SOCIAL, "WY", 14 if j < 3 else 22, "social" if j < 3 else "community"))
    plan.append(("WY-N", "新就业群体联合党总支", K.GENERAL_BRANCH, U.NEW_EMPLOYMENT, "WY", 0, "new_employment"))
    plan.append(("WY-N-1", "美团党支部", K.BRANCH, U.NEW_EMPLOYMENT, "WY-N", 12, "new_employment"))
    for j, area in enumerate(("书院路站", "赤岭路站", "新开铺站"), start=1):
        plan.append((f"WY-N-1-{j}", f"美团骑手{area}党小组", K.GROUP, U.NEW_EMPLOYMENT, "WY-N-1", 9, "new_employment"))
    plan.append(("WY-N-2", "快递行业党支部", K.BRANCH, U.NEW_EMPLOYMENT, "WY-N", 20, "new_employment"))
    plan.append(("WY-N-3", "网约车司机党支部", K.BRANCH, U.NEW_EMPLOYMENT, "WY-N", 10, "new_employment"))
    for j, name in enumerate(
        (
            "中南林科大附属学校党支部",
            "文源街道社区卫生服务中心党支部",
            "天心区第二实验小学党支部",
            "省林科院后勤党支部",
            "文源街道中心幼儿园党支部",
        ),
        start=1,
    ):
        plan.append((f"WY-I{j}", name, K.BRANCH, U.INSTITUTION, "WY", 20, "institution"))
    return plan


DEMO_ACCOUNTS = (
    # phone, name, role kind, role org code, member org code, position, extra flags
    ("13900000001", "李建国", "principal", "WY", "WY-J-1", "secretary", {}),
    ("13900000002", "张秀兰", "org_admin", "WY-C1-1", "WY-C1-1", "secretary", {}),
    ("13900000003", "王志强", None, None, "WY-C1-1", "", {}),
    (
        "13900000004",
        "刘洋",
        None,
        None,
        "WY-N-1-1",
        "",
        {"is_new_employment": True, "is_mobile": True, "mobile_location": "长沙市天心区（户籍湖南省邵阳市）"},
    ),
    ("13900000005", "陈卫东", "vice_principal", "WY", "WY-J-1", "deputy_secretary", {}),
    ("13900000006", "周文辉", "dean", "WY", "WY-J-2", "", {}),
)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.35 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = (
            rng.choice(("135", "136", "137", "138", "150", "151", "152", "158", "159", "173", "177", "180", "186", "187", "188", "199"))
            + f"{rng.randrange(10**8):08d}"
        )
        if phone not in used:
            used.add(phone)
            return phone


def _member(
    rng: random.Random,
    org: Organization,
    profile: Profile,
    compounds: tuple[str, ...],
    used_phones: set[str],
    used_ids: set[str],
    today: date,
) -> Member:
    male = rng.random() < (0.62 if profile.unit != "community" else 0.45)
    lo, hi = profile.ages
    # Communities skew old (retirees); other units are spread over working age.
    age = int(lo + (hi - lo) * (rng.random() ** 0.7 if profile.unit == "community" else rng.random()))
    birth = today - timedelta(days=age * 365 + rng.randrange(365))
    joined_age = min(age - 1, rng.randint(20, 40)) if age > 21 else age
    joined = birth + timedelta(days=joined_age * 365 + rng.randrange(365))
    status = Member.Status.PROBATIONARY if (today - joined).days < 365 or rng.random() < 0.03 else Member.Status.FULL
    if status == Member.Status.PROBATIONARY and (today - joined).days > 365:
        joined = today - timedelta(days=rng.randrange(60, 360))
    idn = id_number(rng, birth, male)
    while idn in used_ids:
        idn = id_number(rng, birth, male)
    used_ids.add(idn)
    industry = rng.choice(profile.industries)
    if profile.unit == "community" and age >= 62:
        industry, occupation = "离退休", "退休职工"
    else:
        occupation = rng.choice(profile.occupations)
    compound = rng.choice(compounds)
    elderly = age >= 80 and rng.random() < 0.55 or age >= 70 and rng.random() < 0.08
    edu_weights = (0.05, 0.35, 0.25, 0.2, 0.15) if profile.unit == "community" else (0.15, 0.5, 0.25, 0.08, 0.02)
    return Member(
        name=_name(rng),
        gender="M" if male else "F",
        birth_date=birth,
        ethnicity="汉族" if rng.random() < 0.93 else rng.choice(("土家族", "苗族", "侗族", "瑶族", "回族")),
        education=rng.choices([v for v, _ in Member.Education.choices], weights=edu_weights)[0],
        joined_party_on=joined,
        status=status,
        organization=org,
        occupation=occupation,
        industry=industry,
        phone=_phone(rng, used_phones),
        id_number=idn if rng.random() < 0.97 else None,
        home_compound=compound,
        address=f"{compound}{rng.randint(1, 12)}栋{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
        is_mobile=profile.unit != "organ" and rng.random() < (0.3 if profile.unit == "new_employment" else 0.03),
        is_elderly_infirm=elderly,
        is_organ_worker=profile.unit == "organ",
        is_new_employment=profile.unit == "new_employment",
    )


@transaction.atomic
def build_people(clock: DemoClock, stdout=None) -> dict[str, Organization]:
    """Wipe and rebuild the demo's organisations, members and accounts (superusers other than admin go too)."""
    rng, today = random.Random(SEED), clock.today
    ApiToken.objects.all().delete()
    Role.objects.all().delete()
    Member.objects.all().delete()
    Organization.objects.all().delete()
    User.objects.all().delete()

    root = Organization.objects.add_root(
        instance=Organization(
            name="文源街道党工委",
            short_name="党工委",
            code="WY",
            kind=Organization.Kind.WORKING_COMMITTEE,
            unit_type=Organization.UnitType.SUB_DISTRICT,
        )
    )
    orgs = {"WY": root}
    plan = organization_plan()
    for code, name, kind, unit, parent, _w, _p in plan:
        short = name.replace("文源街道", "").replace("社区", "") if kind != Organization.Kind.BRANCH else ""
        orgs[code] = Organization.objects.add_child(
            orgs[parent], instance=Organization(name=name, short_name=short[:40], code=code, kind=kind, unit_type=unit)
        )

    used_phones = {a[0] for a in DEMO_ACCOUNTS}
    used_ids: set[str] = set()
    demo_members: dict[str, Member] = {}
    for phone, name, _k, _o, org_code, position, extra in DEMO_ACCOUNTS:
        org = orgs[org_code]
        profile = PROFILES[next(p for c, *_rest, p in plan if c == org_code)]
        m = _member(rng, org, profile, _compounds(org_code), set(), used_ids, today)
        m.name, m.phone, m.position = name, phone, position
        for key, value in extra.items():
            setattr(m, key, value)
        if org_code.startswith("WY-N"):
            m.birth_date = clock.shift(date(1996, 5, 12))
            m.id_number = id_number(random.Random(phone), m.birth_date, True)
        demo_members[phone] = m

    weighted = [(orgs[code], PROFILES[profile], weight) for code, _n, _k, _u, _p, weight, profile in plan if weight]
    total_weight = sum(w for _o, _p, w in weighted)
    remaining = TOTAL_MEMBERS - len(demo_members)
    counts = [remaining * w // total_weight for _o, _p, w in weighted]
    for i in range(remaining - sum(counts)):
        counts[i % len(counts)] += 1
    members: list[Member] = list(demo_members.values())
    for (org, profile, _w), count in zip(weighted, counts):
        existing = sum(1 for m in members if m.organization is org)
        branch_members = [_member(rng, org, profile, _compounds(org.code), used_phones, used_ids, today) for _ in range(count)]
        if org.kind == Organization.Kind.BRANCH and not any(m.position == "secretary" for m in members if m.organization is org):
            branch_members[0].position = Member.Position.SECRETARY
        if org.kind == Organization.Kind.BRANCH:
            for m in branch_members[1:3]:
                m.position = Member.Position.COMMITTEE_MEMBER
            branch_members[3].position = Member.Position.PARTY_AFFAIRS_WORKER
        members.extend(branch_members)
        del existing
    Member.objects.bulk_create(members, batch_size=500)

    password = settings.DEMO_PASSWORD
    User.objects.create_superuser("admin", "", password, first_name="系统管理员")
    for phone, name, role, role_org, _org, _pos, _x in DEMO_ACCOUNTS:
        user = User.objects.create_user(phone, password=password, first_name=name)
        Member.objects.filter(phone=phone).update(user=user)
        if role:
            Role.objects.create(user=user, organization=orgs[role_org], kind=role)
    if stdout:
        grassroots = Organization.objects.filter(kind__in=Organization.GRASSROOTS_KINDS).count()
        stdout.write(f"  基层党组织 {grassroots} 个（另有党小组 {len(plan) - grassroots} 个），党员 {Member.objects.count()} 人")
    # Sorted insertion (node_order_by) moves siblings' paths; hand back fresh rows.
    return {o.code: o for o in Organization.objects.all()}


def _compounds(org_code: str) -> tuple[str, ...]:
    if org_code.startswith("WY-C"):
        return COMPOUNDS[COMMUNITIES[int(org_code[4]) - 1]]
    return tuple(c for cs in COMPOUNDS.values() for c in cs)
