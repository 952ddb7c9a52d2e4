"""The demo school's teaching around its today: courses, cohorts (班次) with their trainees, and the timetable.

Every programme is set in months counted from the demo's today (`DemoClock`): the 主题党日 of the last
twelve months, the current month in progress, and the classes of the month after still to come.

Every session is placed through one `Timetable` that knows every booking made so far, so no venue,
teacher or enrolled member is ever in two places at once; a slot that is taken moves to the next
free one, in a fixed order, so the same records come out of every run. Sessions are bulk-created: the
services check the same things one session at a time, which would make `make demo` far too slow;
tests/test_demo.py runs every demo session through those checks (`teaching.conflicts`). Enrolment by
rule goes through `cohort_enroll_by_rule` itself, before any session is booked.
"""

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction

from dangxiao.demo.clock import DemoClock, holidays
from dangxiao.demo.people import SEED
from dangxiao.demo.school import SchoolDemo
from dangxiao.people.models import Member, Organization
from dangxiao.school.models import Teacher, Venue
from dangxiao.teaching.models import Cohort, Course, Enrollment, ScheduleRule, Session
from dangxiao.teaching.services import cohort_enroll_by_rule, rule_dates

SHANGHAI = ZoneInfo("Asia/Shanghai")
Slot = tuple[datetime, datetime]


# key, title, topic, teacher key: the 15 expert lectures of the 理论课堂
THEORY = (
    ("c1", "习近平新时代中国特色社会主义思想专题辅导", "党的理论", "ps1"),
    ("c2", "“十五五”规划建议学习辅导", "党的理论", "ps2"),
    ("c3", "新时代党的建设总要求与全面从严治党", "党的理论", "dean"),
    ("c4", "中国式现代化的理论与实践", "党的理论", "u1"),
    ("c5", "《中国共产党党员教育管理工作条例》解读", "政策法规", "ps5"),
    ("c6", "《民法典》与社区常见纠纷", "政策法规", "u5"),
    ("c7", "《中国共产党纪律处分条例》学习辅导", "政策法规", "lead6"),
    ("c8", "老旧小区改造与城市更新政策解读", "政策法规", "u2"),
    ("c9", "党支部标准化规范化建设实务", "工作技能", "ps3"),
    ("c10", "发展党员工作流程与常见问题", "工作技能", "ps6"),
    ("c11", "“三会一课”和主题党日组织实务", "工作技能", "sec1"),
    ("c12", "群众工作方法与矛盾纠纷调处技巧", "工作技能", "ind5"),
    ("c13", "湖湘红色文化与共产党人精神谱系", "党史学习", "u9"),
    ("c14", "党史中的作风建设", "党史学习", "ps4"),
    ("c15", "“12580”居民代表联户工作法与小区治理", "基层治理", "lead2"),
)
# key, title, kind, topic, default hours, online
OTHER_COURSES = (
    ("party_day", "主题党日·一月一课一片一实践", Course.Kind.PRACTICE, None, "2.0", False),
    ("vol_policy", "志愿服务·政策宣传", Course.Kind.PRACTICE, "志愿服务", "2.0", False),
    ("vol_mediate", "志愿服务·矛盾调处", Course.Kind.PRACTICE, "志愿服务", "2.0", False),
    ("vol_help", "志愿服务·助困帮扶", Course.Kind.PRACTICE, "志愿服务", "2.0", False),
    ("field_zhdk", "项目拉练·中化地勘院棚改征收项目", Course.Kind.FIELD, "基层治理", "2.5", False),
    ("field_xljy", "现场观摩·湘林家园老旧小区改造", Course.Kind.FIELD, "基层治理", "2.0", False),
)
# calendar month: (lesson, film, practice course) of the branches' 主题党日 “一月一课一片一实践”
PARTY_DAYS = {
    1: ("新年新征程：学习党的创新理论", "《榜样》", "vol_help"),
    2: ("守好节日廉洁关", "《零容忍》", "vol_policy"),
    3: ("学习雷锋精神", "《雷锋》", "vol_help"),
    4: ("清明缅怀革命先烈", "《革命者》", "vol_policy"),
    5: ("弘扬劳动精神", "《守岛人》", "vol_mediate"),
    6: ("重温入党誓词、学习党章", "《1921》", "vol_policy"),
    7: ("庆祝建党{years}周年", "《建党伟业》", "vol_help"),  # {years}: since 1921
    8: ("国防教育与拥军优属", "《长津湖》", "vol_help"),
    9: ("学习《党员教育管理工作条例》", "《焦裕禄》", "vol_mediate"),
    10: ("爱国主义教育", "《我和我的祖国》", "vol_policy"),
    11: ("对照检查，准备民主评议", "《杨善洲》", "vol_help"),
    12: ("国家宪法日：学习宪法、弘扬法治精神", "《第二十条》", "vol_mediate"),
}
# branch code → where it holds its 主题党日 (the rest of a community's branches meet at its centre)
PARTY_DAY_VENUES = {
    "WY-J-1": "main", "WY-J-2": "main", "WY-J-3": "main", "WY-S1": "main", "WY-S2": "c5", "WY-S3": "c4",
    "WY-E1": "proj_zhdk", "WY-E2": "proj_xljy", "WY-E3": "c2", "WY-E4": "c4", "WY-E5": "st5", "WY-E6": "c3", "WY-E7": "st1",
    "WY-E8": "c5", "WY-E9": "c3", "WY-N-1": "red_mt", "WY-N-2": "red_kd", "WY-N-3": "red_mt", "WY-I1": "p_csuft", "WY-I2": "c2",
    "WY-I3": "st3", "WY-I4": "p_lky", "WY-I5": "c5",
}  # fmt: skip
PARTY_DAY_TIMES = {
    "community": ("09:00-11:00", "14:30-16:30"),
    "organ": ("15:00-17:00",),
    "enterprise": ("15:00-17:00", "19:30-21:30"),
    "social": ("09:00-11:00", "14:30-16:30"),
    "new_employment": ("15:00-17:00", "20:30-22:00"),
    "institution": ("16:00-18:00", "19:30-21:30"),
}


