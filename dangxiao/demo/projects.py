"""The demo's 项目一线党旗红 and 传帮带 / 老带青·青帮老, written through the practice services.

Two projects named in the article — 中化地勘院棚改征收 (running, led by the principal 李建国) and 湘林家园
老旧小区改造 (ended ten days ago, some trainees not yet assessed: a duty on the board's home) — and two
smaller ones (a closed 道路降坡 project of the 青山祠 first branch, a running one in 赤岭路). Trainee cadres
are young members of the 机关 branches; 王志强 (the demo member) is one on 湘林家园. Cadre pairs tie a
veteran to a young trainee, intergenerational pairs a member of the 青山祠 retired branch to a young
member, one of them quiet for three months. Every date is worked out from the demo's today.
"""

from datetime import date, timedelta

from django.apps import apps

from dangxiao.demo.clock import DemoClock
from dangxiao.people.models import Member, Organization
from dangxiao.practice import projects_services as S
from dangxiao.practice.models.projects import Grade, Mentorship, ProjectPhase

PRINCIPAL, SECRETARY, MEMBER = "13900000001", "13900000002", "13900000003"
DONE, RUNNING, PLANNED = ProjectPhase.Status.DONE, ProjectPhase.Status.IN_PROGRESS, ProjectPhase.Status.PLANNED


def wipe_projects() -> None:
    """Projects and pairs protect the members and organisations the people demo deletes: they go first."""
    for name in ("MentorshipMeeting", "Mentorship", "ProjectLog", "ProjectTrainee", "ProjectPhase", "FrontlineProject"):
        apps.get_model("practice", name).objects.all().delete()


def _members(code: str, *, young: bool, today: date, exclude=()) -> list[Member]:
    born = date(today.year - 36, 1, 1)
    qs = Member.objects.current().filter(organization__code=code, is_elderly_infirm=False).exclude(phone__in=exclude)
    qs = qs.filter(birth_date__gte=born) if young else qs.filter(birth_date__lt=date(today.year - 50, 1, 1))
    return list(qs.order_by("pk")[:8])


