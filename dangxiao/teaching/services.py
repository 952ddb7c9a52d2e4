"""Write paths of teaching: enrolment with seats and a waiting list, schedules, sessions, feeds, ratings."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date, sane_date_message
from dangxiao.people.models import Member, User

from .conflicts import Conflict, describe_clash, member_clash, members_with_clashes, session_conflicts
from .models import CalendarFeed, Cohort, Enrollment, ScheduleRule, Session
from .selectors import cohort_eligible_members


class TeachingError(Exception):
    """A refusal users can cause; the message is shown as it is."""


class ConflictError(TeachingError):
    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__("；".join(c.message for c in conflicts))


def _locked(cohort: Cohort) -> Cohort:
    # Serialises enrolments of one cohort (seat counting) on PostgreSQL; SQLite's immediate
    # transactions already serialise writers.
    return Cohort.objects.select_for_update().get(pk=cohort.pk)


def _enrolled_count(cohort: Cohort) -> int:
    return Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED).count()


@transaction.atomic
def cohort_enroll(cohort: Cohort, member: Member, *, source: str = Enrollment.Source.MANUAL) -> Enrollment:
    """Enrol a member, or put them on the waiting list when the seats are taken.

    Refused when the member is already in or has left, the cohort is archived, the member is outside the cohort's
    target group on self-enrolment, self-enrolment is closed, or the cohort's sessions clash with another cohort of theirs.
    """
    cohort = _locked(cohort)
    existing = Enrollment.objects.filter(cohort=cohort, member=member).first()
    if existing and existing.status != Enrollment.Status.REMOVED:
        raise TeachingError(_("已在本班次中") if existing.status == Enrollment.Status.ENROLLED else _("已在候补名单中"))
    if cohort.archived_at is not None:
        raise TeachingError(_("班次“%(name)s”已归档，不能再报名") % {"name": cohort.name})
    if member.left_on is not None:
        raise TeachingError(_("该党员已离开，记录仅供查阅，不能修改"))
    if source == Enrollment.Source.SELF:
        if not cohort.self_enrol_open:
            raise TeachingError(_("本班次未开放自主报名"))
        if not cohort_eligible_members(cohort).filter(pk=member.pk).exists():
            raise TeachingError(_("您不在本班次的培训对象范围内"))
    clash = member_clash(member.pk, cohort)
    if clash is not None:
        raise TeachingError(f"{member.name}：{describe_clash(clash)}")
    full = cohort.seat_limit is not None and _enrolled_count(cohort) >= cohort.seat_limit
    status = Enrollment.Status.WAITLISTED if full else Enrollment.Status.ENROLLED
    if existing:  # back after being removed: to the back of the queue, not to the place left
        existing.status, existing.source, existing.joined_at = status, source, timezone.now()
        existing.save(update_fields=["status", "source", "joined_at", "updated_at"])
        return existing
    return Enrollment.objects.create(cohort=cohort, member=member, status=status, source=source)


@transaction.atomic
def cohort_unenroll(cohort: Cohort, member: Member) -> Enrollment | None:
    """Remove a member; the first on the waiting list takes the freed seat. Returns who was promoted."""
    cohort = _locked(cohort)
    enrollment = Enrollment.objects.filter(cohort=cohort, member=member).exclude(status=Enrollment.Status.REMOVED).first()
    if enrollment is None:
        raise TeachingError(_("该党员不在本班次中"))
    freed = enrollment.status == Enrollment.Status.ENROLLED
    enrollment.status = Enrollment.Status.REMOVED
    enrollment.save(update_fields=["status", "updated_at"])
    if not freed:
        return None
    nxt = Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.WAITLISTED).order_by("joined_at", "id").first()
    if nxt is None or (cohort.seat_limit is not None and _enrolled_count(cohort) >= cohort.seat_limit):
        return None
    nxt.status = Enrollment.Status.ENROLLED
    nxt.save(update_fields=["status", "updated_at"])
    return nxt


@dataclass
class RuleEnrolment:
    enrolled: int = 0
    waitlisted: int = 0
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def cohort_enroll_by_rule(cohort: Cohort, today: date | None = None) -> RuleEnrolment:
    """Enrol every eligible member not yet in (in bulk), filling seats first, then the waiting list.

    Members whose other classes clash with this one's sessions are skipped and named in the result.
    """
    cohort = _locked(cohort)
    already = set(Enrollment.objects.filter(cohort=cohort).values_list("member_id", flat=True))
    eligible = list(cohort_eligible_members(cohort, today).order_by("organization__path", "id").values_list("id", "name"))
    clashing = members_with_clashes(cohort, [m for m, _n in eligible if m not in already])
    candidates = [m for m, _n in eligible if m not in already and m not in clashing]
    free = None if cohort.seat_limit is None else max(0, cohort.seat_limit - _enrolled_count(cohort))
    rows = []
    for i, member_id in enumerate(candidates):
        status = Enrollment.Status.ENROLLED if free is None or i < free else Enrollment.Status.WAITLISTED
        rows.append(Enrollment(cohort=cohort, member_id=member_id, status=status, source=Enrollment.Source.RULE))
    Enrollment.objects.bulk_create(rows, batch_size=500)
    result = RuleEnrolment(skipped=[f"{name}：{describe_clash(clashing[m])}" for m, name in eligible if m in clashing])
    result.enrolled = sum(1 for r in rows if r.status == Enrollment.Status.ENROLLED)
    result.waitlisted = len(rows) - result.enrolled
    return result


def _aware(day: date, t) -> datetime:
    return timezone.make_aware(datetime.combine(day, t))


def rule_dates(weekdays: list[int], starts_on: date, ends_on: date, skip: set[date]) -> list[date]:
    days = []
    day = starts_on
    while day <= ends_on:
        if day.weekday() in weekdays and day not in skip:
            days.append(day)
        day += timedelta(days=1)
    return days


def _audit_scheduled(request, obj, cohort: Cohort, summary: str, detail: dict) -> None:
    audit_record(
        request,
        "record_create",
        organization_id=cohort.organization_id,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        summary=summary,
        detail=detail,
    )


@transaction.atomic
def schedule_rule_create(
    cohort: Cohort, *, by: User, override_reason: str = "", request=None, **fields
) -> tuple[ScheduleRule, list[Session]]:
    """Create a weekly rule and every session it generates, all or none; audited.

    Raises ConflictError listing every clash (naming the other booking) unless a reason is given.
    """
    weekdays = sorted({int(d) for d in fields.pop("weekdays")})
    skip = {d if isinstance(d, date) else date.fromisoformat(d) for d in fields.pop("skip_dates", [])}
    if not weekdays or any(d < 0 or d > 6 for d in weekdays):
        raise TeachingError(_("请选择每周上课的日子"))
    if not all(is_sane_date(d) for d in (fields["starts_on"], fields["ends_on"], *skip)):
        raise TeachingError(sane_date_message())
    if fields["ends_on"] < fields["starts_on"]:
        raise TeachingError(_("截止日期不能早于起始日期"))
    if fields["end_time"] <= fields["start_time"]:
        raise TeachingError(_("结束时间须晚于开始时间"))
    _check_bookable(cohort, fields.get("venue"), fields.get("teacher"), fields.get("course"), day=fields["starts_on"])
    days = rule_dates(weekdays, fields["starts_on"], fields["ends_on"], skip)
    if not days:
        raise TeachingError(_("该规则在日期范围内没有生成任何课次"))
    if len(days) > 400:
        raise TeachingError(_("一条规则最多生成400个课次，请缩短日期范围"))
    rule = ScheduleRule.objects.create(cohort=cohort, weekdays=weekdays, skip_dates=sorted(d.isoformat() for d in skip), **fields)
    enrolled = _enrolled_count(cohort)
    title = rule.title or (rule.course.title if rule.course else cohort.name)
    conflicts: list[Conflict] = []
    sessions = []
    for day in days:
        starts_at, ends_at = _aware(day, rule.start_time), _aware(day, rule.end_time)
        conflicts += session_conflicts(
            cohort=cohort, starts_at=starts_at, ends_at=ends_at, venue=rule.venue, teacher=rule.teacher, enrolled=enrolled
        )
        sessions.append(
            Session(
                cohort=cohort,
                course=rule.course,
                rule=rule,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                venue=rule.venue,
                teacher=rule.teacher,
                hours=rule.hours,
            )
        )
    _refuse_or_keep(conflicts, sessions, by, override_reason)
    Session.objects.bulk_create(sessions)
    summary = f"按周排课：{cohort.name}，{len(sessions)}个课次"
    _audit_scheduled(request, rule, cohort, summary, {"sessions": len(sessions), "override_reason": sessions[0].override_reason})
    return rule, sessions


def _check_bookable(cohort: Cohort, venue, teacher, course, *, day: date) -> None:
    """Venue, teacher and course must belong to the cohort's school; a venue must be in use and a
    teacher's appointment current on the day; an archived cohort takes no new sessions."""
    if cohort.archived_at is not None:
        raise TeachingError(_("班次“%(name)s”已归档，不能再修改") % {"name": cohort.name})
    for thing, label in ((venue, _("教学点")), (teacher, _("讲师")), (course, _("课程"))):
        if thing is not None and thing.school_id != cohort.school_id:
            raise TeachingError(_("%(label)s“%(thing)s”不属于本班次所在的党校") % {"label": label, "thing": thing})
    if venue is not None and not venue.is_active:
        raise TeachingError(_("教学点“%(venue)s”已停用") % {"venue": venue.name})
    if teacher is not None and not teacher.is_active:
        raise TeachingError(_("讲师%(teacher)s已退出师资库") % {"teacher": teacher.name})
    if course is not None and not course.is_active:
        raise TeachingError(_("课程“%(course)s”已停用") % {"course": course.title})
    if teacher is not None and teacher.appointed_until is not None and teacher.appointed_until < day:
        raise TeachingError(
            _("讲师%(teacher)s的聘期已于%(date)s结束，请先续聘") % {"teacher": teacher.name, "date": f"{teacher.appointed_until:%Y-%m-%d}"}
        )


