"""The demo school as `seed_demo` builds it: the figures of SYSTEM.md §5, computed from the records.

One test, because the builder is slow-ish (~10 s) and every check reads the same records.
"""

from collections import defaultdict
from datetime import date, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q

from dangxiao.people.models import Member, Organization, Role
from dangxiao.school.models import Partner, School, Teacher, Topic, TrainingPlan, Venue
from dangxiao.teaching.models import Cohort, Course, Enrollment, Session
from dangxiao.teaching.selectors import member_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_DAY = date(2026, 11, 27)


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def local(dt):
    return dt.astimezone(SHANGHAI)


def fingerprint() -> dict:
    """What a second run must reproduce: counts, and every session and enrolment by natural keys."""
    sessions = Session.objects.values_list("cohort__name", "title", "starts_at", "ends_at", "venue__name", "teacher__name", "hours")
    enrollments = Enrollment.objects.values_list("cohort__name", "member__phone", "status")
    return {
        "counts": [m.objects.count() for m in (Organization, Member, School, Venue, Partner, Teacher, Course, Cohort, Enrollment, Session)],
        "sessions": sorted(sessions),
        "enrollments": sorted(enrollments),
        "teachers": sorted(Teacher.objects.values_list("name", "source", "member__phone", "appointed_until")),
    }


def double_bookings(field: str) -> int:
    other = Session.objects.filter(**{field: OuterRef(field)}, starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at"))
    return Session.objects.filter(**{f"{field}__isnull": False}).filter(Exists(other.exclude(pk=OuterRef("pk")))).count()


def member_double_bookings() -> int:
    by_cohort = defaultdict(list)
    for cohort_id, starts, ends in Session.objects.values_list("cohort_id", "starts_at", "ends_at"):
        by_cohort[cohort_id].append((starts, ends))
    busy = defaultdict(list)
    for member_id, cohort_id in Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).values_list("member_id", "cohort_id"):
        busy[member_id] += by_cohort[cohort_id]
    clashes = 0
    for times in busy.values():
        times.sort()
        clashes += sum(1 for a, b in zip(times, times[1:]) if b[0] < a[1])
    return clashes


