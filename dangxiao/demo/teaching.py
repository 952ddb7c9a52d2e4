"""The demo school's teaching in 2026: courses, cohorts (班次) with their trainees, and the timetable.

Every session is placed through one `Timetable` that knows every booking made so far, so no venue,
teacher or enrolled member is ever in two places at once; a slot that is taken moves to the next
free one, in a fixed order, so the same records come out of every run. Rows are bulk-created: the
services check the same things one session at a time, which would be far too slow for the demo.
"""

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction

from dangxiao.demo.people import SEED, TODAY
from dangxiao.demo.school import SchoolDemo
from dangxiao.people.models import Member, Organization
from dangxiao.school.models import Teacher, Venue
from dangxiao.teaching.models import Cohort, Course, Enrollment, ScheduleRule, Session
from dangxiao.teaching.selectors import cohort_eligible_members
from dangxiao.teaching.services import rule_dates

SHANGHAI = ZoneInfo("Asia/Shanghai")
Slot = tuple[datetime, datetime]


def _span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


# Public holidays of 2026 (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆): nothing is planned on them by choice.
HOLIDAYS = (
    _span(date(2026, 1, 1), date(2026, 1, 3))
    | _span(date(2026, 2, 15), date(2026, 2, 23))
    | _span(date(2026, 4, 4), date(2026, 4, 6))
    | _span(date(2026, 5, 1), date(2026, 5, 5))
    | _span(date(2026, 6, 19), date(2026, 6, 21))
    | _span(date(2026, 9, 25), date(2026, 9, 27))
    | _span(date(2026, 10, 1), date(2026, 10, 7))
)

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
# month: (lesson, film, practice course) of the branches' 主题党日 “一月一课一片一实践”
PARTY_DAYS = {
    1: ("新年新征程：学习党的创新理论", "《榜样》", "vol_help"),
    2: ("守好节日廉洁关", "《零容忍》", "vol_policy"),
    3: ("学习雷锋精神", "《雷锋》", "vol_help"),
    4: ("清明缅怀革命先烈", "《革命者》", "vol_policy"),
    5: ("弘扬劳动精神", "《守岛人》", "vol_mediate"),
    6: ("重温入党誓词、学习党章", "《1921》", "vol_policy"),
    7: ("庆祝建党105周年", "《建党伟业》", "vol_help"),
    8: ("国防教育与拥军优属", "《长津湖》", "vol_help"),
    9: ("学习《党员教育管理工作条例》", "《焦裕禄》", "vol_mediate"),
    10: ("爱国主义教育", "《我和我的祖国》", "vol_policy"),
    11: ("对照检查，准备民主评议", "《杨善洲》", "vol_help"),
}
# branch code → where it holds its 主题党日 (the rest of a community's branches meet at its centre)
PARTY_DAY_VENUES = {
    "WY-J-1": "main", "WY-J-2": "main", "WY-J-3": "main", "WY-S1": "main", "WY-S2": "c5", "WY-S3": "c4",
    "WY-E1": "proj_zhdk", "WY-E2": "proj_xljy", "WY-E3": "c2", "WY-E4": "c4", "WY-E5": "st5", "WY-E6": "c3", "WY-E7": "st1",
    "WY-E8": "c5", "WY-N-1": "red_mt", "WY-N-2": "red_kd", "WY-I1": "p_csuft", "WY-I2": "c2", "WY-I3": "st3", "WY-I4": "p_lky",
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
    day = first
    while day <= last:
        if day.weekday() in weekdays and day not in HOLIDAYS:
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
    def __init__(self, sd: SchoolDemo):
        self.sd, self.orgs = sd, sd.orgs
        self.rng = random.Random(SEED + 2)
        self.tt = Timetable(sd)
        self.t = sd.teachers
        self.phones = dict(Member.objects.filter(phone__startswith="1390000000").values_list("phone", "id"))

    def cohort(self, org: str, name: str, *, courses=(), rule=None, source=Enrollment.Source.RULE, members=None, **fields) -> Cohort:
        """A cohort with its trainees: those the rule selects (on the demo's date), or the members given."""
        cohort = Cohort.objects.create(
            school=self.sd.school, plan=self.sd.plan, organization=self.orgs[org], name=name, target_rule=rule or {}, **fields
        )
        cohort.courses.set(courses)
        if members is None:
            members = list(cohort_eligible_members(cohort, TODAY).order_by("organization__path", "id").values_list("id", flat=True))
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
        """机关党员素质提升班: Tuesday and Thursday evenings, September–October, 109 seats, teachers rotating."""
        main = self.sd.venues["main"]
        start, end, skip = date(2026, 9, 1), date(2026, 10, 31), date(2026, 10, 1)
        cohort = self.cohort(
            "WY",
            "2026年机关党员素质提升班",
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
            skip_dates=[skip.isoformat()],
            venue=main,
            title="机关党员素质提升班",
            hours=Decimal("2.0"),
        )
        order = ("c1", "c3", "c4", "c2", "c5", "c7", "c6", "c8", "c12", "c15", "c9", "c13", "c14", "c10", "c11")
        closing = (("学习分享会：理论学习与岗位实践", [self.t["dean"]]), ("结业式暨结业测试", [self.t["lead1"]]))
        days = rule_dates([1, 3], start, end, {skip})
        for i, day in enumerate(days):
            if i < len(order):
                course = self.theory[order[i]]
                title, teachers = f"第{i + 1}讲 {course.title}", self.teachers_for(course)
            else:
                course, (title, teachers) = None, closing[i - len(order)]
            self.tt.place(cohort, [at(day, "19:00-21:00")], title=title, course=course, venue=main, teachers=teachers, rule=rule)

    # fmt: off
    LECTURES = (  # course, preferred Saturday, venue: 10 at the main site, 5 brought to the communities
        ("c1", date(2026, 1, 10), "main"), ("c2", date(2026, 2, 28), "main"), ("c4", date(2026, 3, 14), "main"),
        ("c8", date(2026, 3, 21), "c2"), ("c7", date(2026, 4, 18), "main"), ("c5", date(2026, 5, 16), "main"),
        ("c14", date(2026, 6, 13), "main"), ("c15", date(2026, 6, 27), "c3"), ("c3", date(2026, 7, 11), "main"),
        ("c13", date(2026, 8, 15), "main"), ("c10", date(2026, 9, 19), "c4"), ("c9", date(2026, 10, 17), "main"),
        ("c6", date(2026, 11, 14), "main"), ("c12", date(2026, 11, 21), "c5"), ("c11", date(2026, 12, 12), "c1"),
    )
    # fmt: on

    def lectures(self) -> None:
        """理论课堂: 15 expert lectures; members sign up for the main-site series or their community's lecture."""
        main_keys = [c for c, _d, v in self.LECTURES if v == "main"]
        cohorts = {
            "main": self.cohort(
                "WY",
                "2026年“源课堂”理论课堂",
                courses=[self.theory[c] for c in main_keys],
                source=Enrollment.Source.SELF,
                members=self.sample(Member.objects.all(), 140),
                target_description="全体党员自主报名，限额140人",
                seat_limit=140,
                self_enrol_open=True,
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 11, 30),
                default_venue=self.sd.venues["main"],
            )
        }
        for course_key, day, venue_key in self.LECTURES:
            if venue_key == "main":
                continue
            venue, org = self.sd.venues[venue_key], self.orgs[f"WY-C{venue_key[1]}"]
            pool = Member.objects.filter(organization__path__startswith=org.path)
            eligible = pool.filter(is_elderly_infirm=False, is_mobile=False).count()
            always = ("13900000003",) if org.code == "WY-C1" else ()
            cohorts[venue_key] = self.cohort(
                org.code,
                f"2026年理论课堂·专家进社区（{org.name.removesuffix('社区党委')}）",
                courses=[self.theory[course_key]],
                source=Enrollment.Source.SELF,
                members=self.sample(pool, min(venue.capacity - 10, eligible * 3 // 5), always=always),
                target_description="本社区党员自主报名",
                seat_limit=venue.capacity,
                self_enrol_open=True,
                starts_on=day,
                ends_on=day,
                default_venue=venue,
            )
        for course_key, day, venue_key in self.LECTURES:
            course = self.theory[course_key]
            self.tt.place(
                cohorts[venue_key],
                slots(days_from(day, weekdays=(5,)), "09:00-11:00", "14:30-16:30"),
                title=f"理论课堂：{course.title}",
                course=course,
                venue=self.sd.venues[venue_key],
                teachers=self.teachers_for(course),
            )

    def leaders(self) -> None:
        """领头雁 class for secretaries and Party-affairs workers, and a two-day camp for the latter."""
        main = self.sd.venues["main"]
        plan = (("c9", date(2026, 3, 6)), ("c10", date(2026, 3, 20)), ("c11", date(2026, 4, 10)))
        plan += (("c12", date(2026, 4, 24)), ("c5", date(2026, 5, 8)), ("c15", date(2026, 5, 22)))
        cohort = self.cohort(
            "WY",
            "2026年基层党组织“领头雁”培训班",
            courses=[self.theory[c] for c, _d in plan],
            rule={"positions": ["secretary", "deputy_secretary", "party_affairs_worker"]},
            target_description="基层党组织书记、副书记和党务工作者",
            auto_enrol=True,
            starts_on=plan[0][1],
            ends_on=plan[-1][1],
            default_venue=main,
        )
        for key, day in plan:
            course = self.theory[key]
            candidates = slots(days_from(day, weekdays=(4,)), "14:30-17:00")
            self.tt.place(
                cohort, candidates, title=f"领头雁：{course.title}", course=course, venue=main, teachers=self.teachers_for(course)
            )
        camp_plan = (("c10", "09:00-11:30"), ("c11", "14:30-17:00"), ("c9", "09:00-11:30"), ("c5", "14:30-17:00"))
        camp = self.cohort(
            "WY",
            "2026年党务工作集训营",
            courses=[self.theory[c] for c, _s in camp_plan],
            rule={"positions": ["party_affairs_worker"]},
            target_description="各基层党组织党务工作者",
            auto_enrol=True,
            starts_on=date(2026, 7, 24),
            ends_on=date(2026, 7, 25),
            default_venue=main,
        )
        for i, (key, span) in enumerate(camp_plan):
            course, day = self.theory[key], date(2026, 7, 24 + i // 2)
            candidates = slots(days_from(day, day + timedelta(days=14)), span)
            self.tt.place(camp, candidates, title=f"集训营：{course.title}", course=course, venue=main, teachers=self.teachers_for(course))

    # fmt: off
    # course, venue, cohort, rule, target, teachers (rotating), months, (weekday, time), session topics
    FIELD = (
        ("field_zhdk", "proj_zhdk", "2026年流动课堂·项目拉练（青年干部）", {"flags": ["is_organ_worker"], "age_bands": ["0-35"]},
         "35岁及以下机关党员，到项目一线锻炼，限额40人", ("ind3", "ind4", "mw5", "u2"), (4, 5, 6, 7, 8, 9), (2, "14:30-17:00"),
         ("棚改征收政策与群众工作", "入户走访与诉求收集", "征收补偿方案宣讲", "矛盾纠纷现场调处", "安置过渡与困难帮扶", "项目一线党旗红经验交流")),
        ("field_xljy", "proj_xljy", "2026年流动课堂·现场观摩（党组织书记）", {"positions": ["secretary"]},
         "基层党组织书记", ("mw1", "u7", "ind1", "lead2"), (4, 5, 6, 8, 10, 11), (3, "09:30-11:30"),
         ("老旧小区改造中的党建引领", "加装电梯与居民协商", "道路降坡与无障碍改造", "飞线充电治理与集中充电桩", "改造后小区长效管理", "联户工作法在改造中的运用")),
    )
    # fmt: on

    def field_classes(self) -> None:
        """流动课堂 at the two project sites: 项目拉练 for young organ cadres, 现场观摩 for secretaries."""
        for course_key, venue_key, name, rule, target, teachers, months, (weekday, span), titles in self.FIELD:
            course, venue = self.other[course_key], self.sd.venues[venue_key]
            cohort = self.cohort(
                "WY",
                name,
                courses=[course],
                rule=rule,
                target_description=target,
                mode=Cohort.Mode.FIELD,
                seat_limit=40 if course_key == "field_zhdk" else None,
                auto_enrol=True,
                starts_on=date(2026, months[0], 1),
                ends_on=date(2026, months[-1], 30),
                default_venue=venue,
            )
            for i, (month, topic) in enumerate(zip(months, titles)):
                candidates = slots(days_from(date(2026, month, 8), weekdays=(weekday,)), span)
                kind = course.title.split("·")[0]
                rotation = [self.t[k] for k in teachers[i % len(teachers) :] + teachers[: i % len(teachers)]]
                self.tt.place(cohort, candidates, title=f"{kind}：{topic}", course=course, venue=venue, teachers=rotation)

    def online_class(self) -> None:
        """网上班级 of the 美团党支部: a monthly online lesson, and offline practice each quarter at the 红色之家."""
        online = [c for c in self.theory.values() if c.online_capable]
        cohort = self.cohort(
            "WY-N-1",
            "美团党支部2026年网上班级",
            courses=online + [self.other["vol_policy"]],
            rule={"flags": ["is_new_employment"]},
            target_description="美团党支部骑手党员：线上学习、线下实践",
            mode=Cohort.Mode.ONLINE,
            auto_enrol=True,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        for month in range(1, 13):
            course = online[(month - 1) % len(online)]
            candidates = slots(days_from(date(2026, month, 10), weekdays=range(7)), "15:00-16:00", "21:00-22:00")
            self.tt.place(cohort, candidates, title=f"网上班级{month}月：{course.title}", course=course, teachers=self.teachers_for(course))
        practice = {3: "骑手交通安全劝导", 6: "防汛防溺水宣传", 9: "文明城市创建宣传", 12: "冬季用电用火安全宣传"}
        for month, topic in practice.items():
            self.tt.place(
                cohort,
                slots(days_from(date(2026, month, 16)), "15:00-17:00"),
                title=f"线下实践：{topic}",
                course=self.other["vol_policy"],
                venue=self.sd.venues["red_mt"],
                teachers=[self.t["mem1"], self.t["sec7"], None],
            )

    def home_delivery(self) -> None:
        """送学上门: each month's lesson is taken to elderly and infirm members at home (no venue)."""
        online = [c for c in self.theory.values() if c.online_capable]
        cohort = self.cohort(
            "WY",
            "2026年送学上门·年老体弱党员学习",
            courses=online,
            rule={"flags": ["is_elderly_infirm"]},
            target_description="年老体弱、行动不便的党员（由青年党员结对送学）",
            mode=Cohort.Mode.HOME_DELIVERY,
            auto_enrol=True,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        for month in range(1, 13):
            course = online[(month + 4) % len(online)]
            candidates = slots(days_from(date(2026, month, 18)), "09:30-11:00", "15:00-16:30")
            self.tt.place(cohort, candidates, title=f"送学上门{month}月：{course.title}", course=course)

    VOLUNTEERING = {
        3: "防范电信网络诈骗进小区",
        4: "邻里纠纷调解实践",
        5: "走访慰问困难家庭",
        6: "医保和养老政策进楼栋",
        7: "停车难问题协商议事",
        8: "高温天气关爱独居老人",
        9: "电动自行车安全充电宣传",
        10: "物业服务纠纷调解",
        11: "冬季送温暖",
        12: "冬季防火与用电安全",
    }
    # course: teachers, co-hosting partner
    VOLUNTEER_COURSES = {
        "vol_policy": (("ind8", "mem5"), "pcs"),
        "vol_mediate": (("ind5", "sec3"), "sfj"),
        "vol_help": (("ind7", "ind6"), "sg"),
    }

    def volunteers(self) -> None:
        """志愿服务 practice: policy outreach, mediation and help for families in need, monthly at the compounds."""
        courses = [self.other[k] for k in self.VOLUNTEER_COURSES]
        cohort = self.cohort(
            "WY",
            "2026年党员志愿服务实践队",
            courses=courses,
            source=Enrollment.Source.SELF,
            members=self.sample(
                Member.objects.filter(organization__unit_type=Organization.UnitType.COMMUNITY), 36, always=("13900000003",)
            ),
            target_description="社区党员自愿报名（政策宣传、矛盾调处、助困帮扶）",
            self_enrol_open=True,
            seat_limit=36,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 12, 31),
        )
        for i, (month, topic) in enumerate(self.VOLUNTEERING.items()):
            key = list(self.VOLUNTEER_COURSES)[i % 3]
            teachers, partner = self.VOLUNTEER_COURSES[key]
            course = self.other[key]
            self.tt.place(
                cohort,
                slots(days_from(date(2026, month, 7), weekdays=(5,)), "14:30-16:30", "09:00-11:00"),
                title=f"{course.title.split('·')[1]}：{topic}",
                course=course,
                venue=self.sd.venues[f"st{i % 5 + 1}"],
                teachers=[self.t[k] for k in teachers] + [None],
                co_host=partner,
            )

    def party_days(self) -> None:
        """主题党日 of every branch, every month January–November, near home; a member teaches each quarter."""
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
                f"{org.name}2026年主题党日",
                courses=[course],
                target_description="本支部全体党员",
                auto_enrol=True,
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 11, 30),
                default_venue=venue,
            )
            spans = PARTY_DAY_TIMES[org.unit_type]
            usual = self.rng.randint(5, 20)  # the branch's usual day of the month
            ours = self.sd.by_org.get(org.pk, [])
            for month, (lesson, film, practice) in PARTY_DAYS.items():
                month_days = list(days_from(date(2026, month, 1), date(2026, month + 1, 1) - timedelta(days=1)))
                month_days = [d for d in month_days if d.day >= usual] + [d for d in month_days if d.day < usual]
                teacher = ours[(month // 3) % len(ours)] if ours and month % 3 == 0 else None
                self.tt.place(
                    cohort,
                    slots(month_days, *spans),
                    title=f"{month}月主题党日｜一课：{lesson}｜一片：{film}｜一实践：{self.other[practice].title.split('·')[1]}",
                    course=course,
                    venue=venue,
                    teachers=[teacher, None] if teacher else [None],
                )
            # 三会一课: a branch 党课 each quarter (the last one in November), half a day, given by a member.
            for quarter, month in enumerate((3, 6, 9, 11), start=1):
                month_days = list(
                    days_from(
                        date(2026, month, 1),
                        date(2026, month + 1, 1) - timedelta(days=1),
                        weekdays=(5, 6) if org.unit_type != "community" else range(6),
                    )
                )
                month_days = [d for d in month_days if d.day < usual] + [d for d in month_days if d.day >= usual]
                teacher = ours[(quarter * 7) % len(ours)] if ours else None
                self.tt.place(
                    cohort,
                    slots(month_days, "09:00-12:30", "14:30-18:00"),
                    title=f"第{quarter}季度支部党课",
                    course=course,
                    venue=venue,
                    teachers=[teacher, None] if teacher else [None],
                )

    def save(self) -> None:
        Enrollment.objects.bulk_create(self.tt.enrollments, batch_size=1000)
        Session.objects.bulk_create(self.tt.sessions, batch_size=500)


@transaction.atomic
def build_teaching(sd: SchoolDemo, stdout=None) -> None:
    """Create the 2026 courses, cohorts, enrolments and a timetable without double bookings."""
    builder = _Builder(sd)
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
        enrolled = sum(1 for e in builder.tt.enrollments if e.status == Enrollment.Status.ENROLLED)
        stdout.write(
            f"  课程 {Course.objects.count()} 门，班次 {Cohort.objects.count()} 个，"
            f"报名 {enrolled} 人次（另候补 {len(builder.tt.enrollments) - enrolled}），课次 {len(builder.tt.sessions)} 场"
        )