def at(day: date, span: str) -> Slot:
    start, end = (time.fromisoformat(t) for t in span.split("-"))
    return datetime.combine(day, start, SHANGHAI), datetime.combine(day, end, SHANGHAI)


def days_from(first: date, last: date | None = None, weekdays: Iterable[int] = range(6)) -> Iterator[date]:
    """Working days (Monday–Saturday by default, holidays left out) from `first`, for four weeks or up to `last`."""
    weekdays = set(weekdays)
    last = last or first + timedelta(days=27)
    off = holidays(first.year) | holidays(last.year)
    day = first
    while day <= last:
        if day.weekday() in weekdays and day not in off:
            yield day
        day += timedelta(days=1)


def slots(days: Iterable[date], *spans: str) -> Iterator[Slot]:
    for day in days:
        for span in spans:
            yield at(day, span)


def _hours(start: datetime, end: datetime) -> Decimal:
    return Decimal(round((end - start).total_seconds() / 1800) / 2).quantize(Decimal("0.1"))


class Timetable:
    """Every booking so far, by venue, teacher and member, and the sessions and enrolments to save."""

    def __init__(self, sd: SchoolDemo):
        self.sd = sd
        self.busy: dict[tuple, list[Slot]] = defaultdict(list)
        self.enrolled: dict[int, set[int]] = {}
        self.enrollments: list[Enrollment] = []
        self.sessions: list[Session] = []
        self.partner_keys = {p.pk: key for key, p in sd.partners.items()}

    def enrol(self, cohort: Cohort, member_ids: list[int], source: str, seat_limit: int | None = None) -> None:
        """Seats go in the given order; the rest wait, as `cohort_enroll_by_rule` does."""
        taken = member_ids if seat_limit is None else member_ids[:seat_limit]
        self.enrolled[cohort.pk] = set(taken)
        for member_id in member_ids:
            status = Enrollment.Status.ENROLLED if member_id in self.enrolled[cohort.pk] else Enrollment.Status.WAITLISTED
            self.enrollments.append(Enrollment(cohort=cohort, member_id=member_id, status=status, source=source))

    def _free(self, key: tuple, start: datetime, end: datetime) -> bool:
        return all(e <= start or s >= end for s, e in self.busy[key])

    def place(
        self,
        cohort: Cohort,
        candidates: Iterable[Slot],
        *,
        title: str,
        course: Course | None = None,
        venue: Venue | None = None,
        teachers: Iterable[Teacher | None] = (None,),
        co_host: str | None = None,
        rule: ScheduleRule | None = None,
    ) -> Session:
        """Book the first candidate slot where the venue, one of the teachers (in order) and every trainee are free."""
        people = self.enrolled[cohort.pk]
        if venue is not None and len(people) > venue.capacity:
            raise RuntimeError(f"{cohort.name}: {len(people)} trainees do not fit {venue.name}")
        teachers = list(teachers)
        for start, end in candidates:
            day = start.date()
            if venue is not None and not self._free(("venue", venue.pk, day), start, end):
                continue
            for teacher in teachers:
                if teacher is not None and not (
                    teacher.appointed_from <= day <= teacher.appointed_until and self._free(("teacher", teacher.pk, day), start, end)
                ):
                    continue
                who = people | {teacher.member_id} if teacher and teacher.member_id else people
                if all(self._free(("member", m, day), start, end) for m in who):
                    return self._book(cohort, start, end, title, course, venue, teacher, co_host, rule, who)
        raise RuntimeError(f"{cohort.name}: no free slot for {title}")

    def _book(self, cohort, start, end, title, course, venue, teacher, co_host, rule, who) -> Session:
        day = start.date()
        keys = [("member", m, day) for m in who]
        keys += [("venue", venue.pk, day)] if venue else []
        keys += [("teacher", teacher.pk, day)] if teacher else []
        for key in keys:
            self.busy[key].append((start, end))
        partner = None
        for key in (co_host, teacher and self.partner_keys.get(teacher.partner_id), venue and self.partner_keys.get(venue.partner_id)):
            partner = partner or (self.sd.co_host(key, day) if key else None)
        session = Session(
            cohort=cohort,
            course=course,
            rule=rule,
            title=title[:120],
            starts_at=start,
            ends_at=end,
            venue=venue,
            teacher=teacher,
            co_host=partner,
            hours=_hours(start, end),
        )
        self.sessions.append(session)
        return session


