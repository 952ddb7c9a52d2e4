"""The demo school's network: 文源街道党校 "源课堂", its plan, venues "1+5+N", 12 partners, 58 teachers.

Built from fixed tables and a fixed seed on top of the people demo, so every run makes the same
records. The teaching demo (`dangxiao.demo.teaching`) schedules classes on what is built here.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from dangxiao.demo.clock import DemoClock
from dangxiao.demo.people import GIVEN, SEED, SURNAMES
from dangxiao.people.models import Member, Organization, User
from dangxiao.school.models import Partner, PartnerAgreement, School, Teacher, TeacherAppointment, Topic, TrainingPlan, Venue

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOPICS = ("党的理论", "政策法规", "工作技能", "基层治理", "党史学习", "志愿服务")

PLAN_GOALS = """围绕“谋划、精准、融合”三个关键词，全年开展党员教育培训：
1. 理论课堂：邀请市、区委党校和驻区高校专家开设15场专题讲座，分别在“源课堂”主阵地和5个社区党群服务中心举办；
2. 实践课堂：各党支部每月开展一次“一月一课一片一实践”主题党日，结合政策宣传、矛盾调处、助困帮扶开展志愿服务；
3. 流动课堂：在中化地勘院棚改征收项目和湘林家园老旧小区改造项目开展项目拉练、现场观摩10场以上；
4. 分类施教：举办机关党员素质提升班（每周二、四晚，为期两个月）、基层党组织“领头雁”培训班和党务工作集训营，为年老体弱党员送学上门，为美团党支部等新就业群体党员开设网上班级；
5. 学时要求：党员每年集中学习不少于32学时，基层党组织书记和班子成员不少于56学时；全年培训党员9500人次以上。"""

FACILITIES = {
    Venue.Kind.PARTY_SCHOOL: "多媒体教室、投影和音响、扫码签到屏、录播设备、无障碍通道",
    Venue.Kind.SERVICE_CENTER: "多功能活动室、投影和音响、党员书屋、扫码签到屏",
    Venue.Kind.SERVICE_STATION: "活动室、电视屏、党建书架",
    Venue.Kind.RED_HOME: "休息区、充电设施、饮水点、学习角",
    Venue.Kind.PARTNER_PREMISES: "报告厅、展陈空间、投影和音响",
    Venue.Kind.PROJECT_SITE: "项目指挥部会议室、现场讲解点位、安全帽",
}
HOURS = {
    Venue.Kind.PARTY_SCHOOL: "周一至周五 08:30–21:30；周六 09:00–17:00",
    Venue.Kind.SERVICE_CENTER: "周一至周六 08:30–17:30（活动日延长至21:30）",
    Venue.Kind.SERVICE_STATION: "周一至周六 09:00–18:00",
    Venue.Kind.RED_HOME: "全天开放",
    Venue.Kind.PARTNER_PREMISES: "预约开放",
    Venue.Kind.PROJECT_SITE: "工作日 08:00–18:00，须预约并由项目方带领",
}

# Data tables, one row a line (fmt: off keeps them readable).
# fmt: off
# key, name, kind, description; agreement scopes (venues, talent, activities), signed, starts, ends
# (dates as of clock.REFERENCE, moved with the demo's today: one agreement has just expired, one is not yet in force)
PARTNERS = (
    ("rail", "中南大学铁道学院", Partner.Kind.UNIVERSITY, "驻区高校，提供师资和党建活动中心", (1, 1, 1), "2023-03-20", "2023-04-01", "2026-12-31"),
    ("csuft", "中南林业科技大学", Partner.Kind.UNIVERSITY, "驻区高校，提供思政师资和实践教学基地", (1, 1, 1), "2023-06-12", "2023-07-01", "2027-06-30"),
    ("lky", "湖南省林业科学院", Partner.Kind.RESEARCH, "省属科研院所，开放林业科普馆", (1, 1, 0), "2023-09-05", "2023-09-05", "2027-08-31"),
    ("zhdk", "中化地质矿山总局湖南地质勘查院", Partner.Kind.ENTERPRISE, "棚改征收项目所在单位", (1, 1, 1), "2024-02-26", "2024-03-01", "2027-02-28"),
    ("xianglin", "湘林建设集团有限公司", Partner.Kind.ENTERPRISE, "湘林家园老旧小区改造施工单位", (1, 1, 1), "2024-04-18", "2024-05-01", "2027-04-30"),
    ("grid", "国网长沙供电公司天心分公司", Partner.Kind.ENTERPRISE, "电动车安全充电、用电安全宣传", (0, 1, 1), "2026-11-20", "2026-12-01", "2029-11-30"),
    ("meituan", "美团外卖长沙天心配送站", Partner.Kind.ENTERPRISE, "外卖骑手站点，共建美团骑手红色之家", (1, 0, 1), "2024-01-08", "2024-01-10", "2026-12-31"),
    ("sfj", "长沙市天心区司法局", Partner.Kind.GOVERNMENT, "法治宣传和人民调解", (0, 1, 1), "2023-05-04", "2023-05-04", "2027-05-03"),
    ("pcs", "长沙市公安局天心分局文源派出所", Partner.Kind.GOVERNMENT, "反诈宣传和治安联防", (0, 1, 1), "2025-01-06", "2025-01-06", "2027-12-31"),
    ("cgj", "长沙市天心区城市管理和综合执法局", Partner.Kind.GOVERNMENT, "市容整治和飞线充电治理", (0, 0, 1), "2023-02-27", "2023-03-01", "2025-02-28"),
    ("wsfw", "文源街道社区卫生服务中心", Partner.Kind.INSTITUTION, "健康讲座和送医上门", (0, 1, 1), "2024-08-26", "2024-09-01", "2027-08-31"),
    ("sg", "长沙市天心区心和社会工作服务中心", Partner.Kind.SOCIAL, "困难群众帮扶和社工服务", (0, 1, 1), "2025-02-24", "2025-03-01", "2028-02-29"),
)

# key, name, tier, kind, organisation code, partner key, address, latitude, longitude, capacity
VENUES = (
    ("main", "源课堂", "main", "party_school", "WY", None, "长沙市天心区韶山南路文源街道办事处三楼", "28.171200", "112.981500", 150),
    ("c1", "青山祠社区党群服务中心", "community", "service_center", "WY-C1", None, "长沙市天心区青园路青山祠社区", "28.165200", "112.978600", 120),
    ("c2", "赤岭路社区党群服务中心", "community", "service_center", "WY-C2", None, "长沙市天心区赤岭路赤岭路社区", "28.174800", "112.989200", 100),
    ("c3", "天剑社区党群服务中心", "community", "service_center", "WY-C3", None, "长沙市天心区天剑路天剑社区", "28.159300", "112.990500", 80),
    ("c4", "桂花坪社区党群服务中心", "community", "service_center", "WY-C4", None, "长沙市天心区桂花路桂花坪社区", "28.180100", "112.974000", 100),
    ("c5", "金菊社区党群服务中心", "community", "service_center", "WY-C5", None, "长沙市天心区金菊路金菊社区", "28.168700", "112.967100", 90),
    ("st1", "湘林家园小区党群服务站", "site", "service_station", "WY-C1", None, "长沙市天心区青园路湘林家园小区", "28.162900", "112.975300", 40),
    ("st2", "铁道学院宿舍小区党群服务站", "site", "service_station", "WY-C2", None, "长沙市天心区赤岭路铁道学院宿舍", "28.177400", "112.993100", 40),
    ("st3", "天剑小区党群服务站", "site", "service_station", "WY-C3", None, "长沙市天心区天剑路天剑小区", "28.156800", "112.987200", 40),
    ("st4", "嘉和城小区党群服务站", "site", "service_station", "WY-C4", None, "长沙市天心区桂花路嘉和城小区", "28.183600", "112.970900", 45),
    ("st5", "湘府名都小区党群服务站", "site", "service_station", "WY-C5", None, "长沙市天心区金菊路湘府名都小区", "28.171900", "112.963400", 40),
    ("red_mt", "美团骑手红色之家", "site", "red_home", "WY-N-1", "meituan", "长沙市天心区赤岭路美团外卖天心配送站旁", "28.173300", "112.985900", 50),
    ("red_kd", "快递小哥红色之家", "site", "red_home", "WY-N-2", None, "长沙市天心区书院南路快递驿站二楼", "28.176600", "112.979200", 30),
    ("p_rail", "中南大学铁道学院党建活动中心", "site", "partner_premises", "WY-C2", "rail", "长沙市天心区韶山南路22号", "28.179500", "112.995700", 120),
    ("p_lky", "湖南省林业科学院林业科普馆", "site", "partner_premises", "WY-C1", "lky", "长沙市天心区韶山南路658号", "28.150400", "112.984100", 60),
    ("p_csuft", "中南林业科技大学思政实践教学基地", "site", "partner_premises", "WY-C4", "csuft", "长沙市天心区韶山南路498号", "28.186400", "112.979800", 80),
    ("proj_zhdk", "中化地勘院棚改征收项目现场", "site", "project_site", "WY-C3", "zhdk", "长沙市天心区天剑路中化地勘院宿舍片区", "28.154600", "112.993800", 50),
    ("proj_xljy", "湘林家园老旧小区改造现场", "site", "project_site", "WY-C1", "xianglin", "长沙市天心区青园路湘林家园小区", "28.161700", "112.973600", 50),
)

# key, source, who, title, partner key, topic indexes, term (from, until). `who` is an outsider's
# affiliation, or the member who teaches: ("phone", p[, affiliation]), ("secretary" | "veteran" | "member", org code).
# Terms are as of clock.REFERENCE and move with the demo's today: one has ended, a few end within a month.
T = Teacher.Source
TERM = ("2025-03-01", "2028-02-29")
ELDER = ("2024-01-01", "2027-12-31")
LEAD = ("2024-01-01", "2028-12-31")
TEACHERS = (
    ("dean", T.PARTY_SCHOOL, ("phone", "13900000006", "中共长沙市委党校"), "教授（挂职文源街道党校教学副校长）", None, (0, 2), TERM),
    ("ps1", T.PARTY_SCHOOL, "中共长沙市委党校", "教授", None, (0,), TERM),
    ("ps2", T.PARTY_SCHOOL, "中共长沙市委党校", "副教授", None, (0, 1), TERM),
    ("ps3", T.PARTY_SCHOOL, "中共长沙市委党校", "党建教研部副教授", None, (2,), TERM),
    ("ps4", T.PARTY_SCHOOL, "中共长沙市委党校", "讲师", None, (4,), TERM),
    ("ps5", T.PARTY_SCHOOL, "中共天心区委党校", "副校长", None, (1, 2), TERM),
    ("ps6", T.PARTY_SCHOOL, "中共天心区委党校", "讲师", None, (2,), TERM),
    ("ps7", T.PARTY_SCHOOL, "中共天心区委党校", "讲师", None, (0, 4), ("2024-01-01", "2026-12-15")),
    ("u1", T.UNIVERSITY, "中南大学铁道学院", "马克思主义理论教授", "rail", (0,), TERM),
    ("u2", T.UNIVERSITY, "中南大学铁道学院", "土木工程副教授（城市更新方向）", "rail", (3, 1), TERM),
    ("u3", T.UNIVERSITY, "中南大学铁道学院", "党委组织部副部长", "rail", (2,), TERM),
    ("u4", T.UNIVERSITY, "中南大学铁道学院", "思政课讲师", "rail", (4,), TERM),
    ("u5", T.UNIVERSITY, "中南林业科技大学", "法学院副教授", "csuft", (1,), TERM),
    ("u6", T.UNIVERSITY, "中南林业科技大学", "马克思主义学院教授", "csuft", (0, 4), TERM),
    ("u7", T.EXPERT, "中南林业科技大学", "生态文明研究院研究员", "csuft", (3,), TERM),
    ("u8", T.UNIVERSITY, "中南林业科技大学", "辅导员、讲师", "csuft", (5,), TERM),
    ("u9", T.UNIVERSITY, "湖南师范大学", "历史文化学院教授", None, (4,), TERM),
    ("u10", T.UNIVERSITY, "湖南师范大学", "公共管理学院副教授", None, (3, 1), ("2024-01-01", "2026-12-20")),
    ("mw1", T.MODEL_WORKER, "湘林建设集团有限公司", "湖南省劳动模范、项目经理", "xianglin", (3,), TERM),
    ("mw2", T.MODEL_WORKER, "国网长沙供电公司天心分公司", "长沙市劳动模范、供电服务班班长", "grid", (5,), TERM),
    ("mw3", T.MODEL_WORKER, "长沙市公交集团", "全国劳动模范、公交驾驶员", None, (5,), TERM),
    ("mw4", T.MODEL_WORKER, "天心区环境卫生服务中心", "长沙市劳动模范、环卫班长", None, (5,), TERM),
    ("mw5", T.MODEL_WORKER, "湖南省建工集团", "湖南省劳动模范、高级技师", None, (2,), ("2024-01-01", "2026-12-10")),
    ("ind1", T.INDUSTRY, "湖南省林业科学院", "研究员", "lky", (3,), TERM),
    ("ind2", T.INDUSTRY, "湖南省林业科学院", "高级工程师", "lky", (5,), TERM),
    ("ind3", T.INDUSTRY, "中化地质矿山总局湖南地质勘查院", "征收项目负责人", "zhdk", (3,), TERM),
    ("ind4", T.INDUSTRY, "中化地质矿山总局湖南地质勘查院", "高级工程师", "zhdk", (2,), TERM),
    ("ind5", T.INDUSTRY, "长沙市天心区司法局", "人民调解员、律师", "sfj", (1, 3), TERM),
    ("ind6", T.INDUSTRY, "文源街道社区卫生服务中心", "全科主任医师", "wsfw", (5,), TERM),
    ("ind7", T.INDUSTRY, "长沙市天心区心和社会工作服务中心", "中级社会工作师", "sg", (5, 3), TERM),
    ("ind8", T.INDUSTRY, "长沙市公安局天心分局文源派出所", "社区民警（反诈宣传）", "pcs", (1,), TERM),
    ("vet1", T.VETERAN, ("veteran", "WY-C1-4"), "退休老干部（原街道党工委副书记）", None, (4, 0), ELDER),
    ("vet2", T.VETERAN, ("veteran", "WY-C2-4"), "退役军人（老战士）", None, (4,), ELDER),
    ("vet3", T.VETERAN, ("veteran", "WY-C3-4"), "退休高级工程师（老专家）", None, (3,), ELDER),
    ("vet4", T.VETERAN, ("veteran", "WY-C4-4"), "退休中学教师（老教师）", None, (4, 5), ELDER),
    ("vet5", T.VETERAN, ("veteran", "WY-C5-4"), "退休劳动模范（老模范）", None, (5,), ELDER),
    ("vet6", T.VETERAN, ("veteran", "WY-S3"), "退休教育工作者", None, (4,), ELDER),
    ("vet7", T.VETERAN, ("veteran", "WY-C1-4"), "退休教授", None, (0,), ELDER),
    ("lead1", T.LEADER, ("phone", "13900000001"), "文源街道党工委书记、街道党校校长", None, (0, 3), LEAD),
    ("lead2", T.LEADER, ("phone", "13900000005"), "文源街道党工委副书记、办事处主任、党校副校长", None, (3, 1), LEAD),
    ("lead3", T.PARTY_WORKER, ("member", "WY-J-2"), "文源街道党工委委员、组织委员", None, (2,), LEAD),
    ("lead4", T.LEADER, ("member", "WY-J-3"), "文源街道党工委委员、宣传委员", None, (0, 4), LEAD),
    ("lead5", T.LEADER, "中共天心区委组织部", "副部长", None, (2,), LEAD),
    ("lead6", T.LEADER, "中共天心区委宣传部", "原副部长（已调任）", None, (0,), ("2024-07-01", "2026-06-30")),
    ("sec1", T.SECRETARY, ("phone", "13900000002"), "青山祠社区第一党支部书记", None, (2, 3), TERM),
    ("sec2", T.SECRETARY, ("secretary", "WY-C2-1"), "赤岭路社区第一党支部书记", None, (2,), TERM),
    ("sec3", T.SECRETARY, ("secretary", "WY-C3-2"), "天剑社区第二党支部书记", None, (3,), TERM),
    ("sec4", T.SECRETARY, ("secretary", "WY-C4-3"), "桂花坪社区第三党支部书记", None, (2,), TERM),
    ("sec5", T.SECRETARY, ("secretary", "WY-C5-5"), "金菊社区小区联合党支部书记", None, (3,), TERM),
    ("sec6", T.SECRETARY, ("secretary", "WY-E1"), "中化地勘院第二党支部书记", None, (2,), TERM),
    ("sec7", T.SECRETARY, ("secretary", "WY-N-1"), "美团党支部书记", None, (5,), TERM),
    ("sec8", T.SECRETARY, ("secretary", "WY-I2"), "社区卫生服务中心党支部书记", None, (2,), TERM),
    ("mem1", T.MEMBER, ("member", "WY-N-1"), "骑手党员、优秀骑手", None, (5,), TERM),
    ("mem2", T.MEMBER, ("member", "WY-E3"), "党员、软件工程师", None, (2,), TERM),
    ("mem3", T.MEMBER, ("member", "WY-I2"), "党员、全科医生", None, (5,), TERM),
    ("mem4", T.MEMBER, ("member", "WY-I3"), "党员、小学教师", None, (4,), TERM),
    ("mem5", T.MEMBER, ("member", "WY-E4"), "党员、客户经理（金融知识）", None, (1,), TERM),
    ("mem6", T.MEMBER, ("member", "WY-C3-5"), "党员、楼栋长", None, (3,), TERM),
)
# fmt: on


@dataclass
class SchoolDemo:
    school: School
    plan: TrainingPlan  # the current year's
    topics: dict[str, Topic]
    venues: dict[str, Venue]
    partners: dict[str, Partner]
    agreements: dict[str, PartnerAgreement]
    teachers: dict[str, Teacher]
    orgs: dict[str, Organization] = field(default_factory=dict)
    by_org: dict[int, list[Teacher]] = field(default_factory=dict)  # member teachers by their organisation
    plans: dict[int, TrainingPlan] = field(default_factory=dict)  # by year: last year's too when the demo's year began in it

    def plan_for(self, day: date) -> TrainingPlan:
        """The plan of the year a cohort starts in."""
        return self.plans.get(day.year, self.plan)

    def co_host(self, key: str, day: date) -> Partner | None:
        """The partner, if its agreement covers joint activities on that day."""
        agreement = self.agreements[key]
        return self.partners[key] if agreement.joint_activities and agreement.status_on(day) == "active" else None


def load_organizations() -> dict[str, Organization]:
    """The tree by code, read afresh: inserting ordered siblings moves paths, so nodes kept while building go stale."""
    return {o.code: o for o in Organization.objects.all()}


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + (rng.choice(GIVEN) if rng.random() < 0.4 else rng.choice(GIVEN) + rng.choice(GIVEN))
        if name not in used:
            used.add(name)
            return name


def _member_for(who: tuple[str, ...], orgs: dict[str, Organization], taken: set[int], clock: DemoClock) -> Member:
    kind, value = who[:2]
    if kind == "phone":
        member = Member.objects.get(phone=value)
    else:
        qs = Member.objects.filter(organization=orgs[value]).exclude(pk__in=taken).order_by("phone")
        if kind == "secretary":
            qs = qs.filter(position=Member.Position.SECRETARY)
        elif kind == "veteran":
            qs = qs.filter(birth_date__lte=clock.shift(date(1961, 1, 1)), is_elderly_infirm=False, user__isnull=True)
        else:
            qs = qs.filter(position="", user__isnull=True, is_elderly_infirm=False, is_mobile=False)
        member = qs.first()
    taken.add(member.pk)
    return member


@transaction.atomic
def build_school(clock: DemoClock, stdout=None) -> SchoolDemo:
    """Create the school, the current year's plan (and last year's, when the demo's year of classes began
    in it), topics, partners with agreements, venues and teachers."""
    orgs = load_organizations()
    rng = random.Random(SEED + 1)
    _day = clock.shift
    principal = User.objects.get(username="13900000001")
    school = School.objects.create(name="文源街道党校", brand="源课堂", organization=orgs["WY"], address=VENUES[0][6])
    plans = {
        year: TrainingPlan.objects.create(
            school=school,
            year=year,
            title=f"文源街道党校{year}年度党员教育培训计划",
            goals=PLAN_GOALS,
            target_person_times=9500,
            target_study_hours=32,
            status=TrainingPlan.Status.APPROVED,
            approved_by=principal,
            approved_at=datetime(year - 1, 12, 28, 10, 0, tzinfo=SHANGHAI),  # approved the December before
        )
        for year in sorted({clock.month(-11).year, clock.year})
    }
    plan = plans[clock.year]
    topics = {name: Topic.objects.create(school=school, name=name, order=i) for i, name in enumerate(TOPICS, start=1)}
    names: set[str] = set()

    partners, agreements = {}, {}
    for key, name, kind, about, (venues, talent, joint), signed, starts, ends in PARTNERS:
        partner = Partner.objects.create(school=school, name=name, kind=kind, contact_name=_person(rng, names), description=about)
        partners[key] = partner
        agreements[key] = PartnerAgreement.objects.create(
            partner=partner,
            title=f"文源街道党工委与{name}党建共建协议",
            shares_venues=bool(venues),
            shares_talent=bool(talent),
            joint_activities=bool(joint),
            signed_on=_day(signed),
            starts_on=_day(starts),
            ends_on=_day(ends),
        )

    venues = {}
    for key, name, tier, kind, org, partner, address, lat, lon, capacity in VENUES:
        venues[key] = Venue.objects.create(
            school=school,
            name=name,
            tier=tier,
            kind=kind,
            address=address,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            capacity=capacity,
            facilities=FACILITIES[kind],
            opening_hours=HOURS[kind],
            organization=orgs[org],
            partner=partners[partner] if partner else None,
        )

    teachers: dict[str, Teacher] = {}
    by_org: dict[int, list[Teacher]] = {}
    taken: set[int] = set()
    org_names = {o.pk: o.name for o in orgs.values()}
    topic_list = list(topics.values())
    links = []
    for key, source, who, title, partner, topic_ids, (start, until) in TEACHERS:
        member = None if isinstance(who, str) else _member_for(who, orgs, taken, clock)
        if member is None:
            name, affiliation = _person(rng, names), who
        else:  # a member of ours; a seconded teacher keeps the affiliation of the unit that pays them
            name, affiliation = member.name, who[2] if len(who) > 2 else org_names[member.organization_id]
        agreement = agreements.get(partner)
        teacher = Teacher.objects.create(
            school=school,
            member=member,
            user_id=member.user_id if member else None,
            name=name,
            source=source,
            affiliation=affiliation,
            title=title,
            partner=partners[partner] if agreement and agreement.shares_talent else None,
            bio=f"{affiliation}{title}，擅长{'、'.join(topic_list[i].name for i in topic_ids)}。",
            appointed_from=_day(start),
            appointed_until=_day(until),
        )
        links += [Teacher.topics.through(teacher=teacher, topic=topic_list[i]) for i in topic_ids]
        teachers[key] = teacher
        if member is not None:
            by_org.setdefault(member.organization_id, []).append(teacher)
    Teacher.topics.through.objects.bulk_create(links)
    # Each teacher's term on record, as the pool's pages keep it (a first appointment).
    TeacherAppointment.objects.bulk_create(
        TeacherAppointment(
            teacher=t, kind=TeacherAppointment.Kind.APPOINT, starts_on=t.appointed_from, ends_on=t.appointed_until, created_by=principal
        )
        for t in teachers.values()
    )
    if stdout:
        stdout.write(f"  党校 1 所，阵地 {len(venues)} 个，共建单位 {len(partners)} 家，讲师 {len(teachers)} 名")
    return SchoolDemo(school, plan, topics, venues, partners, agreements, teachers, orgs, by_org, plans)