class _Builder:
    def __init__(self, clock: DemoClock):
        self.clock, self.today = clock, clock.today
        self.orgs = {o.code: o for o in Organization.objects.filter(code__in=["WY-C1", "WY-C1-1", "WY-C2", "WY-C3", "WY-C1-4"])}
        self.phones = {m.phone: m for m in Member.objects.filter(phone__in=[PRINCIPAL, SECRETARY, MEMBER])}
        demo = list(self.phones)
        self.young = [m for code in ("WY-J-1", "WY-J-2", "WY-J-3") for m in _members(code, young=True, today=self.today, exclude=demo)]
        self.veterans = [m for code in ("WY-J-1", "WY-J-2") for m in _members(code, young=False, today=self.today, exclude=demo)]

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def project(self, code, name, description, start, end, lead, phases, trainees, logs):
        project = S.project_create(
            self.orgs[code], name=name, description=description, starts_on=self.day(start), ends_on=self.day(end), lead=lead
        )
        for phase_name, a, b, status in phases:
            S.phase_add(project, name=phase_name, starts_on=self.day(a), ends_on=self.day(b), status=status)
        assigned = []
        for member, role in trainees:
            S.trainee_assign(project, member, role=role, starts_on=project.starts_on, ends_on=project.ends_on)
            assigned.append(member)
        for i, (offset, text) in enumerate(logs):
            author = assigned[i % len(assigned)] if assigned else lead
            written_on = min(self.day(offset), self.today, project.ends_on)
            S.log_write(project, author, written_on=written_on, text=text, today=self.today)
        return project

    def build(self) -> None:
        young, p = self.young, self.phones
        # 1. 中化地勘院棚改征收: started eight months ago, two months to go; the principal leads it.
        zh = self.project(
            "WY-C3",
            "中化地勘院棚改征收",
            "天剑社区中化地勘院宿舍片区棚户区改造征收：入户摸底、政策宣讲、签约腾房，学员干部下沉一线，在征收现场学政策、做群众工作。",
            -240,
            60,
            p.get(PRINCIPAL),
            [
                ("入户摸底", -240, -180, DONE),
                ("政策宣讲", -180, -120, DONE),
                ("签约征收", -120, 20, RUNNING),
                ("腾房交付", 20, 60, PLANNED),
            ],
            [(young[0], "入户调查员"), (young[1], "政策宣讲员"), (young[2], "签约专班成员"), (young[3], "群众工作组")],
            [
                (-230, "与社区网格员一起入户 12 户，核对房屋面积和家庭人口，建立一户一档。"),
                (-200, "整理摸底台账，梳理出有特殊困难的住户 5 户，报专班研究。"),
                (-160, "在中化地勘院宿舍召开政策宣讲会，讲解补偿安置方案，现场解答居民疑问 30 余个。"),
                (-130, "上门为行动不便的老党员讲解政策，听取他们对安置房选址的意见。"),
                (-90, "协助签约专班完成 8 户签约，记录居民提出的搬迁时间诉求。"),
                (-45, "跟随老同志参加矛盾调处，学习如何在政策框架内解决家庭内部分歧。"),
                (-12, "本周签约率达到 86%，对未签约的 6 户逐户分析原因，形成下一步工作清单。"),
                (-3, "协调搬家公司和临时过渡房源，为已签约住户做好腾房准备。"),
            ],
        )
        # 2. 湘林家园老旧小区改造: ended ten days ago, not yet closed; two of four trainees assessed.
        xl = self.project(
            "WY-C1",
            "湘林家园老旧小区改造",
            "青山祠社区湘林家园老旧小区改造：雨污分流、加装电梯、道路降坡和停车位改造，学员干部参与需求征集、方案公示和施工协调。",
            -300,
            -10,
            p.get(SECRETARY),
            [
                ("需求征集", -300, -250, DONE),
                ("方案公示", -250, -210, DONE),
                ("施工改造", -210, -40, DONE),
                ("竣工验收", -40, -10, DONE),
            ],
            [(p.get(MEMBER), "居民议事协调员"), (young[4], "施工协调员"), (young[5], "需求征集员"), (young[6], "质量监督员")],
            [
                (-290, "入户发放改造需求问卷 60 份，收回 52 份，加装电梯和停车位是最集中的需求。"),
                (-260, "组织召开居民议事会，业委会、物业和居民代表共同讨论改造清单。"),
                (-230, "改造方案在小区公示栏和业主群同步公示，收集意见 14 条。"),
                (-180, "协调施工单位调整雨污管网施工时间，避开居民早晚出行高峰。"),
                (-120, "3 栋加装电梯意见不一，陪同老党员逐户做工作，达成一致意见。"),
                (-60, "道路降坡完成，电动车和轮椅进出方便多了，居民反映很好。"),
                (-20, "参加竣工验收，记录遗留问题 4 项，交物业限期整改。"),
            ],
        )
        for trainee, grade, comment in (
            (xl.trainees.get(member=young[4]), Grade.EXCELLENT, "协调施工与居民关系细致耐心，遗留问题跟踪到底。"),
            (xl.trainees.get(member=young[5]), Grade.GOOD, "需求征集扎实，问卷分析清楚。"),
        ):
            S.trainee_assess(trainee, grade=grade, comment=comment, by=None, today=self.today)
        # 3. A closed project of the 青山祠 first branch (the demo secretary's).
        ramp = self.project(
            "WY-C1-1",
            "青山祠小区道路降坡",
            "青山祠小区入口道路降坡，方便老人轮椅和电动车通行。",
            -200,
            -120,
            p.get(SECRETARY),
            [("方案征求意见", -200, -170, DONE), ("施工", -170, -125, DONE), ("验收", -125, -120, DONE)],
            [(young[7], "现场协调员")],
            [(-180, "在小区入口征求居民意见，多数居民赞成降坡方案。"), (-130, "施工期间设置临时通道，安排志愿者引导。")],
        )
        S.project_close(ramp, today=self.day(-118))
        S.trainee_assess(ramp.trainees.get(), grade=Grade.GOOD, comment="现场协调及时，群众认可。", by=None, today=self.day(-118))
        # 4. A running project in 赤岭路, just begun.
        self.project(
            "WY-C2",
            "赤岭路小区飞线充电整治",
            "赤岭路小区集中建设电动车充电棚，清理飞线充电，消除安全隐患。",
            -30,
            90,
            None,
            [("排查登记", -30, 0, RUNNING), ("建设充电棚", 0, 60, PLANNED), ("巡查巩固", 60, 90, PLANNED)],
            [(young[8], "排查登记员"), (young[9], "宣传员")],
            [(-20, "排查 6 栋楼，登记飞线充电点 23 处，逐户发放安全提示。")],
        )
        self.cadre_pairs(zh, xl)
        self.intergenerational_pairs()

    def cadre_pairs(self, zh, xl) -> None:
        young, vets, p = self.young, self.veterans, self.phones
        pairs = [
            (zh, p.get(PRINCIPAL), young[0], -235, "带领入户摸底和签约谈判，掌握征收政策和群众工作方法。"),
            (zh, vets[0], young[2], -235, "学会签约专班的工作流程，能独立完成签约前的政策解释。"),
            (xl, vets[1], p.get(MEMBER), -295, "学习居民议事会的组织方法，提升协调各方意见的能力。"),
            (xl, vets[2], young[4], -295, "熟悉老旧小区改造的施工协调，学会处理居民投诉。"),
        ]
        made = []
        for project, mentor, mentee, start, goals in pairs:
            pair = S.mentorship_create(
                Mentorship.Kind.CADRE,
                project.organization,
                mentor=mentor,
                mentee=mentee,
                goals=goals,
                starts_on=self.day(start),
                project=project,
            )
            made.append(pair)
            for k, offset in enumerate(range(start + 20, -1, 35)):
                by = pair.mentor if k % 2 == 0 else pair.mentee
                S.meeting_log(pair, by, met_on=self.day(offset), minutes=MINUTES[k % len(MINUTES)], notes="", today=self.today)
        S.mentorship_close(
            made[3], grade=Grade.EXCELLENT, assessment="项目完成，结对目标全部达到，可独立承担小区改造协调工作。", today=self.today
        )

    def intergenerational_pairs(self) -> None:
        elders = list(
            Member.objects.current()
            .filter(organization__code="WY-C1-4", birth_date__lt=date(self.today.year - 70, 1, 1))
            .order_by("pk")[:4]
        )
        youth = _members("WY-C1-2", young=True, today=self.today) + _members("WY-C1-3", young=True, today=self.today)
        goals = (
            "老党员讲述党史和社区变迁，青年党员帮助老党员学会使用手机学习。",
            "青年党员每月上门陪老党员学习一次，老党员传授群众工作经验。",
            "共同学习党的创新理论，青年党员协助老党员参加线上组织生活。",
            "老党员带青年党员走访困难群众，青年党员帮老党员办理线上事务。",
        )
        for i, (elder, young) in enumerate(zip(elders, youth, strict=False)):
            start = -150 + 20 * i
            pair = S.mentorship_create(
                Mentorship.Kind.INTERGENERATIONAL,
                self.orgs["WY-C1-4"],
                mentor=elder,
                mentee=young,
                goals=goals[i],
                starts_on=self.day(start),
            )
            last = -75 if i == 3 else -1  # the last pair has been quiet for eighty days
            for k, offset in enumerate(range(start + 10, last, 30)):
                by = pair.mentee if k % 2 == 0 else pair.mentor
                S.meeting_log(pair, by, met_on=self.day(offset), minutes=MEETINGS[k % len(MEETINGS)], today=self.today)


MINUTES = (
    "一起复盘本周入户情况，老同志讲了如何在第一次见面时取得居民信任。",
    "讨论签约中遇到的难点，学习补偿政策中容易引起误解的条款。",
    "跟随导师参加矛盾调处，会后交流处理思路和分寸。",
    "导师点评近期工作日志，指出需要加强的地方。",
)
MEETINGS = (
    "上门陪老党员学习，帮他在手机上完成了本月的网上学习。",
    "老党员讲述了社区几十年来的变化，青年党员做了记录。",
    "一起观看主题党日影片，交流心得。",
)


def build_projects(clock: DemoClock, stdout=None) -> None:
    builder = _Builder(clock)
    if len(builder.young) < 10 or len(builder.veterans) < 3:
        return  # a demo tree too small for the projects (the tests' own trees)
    builder.build()
    if stdout is not None:
        stdout.write("  一线项目与结对帮带：4 个项目，8 对结对")
