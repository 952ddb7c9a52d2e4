"""Read paths of teaching."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangxiao.core import access
from dangxiao.people.models import Member, User

from .models import Cohort, Enrollment, Session
from .rules import TargetRule


def cohort_rule(cohort: Cohort) -> TargetRule:
    return TargetRule.from_json(cohort.target_rule)


def cohort_eligible_members(cohort: Cohort, today: date | None = None) -> QuerySet:
    """Members in the running organisation's subtree who match the cohort's target rule."""
    return Member.objects.current().filter(organization__path__startswith=cohort.organization.path).filter(cohort_rule(cohort).q(today))


def cohort_list(user: User, *, organization=None, start: date | None = None, end: date | None = None) -> QuerySet:
    """Cohorts the user manages, annotated with their counts; under `organization` and overlapping
    [start, end] when given (a cohort without dates overlaps everything)."""
    qs = access.filter_cohorts(user)
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    if start is not None:
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    if end is not None:
        qs = qs.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=end))
    return (
        qs.select_related("organization", "default_venue")
        .annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED), distinct=True),
            waitlisted=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.WAITLISTED), distinct=True),
            session_count=Count("sessions", distinct=True),
        )
        .order_by("-starts_on", "name")
    )


def session_table(
    user: User,
    *,
    organization=None,
    start: date | None = None,
    end: date | None = None,
    venue=None,
    teacher=None,
    unmarked_before: datetime | None = None,
) -> QuerySet:
    """Sessions of the cohorts the user manages (their subtree only, not the classes they merely
    attend or teach), under `organization`, between the dates, at a venue or by a teacher if given;
    with `unmarked_before`, only those started before it, not cancelled, with no attendance marked."""
    qs = access.filter_sessions(user, Session.objects.filter(cohort__in=access.filter_cohorts(user).values("pk")))
    if organization is not None:
        qs = qs.filter(cohort__organization__path__startswith=organization.path)
    if start is not None or end is not None:
        first, last = day_bounds(start or date(2000, 1, 1), end or date(2100, 12, 31))
        qs = qs.filter(starts_at__gte=first, starts_at__lt=last)
    if venue is not None:
        qs = qs.filter(venue=venue)
    if teacher is not None:
        qs = qs.filter(teacher=teacher)
    if unmarked_before is not None:
        # Through the reverse relation: the attendance app lies above this one.
        qs = qs.filter(starts_at__lt=unmarked_before, attendances__isnull=True).exclude(status=Session.Status.CANCELLED)
    return qs.select_related("cohort__organization", "venue", "teacher")


def cohort_enrollments(cohort: Cohort, status: str) -> QuerySet:
    return Enrollment.objects.filter(cohort=cohort, status=status).select_related("member__organization").order_by("joined_at", "id")


def cohort_sessions(cohort: Cohort) -> QuerySet:
    return Session.objects.filter(cohort=cohort).select_related("venue", "teacher", "course").order_by("starts_at")


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz)


def calendar_sessions(
    user: User, first: date, last: date, *, venue=None, teacher=None, organization=None, include_cancelled: bool = False
) -> QuerySet:
    """Sessions the user may see between two dates, optionally for one venue, teacher or organisation subtree
    (cancelled ones too with `include_cancelled`, for pages that show them marked)."""
    start, end = day_bounds(first, last)
    qs = access.filter_sessions(user).filter(starts_at__gte=start, starts_at__lt=end)
    if not include_cancelled:
        qs = qs.exclude(status=Session.Status.CANCELLED)
    if venue is not None:
        qs = qs.filter(venue=venue)
    if teacher is not None:
        qs = qs.filter(teacher=teacher)
    if organization is not None:
        qs = qs.filter(cohort__organization__path__startswith=organization.path)
    return qs.select_related("cohort", "venue", "teacher").order_by("starts_at", "id")


def member_schedule(member: Member, first: date, last: date, *, include_cancelled: bool = False) -> QuerySet:
    """The member's sessions between two dates; cancelled ones too with `include_cancelled` (their
    schedule shows them marked cancelled, with the reason)."""
    start, end = day_bounds(first, last)
    cohorts = Enrollment.objects.filter(member=member, status=Enrollment.Status.ENROLLED).values("cohort")
    qs = Session.objects.filter(cohort__in=cohorts, starts_at__gte=start, starts_at__lt=end)
    if not include_cancelled:
        qs = qs.exclude(status=Session.Status.CANCELLED)
    return qs.select_related("cohort", "venue", "teacher").order_by("starts_at")


def feed_sessions(*, member=None, teacher=None, venue=None, holder: User | None = None) -> QuerySet:
    """What an iCalendar feed carries, from 90 days back onwards: the member's classes, or the venue's or
    teacher's sessions that the feed's holder may see."""
    since = timezone.now() - timedelta(days=90)
    qs = Session.objects.filter(starts_at__gte=since).select_related("cohort", "venue", "teacher")
    if member is not None:
        cohorts = Enrollment.objects.filter(member=member, status=Enrollment.Status.ENROLLED).values("cohort")
        qs = qs.filter(cohort__in=cohorts)
    else:
        qs = access.filter_sessions(holder, qs.filter(teacher=teacher) if teacher is not None else qs.filter(venue=venue))
    return qs.order_by("starts_at")


def course_list(user: User) -> QuerySet:
    return (
        access.filter_school_objects(user, "teaching.Course")
        .select_related("topic")
        .annotate(material_count=Count("materials", distinct=True), session_count=Count("sessions", distinct=True))
        .order_by("kind", "title")
    )


def can_read_course(user: User, course) -> bool:
    """Staff of the school, the course's teachers and members enrolled in a cohort teaching it."""
    scope = access.scope_for(user)
    if scope.is_staff:
        return True
    if Session.objects.filter(course=course, teacher__user_id=user.pk).exists():
        return True
    return (
        bool(scope.member_id)
        and Enrollment.objects.filter(member_id=scope.member_id, status=Enrollment.Status.ENROLLED, cohort__courses=course).exists()
    )
