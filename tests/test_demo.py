"""The demo school as `seed_demo` builds it: the figures of SYSTEM.md §5, computed from the records, around
the demo's today (`--today`); the same records for the same day, the same shape a year later, and records
that agree with what the services users use would have written.

Few tests, each building the demo once or twice, because the builder is slow-ish (~20 s).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from dangxiao.people.models import Member, Organization, Role
from dangxiao.school.models import Partner, School, Teacher, Topic, TrainingPlan, Venue
from dangxiao.teaching.models import Cohort, Course, Enrollment, Session
from dangxiao.teaching.selectors import member_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_DAY = date(2026, 11, 27)


def seed(*args, today: date = DEMO_DAY) -> None:
    call_command("seed_demo", "--today", today.isoformat(), *args, stdout=StringIO())


@pytest.fixture(autouse=True)
def laptop_demo(settings):
    settings.DEBUG = True  # DANGXIAO_DEBUG=1: seed_demo refuses to run with it off (tests/test_seed_demo_guard.py)


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


def sessions_agree_with_the_conflict_checks() -> None:
    """The demo books its timetable in memory, in bulk (the services would take minutes); each session, checked
    afterwards as staff booking it would be, has no conflict: venue, teacher, room size, trainees."""
    from dangxiao.teaching.conflicts import session_conflicts

    enrolled = dict(
        Enrollment.objects.filter(status=Enrollment.Status.ENROLLED)
        .values_list("cohort_id")
        .annotate(n=Count("id"))
        .values_list("cohort_id", "n")
    )
    sessions = Session.objects.select_related("cohort", "venue", "teacher").order_by("starts_at")
    found = {}
    for s in sessions:
        conflicts = session_conflicts(
            cohort=s.cohort,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            venue=s.venue,
            teacher=s.teacher,
            exclude_pk=s.pk,
            enrolled=enrolled.get(s.cohort_id, 0),
        )
        if conflicts:
            found[s.title] = [c.message for c in conflicts]
    assert len(sessions) > 800 and found == {}


@pytest.mark.django_db
def test_seed_demo_builds_the_wenyuan_school_of_section_5_without_double_bookings_the_same_every_run():
    seed("--if-empty")  # as `make demo` runs it, on an empty database

    # People: 55 grassroots organisations (党委, 党总支, 党支部) under the working committee, the 美团党支部's
    # three 党小组 on top (they are not 基层党组织), 1362 members, 48 branches.
    root = Organization.objects.get(code="WY")
    below = Organization.objects.exclude(pk=root.pk).filter(path__startswith=root.path)
    assert below.filter(kind__in=Organization.GRASSROOTS_KINDS).count() == 55
    assert set(below.exclude(kind__in=Organization.GRASSROOTS_KINDS).values_list("kind", flat=True)) == {Organization.Kind.GROUP}
    assert below.filter(kind=Organization.Kind.GROUP).count() == 3
    assert Member.objects.count() == 1362
    branches = list(Organization.objects.filter(kind=Organization.Kind.BRANCH))
    assert len(branches) == 48

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

    # A 主题党日 for every branch in every one of the twelve months up to this one (December 2025–November 2026).
    party_days = Session.objects.filter(title__contains="月主题党日").values_list("cohort__organization_id", "starts_at")
    held = {(org_id, local(starts).date().replace(day=1)) for org_id, starts in party_days}
    months = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]
    assert held == {(b.pk, month) for b in branches for month in months} and len(party_days) == 12 * len(branches)

    # 10+ field classes at the two project sites.
    field = Session.objects.filter(course__kind=Course.Kind.FIELD)
    assert field.count() >= 10 and not field.exclude(venue__kind="project_site").exists()

    # The organ class: 109 trainees, 17 Tuesday and Thursday evenings 19:00–21:00 from September, not in the National Day week.
    organ = Cohort.objects.get(name="2026年机关党员素质提升班")
    assert organ.target_rule == {"flags": ["is_organ_worker"]}
    assert organ.enrollments.filter(status=Enrollment.Status.ENROLLED).count() == 109
    days = [date(2026, 9, 1) + timedelta(days=i) for i in range(70)]
    expected = {d for d in days if d.weekday() in (1, 3) and not date(2026, 10, 1) <= d <= date(2026, 10, 7)}
    expected = set(sorted(expected)[:17])
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

    # Every session passes the checks the services make when staff book one (teaching.conflicts).
    sessions_agree_with_the_conflict_checks()

    # Volunteer service: a year of activities with approved hours, some still in the queue, none over its limit.
    service_first = volunteer_service_is_shown_and_within_limits()

    # A second run for the same day wipes and builds the very same records, attendance history included.
    first = fingerprint(), attendance_fingerprint()
    seed()
    assert (fingerprint(), attendance_fingerprint()) == first
    assert volunteer_service_is_shown_and_within_limits() == service_first


def volunteer_service_is_shown_and_within_limits() -> list:
    """The demo's volunteer service (dangxiao.demo.service), checked; its records by natural keys."""
    from dangxiao.practice.models import ServiceParticipant, VolunteerService
    from dangxiao.practice.service_selectors import service_minutes

    signed = Count("participants", filter=Q(participants__status="signed_up"))
    assert VolunteerService.objects.count() >= 60
    assert not VolunteerService.objects.annotate(n=signed).filter(n__gt=F("signup_limit")).exists()
    by_status = dict(ServiceParticipant.objects.values_list("hours_status").annotate(n=Count("pk")))
    assert by_status["approved"] > 300 and by_status["pending"] > 0 and by_status["correction"] == 1
    wang = Member.objects.get(phone="13900000003")
    assert service_minutes([wang.pk], DEMO_DAY.year)[wang.pk] > 0
    return sorted(
        ServiceParticipant.objects.values_list("service__title", "service__starts_at", "member__phone", "minutes", "hours_status")
    )


