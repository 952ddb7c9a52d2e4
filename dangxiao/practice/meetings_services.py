"""Writes of 主题党日 and 三会一课: record, change, retire, take the roll; the year's frequencies.

Every refusal a user can cause is a MeetingError with a Chinese message, raised before anything is
written; every write is audited with the generic record actions. Time comes in as `today`/`now`.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date
from dangxiao.core.uploads import MB, check_upload
from dangxiao.people.models import Member, Organization, User
from dangxiao.school.models import School, Teacher
from dangxiao.school.selectors import school_for_organization
from dangxiao.teaching.models import Session

from .models import MeetingAttendance, MeetingRule, OrganizationalMeeting, Period, ThemedPartyDay

MINUTES_KINDS = ("pdf", "docx", "jpeg", "png")
MINUTES_MAX_BYTES = 20 * MB
TEXT_LIMITS = {"lesson": 200, "film": 120, "practice": 300, "practice_ref": 40, "note": 300, "place": 120, "host": 50, "topic": 200}
BIG_TEXT = 20_000  # minutes and decisions typed in


class MeetingError(Exception):
    """A refusal users can cause; the message says why, in Chinese. `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_branch(org: Organization) -> None:
    if org.kind != Organization.Kind.BRANCH:
        raise MeetingError(_("主题党日和三会一课按党支部记录，请选择一个党支部"), "organization")
    if org.dissolved_on is not None:
        raise MeetingError(_("该党支部已撤销"), "organization")


def _check_day(day: date, today: date, field: str = "held_on") -> None:
    if not isinstance(day, date) or not is_sane_date(day):
        raise MeetingError(_("日期须在2000年至2100年之间"), field)
    if day > today:
        raise MeetingError(_("只能记录已经开展的活动，日期不能晚于今天"), field)


def _check_texts(fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        value = (value or "").strip()
        limit = TEXT_LIMITS.get(name, BIG_TEXT)
        if len(value) > limit:
            raise MeetingError(_("内容过长，不能超过 %(limit)d 个字") % {"limit": limit}, name)
        cleaned[name] = value
    return cleaned


def _audit(request, action: str, obj, summary: str) -> None:
    kind = "themed_day" if isinstance(obj, ThemedPartyDay) else "meeting"
    audit_record(request, action, organization_id=obj.organization_id, object_type=kind, object_id=obj.pk, summary=summary)


# --- The year's frequencies ---------------------------------------------------------------------


def rule_save(school: School, year: int, periods: dict[str, str], *, request=None) -> MeetingRule:
    """Save the school's frequencies for the year (created on first save). Unknown kinds or periods are refused."""
    if not 2000 <= year <= 2100:
        raise MeetingError(_("年度须在2000年至2100年之间"), "year")
    unknown = [k for k, v in periods.items() if k not in MeetingRule.DEFAULTS or v not in Period.values]
    if unknown:
        raise MeetingError(_("频次设置有误：%(kinds)s") % {"kinds": "、".join(unknown)}, unknown[0])
    with transaction.atomic():
        rule, created = MeetingRule.objects.select_for_update().get_or_create(school=school, year=year)
        for kind, period in periods.items():
            setattr(rule, kind, period)
        rule.save()
        audit_record(
            request,
            "record_create" if created else "record_update",
            organization_id=school.organization_id,
            object_type="meeting_rule",
            object_id=rule.pk,
            summary=f"设置{year}年组织生活频次",
            detail=periods,
        )
    return rule


# --- Themed Party days --------------------------------------------------------------------------


@dataclass
class ThemedDayInput:
    held_on: date
    session: Session | None = None
    lesson: str = ""
    film: str = ""
    practice: str = ""
    practice_ref: str = ""
    note: str = ""


def _themed_day_fields(org: Organization, data: ThemedDayInput, today: date) -> dict:
    _check_branch(org)
    _check_day(data.held_on, today)
    texts = _check_texts(
        {"lesson": data.lesson, "film": data.film, "practice": data.practice, "practice_ref": data.practice_ref, "note": data.note}
    )
    session = data.session
    if session is not None:
        if session.cohort.organization_id != org.pk:
            raise MeetingError(_("所选课次不是本支部班次的课次"), "session")
        if session.status == Session.Status.CANCELLED:
            raise MeetingError(_("所选课次已取消"), "session")
        starts = timezone.localtime(session.starts_at).date()
        if (starts.year, starts.month) != (data.held_on.year, data.held_on.month):
            raise MeetingError(_("所选课次不在主题党日所在的月份"), "session")
        texts["lesson"] = texts["lesson"] or session.title[:200]
    if not (texts["lesson"] or texts["film"] or texts["practice"]):
        raise MeetingError(_("请至少填写一课、一片、一实践中的一项"), "lesson")
    return {"organization": org, "month": data.held_on.replace(day=1), "held_on": data.held_on, "session": session, **texts}


def _one_per_month(qs, org: Organization, month: date, exclude: int | None = None) -> None:
    clash = qs.filter(organization=org, month=month, retired_at__isnull=True)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise MeetingError(_("本支部%(month)s的主题党日已有记录，请修改原记录") % {"month": f"{month:%Y-%m}"}, "held_on")


def themed_day_record(
    org: Organization, data: ThemedDayInput, *, by: User | None, request=None, today: date | None = None
) -> ThemedPartyDay:
    """Record the branch's themed Party day of the month `held_on` falls in (one a month)."""
    today = today or timezone.localdate()
    fields = _themed_day_fields(org, data, today)
    try:
        with transaction.atomic():
            _one_per_month(ThemedPartyDay.objects.select_for_update(), org, fields["month"])
            day = ThemedPartyDay.objects.create(created_by=by, **fields)
            _audit(request, "record_create", day, f"记录{org.name}{fields['month']:%Y年%-m月}主题党日")
    except IntegrityError:
        raise MeetingError(_("本支部该月的主题党日已有记录，请修改原记录"), "held_on") from None
    return day


def themed_day_update(day: ThemedPartyDay, data: ThemedDayInput, *, request=None, today: date | None = None) -> ThemedPartyDay:
    if day.retired_at:
        raise MeetingError(_("该记录已撤销，不能修改"))
    today = today or timezone.localdate()
    fields = _themed_day_fields(day.organization, data, today)
    try:
        with transaction.atomic():
            _one_per_month(ThemedPartyDay.objects.select_for_update(), day.organization, fields["month"], exclude=day.pk)
            for name, value in fields.items():
                setattr(day, name, value)
            day.save()
            _audit(request, "record_update", day, f"修改{day.organization.name}{day.month:%Y年%-m月}主题党日")
    except IntegrityError:
        raise MeetingError(_("本支部该月的主题党日已有记录，请修改原记录"), "held_on") from None
    return day


def themed_day_retire(day: ThemedPartyDay, *, request=None, now: datetime | None = None) -> ThemedPartyDay:
    """Retire a record made in error: it leaves the lists and the grid, and the month may be recorded again."""
    if day.retired_at:
        return day
    with transaction.atomic():
        day.retired_at = now or timezone.now()
        day.save(update_fields=["retired_at"])
        _audit(request, "record_retire", day, f"撤销{day.organization.name}{day.month:%Y年%-m月}主题党日")
    return day


def themed_days_record_many(rows: list[tuple[Organization, ThemedDayInput]], *, today: date) -> int:
    """Many months at once (an import, the demo): each row checked as `themed_day_record` checks it,
    written together; the whole batch is refused if any row is."""
    days = [ThemedPartyDay(**_themed_day_fields(org, data, today)) for org, data in rows]
    keys = {(d.organization.pk, d.month) for d in days}
    if len(keys) != len(days):
        raise MeetingError(_("同一支部同一月份只能有一条主题党日记录"))
    with transaction.atomic():
        ThemedPartyDay.objects.bulk_create(days, batch_size=500)
    return len(days)


# --- 三会一课 ------------------------------------------------------------------------------------


@dataclass
class MeetingInput:
    kind: str
    held_on: date
    place: str = ""
    host: str = ""
    topic: str = ""
    lecturer_member: Member | None = None
    lecturer_teacher: Teacher | None = None
    minutes: str = ""
    decisions: str = ""


def _meeting_fields(org: Organization, data: MeetingInput, today: date) -> dict:
    _check_branch(org)
    if data.kind not in OrganizationalMeeting.Kind.values:
        raise MeetingError(_("会议类别有误"), "kind")
    _check_day(data.held_on, today)
    texts = _check_texts(
        {"place": data.place, "host": data.host, "topic": data.topic, "minutes": data.minutes, "decisions": data.decisions}
    )
    member, teacher = data.lecturer_member, data.lecturer_teacher
    if data.kind != OrganizationalMeeting.Kind.LESSON and (member or teacher):
        raise MeetingError(_("只有党课记录主讲人"), "lecturer_member")
    if member and teacher:
        raise MeetingError(_("主讲人是党员或讲师，只选一位"), "lecturer_member")
    if member is not None and (not member.organization.path.startswith(org.path) or member.left_on is not None):
        raise MeetingError(_("主讲党员须是本支部的党员"), "lecturer_member")
    if teacher is not None:
        school = school_for_organization(org)
        if school is None or teacher.school_id != school.pk:
            raise MeetingError(_("主讲讲师须是本校师资库的讲师"), "lecturer_teacher")
    return {
        "organization": org,
        "kind": data.kind,
        "held_on": data.held_on,
        "lecturer_member": member,
        "lecturer_teacher": teacher,
        **texts,
    }


def _check_minutes_file(upload) -> str:
    if upload.size > MINUTES_MAX_BYTES:
        raise MeetingError(_("会议记录附件不能超过 %(size)d MB") % {"size": MINUTES_MAX_BYTES // MB}, "minutes_file")
    try:
        return check_upload(upload, MINUTES_KINDS).content_type
    except ValidationError as exc:
        raise MeetingError(exc.messages[0], "minutes_file") from None


def _marks(org: Organization, marks: dict[int, str] | None) -> dict[int, str]:
    """The roll as given, checked: statuses known, members current members of the branch (one query)."""
    if not marks:
        return {}
    if any(status not in MeetingAttendance.Status.values for status in marks.values()):
        raise MeetingError(_("出勤状态有误，可选：出席、请假、缺席"), "marks")
    ids = {int(k) for k in marks}
    found = set(Member.objects.current().filter(pk__in=ids, organization__path__startswith=org.path).values_list("pk", flat=True))
    if found != ids:
        raise MeetingError(_("出勤名单中有不属于本支部的党员"), "marks")
    return {int(k): v for k, v in marks.items()}


def _write_marks(meeting: OrganizationalMeeting, marks: dict[int, str]) -> None:
    MeetingAttendance.objects.filter(meeting=meeting).exclude(member_id__in=list(marks)).delete()
    existing = dict(MeetingAttendance.objects.filter(meeting=meeting).values_list("member_id", "pk"))
    MeetingAttendance.objects.bulk_create(
        [MeetingAttendance(meeting=meeting, member_id=m, status=s) for m, s in marks.items() if m not in existing]
    )
    changed = [MeetingAttendance(pk=existing[m], meeting=meeting, member_id=m, status=s) for m, s in marks.items() if m in existing]
    MeetingAttendance.objects.bulk_update(changed, ["status"])


def meeting_record(
    org: Organization,
    data: MeetingInput,
    *,
    by: User | None,
    marks: dict[int, str] | None = None,
    upload=None,
    request=None,
    today: date | None = None,
) -> OrganizationalMeeting:
    """Record a meeting held, with its roll (member id → present/leave/absent) and minutes typed or uploaded."""
    today = today or timezone.localdate()
    fields = _meeting_fields(org, data, today)
    marks = _marks(org, marks)
    content_type = _check_minutes_file(upload) if upload else ""
    with transaction.atomic():
        meeting = OrganizationalMeeting.objects.create(created_by=by, **fields)
        if upload:
            _attach(meeting, upload, content_type)
        _write_marks(meeting, marks)
        _audit(request, "record_create", meeting, f"记录{org.name}{meeting.held_on:%Y-%m-%d}{meeting.get_kind_display()}")
    return meeting


def _attach(meeting: OrganizationalMeeting, upload, content_type: str) -> None:
    old = meeting.minutes_file.name if meeting.minutes_file else ""
    meeting.minutes_file.save(upload.name[-100:], upload, save=False)
    meeting.minutes_content_type = content_type
    meeting.minutes_name = upload.name[-120:]
    meeting.save(update_fields=["minutes_file", "minutes_content_type", "minutes_name"])
    if old:
        transaction.on_commit(lambda: meeting.minutes_file.storage.delete(old))


def meeting_update(
    meeting: OrganizationalMeeting,
    data: MeetingInput,
    *,
    marks: dict[int, str] | None = None,
    upload=None,
    request=None,
    today: date | None = None,
) -> OrganizationalMeeting:
    """Change a meeting; `marks` None keeps the roll as it was, a dict replaces it."""
    if meeting.retired_at:
        raise MeetingError(_("该记录已撤销，不能修改"))
    today = today or timezone.localdate()
    fields = _meeting_fields(meeting.organization, data, today)
    checked = _marks(meeting.organization, marks) if marks is not None else None
    content_type = _check_minutes_file(upload) if upload else ""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.save()
        if upload:
            _attach(meeting, upload, content_type)
        if checked is not None:
            _write_marks(meeting, checked)
        _audit(request, "record_update", meeting, f"修改{meeting.organization.name}{meeting.held_on:%Y-%m-%d}{meeting.get_kind_display()}")
    return meeting


def meeting_retire(meeting: OrganizationalMeeting, *, request=None, now: datetime | None = None) -> OrganizationalMeeting:
    if meeting.retired_at:
        return meeting
    with transaction.atomic():
        meeting.retired_at = now or timezone.now()
        meeting.save(update_fields=["retired_at"])
        _audit(request, "record_retire", meeting, f"撤销{meeting.organization.name}{meeting.held_on:%Y-%m-%d}{meeting.get_kind_display()}")
    return meeting


def meetings_record_many(rows: list[tuple[Organization, MeetingInput, dict[int, str]]], *, today: date) -> int:
    """Many meetings with their rolls at once (an import, the demo), each checked as `meeting_record` checks
    it, bar the roll's members, which the caller takes from the branch's own list."""
    meetings, rolls = [], []
    for org, data, marks in rows:
        meetings.append(OrganizationalMeeting(**_meeting_fields(org, data, today)))
        if any(status not in MeetingAttendance.Status.values for status in marks.values()):
            raise MeetingError(_("出勤状态有误，可选：出席、请假、缺席"), "marks")
        rolls.append(marks)
    with transaction.atomic():
        created = OrganizationalMeeting.objects.bulk_create(meetings, batch_size=500)
        MeetingAttendance.objects.bulk_create(
            [MeetingAttendance(meeting=m, member_id=member, status=s) for m, marks in zip(created, rolls) for member, s in marks.items()],
            batch_size=2000,
        )
    return len(created)
