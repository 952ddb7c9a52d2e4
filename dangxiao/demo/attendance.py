"""The demo school's attendance history: the roll of every session held before the demo day.

Built on the teaching demo from a fixed seed, so every run makes the same records, and from records
only: the trained 人次 (attended rows), study hours, leave and home visits on every page are counted
from what is written here, never written in. Rows go in with bulk_create; they are what the
services would have written (check-in, the roll, approved leave, confirmed home visits), with the
study-hour ledger in step with the roll: each credit is computed by the credit service's own functions
(`attendance.credit.credit_values`, `home_delivery.visit_hours`), and tests/test_demo.py has the
periodic credit job write the last month's credits again and finds them the same.

Online lessons of the 美团党支部's 网上班级 are left to the online demo (`dangxiao.demo.online`) (its progress credits
study hours from lessons, not from a roll); its offline practice sessions are marked here.
"""

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from dangxiao.attendance.credit import category_of, credit_values
from dangxiao.attendance.home_delivery import HELPER_MAX_AGE, visit_hours
from dangxiao.attendance.models import (
    Attendance,
    AttendancePolicy,
    HomeDeliveryPair,
    HomeVisit,
    LeaveRequest,
    StudyHourEntry,
    StudyHourRule,
    VolunteerTime,
)
from dangxiao.demo.clock import DemoClock
from dangxiao.demo.people import SEED
from dangxiao.people.models import Member, Organization, Role, age_on
from dangxiao.school.models import School
from dangxiao.teaching.models import Cohort, Enrollment, Session

SHANGHAI = ZoneInfo("Asia/Shanghai")
ST = Attendance.Status

REASONS = ("出差", "单位值班", "身体不适", "家中有事", "陪护家人就医", "外出参加培训", "孩子生病需要照顾", "加班")
ELDER_REASONS = ("身体原因，行动不便", "住院治疗", "腿脚不便，天冷不便出门", "在外地子女家休养")
MOBILE_REASONS = ("在外地配送站点工作", "跑单高峰无法脱身", "在外地务工")
REFUSAL_NOTES = ("本次为集中学习，原则上不准假，请调整工作安排", "请假事由不充分")
VISIT_ACTIVITIES = (
    "带去学习资料逐页讲解，老党员谈了学习体会",
    "用手机播放课程录像，一起收看后交流",
    "读报学习，帮助老党员理解有关政策",
    "讲解课程要点，顺带了解生活困难并向社区反映",
    "和老党员一起重温入党誓词，交流学习心得",
    "结合老党员亲身经历开展交流，记录了口述党史",
)
CONFIRMATIONS = (("本人签字", 12), ("电话确认", 5), ("家属代签", 3))

# The demo member 王志强: a good year with one leave (a family member's hospital visit) and one late arrival.
MEMBER_PHONE, SECRETARY_PHONE, RIDER_PHONE = "13900000003", "13900000002", "13900000004"
MEMBER_EXCUSED_MONTH, MEMBER_LATE_MONTH = -4, -2  # months from today's


def _local_date(dt: datetime) -> date:
    return dt.astimezone(SHANGHAI).date()


def _held_on_the_roll(session: Session) -> bool:
    """Sessions whose attendance is a roll: not the 网上班级's online lessons, not home delivery (visits)."""
    mode = session.cohort.mode
    return mode != Cohort.Mode.HOME_DELIVERY and not (mode == Cohort.Mode.ONLINE and session.venue_id is None)


@dataclass
class _Person:
    id: int
    phone: str
    name: str
    org_path: str
    elderly: bool
    mobile: bool
    user_id: int | None
    compound: str
    age: int
    propensity: float = 0.92


@dataclass
class _Rows:
    attendances: list[Attendance] = field(default_factory=list)
    entries: list[StudyHourEntry] = field(default_factory=list)
    leaves: list[tuple[LeaveRequest, datetime]] = field(default_factory=list)