def wipe_demo_school() -> None:
    """Delete attendance, teaching and school rows, so the people demo can be rebuilt under them.

    Each app's models are deleted last-defined first (a model refers to those defined before it), and
    dependent apps before the apps they build on. Apps are named by label: teaching must not import
    attendance, and models other work adds to these apps are wiped without editing this list.
    """
    for label in ("attendance", "teaching", "school"):
        for model in reversed(list(apps.get_app_config(label).get_models())):
            model.objects.all().delete()


class _Builder:
    def __init__(self, sd: SchoolDemo, clock: DemoClock):
        self.sd, self.orgs, self.clock = sd, sd.orgs, clock
        self.rng = random.Random(SEED + 2)
        self.tt = Timetable(sd)
        self.t = sd.teachers
        self.phones = dict(Member.objects.filter(phone__startswith="1390000000").values_list("phone", "id"))

    def cohort(
        self, org: str, name: str, *, courses=(), rule=None, source=Enrollment.Source.RULE, members=None, ongoing=False, **fields
    ) -> Cohort:
        """A cohort with its trainees: those the rule selects (on the demo's today, through `cohort_enroll_by_rule`,
        before any session is booked), or the members given (who signed up themselves). It belongs to the
        plan of the year it starts in (an ongoing one, to the current year's)."""
        plan = self.sd.plan if ongoing else self.sd.plan_for(fields["starts_on"])
        cohort = Cohort.objects.create(
            school=self.sd.school, plan=plan, organization=self.orgs[org], name=name, target_rule=rule or {}, **fields
        )
        cohort.courses.set(courses)
        if members is None:
            cohort_enroll_by_rule(cohort, self.clock.today)
            enrolled = Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED)
            self.tt.enrolled[cohort.pk] = set(enrolled.values_list("member_id", flat=True))
        else:
            self.tt.enrol(cohort, members, source, cohort.seat_limit)
        return cohort

    def sample(self, qs, size: int, *, always: tuple[str, ...] = ()) -> list[int]:
        """Members who signed up themselves: a fixed draw from a queryset, plus the demo accounts named."""
        pool = list(qs.filter(is_elderly_infirm=False, is_mobile=False).order_by("organization__path", "id").values_list("id", flat=True))
        forced = [self.phones[p] for p in always]
        chosen = set(self.rng.sample([m for m in pool if m not in forced], size - len(forced))) | set(forced)
        return [m for m in pool if m in chosen]

    def courses(self) -> None:
        topics = self.sd.topics
        self.theory = {}
        for key, title, topic, teacher in THEORY:
            self.theory[key] = Course.objects.create(
                school=self.sd.school,
                plan=self.sd.plan,
                title=title,
                kind=Course.Kind.THEORY,
                topic=topics[topic],
                description=f"专家讲座，主讲：{self.t[teacher].name}（{self.t[teacher].affiliation}）。",
                default_hours=Decimal("2.0"),
                online_capable=key not in ("c11", "c12"),  # workshops with exercises
            )
        self.other = {
            key: Course.objects.create(
                school=self.sd.school,
                plan=self.sd.plan,
                title=title,
                kind=kind,
                topic=topics[topic] if topic else None,
                default_hours=Decimal(hours),
                online_capable=online,
            )
            for key, title, kind, topic, hours, online in OTHER_COURSES
        }
        self.lecturer = {self.theory[key].pk: self.t[teacher] for key, _t, _p, teacher in THEORY}
        self.rotation = [self.t[k] for k in ("ps1", "ps2", "ps3", "ps4", "ps5", "ps6", "dean", "u1", "u3", "u6", "lead3", "lead4")]

    def teachers_for(self, course: Course) -> list[Teacher]:
        first = self.lecturer[course.pk]
        return [first] + [t for t in self.rotation if t != first]

    def organ_class(self) -> None:
        """机关党员素质提升班: two months of Tuesday and Thursday evenings ending last month, 109 seats, teachers rotating."""
        main, clock = self.sd.venues["main"], self.clock
        first = clock.month(-2)
        off = holidays(first.year) | holidays(first.year + 1)
        days = [d for d in rule_dates([1, 3], first, first + timedelta(days=75), set()) if d not in off][:17]
        start, end = days[0], days[-1]
        skip = sorted(d for d in off if start <= d <= end and d.weekday() in (1, 3))
        cohort = self.cohort(
            "WY",
            f"{start.year}年机关党员素质提升班",
            courses=list(self.theory.values()),
            rule={"flags": ["is_organ_worker"]},
            target_description="街道机关党员，限额109人，其余候补",
            seat_limit=109,
            auto_enrol=True,
            starts_on=start,
            ends_on=end,
            default_venue=main,
        )
        rule = ScheduleRule.objects.create(
            cohort=cohort,
            weekdays=[1, 3],
            start_time=time(19),
            end_time=time(21),
            starts_on=start,
            ends_on=end,
            skip_dates=[d.isoformat() for d in skip],
            venue=main,
            title="机关党员素质提升班",
            hours=Decimal("2.0"),
        )
        order = ("c1", "c3", "c4", "c2", "c5", "c7", "c6", "c8", "c12", "c15", "c9", "c13", "c14", "c10", "c11")
        closing = (("学习分享会：理论学习与岗位实践", [self.t["dean"]]), ("结业式暨结业测试", [self.t["lead1"]]))
        for i, day in enumerate(days):
            if i < len(order):
                course = self.theory[order[i]]
                title, teachers = f"第{i + 1}讲 {course.title}", self.teachers_for(course)
            else:
                course, (title, teachers) = None, closing[i - len(order)]
            self.tt.place(cohort, [at(day, "19:00-21:00")], title=title, course=course, venue=main, teachers=teachers, rule=rule)

    # fmt: off
    LECTURES = (  # course, month (from today's), preferred Saturday from that day, venue: 10 at the main site, 5 in the communities
        ("c1", -10, 10, "main"), ("c2", -9, 21, "main"), ("c4", -8, 14, "main"), ("c8", -8, 21, "c2"), ("c7", -7, 18, "main"),
        ("c5", -6, 16, "main"), ("c14", -5, 13, "main"), ("c15", -5, 20, "c3"), ("c3", -4, 11, "main"), ("c13", -3, 15, "main"),
        ("c10", -2, 19, "c4"), ("c9", -1, 17, "main"), ("c6", 0, 14, "main"), ("c12", 0, 21, "c5"), ("c11", 1, 12, "c1"),
    )
    # fmt: on

    def lectures(self) -> None:
        """理论课堂: 15 expert lectures; members sign up for the main-site series or their community's lecture."""
        clock = self.clock
        main_keys = [c for c, _m, _d, v in self.LECTURES if v == "main"]
        cohorts = {
            "main": self.cohort(
                "WY",
                f"{clock.years(-10, 0)}“源课堂”理论课堂",
                courses=[self.theory[c] for c in main_keys],
                source=Enrollment.Source.SELF,
                members=self.sample(Member.objects.all(), 140),
                target_description="全体党员自主报名，限额140人",
                seat_limit=140,
                self_enrol_open=True,
                starts_on=clock.month(-10),
                ends_on=clock.month_end(0),
                default_venue=self.sd.venues["main"],
            )
        }
        for course_key, month, day, venue_key in self.LECTURES:
            if venue_key == "main":
                continue
            venue, org = self.sd.venues[venue_key], self.orgs[f"WY-C{venue_key[1]}"]
            pool = Member.objects.filter(organization__path__startswith=org.path)
            eligible = pool.filter(is_elderly_infirm=False, is_mobile=False).count()
            always = ("13900000003",) if org.code == "WY-C1" else ()
            when = clock.day_in(month, day)
            cohorts[venue_key] = self.cohort(
                org.code,
                f"{when.year}年理论课堂·专家进社区（{org.name.removesuffix('社区党委')}）",
                courses=[self.theory[course_key]],
                source=Enrollment.Source.SELF,
                members=self.sample(pool, min(venue.capacity - 10, eligible * 3 // 5), always=always),
                target_description="本社区党员自主报名",
                seat_limit=venue.capacity,
                self_enrol_open=True,
                starts_on=when,
                ends_on=when + timedelta(days=27),
                default_venue=venue,
            )
        for course_key, month, day, venue_key in self.LECTURES:
            course = self.theory[course_key]
            self.tt.place(
                cohorts[venue_key],
                slots(days_from(clock.day_in(month, day), weekdays=(5,)), "09:00-11:00", "14:30-16:30"),
                title=f"理论课堂：{course.title}",
                course=course,
                venue=self.sd.venues[venue_key],
                teachers=self.teachers_for(course),
            )

    def leaders(self) -> None:
        """领头雁 class for secretaries and Party-affairs workers, and a two-day camp for the latter."""
        main, clock = self.sd.venues["main"], self.clock
        plan = (("c9", -8, 6), ("c10", -8, 20), ("c11", -7, 10), ("c12", -7, 24), ("c5", -6, 8), ("c15", -6, 22))
        plan = [(key, clock.day_in(month, day)) for key, month, day in plan]
        cohort = self.cohort(
            "WY",
            f"{clock.years(-8, -6)}基层党组织“领头雁”培训班",
            courses=[self.theory[c] for c, _d in plan],
            rule={"positions": ["secretary", "deputy_secretary", "party_affairs_worker"]},
            target_description="基层党组织书记、副书记和党务工作者",
            auto_enrol=True,
            starts_on=plan[0][1],
            ends_on=plan[-1][1] + timedelta(days=6),
            default_venue=main,
        )
        for key, day in plan:
            course = self.theory[key]
            candidates = slots(days_from(day, weekdays=(4,)), "14:30-17:00")
            self.tt.place(
                cohort, candidates, title=f"领头雁：{course.title}", course=course, venue=main, teachers=self.teachers_for(course)
            )
        camp_plan = (("c10", "09:00-11:30"), ("c11", "14:30-17:00"), ("c9", "09:00-11:30"), ("c5", "14:30-17:00"))
        first = clock.day_in(-4, 24)
        camp = self.cohort(
            "WY",
            f"{first.year}年党务工作集训营",
            courses=[self.theory[c] for c, _s in camp_plan],
            rule={"positions": ["party_affairs_worker"]},
            target_description="各基层党组织党务工作者",
            auto_enrol=True,
            starts_on=first,
            ends_on=first + timedelta(days=1),
            default_venue=main,
        )
        for i, (key, span) in enumerate(camp_plan):
            course, day = self.theory[key], first + timedelta(days=i // 2)
            candidates = slots(days_from(day, day + timedelta(days=14)), span)
            self.tt.place(camp, candidates, title=f"集训营：{course.title}", course=course, venue=main, teachers=self.teachers_for(course))

    # fmt: off
    # course, venue, cohort, rule, target, teachers (rotating), months (from today's), (weekday, time), session topics
    FIELD = (
        ("field_zhdk", "proj_zhdk", "流动课堂·项目拉练（青年干部）", {"flags": ["is_organ_worker"], "age_bands": ["0-35"]},
         "35岁及以下机关党员，到项目一线锻炼，限额40人", ("ind3", "ind4", "mw5", "u2"), (-7, -6, -5, -4, -3, -2), (2, "14:30-17:00"),
         ("棚改征收政策与群众工作", "入户走访与诉求收集", "征收补偿方案宣讲", "矛盾纠纷现场调处", "安置过渡与困难帮扶", "项目一线党旗红经验交流")),
        ("field_xljy", "proj_xljy", "流动课堂·现场观摩（党组织书记）", {"positions": ["secretary"]},
         "基层党组织书记", ("mw1", "u7", "ind1", "lead2"), (-7, -6, -5, -3, -1, 0), (3, "09:30-11:30"),
         ("老旧小区改造中的党建引领", "加装电梯与居民协商", "道路降坡与无障碍改造", "飞线充电治理与集中充电桩", "改造后小区长效管理", "联户工作法在改造中的运用")),
    )
    # fmt: on

    def field_classes(self) -> None:
        """流动课堂 at the two project sites: 项目拉练 for young organ cadres, 现场观摩 for secretaries."""
        clock = self.clock
        for course_key, venue_key, name, rule, target, teachers, months, (weekday, span), titles in self.FIELD:
            course, venue = self.other[course_key], self.sd.venues[venue_key]
            cohort = self.cohort(
                "WY",
                f"{clock.years(months[0], months[-1])}{name}",
                courses=[course],
                rule=rule,
                target_description=target,
                mode=Cohort.Mode.FIELD,
                seat_limit=40 if course_key == "field_zhdk" else None,
                auto_enrol=True,
                starts_on=clock.month(months[0]),
                ends_on=clock.month_end(months[-1]),
                default_venue=venue,
            )
            for i, (month, topic) in enumerate(zip(months, titles)):
                candidates = slots(days_from(clock.day_in(month, 8), weekdays=(weekday,)), span)
                kind = course.title.split("·")[0]
                rotation = [self.t[k] for k in teachers[i % len(teachers) :] + teachers[: i % len(teachers)]]
                self.tt.place(cohort, candidates, title=f"{kind}：{topic}", course=course, venue=venue, teachers=rotation)

    def online_class(self) -> None:
        """网上班级 of the 美团党支部 (ongoing): a monthly online lesson, and offline practice each quarter at the 红色之家."""
        clock = self.clock
        online = [c for c in self.theory.values() if c.online_capable]
        cohort = self.cohort(
            "WY-N-1",
            "美团党支部网上班级",
            ongoing=True,
            courses=online + [self.other["vol_policy"]],
            rule={"flags": ["is_new_employment"]},
            target_description="美团党支部骑手党员：线上学习、线下实践",
            mode=Cohort.Mode.ONLINE,
            auto_enrol=True,
            starts_on=clock.month(-10),
            ends_on=clock.month_end(1),
        )
        for month in range(-10, 2):
            course = online[(clock.month(month).month - 1) % len(online)]
            candidates = slots(days_from(clock.day_in(month, 10), weekdays=range(7)), "15:00-16:00", "21:00-22:00")
            title = f"网上班级{clock.month(month):%Y年%-m月}：{course.title}"
            self.tt.place(cohort, candidates, title=title, course=course, teachers=self.teachers_for(course))
        practice = {-8: "骑手交通安全劝导", -5: "防汛防溺水宣传", -2: "文明城市创建宣传", 1: "冬季用电用火安全宣传"}
        for month, topic in practice.items():
            self.tt.place(
                cohort,
                slots(days_from(clock.day_in(month, 16)), "15:00-17:00"),
                title=f"线下实践：{topic}",
                course=self.other["vol_policy"],
                venue=self.sd.venues["red_mt"],
                teachers=[self.t["mem1"], self.t["sec7"], None],
            )

    def home_delivery(self) -> None:
        """送学上门 (ongoing): each month's lesson is taken to elderly and infirm members at home (no venue)."""
        clock = self.clock
        online = [c for c in self.theory.values() if c.online_capable]
        cohort = self.cohort(
            "WY",
            "送学上门·年老体弱党员学习",
            ongoing=True,
            courses=online,
            rule={"flags": ["is_elderly_infirm"]},
            target_description="年老体弱、行动不便的党员（由青年党员结对送学）",
            mode=Cohort.Mode.HOME_DELIVERY,
            auto_enrol=True,
            starts_on=clock.month(-10),
            ends_on=clock.month_end(1),
        )
        for month in range(-10, 2):
            course = online[(clock.month(month).month + 4) % len(online)]
            candidates = slots(days_from(clock.day_in(month, 18)), "09:30-11:00", "15:00-16:30")
            self.tt.place(cohort, candidates, title=f"送学上门{clock.month(month):%Y年%-m月}：{course.title}", course=course)

    VOLUNTEERING = {  # month from today's: what the volunteers do
        -8: "防范电信网络诈骗进小区",
        -7: "邻里纠纷调解实践",
        -6: "走访慰问困难家庭",
        -5: "医保和养老政策进楼栋",
        -4: "停车难问题协商议事",
        -3: "关爱独居老人",
        -2: "电动自行车安全充电宣传",
        -1: "物业服务纠纷调解",
        0: "送温暖、解难题",
        1: "防火与用电安全",
    }
    # course: teachers, co-hosting partner
    VOLUNTEER_COURSES = {
        "vol_policy": (("ind8", "mem5"), "pcs"),
        "vol_mediate": (("ind5", "sec3"), "sfj"),
        "vol_help": (("ind7", "ind6"), "sg"),
    }

    def volunteers(self) -> None:
        """志愿服务 practice: policy outreach, mediation and help for families in need, monthly at the compounds."""
        clock = self.clock
        courses = [self.other[k] for k in self.VOLUNTEER_COURSES]
        cohort = self.cohort(
            "WY",
            f"{clock.years(-8, 1)}党员志愿服务实践队",
            courses=courses,
            source=Enrollment.Source.SELF,
            members=self.sample(
                Member.objects.filter(organization__unit_type=Organization.UnitType.COMMUNITY), 36, always=("13900000003",)
            ),
            target_description="社区党员自愿报名（政策宣传、矛盾调处、助困帮扶）",
            self_enrol_open=True,
            seat_limit=36,
            starts_on=clock.month(-8),
            ends_on=clock.month_end(1),
        )
        for i, (month, topic) in enumerate(self.VOLUNTEERING.items()):
            key = list(self.VOLUNTEER_COURSES)[i % 3]
            teachers, partner = self.VOLUNTEER_COURSES[key]
            course = self.other[key]
            self.tt.place(
                cohort,
                slots(days_from(clock.day_in(month, 7), weekdays=(5,)), "14:30-16:30", "09:00-11:00"),
                title=f"{course.title.split('·')[1]}：{topic}",
                course=course,
                venue=self.sd.venues[f"st{i % 5 + 1}"],
                teachers=[self.t[k] for k in teachers] + [None],
                co_host=partner,
            )

    def party_days(self) -> None:
        """主题党日 of every branch (ongoing), in each of the last twelve months, this one included, near home;
        a member teaches each quarter, and each quarter has a branch 党课."""
        clock = self.clock
        course = self.other["party_day"]
        branches = Organization.objects.filter(kind=Organization.Kind.BRANCH).order_by("code")
        for org in branches:
            code = org.code
            if code in PARTY_DAY_VENUES:
                venue_key = PARTY_DAY_VENUES[code]
            else:  # WY-Ci-j: the community's centre, or its compound station for the compounds' joint branch
                venue_key = f"st{code[4]}" if code.endswith("-5") else f"c{code[4]}"
            venue = self.sd.venues[venue_key]
            cohort = self.cohort(
                code,
                f"{org.name}主题党日",
                ongoing=True,
                courses=[course],
                target_description="本支部全体党员",
                auto_enrol=True,
                starts_on=clock.month(-11),
                ends_on=clock.month_end(0),
                default_venue=venue,
            )
            spans = PARTY_DAY_TIMES[org.unit_type]
            usual = self.rng.randint(5, 20)  # the branch's usual day of the month
            ours = self.sd.by_org.get(org.pk, [])
            for month in range(-11, 1):
                first = clock.month(month)
                lesson, film, practice = PARTY_DAYS[first.month]
                lesson = lesson.format(years=first.year - 1921)
                month_days = list(days_from(first, clock.month_end(month)))
                month_days = [d for d in month_days if d.day >= usual] + [d for d in month_days if d.day < usual]
                teacher = ours[(first.month // 3) % len(ours)] if ours and first.month % 3 == 0 else None
                self.tt.place(
                    cohort,
                    slots(month_days, *spans),
                    title=f"{first.month}月主题党日｜一课：{lesson}｜一片：{film}｜一实践：{self.other[practice].title.split('·')[1]}",
                    course=course,
                    venue=venue,
                    teachers=[teacher, None] if teacher else [None],
                )
            # 三会一课: a branch 党课 each quarter, half a day, given by a member.
            for month in (-9, -6, -3, 0):
                first = clock.month(month)
                quarter = (first.month - 1) // 3 + 1
                month_days = list(days_from(first, clock.month_end(month), weekdays=(5, 6) if org.unit_type != "community" else range(6)))
                month_days = [d for d in month_days if d.day < usual] + [d for d in month_days if d.day >= usual]
                teacher = ours[(quarter * 7) % len(ours)] if ours else None
                self.tt.place(
                    cohort,
                    slots(month_days, "09:00-12:30", "14:30-18:00"),
                    title=f"{first.year}年第{quarter}季度支部党课",
                    course=course,
                    venue=venue,
                    teachers=[teacher, None] if teacher else [None],
                )

    def save(self) -> None:
        Enrollment.objects.bulk_create(self.tt.enrollments, batch_size=1000)
        Session.objects.bulk_create(self.tt.sessions, batch_size=500)


@transaction.atomic
def build_teaching(sd: SchoolDemo, clock: DemoClock, stdout=None) -> None:
    """Create the courses, cohorts, enrolments and a timetable without double bookings, around the demo's today."""
    builder = _Builder(sd, clock)
    builder.courses()
    builder.organ_class()
    builder.lectures()
    builder.leaders()
    builder.field_classes()
    builder.online_class()
    builder.home_delivery()
    builder.volunteers()
    builder.party_days()
    builder.save()
    if stdout:
        enrolled = Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).count()
        waiting = Enrollment.objects.filter(status=Enrollment.Status.WAITLISTED).count()
        stdout.write(
            f"  课程 {Course.objects.count()} 门，班次 {Cohort.objects.count()} 个，"
            f"报名 {enrolled} 人次（另候补 {waiting}），课次 {len(builder.tt.sessions)} 场"
        )
