"""Write paths of the teacher pool (师资库) and the topic taxonomy: add a teacher from a member or an
outsider, edit, retire and reinstate; appoint for a term, renew, end (聘任制, every term kept); create,
edit, retire and reinstate topics in a two-level tree.

Who may call them is the caller's check (the school's board: `access.can_manage_school`). Every
refusal a user can cause is a `PoolError` naming the field at fault; nothing is written then. Every
write is audited against the school's working committee.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date, sane_date_message
from dangxiao.people.models import Member, User
from dangxiao.people.normalize import parse_phone

from .models import Partner, School, Teacher, TeacherAppointment, Topic
from .services import SchoolError


class PoolError(SchoolError):
    """A refusal users can cause; `field` names the input at fault (None: the request as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _audit(request, action: str, obj, school: School, summary: str, detail: dict | None = None) -> None:
    audit_record(
        request,
        action,
        organization_id=school.organization_id,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        summary=summary,
        detail=detail,
    )


def _check_date(value: date | None, field: str) -> None:
    if value is not None and not is_sane_date(value):
        raise PoolError(sane_date_message(), field)


# --- Teachers ----------------------------------------------------------------------------------

TEACHER_FIELDS = ("name", "source", "affiliation", "title", "phone", "partner", "topics", "bio")


def _clean_teacher(school: School, fields: dict, *, member: Member | None, current_topics=()) -> dict:
    """Checked values of a teacher's fields: a partner and topics of the school (a topic already on the
    teacher may stay though retired), a valid mobile phone for an outsider, a source of the list."""
    data = dict(fields)
    if "source" in data and data["source"] not in Teacher.Source.values:
        raise PoolError(_("请选择讲师来源"), "source")
    if member is not None:
        data["name"] = member.name
        data["phone"] = ""
    elif "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise PoolError(_("请填写讲师姓名"), "name")
    if data.get("phone"):
        try:
            data["phone"] = parse_phone(data["phone"])
        except ValueError as exc:
            raise PoolError(str(exc), "phone") from None
    partner = data.get("partner")
    if partner is not None and partner.school_id != school.pk:
        raise PoolError(_("共建单位不属于本校"), "partner")
    kept = {t.pk for t in current_topics}
    for topic in data.get("topics") or ():
        if topic.school_id != school.pk or (not topic.is_active and topic.pk not in kept):
            raise PoolError(_("专题“%(topic)s”不可选") % {"topic": topic.name}, "topics")
    for key in ("affiliation", "title", "bio"):
        if key in data:
            data[key] = (data[key] or "").strip()
    return data


def _term(starts_on: date | None, ends_on: date | None) -> tuple[date, date] | None:
    if ends_on is None:
        if starts_on is not None:
            raise PoolError(_("请填写聘期结束日期"), "appointed_until")
        return None
    _check_date(starts_on, "appointed_from")
    _check_date(ends_on, "appointed_until")
    starts_on = starts_on or timezone.localdate()
    if ends_on < starts_on:
        raise PoolError(_("聘期结束日期不能早于开始日期"), "appointed_until")
    return starts_on, ends_on


@transaction.atomic
def teacher_create(
    school: School,
    *,
    by: User,
    request=None,
    member: Member | None = None,
    appointed_from: date | None = None,
    appointed_until: date | None = None,
    **fields,
) -> Teacher:
    """Add a teacher to the pool: one of the school's members (their name, phone and account come from
    the member record) or an outsider (name, unit, phone). With a term, the first appointment is
    recorded. Refused: a member outside the school, who left or already in the pool, a missing name, a bad phone,
    a partner or topic not of the school (or retired), a term that ends before it starts."""
    if member is not None:
        if not member.organization.path.startswith(school.organization.path):
            raise PoolError(_("该党员不属于本校"), "member_id")
        if member.left_on is not None:
            raise PoolError(_("该党员已离开，记录仅供查阅，不能修改"), "member_id")
        if Teacher.objects.filter(member=member).exists():
            raise PoolError(_("%(name)s已在师资库中") % {"name": member.name}, "member_id")
    data = _clean_teacher(school, fields, member=member)
    term = _term(appointed_from, appointed_until)
    topics = data.pop("topics", None) or []
    teacher = Teacher.objects.create(
        school=school,
        member=member,
        user=member.user if member is not None and member.user_id and not hasattr(member.user, "teacher") else None,
        appointed_from=term[0] if term else None,
        appointed_until=term[1] if term else None,
        **data,
    )
    teacher.topics.set(topics)
    if term:
        TeacherAppointment.objects.create(teacher=teacher, starts_on=term[0], ends_on=term[1], created_by=by)
    _audit(request, "teacher_create", teacher, school, f"新增讲师：{teacher.name}", {"member": member.pk if member else None})
    return teacher


@transaction.atomic
def teacher_update(teacher: Teacher, *, by: User, request=None, **fields) -> Teacher:
    """Edit a teacher's source, unit, title, partner, topics and profile (an outsider's name and phone
    too; a member-teacher's come from the member record). Refused as `teacher_create` refuses."""
    fields = {k: v for k, v in fields.items() if k in TEACHER_FIELDS}
    if teacher.member_id:
        fields.pop("name", None)
        fields.pop("phone", None)
    data = _clean_teacher(teacher.school, fields, member=None, current_topics=teacher.topics.all())
    topics = data.pop("topics", None)
    for key, value in data.items():
        setattr(teacher, key, value)
    teacher.save()
    if topics is not None:
        teacher.topics.set(topics)
    _audit(request, "teacher_update", teacher, teacher.school, f"修改讲师：{teacher.name}", {"fields": sorted(fields)})
    return teacher


def _end_terms(teacher: Teacher, on: date, reason: str) -> list[TeacherAppointment]:
    """End on `on` every appointment still running then (a renewal not started yet never starts)."""
    running = [a for a in teacher.appointments.order_by("starts_on", "id") if a.last_day >= on]
    for appointment in running:
        appointment.ended_on, appointment.end_reason = on, (reason or "").strip()[:200]
        appointment.save(update_fields=["ended_on", "end_reason"])
    return running


def _sync_term(teacher: Teacher, fallback: date) -> None:
    """The teacher's current term from their appointments: the latest one that ran at all, joined to
    the ones before it that it continues without a gap."""
    terms = sorted((a for a in teacher.appointments.all() if a.last_day >= a.starts_on), key=lambda a: (a.starts_on, a.pk))
    if not terms:
        teacher.appointed_from = teacher.appointed_until = fallback
    else:
        latest = terms[-1]
        start = latest.starts_on
        for earlier in reversed(terms[:-1]):
            if earlier.last_day >= start - timedelta(days=1):
                start = min(start, earlier.starts_on)
        teacher.appointed_from, teacher.appointed_until = start, latest.last_day
    teacher.save(update_fields=["appointed_from", "appointed_until"])


@transaction.atomic
def teacher_retire(teacher: Teacher, *, by: User, reason: str = "", request=None, today: date | None = None) -> Teacher:
    """Take a teacher out of the pool: no new bookings, gone from the pickers; an appointment running
    past today ends today. Their sessions, ratings and appointments stay. Refused if already retired."""
    today = today or timezone.localdate()
    if not teacher.is_active:
        raise PoolError(_("该讲师已退出师资库"))
    reason = (reason or "").strip()[:200]
    if _end_terms(teacher, today, reason or _("退出师资库")):
        _sync_term(teacher, today)
    elif teacher.appointed_until is not None and teacher.appointed_until > today:  # a term recorded without its appointment
        teacher.appointed_until = today
        teacher.save(update_fields=["appointed_until"])
    teacher.is_active, teacher.retired_at, teacher.retired_reason = False, timezone.now(), reason
    teacher.save(update_fields=["is_active", "retired_at", "retired_reason"])
    _audit(request, "teacher_retire", teacher, teacher.school, f"讲师退出师资库：{teacher.name}", {"reason": reason})
    return teacher


@transaction.atomic
def teacher_reinstate(teacher: Teacher, *, by: User, request=None) -> Teacher:
    """Bring a retired teacher back into the pool (a new term is still needed to book them if theirs
    has ended). Refused if they are in the pool."""
    if teacher.is_active:
        raise PoolError(_("该讲师仍在师资库中"))
    teacher.is_active, teacher.retired_at, teacher.retired_reason = True, None, ""
    teacher.save(update_fields=["is_active", "retired_at", "retired_reason"])
    _audit(request, "teacher_restore", teacher, teacher.school, f"讲师恢复入库：{teacher.name}")
    return teacher


@transaction.atomic
def appointment_renew(
    teacher: Teacher, *, ends_on: date, starts_on: date | None = None, by: User, request=None, today: date | None = None
) -> TeacherAppointment:
    """Appoint the teacher for a new term (续聘; the first one is a 聘任). By default it starts the day
    after the current term ends, or today if that has passed. The teacher's current term becomes the
    new one (joined to the current one when they meet). Refused: a retired teacher, a term ending
    before it starts or not after the current one, a date outside 2000–2100."""
    today = today or timezone.localdate()
    if not teacher.is_active:
        raise PoolError(_("该讲师已退出师资库，请先恢复入库"))
    _check_date(starts_on, "starts_on")
    _check_date(ends_on, "ends_on")
    current_end = teacher.appointed_until
    if starts_on is None:
        starts_on = max(current_end + timedelta(days=1), today) if current_end else today
    if current_end is not None and ends_on <= current_end:
        raise PoolError(_("新聘期须在当前聘期（至%(date)s）之后结束") % {"date": f"{current_end:%Y-%m-%d}"}, "ends_on")
    if ends_on < starts_on:
        raise PoolError(_("聘期结束日期不能早于开始日期"), "ends_on")
    kind = TeacherAppointment.Kind.RENEW if teacher.appointments.exists() else TeacherAppointment.Kind.APPOINT
    appointment = TeacherAppointment.objects.create(teacher=teacher, kind=kind, starts_on=starts_on, ends_on=ends_on, created_by=by)
    _sync_term(teacher, today)
    _audit(
        request,
        "teacher_renew",
        teacher,
        teacher.school,
        f"{appointment.get_kind_display()}讲师：{teacher.name}（{starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}）",
        {"appointment": appointment.pk},
    )
    return appointment


@transaction.atomic
def appointment_end(teacher: Teacher, *, on: date | None = None, reason: str = "", by: User, request=None) -> TeacherAppointment:
    """End the teacher's running appointment early, on `on` (default today): they cannot be booked after
    it. A renewal not yet started when an earlier term ends is ended too. Refused: no appointment running
    on that day, a day before the term began, a date outside 2000–2100."""
    on = on or timezone.localdate()
    _check_date(on, "ended_on")
    running = [a for a in teacher.appointments.order_by("starts_on", "id") if a.last_day >= on]
    if not running:
        raise PoolError(_("%(name)s没有在该日仍有效的聘期") % {"name": teacher.name}, "ended_on")
    if on < running[0].starts_on:
        raise PoolError(_("结束日期不能早于聘期开始日期（%(date)s）") % {"date": f"{running[0].starts_on:%Y-%m-%d}"}, "ended_on")
    running = _end_terms(teacher, on, reason)
    _sync_term(teacher, on)
    _audit(request, "teacher_end", teacher, teacher.school, f"结束讲师聘期：{teacher.name}（{on:%Y-%m-%d}）", {"reason": reason})
    return running[0]


# --- Topics ------------------------------------------------------------------------------------


def _clean_topic(school: School, topic: Topic | None, name: str, parent: Topic | None) -> str:
    name = (name or "").strip()
    if not name:
        raise PoolError(_("请填写专题名称"), "name")
    if len(name) > 40:
        raise PoolError(_("专题名称不能超过40个字"), "name")
    same = Topic.objects.filter(school=school, name=name)
    if topic is not None:
        same = same.exclude(pk=topic.pk)
    if same.exists():
        raise PoolError(_("专题“%(name)s”已存在") % {"name": name}, "name")
    if parent is not None:
        if parent.school_id != school.pk or (topic is not None and parent.pk == topic.pk):
            raise PoolError(_("上级专题不可选"), "parent_id")
        if parent.parent_id is not None:
            raise PoolError(_("专题最多两级：“%(parent)s”已是下级专题") % {"parent": parent.name}, "parent_id")
        if not parent.is_active and (topic is None or topic.parent_id != parent.pk):
            raise PoolError(_("上级专题“%(parent)s”已停用") % {"parent": parent.name}, "parent_id")
        if topic is not None and topic.children.exists():
            raise PoolError(_("“%(name)s”有下级专题，不能再归入其他专题") % {"name": topic.name}, "parent_id")
    return name


@transaction.atomic
def topic_create(school: School, *, name: str, parent: Topic | None = None, order: int = 0, by: User, request=None) -> Topic:
    """A new topic, at the top or under a top-level one. Refused: an empty or duplicate name (per school),
    a parent of another school, retired, or itself under another."""
    name = _clean_topic(school, None, name, parent)
    topic = Topic.objects.create(school=school, name=name, parent=parent, order=order)
    _audit(request, "topic_create", topic, school, f"新增专题：{topic.name}")
    return topic


@transaction.atomic
def topic_update(topic: Topic, *, name: str, parent: Topic | None, order: int, by: User, request=None) -> Topic:
    """Rename, re-order or move a topic (what names it follows). Refused as `topic_create`, and a topic
    with sub-topics cannot go under another."""
    topic.name = _clean_topic(topic.school, topic, name, parent)
    topic.parent, topic.order = parent, order
    topic.save(update_fields=["name", "parent", "order"])
    _audit(request, "topic_update", topic, topic.school, f"修改专题：{topic.name}")
    return topic


@transaction.atomic
def topic_retire(topic: Topic, *, by: User, request=None) -> int:
    """Retire a topic and its sub-topics: they leave the pickers; courses, teachers and surveys that name
    them keep them. Returns how many were retired. Refused if already retired."""
    if not topic.is_active:
        raise PoolError(_("该专题已停用"))
    count = Topic.objects.filter(pk=topic.pk).update(is_active=False) + topic.children.filter(is_active=True).update(is_active=False)
    topic.is_active = False
    _audit(request, "topic_retire", topic, topic.school, f"停用专题：{topic.name}", {"retired": count})
    return count


@transaction.atomic
def topic_reinstate(topic: Topic, *, by: User, request=None) -> Topic:
    """Use a retired topic again (its sub-topics stay as they are). Refused under a retired parent."""
    if topic.is_active:
        raise PoolError(_("该专题正在使用"))
    if topic.parent is not None and not topic.parent.is_active:
        raise PoolError(_("上级专题“%(parent)s”已停用，请先恢复它") % {"parent": topic.parent.name})
    topic.is_active = True
    topic.save(update_fields=["is_active"])
    _audit(request, "topic_restore", topic, topic.school, f"恢复专题：{topic.name}")
    return topic


def partner_of(school: School, partner_id: int | None) -> Partner | None:
    """The school's partner by id, None for none; PoolError for another's."""
    if not partner_id:
        return None
    partner = Partner.objects.filter(school=school, pk=partner_id).first()
    if partner is None:
        raise PoolError(_("共建单位不属于本校"), "partner_id")
    return partner