class _Builder:
    def __init__(self, school: School, clock: DemoClock):
        self.school, self.clock = school, clock
        self.as_of = clock.as_of
        self.credits: dict[tuple[int, str], dict | None] = {}
        self.rng = random.Random(SEED + 3)
        self.policy, _ = AttendancePolicy.objects.get_or_create(school=school)
        self.people = self._people()
        self.by_phone = {p.phone: p for p in self.people.values()}
        self.rows = _Rows()
        self.roll_keepers = self._roll_keepers()

    def _people(self) -> dict[int, _Person]:
        today = self.clock.today
        rows = Member.objects.values_list(
            "id", "phone", "name", "organization__path", "is_elderly_infirm", "is_mobile", "user_id", "home_compound", "birth_date"
        )
        people = {r[0]: _Person(*r[:8], age=age_on(r[8], today) or 60) for r in sorted(rows, key=lambda r: r[1])}
        for person in people.values():  # in phone order, so the draws are the same every run
            if person.elderly:
                person.propensity = self.rng.uniform(0.25, 0.5)  # exempt; most of their study comes home to them
            elif person.mobile:
                person.propensity = self.rng.uniform(0.5, 0.8)
            elif self.rng.random() < 0.05:
                person.propensity = self.rng.uniform(0.55, 0.8)  # members who often miss
            else:
                person.propensity = self.rng.uniform(0.9, 0.995)
        by_phone = {p.phone: p for p in people.values()}
        for phone in ("13900000001", SECRETARY_PHONE, MEMBER_PHONE, "13900000005", "13900000006"):
            if phone in by_phone:
                by_phone[phone].propensity = 0.99
        # 张秀兰's branch has members falling behind: they rarely come, so their rate and hours alert.
        if SECRETARY_PHONE in by_phone:
            path = by_phone[SECRETARY_PHONE].org_path
            branch = [p for p in people.values() if p.org_path == path and not p.elderly and not p.phone.startswith("1390000000")]
            for person in self.rng.sample(branch, min(4, len(branch))):
                person.propensity = self.rng.uniform(0.3, 0.5)
        return people

    def _roll_keepers(self) -> list[tuple[str, int]]:
        """Who marks a cohort's roll: the organisation's administrator, else the school's dean."""
        admins = sorted(
            Role.objects.filter(kind=Role.Kind.ORG_ADMIN).values_list("organization__path", "user_id"), key=lambda r: -len(r[0])
        )
        dean = Role.objects.filter(kind=Role.Kind.DEAN).values_list("organization__path", "user_id").first()
        return admins + ([dean] if dean else [])

    def keeper(self, cohort: Cohort) -> int | None:
        path = cohort.organization.path
        return next((user for prefix, user in self.roll_keepers if path.startswith(prefix)), None)

    # --- The roll -------------------------------------------------------------------------------

    def roll(self, sessions: list[Session], enrolled: dict[int, list[int]]) -> None:
        for session in sessions:
            keeper = self.keeper(session.cohort)
            month = self.clock.months_from(_local_date(session.starts_at))
            for member_id in enrolled.get(session.cohort_id, []):
                self.mark(session, self.people[member_id], keeper, month)

    def mark(self, session: Session, person: _Person, keeper: int | None, month: int) -> None:
        rng, start = self.rng, session.starts_at
        draw, kind, minutes = rng.random(), rng.random(), rng.uniform(2, 28)
        status = ST.PRESENT if draw < person.propensity else ST.ABSENT
        if status == ST.PRESENT:
            status = ST.LATE if kind < 0.06 else ST.LEFT_EARLY if kind < 0.085 else ST.PRESENT
        elif kind < (0.65 if person.elderly or person.mobile else 0.45):
            status = ST.EXCUSED
        if person.phone == MEMBER_PHONE and session.cohort.name.endswith("主题党日"):
            status = {MEMBER_EXCUSED_MONTH: ST.EXCUSED, MEMBER_LATE_MONTH: ST.LATE}.get(
                month, ST.PRESENT if status in Attendance.ATTENDED else status
            )
        row = Attendance(session=session, member_id=person.id, status=status, method=Attendance.Method.MANUAL, marked_by_id=keeper)
        if status in Attendance.ATTENDED:
            method = rng.random()
            if person.elderly or 0.72 <= method < 0.86:  # the elderly show their card at the kiosk
                row.method, row.marked_by_id = Attendance.Method.KIOSK, keeper
            elif method < 0.72:
                row.method, row.marked_by_id = Attendance.Method.QR, None
                row.device_id = hashlib.sha256(f"demo-phone:{person.phone}".encode()).hexdigest()[:16]
            if row.method != Attendance.Method.MANUAL:
                offset = timedelta(minutes=11 + minutes) if status == ST.LATE else -timedelta(minutes=minutes)
                row.checked_in_at = start + offset
            credit = self.credit(session, status)
            if credit is not None:
                self.rows.entries.append(StudyHourEntry(member_id=person.id, session=session, created_by_id=row.marked_by_id, **credit))
        elif status == ST.EXCUSED:
            self.leave(session, person, keeper, LeaveRequest.Status.APPROVED)
        elif rng.random() < 0.08:  # asked, was refused, and stayed away all the same
            self.leave(session, person, keeper, LeaveRequest.Status.REFUSED)
        self.rows.attendances.append(row)

    def credit(self, session: Session, status: str) -> dict | None:
        """What the roll service credits for this mark (attendance.credit), as of the session's end; once a session and status."""
        key = (session.pk, status)
        if key not in self.credits:
            values = credit_values(
                status,
                session_hours=session.hours,
                starts_at=session.starts_at,
                category=category_of(session),
                policy=self.policy,
                by=None,
                now=session.ends_at,
            )
            self.credits[key] = values and {k: v for k, v in values.items() if k != "created_by"}
        return self.credits[key]

    def leave(self, session: Session, person: _Person, keeper: int | None, status: str) -> None:
        rng = self.rng
        reasons = ELDER_REASONS if person.elderly else MOBILE_REASONS if person.mobile else REASONS
        asked = session.starts_at - timedelta(hours=rng.uniform(3, 96))
        decided = min(asked + timedelta(hours=rng.uniform(0.5, 20)), session.starts_at - timedelta(hours=1))
        if person.phone == MEMBER_PHONE:
            reason = "陪护家人住院治疗"
        else:
            reason = rng.choice(reasons)
        note = "" if status == LeaveRequest.Status.APPROVED else rng.choice(REFUSAL_NOTES)
        request = LeaveRequest(
            session=session,
            member_id=person.id,
            reason=reason,
            status=status,
            decided_by_id=keeper,
            decided_at=decided,
            decision_note=note,
        )
        self.rows.leaves.append((request, asked))

    # --- 送学上门 --------------------------------------------------------------------------------

    def pair_elders(self, cohort: Cohort, elder_ids: list[int]) -> list[HomeDeliveryPair]:
        """Each elder gets a young member near home: same compound, else same community, else an organ cadre."""
        step = Organization.steplen
        elders = sorted((self.people[m] for m in elder_ids), key=lambda p: (p.org_path, p.phone))
        young = [p for p in self.people.values() if not p.elderly and not p.mobile and p.age <= HELPER_MAX_AGE]
        load: dict[int, int] = defaultdict(int)
        pairs: dict[int, int] = {}
        rider = self.by_phone.get(RIDER_PHONE)
        if rider is not None:  # the demo rider helps two elders near where he lives
            near = [e for e in elders if e.compound == rider.compound] or elders
            for elder in near[:2]:
                pairs[elder.id], load[rider.id] = rider.id, load[rider.id] + 1
        for elder in elders:
            if elder.id in pairs:
                continue
            community = elder.org_path[: 2 * step]
            tiers = (
                [p for p in young if p.compound == elder.compound and p.org_path.startswith(community)],
                [p for p in young if p.org_path.startswith(community)],
                young,
            )
            for tier in tiers:
                free = [p for p in tier if load[p.id] < 2]
                if free:
                    least = min(load[p.id] for p in free)
                    helper = self.rng.choice([p for p in free if load[p.id] == least])
                    pairs[elder.id], load[helper.id] = helper.id, load[helper.id] + 1
                    break
        return [HomeDeliveryPair(cohort=cohort, elder_id=e, helper_id=h) for e, h in pairs.items()]

    def visits(self, pairs: list[HomeDeliveryPair], sessions: list[Session]) -> list[HomeVisit]:
        rng, rows = self.rng, []
        for pair in pairs:
            reliability = rng.uniform(0.85, 1.0)
            for session in sessions:
                visited_on = _local_date(session.starts_at) + timedelta(days=rng.randint(0, 8))
                if rng.random() > reliability or visited_on >= self.clock.today:
                    continue
                recent = (self.clock.today - visited_on).days < 14
                confirmed = rng.random() < (0.5 if recent else 0.96)
                method = rng.choices([m for m, _w in CONFIRMATIONS], weights=[w for _m, w in CONFIRMATIONS])[0]
                rows.append(
                    HomeVisit(
                        pair=pair,
                        session=session,
                        visited_on=visited_on,
                        minutes=rng.randrange(40, 95, 5),
                        content=f"{session.course.title if session.course_id else session.title}：{rng.choice(VISIT_ACTIVITIES)}",
                        elder_confirmed=confirmed,
                        confirmation=method if confirmed else "",
                    )
                )
        return rows

    def credit_visits(self, visits: list[HomeVisit]) -> list[VolunteerTime]:
        """What `visit_record` writes for a confirmed visit: the elder present, the hours, the helper's time."""
        volunteer = []
        for visit in visits:
            if not visit.elder_confirmed:
                continue
            pair, session, ref = visit.pair, visit.session, f"visit:{visit.pk}"
            helper, elder = self.people[pair.helper_id], self.people[pair.elder_id]
            self.rows.attendances.append(
                Attendance(
                    session=session, member_id=elder.id, status=ST.PRESENT, method=Attendance.Method.MANUAL, marked_by_id=helper.user_id
                )
            )
            self.rows.entries.append(
                StudyHourEntry(
                    member_id=elder.id,
                    date=visit.visited_on,
                    hours=visit_hours(visit),  # what visit_confirm credits
                    source=StudyHourEntry.Source.HOME_DELIVERY,
                    category=category_of(session),
                    session=session,
                    reference=ref,
                    note=f"送学上门：{helper.name}上门送学",
                    created_by_id=helper.user_id,
                )
            )
            volunteer.append(
                VolunteerTime(
                    member_id=helper.id, date=visit.visited_on, minutes=visit.minutes, reference=ref, note=f"送学上门：{elder.name}"
                )
            )
        return volunteer

    # --- Leave asked for what is coming -----------------------------------------------------------

    def pending_leave(self, upcoming: list[Session], enrolled: dict[int, list[int]]) -> list[tuple[LeaveRequest, datetime]]:
        rows, chosen = [], set()
        member = self.by_phone.get(MEMBER_PHONE)
        mine = next((s for s in upcoming if member and member.id in enrolled.get(s.cohort_id, [])), None)
        if mine is not None:
            chosen.add((mine.pk, member.id))
            rows.append(
                (LeaveRequest(session=mine, member_id=member.id, reason="当天要陪家人去医院复查"), self.as_of - timedelta(hours=20))
            )
        soon = [s for s in upcoming if s.starts_at < self.as_of + timedelta(days=21)]
        candidates = [(s, m) for s in soon for m in enrolled.get(s.cohort_id, []) if not self.people[m].elderly]
        for session, member_id in self.rng.sample(candidates, min(18, len(candidates))):
            if (session.pk, member_id) in chosen:
                continue
            person = self.people[member_id]
            reason = self.rng.choice(MOBILE_REASONS if person.mobile else REASONS)
            asked = self.as_of - timedelta(hours=self.rng.uniform(2, 60))
            rows.append((LeaveRequest(session=session, member_id=member_id, reason=reason), asked))
        return rows