def _refuse_or_keep(conflicts: list[Conflict], sessions: list[Session], by: User, reason: str) -> None:
    if not conflicts:
        return
    reason = (reason or "").strip()
    if not reason:
        transaction.set_rollback(True)
        raise ConflictError(conflicts)
    for s in sessions:
        s.override_reason = reason[:300]
        s.overridden_by = by


@transaction.atomic
def session_create(cohort: Cohort, *, by: User, override_reason: str = "", request=None, **fields) -> Session:
    """A one-off session; audited. Raises ConflictError naming each clash, unless a written reason is given;
    TeachingError for a date outside 2000–2100 (see `core.params`) or an end before the start."""
    if not (is_sane_date(timezone.localtime(fields["starts_at"])) and is_sane_date(timezone.localtime(fields["ends_at"]))):
        raise TeachingError(sane_date_message())
    if fields["ends_at"] <= fields["starts_at"]:
        raise TeachingError(_("结束时间须晚于开始时间"))
    _check_bookable(
        cohort, fields.get("venue"), fields.get("teacher"), fields.get("course"), day=timezone.localtime(fields["starts_at"]).date()
    )
    if fields.get("hours") is None:
        fields["hours"] = fields["course"].default_hours if fields.get("course") else Decimal("2.0")
    session = Session(cohort=cohort, **fields)
    if not session.title:
        session.title = session.course.title if session.course else cohort.name
    conflicts = session_conflicts(
        cohort=cohort, starts_at=session.starts_at, ends_at=session.ends_at, venue=session.venue, teacher=session.teacher
    )
    _refuse_or_keep(conflicts, [session], by, override_reason)
    session.save()
    when = f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"
    _audit_scheduled(request, session, cohort, f"添加课次：{cohort.name} {when}", {"override_reason": session.override_reason})
    return session