@pytest.mark.django_db
def test_seed_demo_builds_the_wenyuan_school_of_section_5_without_double_bookings_the_same_every_run():
    seed()

    # People: 55 organisations under the working committee, 1362 members, 45 branches.
    root = Organization.objects.get(code="WY")
    assert Organization.objects.exclude(pk=root.pk).filter(path__startswith=root.path).count() == 55
    assert Member.objects.count() == 1362
    branches = list(Organization.objects.filter(kind=Organization.Kind.BRANCH))
    assert len(branches) == 45

    # The school and its board, the approved 2026 plan.
    school = School.objects.get()
    assert (school.name, school.brand, school.organization) == ("文源街道党校", "源课堂", root)
    board = dict(Role.objects.filter(organization=root, kind__in=Role.BOARD_KINDS).values_list("kind", "user__username"))
    assert board == {"principal": "13900000001", "vice_principal": "13900000005", "dean": "13900000006"}
    plan = TrainingPlan.objects.get(school=school, year=2026)
    assert plan.status == TrainingPlan.Status.APPROVED and plan.approved_by.username == "13900000001" and plan.goals

    # Venues 1 + 5 + N, near 28.17N 112.98E, in 天心区.
    tiers = dict(Venue.objects.values_list("tier").annotate(n=Count("id")))
    assert tiers["main"] == 1 and tiers["community"] == 5 and 10 <= tiers["site"] <= 14
    assert Venue.objects.get(tier="main").name == "源课堂"
    assert {v.organization.code for v in Venue.objects.filter(tier="community")} == {f"WY-C{i}" for i in range(1, 6)}
    assert Venue.objects.filter(name__in=["中化地勘院棚改征收项目现场", "湘林家园老旧小区改造现场"], kind="project_site").count() == 2
    assert Venue.objects.filter(kind="red_home", name="美团骑手红色之家", organization__code="WY-N-1").exists()
    for venue in Venue.objects.all():
        assert venue.address.startswith("长沙市天心区")
        assert abs(float(venue.latitude) - 28.17) < 0.03 and abs(float(venue.longitude) - 112.98) < 0.035, venue.name

    # 12 partners, each with an agreement: one expired, one not yet in force; they lend venues and teachers, co-host sessions.
    assert Partner.objects.count() == 12
    named = dict(Partner.objects.values_list("name", "kind"))
    assert {
        "中南大学铁道学院": "university",
        "中南林业科技大学": "university",
        "湖南省林业科学院": "research_institute",
    }.items() <= named.items()
    statuses = [a.status_on(DEMO_DAY) for p in Partner.objects.prefetch_related("agreements") for a in p.agreements.all()]
    assert len(statuses) == 12 and statuses.count("expired") == 1 and statuses.count("pending") == 1
    assert Venue.objects.filter(partner__isnull=False).exists()
    assert Teacher.objects.filter(partner__isnull=False).exists()
    assert Session.objects.filter(co_host__isnull=False).exists()
    assert set(Topic.objects.values_list("name", flat=True)) == {"党的理论", "政策法规", "工作技能", "基层治理", "党史学习", "志愿服务"}

    # 58 teachers from every source; ours are linked to members; terms running out, one expired; nobody teaches outside their term.
    assert Teacher.objects.count() == 58
    assert set(Teacher.objects.values_list("source", flat=True)) == set(Teacher.Source.values)
    ours = Teacher.objects.filter(source__in=[Teacher.Source.MEMBER, Teacher.Source.SECRETARY])
    assert not ours.filter(member__isnull=True).exists()
    for teacher in ours.select_related("member__organization"):
        assert teacher.affiliation == teacher.member.organization.name
    assert Teacher.objects.filter(appointed_until__lt=DEMO_DAY).count() == 1
    assert Teacher.objects.filter(appointed_until__gte=DEMO_DAY, appointed_until__lte=DEMO_DAY + timedelta(days=30)).count() >= 2
    outside = Q(starts_at__date__lt=F("teacher__appointed_from")) | Q(starts_at__date__gt=F("teacher__appointed_until"))
    assert not Session.objects.filter(teacher__isnull=False).filter(outside).exists()

    # 15 theory lectures, one session each, in the 理论课堂 cohorts.
    assert Course.objects.filter(kind=Course.Kind.THEORY).count() == 15
    lectures = Session.objects.filter(cohort__name__contains="理论课堂", course__kind=Course.Kind.THEORY)
    assert lectures.count() == 15 and lectures.values("course").distinct().count() == 15
    assert lectures.filter(venue__tier="community").exists()

    # A 主题党日 for every branch in every month January–November.
    party_days = Session.objects.filter(course__title__startswith="主题党日").values_list("cohort__organization_id", "starts_at")
    held = {(org_id, local(starts).month) for org_id, starts in party_days}
    assert held == {(b.pk, month) for b in branches for month in range(1, 12)}

    # 10+ field classes at the two project sites.
    field = Session.objects.filter(course__kind=Course.Kind.FIELD)
    assert field.count() >= 10 and not field.exclude(venue__kind="project_site").exists()

    # The organ class: 109 trainees, Tuesday and Thursday 19:00–21:00 in September–October, not on 1 October.
    organ = Cohort.objects.get(name="2026年机关党员素质提升班")
    assert organ.target_rule == {"flags": ["is_organ_worker"]}
    assert organ.enrollments.filter(status=Enrollment.Status.ENROLLED).count() == 109
    expected = {date(2026, 9, 1) + timedelta(days=i) for i in range(61)}
    expected = {d for d in expected if d.weekday() in (1, 3) and d != date(2026, 10, 1)}
    sessions = list(organ.sessions.all())
    assert {local(s.starts_at).date() for s in sessions} == expected and len(sessions) == len(expected) == 17
    assert all(local(s.starts_at).time() == time(19) and local(s.ends_at).time() == time(21) and s.hours == 2 for s in sessions)
    assert len({s.teacher_id for s in sessions}) > 5
    principal_branch = Member.objects.get(phone="13900000001").organization
    assert not principal_branch.members.exclude(enrollments__cohort=organ, enrollments__status=Enrollment.Status.ENROLLED).exists()

    # Classes by target group: 领头雁, the 美团 online class, home delivery for the elderly and infirm.
    assert Cohort.objects.filter(name__contains="领头雁", target_rule__has_key="positions").annotate(n=Count("sessions")).get().n >= 3
    online = Cohort.objects.get(mode=Cohort.Mode.ONLINE, organization__code="WY-N-1")
    assert online.target_rule == {"flags": ["is_new_employment"]}
    assert online.sessions.filter(venue__isnull=True).count() >= 10
    home = Cohort.objects.get(mode=Cohort.Mode.HOME_DELIVERY)
    elderly = Member.objects.filter(is_elderly_infirm=True).count()
    assert home.enrollments.filter(status=Enrollment.Status.ENROLLED).count() == elderly > 0

    # The demo member and the rider have classes coming up in December.
    for phone in ("13900000003", "13900000004"):
        assert member_schedule(Member.objects.get(phone=phone), date(2026, 12, 1), date(2026, 12, 31)).exists(), phone

    # Nobody and nothing is booked twice, and every class fits its room.
    assert double_bookings("venue") == 0
    assert double_bookings("teacher") == 0
    assert member_double_bookings() == 0
    enrolled = Count("cohort__enrollments", filter=Q(cohort__enrollments__status=Enrollment.Status.ENROLLED))
    assert not Session.objects.filter(venue__isnull=False).annotate(n=enrolled).filter(n__gt=F("venue__capacity")).exists()

    # A second run wipes and builds the very same records.
    first = fingerprint()
    seed()
    assert fingerprint() == first