def wipe_attendance() -> None:
    """Delete what this builder makes (seed_demo's school wipe removes it too), leaving other sources' credits."""
    StudyHourEntry.objects.filter(source__in=[StudyHourEntry.Source.SESSION, StudyHourEntry.Source.HOME_DELIVERY]).delete()
    VolunteerTime.objects.filter(reference__startswith="visit:").delete()
    HomeVisit.objects.all().delete()
    HomeDeliveryPair.objects.all().delete()
    LeaveRequest.objects.all().delete()
    Attendance.objects.all().delete()


@dataclass
class AttendanceFigures:
    person_times: int
    rows: int
    leave: int
    pending_leave: int
    pairs: int
    visits: int
    confirmed_visits: int
    entries: int


@transaction.atomic
def build_attendance(clock: DemoClock, stdout=None) -> AttendanceFigures:
    """The roll of every session before the demo's today, leave, home-delivery pairs and visits, and the 学时 ledger."""
    wipe_attendance()
    school = School.objects.get(organization__code="WY")
    for year in sorted({clock.month(-11).year, clock.year}):
        StudyHourRule.objects.get_or_create(school=school, year=year)
    builder = _Builder(school, clock)
    as_of = clock.as_of

    sessions = list(
        Session.objects.filter(cohort__school=school, status=Session.Status.PLANNED)
        .select_related("cohort__organization", "course")
        .order_by("starts_at", "cohort__name", "title")
    )
    enrolled: dict[int, list[int]] = defaultdict(list)
    for cohort_id, member_id in (
        Enrollment.objects.filter(cohort__school=school, status=Enrollment.Status.ENROLLED)
        .order_by("member__phone")
        .values_list("cohort_id", "member_id")
    ):
        enrolled[cohort_id].append(member_id)
    past = [s for s in sessions if s.starts_at < as_of]
    builder.roll([s for s in past if _held_on_the_roll(s)], enrolled)

    home = Cohort.objects.filter(school=school, mode=Cohort.Mode.HOME_DELIVERY).order_by("name").first()
    pairs, visits, volunteer = [], [], []
    if home is not None:
        pairs = HomeDeliveryPair.objects.bulk_create(builder.pair_elders(home, enrolled[home.pk]))
        HomeDeliveryPair.objects.filter(cohort=home).update(
            created_at=datetime.combine(home.starts_on or clock.month(-10), datetime.min.time(), SHANGHAI)
        )
        visits = HomeVisit.objects.bulk_create(builder.visits(pairs, [s for s in past if s.cohort_id == home.pk]), batch_size=1000)
        volunteer = builder.credit_visits(visits)
    VolunteerTime.objects.bulk_create(volunteer, batch_size=1000)

    rows = builder.rows
    Attendance.objects.bulk_create(rows.attendances, batch_size=1000)
    StudyHourEntry.objects.bulk_create(rows.entries, batch_size=1000)
    leaves = rows.leaves + builder.pending_leave([s for s in sessions if s.starts_at >= as_of and _held_on_the_roll(s)], enrolled)
    LeaveRequest.objects.bulk_create([r for r, _asked in leaves], batch_size=1000)
    for request, asked in leaves:  # auto_now_add stamped the build time; a request was made before its session
        request.created_at = asked
    LeaveRequest.objects.bulk_update([r for r, _asked in leaves], ["created_at"], batch_size=500)

    # Times the roll was marked, and ledger lines written, as of the session (auto_now stamped the build time).
    ends = Subquery(Session.objects.filter(pk=OuterRef("session_id")).values("ends_at")[:1])
    Attendance.objects.filter(checked_in_at__isnull=True).update(marked_at=ends)
    Attendance.objects.filter(checked_in_at__isnull=False).update(marked_at=F("checked_in_at"))
    StudyHourEntry.objects.filter(session__isnull=False).update(created_at=ends)

    attended = sum(1 for a in rows.attendances if a.status in Attendance.ATTENDED)
    figures = AttendanceFigures(
        person_times=attended,
        rows=len(rows.attendances),
        leave=len(leaves),
        pending_leave=sum(1 for r, _a in leaves if r.status == LeaveRequest.Status.PENDING),
        pairs=len(pairs),
        visits=len(visits),
        confirmed_visits=sum(1 for v in visits if v.elder_confirmed),
        entries=len(rows.entries),
    )
    if stdout:
        stdout.write(
            f"  考勤 {figures.rows} 条（培训 {figures.person_times} 人次），请假 {figures.leave} 条（待审批 {figures.pending_leave}），"
            f"送学上门结对 {figures.pairs} 对、上门 {figures.visits} 次（已确认 {figures.confirmed_visits}），学时记录 {figures.entries} 条"
        )
    return figures