# --- Attendance history (dangxiao.demo.attendance) -------------------------------------------------


def attendance_fingerprint() -> dict:
    """What a second run must reproduce: the counts, and every mark, leave and visit by natural keys."""
    from dangxiao.attendance.models import Attendance, HomeDeliveryPair, HomeVisit, LeaveRequest, StudyHourEntry, VolunteerTime

    models = (Attendance, StudyHourEntry, LeaveRequest, HomeDeliveryPair, HomeVisit, VolunteerTime)
    return {
        "counts": [m.objects.count() for m in models],
        "marks": sorted(Attendance.objects.values_list("session__title", "session__starts_at", "member__phone", "status", "method")),
        "leave": sorted(LeaveRequest.objects.values_list("session__title", "member__phone", "status", "reason")),
        "visits": sorted(
            HomeVisit.objects.values_list("pair__elder__phone", "pair__helper__phone", "visited_on", "minutes", "elder_confirmed")
        ),
        "hours": sorted(StudyHourEntry.objects.values_list("member__phone", "date", "hours", "source")),
    }


@pytest.mark.django_db
def test_seed_demo_attendance_history_trains_9500_person_times_with_the_ledger_in_step_with_the_credit_service():
    from datetime import datetime

    from django.db.models import Sum

    from dangxiao.attendance.models import Attendance, HomeDeliveryPair, HomeVisit, LeaveRequest, StudyHourEntry, VolunteerTime

    seed()
    demo_day = datetime.combine(DEMO_DAY, time(0), SHANGHAI)

    # Trained 人次 (§2.2, §5): attended rows, 9500+; a realistic roll, and nothing marked on or after the demo day.
    assert Attendance.objects.filter(status__in=Attendance.ATTENDED).count() >= 9500
    assert not Attendance.objects.filter(session__starts_at__gte=demo_day).exists()
    roll = Attendance.objects.exclude(session__cohort__mode=Cohort.Mode.HOME_DELIVERY)
    statuses = dict(roll.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(Attendance.Status.values)
    assert 0.85 <= sum(statuses[s] for s in Attendance.ATTENDED) / sum(statuses.values()) <= 0.92
    assert {"qr", "kiosk", "manual"} <= set(roll.values_list("method", flat=True).distinct())
    assert not roll.filter(method__in=["qr", "kiosk"], checked_in_at__isnull=True).exists()
    assert not roll.filter(member__is_elderly_infirm=True, method="qr").exists()  # the elderly use their card

    # The ledger is in step with the roll: each session credit is an attended mark, at the session's hours × the status factor.
    attended = Attendance.objects.filter(session=OuterRef("session"), member=OuterRef("member"), status__in=Attendance.ATTENDED)
    session_credits = StudyHourEntry.objects.filter(source="session")
    assert not session_credits.filter(~Exists(attended)).exists()
    assert not session_credits.filter(session__isnull=True).exists()
    credited = StudyHourEntry.objects.filter(session=OuterRef("session"), member=OuterRef("member"))
    assert not Attendance.objects.filter(status__in=Attendance.ATTENDED).filter(~Exists(credited)).exists()
    assert not session_credits.filter(Exists(attended.filter(status__in=["present", "late"]))).exclude(hours=F("session__hours")).exists()
    for entry in session_credits.filter(Exists(attended.filter(status="left_early"))).select_related("session")[:50]:
        assert entry.hours == (entry.session.hours / 2).quantize(entry.hours)

    # Excused means leave approved before the session; pending requests wait for sessions to come, one of them the demo member's.
    excused = Attendance.objects.filter(status="excused")
    approved = LeaveRequest.objects.filter(status="approved")
    assert excused.count() == approved.count() > 0
    assert not approved.filter(created_at__gte=F("session__starts_at")).exists()
    assert not approved.filter(decided_at__gte=F("session__starts_at")).exists()
    pending = LeaveRequest.objects.filter(status="pending")
    assert pending.count() >= 5 and not pending.filter(session__starts_at__lt=demo_day).exists()
    assert pending.filter(member__phone="13900000003").exists()

    # 送学上门: every elder has a young helper; confirmed visits credit the elder the session's hours and the helper
    # the minutes, under the visit's reference; unconfirmed ones credit nothing yet.
    home = Cohort.objects.get(mode=Cohort.Mode.HOME_DELIVERY)
    assert HomeDeliveryPair.objects.filter(cohort=home).count() == home.enrollments.filter(status="enrolled").count()
    for birth, elderly in HomeDeliveryPair.objects.values_list("helper__birth_date", "helper__is_elderly_infirm"):
        assert not elderly and birth > date(DEMO_DAY.year - 46, DEMO_DAY.month, DEMO_DAY.day)
    visits = HomeVisit.objects.select_related("pair", "session")
    confirmed = [v for v in visits if v.elder_confirmed]
    assert len(confirmed) >= 100 and len(confirmed) < visits.count()
    credits = {e.reference: e for e in StudyHourEntry.objects.filter(source="home_delivery")}
    minutes = dict(VolunteerTime.objects.values_list("reference", "minutes"))
    for visit in visits:
        ref = f"visit:{visit.pk}"
        assert visit.visited_on < DEMO_DAY and visit.session.cohort_id == home.pk
        if visit.elder_confirmed:
            entry = credits.pop(ref)
            assert (entry.member_id, entry.session_id, entry.hours) == (visit.pair.elder_id, visit.session_id, visit.session.hours)
            assert minutes.pop(ref) == visit.minutes and visit.confirmation
        else:
            assert ref not in credits and ref not in minutes
    assert credits == {} and minutes == {}
    helpers = VolunteerTime.objects.values("member").distinct().count()
    assert helpers >= 60 and VolunteerTime.objects.filter(member__phone="13900000004").exists()

    # The demo member completes the year's 32 hours; the secretary's branch has members falling behind.
    mine = StudyHourEntry.objects.filter(member__phone="13900000003", date__year=2026).aggregate(h=Sum("hours"))["h"]
    assert 32 <= mine <= 56
    branch = Member.objects.get(phone="13900000002").organization
    behind = 0
    for member in branch.members.filter(is_elderly_infirm=False):
        marks = list(member.attendances.values_list("status", flat=True))
        if len(marks) >= 3 and sum(s in Attendance.ATTENDED for s in marks) / len(marks) < 0.8:
            behind += 1
    assert behind >= 2

    # The roll's credits are what the credit service writes: withdrawn from the last 30 days' sessions and given
    # again by the periodic job (attendance.roll.session_credits_due), each comes back the same.
    credits_agree_with_the_credit_service()

    # The 美团党支部's online class: completed lessons credit the hours the online service gives a lesson.
    online_class_progress_credits_study_hours()


def credits_agree_with_the_credit_service() -> None:
    from datetime import datetime

    from dangxiao.attendance.models import Attendance, StudyHourEntry
    from dangxiao.attendance.roll import session_credits_due

    as_of = datetime.combine(DEMO_DAY, time(0), SHANGHAI)
    recent = StudyHourEntry.objects.filter(source="session", session__starts_at__gt=as_of - timedelta(days=29))
    demo = sorted(recent.values_list("member_id", "session_id", "date", "hours", "category"))
    assert len(demo) > 500
    sessions = set(recent.values_list("session_id", flat=True))
    recent.delete()
    # As though each mark had been a check-in before the start: then the job credits it once the session has begun.
    starts = Subquery(Session.objects.filter(pk=OuterRef("session_id")).values("starts_at")[:1])
    Attendance.objects.filter(session_id__in=sessions).update(marked_at=starts)
    Attendance.objects.filter(session_id__in=sessions).update(marked_at=F("marked_at") - timedelta(minutes=5))
    assert session_credits_due(now=as_of) == len(demo)
    assert sorted(recent.values_list("member_id", "session_id", "date", "hours", "category")) == demo


def online_class_progress_credits_study_hours() -> None:
    from dangxiao.attendance.models import StudyHourEntry
    from dangxiao.attendance.services import policy_for
    from dangxiao.online.models import Lesson, LessonProgress, PracticeSubmission
    from dangxiao.online.services import lesson_hours

    cohort = Cohort.objects.get(mode=Cohort.Mode.ONLINE, organization__code="WY-N-1")
    lessons = Lesson.objects.filter(cohort=cohort)
    assert lessons.count() == 6 and lessons.filter(quiz__isnull=False).count() == 1
    completed = LessonProgress.objects.filter(lesson__cohort=cohort, completed_at__isnull=False)
    online = StudyHourEntry.objects.filter(source="online")
    assert completed.count() >= 100 and online.count() == completed.count()
    assert set(online.values_list("reference", flat=True)) <= {f"lesson:{pk}" for pk in lessons.values_list("pk", flat=True)}
    assert PracticeSubmission.objects.filter(task__cohort=cohort).exists()
    per_hour = policy_for(cohort.school_id).minutes_per_hour
    worth = {f"lesson:{lesson.pk}": lesson_hours(lesson, per_hour) for lesson in lessons}
    assert all(hours == worth[ref] for ref, hours in online.values_list("reference", "hours"))


# --- The demo lives in the present ----------------------------------------------------------------------------


def shape(today: date) -> dict:
    """What a demo built for `today` looks like, with every date told as months from today's month."""
    from dangxiao.attendance.models import StudyHourRule
    from dangxiao.demo.clock import DemoClock
    from dangxiao.liaison.models import Matter

    clock = DemoClock(today)
    years = {str(today.year - 1): "Y-1", str(today.year): "Y", str(today.year + 1): "Y+1"}

    def named(name: str) -> str:
        for year, label in years.items():
            name = name.replace(year, label)
        return name

    # Sessions by month from today's; a weekly rule's by its total, since its weekdays fall differently each year.
    sessions_by_month = defaultdict(int)
    for starts, weekly in Session.objects.values_list("starts_at", "rule_id"):
        sessions_by_month["weekly" if weekly else clock.months_from(local(starts).date())] += 1
    cohorts = sorted(
        (named(name), clock.months_from(start), clock.months_from(end))
        for name, start, end in Cohort.objects.values_list("name", "starts_on", "ends_on")
    )
    agreements = [a.status_on(today) for p in Partner.objects.prefetch_related("agreements") for a in p.agreements.all()]
    return {
        "organisations": sorted(Organization.objects.values_list("kind").annotate(n=Count("id"))),
        "members": sorted(Member.objects.values_list("status", "is_elderly_infirm").annotate(n=Count("id"))),
        "ages": sorted((today - birth).days // 365 for birth in Member.objects.values_list("birth_date", flat=True)),
        "school": [m.objects.count() for m in (School, Venue, Partner, Teacher, Topic, Course)],
        "agreements": sorted(agreements),
        "terms_running_out": Teacher.objects.filter(appointed_until__gte=today, appointed_until__lte=today + timedelta(days=30)).count(),
        "plans": sorted(year - today.year for year in TrainingPlan.objects.values_list("year", flat=True)),
        "rules": sorted(year - today.year for year in StudyHourRule.objects.values_list("year", flat=True)),
        "cohorts": cohorts,
        "enrolments": sorted(Enrollment.objects.values_list("status").annotate(n=Count("id"))),
        "sessions by month": dict(sessions_by_month),
        "matters": Matter.objects.count(),
    }


@pytest.mark.django_db
def test_the_demo_built_a_year_later_has_the_same_shape_with_its_dates_moved():
    seed(today=date(2026, 12, 7))
    before = shape(date(2026, 12, 7))
    seed(today=date(2027, 12, 7))
    after = shape(date(2027, 12, 7))
    assert after == before
    # A year of classes before today, the current month in progress and the next month's ahead; plans for the current year.
    assert set(after["sessions by month"]) == {*range(-11, 2), "weekly"} and after["sessions by month"]["weekly"] == 17
    assert after["plans"] == [0] and TrainingPlan.objects.get().year == 2027
    assert not Session.objects.filter(starts_at__year__lt=2026).exists()


@pytest.mark.django_db
def test_this_years_pages_are_not_empty_when_the_demo_is_built_in_january(client_for):
    """Built (and viewed) on 15 January 2027: the year's plan, ledger and figures already have something in them."""
    import time_machine
    from django.urls import reverse

    from dangxiao.attendance.models import Attendance, StudyHourEntry
    from dangxiao.people.models import User

    seed(today=date(2027, 1, 15))
    assert list(TrainingPlan.objects.order_by("year").values_list("year", "status")) == [(2026, "approved"), (2027, "approved")]
    assert StudyHourEntry.objects.filter(date__year=2027).count() > 100
    assert Attendance.objects.filter(session__starts_at__year=2027).exists()
    with time_machine.travel(datetime(2027, 1, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        principal = client_for(User.objects.get(username="13900000001"))
        member = client_for(User.objects.get(username="13900000003"))
        overview = principal.get(reverse("school:overview")).content.decode()
        assert "文源街道党校2027年度党员教育培训计划" in overview
        plan = TrainingPlan.objects.get(year=2027)
        assert plan.cohorts.count() > 40 and plan.courses.count() == 21
        ledger = principal.get(reverse("ledger_compliance")).context["c"]
        assert ledger.total.hours > 0
        network = principal.get(reverse("school:network")).context["rows"]
        assert sum(r.sessions for r in network) > 0
        home = member.get(reverse("home")).context
        assert home["hours"].total > 0  # the member's hours this year
    # and classes ahead in the weeks after (none in the Spring Festival week, 5–13 February 2027)
    mine = Member.objects.get(phone="13900000003")
    assert member_schedule(mine, date(2027, 1, 15), date(2027, 2, 28)).exists()


def test_no_domain_app_holds_demo_code():
    from pathlib import Path

    import dangxiao

    package = Path(dangxiao.__file__).parent
    assert [str(p.relative_to(package)) for p in package.glob("*/demo.py")] == []
    assert (package / "demo" / "people.py").exists()


def test_the_home_page_counts_grassroots_organisations_without_the_working_committee_or_party_groups(people, tree, client_for):
    """基层党组织 are 党委, 党总支 and 党支部: a 党小组 under the 美团党支部 and the 党工委 itself are not counted."""
    import re

    from django.urls import reverse

    group = Organization(
        name="美团骑手书院路站党小组", code="N1-1", kind=Organization.Kind.GROUP, unit_type=Organization.UnitType.NEW_EMPLOYMENT
    )
    Organization.objects.add_child(Organization.objects.get(pk=tree["N1"].pk), instance=group)

    def shown(user) -> str:
        body = client_for(user).get(reverse("home")).content.decode()
        return re.search(r'data-stat="grassroots"><a[^>]*>(\d+)</a>', body).group(1)

    assert shown(people["users"]["principal"]) == "6"  # 2 党委, 4 党支部
    assert shown(people["users"]["secretary"]) == "1"  # their own branch


@pytest.mark.parametrize("today", ["1850-01-01", "2099-06-01", "2026-13-01", "tomorrow"])
def test_seed_demo_refuses_an_absurd_today_before_touching_anything(people, today):
    from django.core.management.base import CommandError

    members = Member.objects.count()
    with pytest.raises(CommandError, match="--today"):
        call_command("seed_demo", "--today", today, "--wipe-everything", "--yes-really", stdout=StringIO())
    assert Member.objects.count() == members