def calendar_feed_for(*, member=None, teacher=None, venue=None, holder: User | None = None) -> CalendarFeed:
    """The member's own feed, or `holder`'s feed of a venue or teacher; made on first use, once.

    Whether the holder may have a venue's or teacher's feed is the caller's check
    (`access.can_hold_calendar_feed`); the feed is read in the holder's scope whatever happens."""
    owner = {"member": member} if member else {"teacher": teacher, "holder": holder} if teacher else {"venue": venue, "holder": holder}
    if not member and holder is None:
        raise ValueError("a venue's or teacher's feed needs its holder")
    feed = CalendarFeed.objects.filter(**owner).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(token=secrets.token_urlsafe(32), **owner)
    except IntegrityError:  # made at the same moment by another request
        return CalendarFeed.objects.get(**owner)


def calendar_feed_seen(feed: CalendarFeed, digest: str) -> CalendarFeed:
    """Note that `feed` now carries the document whose digest is `digest`. When the digest differs from the
    one stored, `content_digest` takes it and `changed_at` becomes now (one UPDATE, only on a change);
    otherwise nothing is written. Not audited: it records what a read saw, not a decision. Cannot fail."""
    if feed.content_digest != digest or feed.changed_at is None:
        feed.content_digest, feed.changed_at = digest, timezone.now().replace(microsecond=0)
        CalendarFeed.objects.filter(pk=feed.pk).update(content_digest=digest, changed_at=feed.changed_at)
    return feed


def calendar_feed_reset(feed: CalendarFeed) -> CalendarFeed:
    """A new private URL; the old one stops working at once."""
    feed.token = secrets.token_urlsafe(32)
    feed.save(update_fields=["token"])
    return feed


def _course_organization_id(course) -> int:
    """Where a course's audit rows belong: its organisation's subtree, or its school's."""
    return course.organization_id or course.school.organization_id


@transaction.atomic
def course_material_add(course, upload, *, title: str, by: User, request=None):
    """Attach a private file to a course after checking its type (by content) and size; audited.
    Whether `by` may (access.can_manage_course) is the caller's check."""
    from django.core.exceptions import ValidationError

    from dangxiao.core.uploads import MATERIAL_KINDS, check_upload

    from .models import CourseMaterial

    try:
        kind = check_upload(upload, MATERIAL_KINDS)
    except ValidationError as exc:
        raise TeachingError(exc.messages[0]) from None
    material = CourseMaterial.objects.create(
        course=course, title=(title or upload.name)[:120], file=upload, content_type=kind.content_type, size=upload.size, uploaded_by=by
    )
    audit_record(
        request,
        "material_upload",
        organization_id=_course_organization_id(course),
        object_type="course_material",
        object_id=material.pk,
        summary=f"上传课程资料：《{course.title}》{material.title}",
        detail={"course": course.pk, "size": material.size, "content_type": material.content_type},
    )
    return material


@transaction.atomic
def course_material_remove(material, *, request=None) -> None:
    """Delete a course's material, its file once the deletion is committed; audited."""
    storage, name = material.file.storage, material.file.name
    audit_record(
        request,
        "material_remove",
        organization_id=_course_organization_id(material.course),
        object_type="course_material",
        object_id=material.pk,
        summary=f"删除课程资料：《{material.course.title}》{material.title}",
        detail={"course": material.course_id, "size": material.size},
    )
    material.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
