"""The teacher pool (师资库) and the topic taxonomy: read by staff, written by the school's board.

Teachers: list, read, add (from a member or an outsider), edit, retire (DELETE) and reinstate, and
their terms: renew (or first appoint) and end. Topics: list, read, create, edit, retire (DELETE) and
reinstate. An object outside the caller's reach is 404; a refusal is 422 with
`{"detail", "errors": [{"field", "message"}]}` and nothing written. Writes go through
`dangxiao.school.teachers`, which audits them.
"""

from datetime import date, datetime

from django.db.models import Avg, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.attendance.models import SessionRating
from dangxiao.core import access
from dangxiao.core.masking import mask_phone
from dangxiao.school import teachers
from dangxiao.school.models import School, Teacher, TeacherAppointment, Topic
from dangxiao.school.teacher_selectors import topic_tree
from dangxiao.teaching.models import Session

from .params import Id, SaneDate
from .school import PageQuery, Ref, _count, paginate, ref, require_staff

router = Router(tags=["school"])


# --- Refusals, as every write endpoint of the school answers them ------------------------------


class FieldErrorOut(Schema):
    field: str | None
    message: str


class InvalidOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


class NotFoundOut(Schema):
    detail: str


def invalid(message: str, field: str | None = None) -> Status:
    """A 422 in the API's validation shape, for a refusal of a service or a foreign id in a body."""
    return Status(422, {"detail": message, "errors": [{"field": field, "message": message}]})


WRITE = {404: NotFoundOut, 422: InvalidOut}


def board_school(request) -> School:
    """The school whose pool, topics and school-wide courses the caller runs: the nearest board they sit on."""
    school = access.board_schools(request.user).select_related("organization").order_by("organization__depth").first()
    access.require(school is not None)
    return school


# --- Teachers ----------------------------------------------------------------------------------


class AppointmentOut(Schema):
    id: int
    kind: str
    kind_label: str
    starts_on: date
    ends_on: date
    ended_on: date | None
    end_reason: str
    created_at: datetime


class TeacherOut(Schema):
    id: int
    name: str
    member: Ref | None = Field(description="本校党员讲师对应的党员；外聘人员为空")
    phone: str = Field(description="手机号（已脱敏）")
    source: str
    source_label: str
    affiliation: str
    title: str
    partner: Ref | None
    topics: list[Ref]
    bio: str
    appointed_from: date | None
    appointed_until: date | None
    in_term: bool
    is_active: bool = Field(description="在库；退出师资库的讲师不能再排课，历史授课记录保留")
    retired_at: datetime | None
    retired_reason: str
    session_count: int
    rating_count: int
    average_rating: float | None


class TeacherDetailOut(TeacherOut):
    appointments: list[AppointmentOut]


class TeacherPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TeacherOut]


class TeacherQuery(PageQuery):
    source: Teacher.Source | None = None
    topic: Id | None = None
    active: bool | None = Field(None, description="true：在库；false：已退出；缺省：全部")


def _appointment(a: TeacherAppointment) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "ended_on": a.ended_on,
        "end_reason": a.end_reason,
        "created_at": timezone.localtime(a.created_at),
    }


def _teacher(t: Teacher) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "member": ref(t.member),
        "phone": mask_phone(t.member.phone if t.member is not None else t.phone),
        "source": t.source,
        "source_label": t.get_source_display(),
        "affiliation": t.affiliation,
        "title": t.title,
        "partner": ref(t.partner),
        "topics": [ref(topic) for topic in t.topics.all()],
        "bio": t.bio,
        "appointed_from": t.appointed_from,
        "appointed_until": t.appointed_until,
        "in_term": t.in_term_on(timezone.localdate()),
        "is_active": t.is_active,
        "retired_at": timezone.localtime(t.retired_at) if t.retired_at else None,
        "retired_reason": t.retired_reason,
        "session_count": t.session_count,
        "rating_count": t.rating_count,
        "average_rating": round(float(t.average_rating), 2) if t.average_rating is not None else None,
    }


def _teacher_detail(t: Teacher) -> dict:
    return {**_teacher(t), "appointments": [_appointment(a) for a in t.appointments.all()]}


def _teachers(request) -> QuerySet:
    require_staff(request)
    average = SessionRating.objects.filter(teacher=OuterRef("pk")).order_by().values("teacher").annotate(a=Avg("score")).values("a")
    qs = (
        Teacher.objects.select_related("partner", "member")
        .prefetch_related("topics", Prefetch("appointments", TeacherAppointment.objects.order_by("-starts_on", "-id")))
        .annotate(
            session_count=_count(Session.objects.exclude(status=Session.Status.CANCELLED), "teacher"),
            rating_count=_count(SessionRating.objects.all(), "teacher"),
            average_rating=Subquery(average),
        )
    )
    return access.filter_school_objects(request.user, "school.Teacher", qs)


def _reload(request, teacher: Teacher) -> dict:
    return _teacher_detail(_teachers(request).get(pk=teacher.pk))


def _managed_teacher(request, teacher_id: int) -> Teacher:
    queryset = access.filter_managed_teachers(request.user, Teacher.objects.select_related("school__organization"))
    return access.get_school_object_or_404(request.user, "school.Teacher", teacher_id, queryset)


@router.get("/teachers", response=TeacherPage, summary="The teacher pool (师资库) with term, sessions and rating (staff)")
def teacher_list(request, query: Query[TeacherQuery]):
    qs = _teachers(request).order_by("name", "id")
    if query.source:
        qs = qs.filter(source=query.source)
    if query.topic:
        qs = qs.filter(topics=query.topic)
    if query.active is not None:
        qs = qs.filter(is_active=query.active)
    return paginate(qs, query, _teacher)


@router.get("/teachers/{teacher_id}", response=TeacherDetailOut, summary="One teacher with every appointment (staff)")
def teacher_detail(request, teacher_id: int):
    return _teacher_detail(access.get_school_object_or_404(request.user, "school.Teacher", teacher_id, _teachers(request)))


class TeacherFields(Schema):
    source: Teacher.Source | None = None
    affiliation: str = Field("", max_length=100)
    title: str = Field("", max_length=60)
    partner_id: Id | None = None
    topic_ids: list[Id] = Field([], max_length=100)
    bio: str = Field("", max_length=2000)


class TeacherIn(TeacherFields):
    member_id: Id | None = Field(None, description="本校党员：姓名、手机号和账号取自党员档案")
    name: str = Field("", max_length=50, description="外聘人员的姓名")
    phone: str = Field("", max_length=20, description="外聘人员的手机号")
    source: Teacher.Source
    appointed_from: SaneDate | None = Field(None, description="首个聘期开始，缺省为今天")
    appointed_until: SaneDate | None = Field(None, description="首个聘期结束；缺省为暂不聘任")


class TeacherPatch(Schema):
    name: str | None = Field(None, max_length=50, description="仅外聘人员")
    phone: str | None = Field(None, max_length=20, description="仅外聘人员")
    source: Teacher.Source | None = None
    affiliation: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=60)
    partner_id: Id | None = None
    topic_ids: list[Id] | None = Field(None, max_length=100)
    bio: str | None = Field(None, max_length=2000)


def _topics(school: School, ids: list[int]) -> list[Topic]:
    found = list(Topic.objects.filter(school=school, pk__in=ids))
    if len(found) != len(set(ids)):
        raise teachers.PoolError(_("专题不存在或不属于本校"), "topic_ids")
    return found


def _fields(school: School, data: dict) -> dict:
    """The body's fields as the service takes them; ids found in the school or refused (PoolError)."""
    fields = {k: v for k, v in data.items() if k in ("name", "phone", "source", "affiliation", "title", "bio") and v is not None}
    if "partner_id" in data:
        fields["partner"] = teachers.partner_of(school, data["partner_id"])
    if data.get("topic_ids") is not None:
        fields["topics"] = _topics(school, data["topic_ids"])
    return fields


@router.post("/teachers", response={201: TeacherDetailOut, **WRITE}, summary="Add a teacher from a member or an outsider (board)")
def teacher_create(request, body: TeacherIn):
    school = board_school(request)
    data = body.dict()
    member = None
    if body.member_id:
        member = (
            access.filter_roster(request.user)
            .filter(pk=body.member_id, organization__path__startswith=school.organization.path)
            .select_related("organization", "user")
            .first()
        )
        if member is None:
            return invalid(_("党员不存在或不在您的管理范围内"), "member_id")
        data.pop("name"), data.pop("phone")
    try:
        teacher = teachers.teacher_create(
            school,
            by=request.user,
            request=request,
            member=member,
            appointed_from=body.appointed_from,
            appointed_until=body.appointed_until,
            **_fields(school, data),
        )
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return Status(201, _reload(request, teacher))


@router.patch("/teachers/{teacher_id}", response={200: TeacherDetailOut, **WRITE}, summary="Edit a teacher (board)")
def teacher_update(request, teacher_id: int, body: TeacherPatch):
    teacher = _managed_teacher(request, teacher_id)
    data = body.dict(exclude_unset=True)
    if teacher.member_id and ({"name", "phone"} & set(data)):
        return invalid(_("党员讲师的姓名和手机号取自党员档案"), "name" if "name" in data else "phone")
    try:
        teachers.teacher_update(teacher, by=request.user, request=request, **_fields(teacher.school, data))
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _reload(request, teacher)


class RetireIn(Schema):
    reason: str = Field("", max_length=200)


@router.delete(
    "/teachers/{teacher_id}",
    response={200: TeacherDetailOut, **WRITE},
    summary="Retire a teacher from the pool: no new bookings; sessions and appointments are kept (board)",
)
def teacher_retire(request, teacher_id: int, query: Query[RetireIn]):
    teacher = _managed_teacher(request, teacher_id)
    try:
        teachers.teacher_retire(teacher, by=request.user, reason=query.reason, request=request)
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _reload(request, teacher)


@router.post("/teachers/{teacher_id}/reinstate", response={200: TeacherDetailOut, **WRITE}, summary="Bring a retired teacher back (board)")
def teacher_reinstate(request, teacher_id: int):
    teacher = _managed_teacher(request, teacher_id)
    try:
        teachers.teacher_reinstate(teacher, by=request.user, request=request)
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _reload(request, teacher)


class RenewIn(Schema):
    starts_on: SaneDate | None = Field(None, description="缺省为当前聘期结束的次日（已过则今天）")
    ends_on: SaneDate


class EndIn(Schema):
    ended_on: SaneDate | None = Field(None, description="缺省为今天")
    reason: str = Field("", max_length=200)


@router.post(
    "/teachers/{teacher_id}/renew",
    response={201: AppointmentOut, **WRITE},
    summary="Appoint the teacher for a new term (续聘; the first is 聘任) (board)",
)
def teacher_renew(request, teacher_id: int, body: RenewIn):
    teacher = _managed_teacher(request, teacher_id)
    try:
        appointment = teachers.appointment_renew(teacher, ends_on=body.ends_on, starts_on=body.starts_on, by=request.user, request=request)
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return Status(201, _appointment(appointment))


@router.post("/teachers/{teacher_id}/end", response={200: AppointmentOut, **WRITE}, summary="End the teacher's running term early (board)")
def teacher_end(request, teacher_id: int, body: EndIn):
    teacher = _managed_teacher(request, teacher_id)
    try:
        appointment = teachers.appointment_end(teacher, on=body.ended_on, reason=body.reason, by=request.user, request=request)
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _appointment(appointment)


# --- Topics ------------------------------------------------------------------------------------


class TopicOut(Schema):
    id: int
    name: str
    parent: Ref | None
    order: int
    is_active: bool


class TopicQuery(Schema):
    active: bool | None = Field(None, description="true：使用中；false：已停用；缺省：全部")


class TopicIn(Schema):
    name: str = Field(max_length=40)
    parent_id: Id | None = Field(None, description="上级专题（只能是顶级专题）；缺省为顶级")
    order: int = Field(0, ge=0, le=32767)


class TopicPatch(Schema):
    name: str | None = Field(None, max_length=40)
    parent_id: Id | None = None
    order: int | None = Field(None, ge=0, le=32767)


def _topic(t: Topic) -> dict:
    return {"id": t.pk, "name": t.name, "parent": ref(t.parent), "order": t.order, "is_active": t.is_active}


def _topics_in_scope(request) -> QuerySet:
    return access.filter_school_objects(request.user, "school.Topic", Topic.objects.select_related("parent"))


def _managed_topic(request, topic_id: int) -> Topic:
    queryset = Topic.objects.filter(school__in=access.board_schools(request.user).values("pk")).select_related("school", "parent")
    return access.get_school_object_or_404(request.user, "school.Topic", topic_id, queryset)


def _parent(school: School, parent_id: int | None) -> Topic | None:
    if not parent_id:
        return None
    parent = Topic.objects.filter(school=school, pk=parent_id).first()
    if parent is None:
        raise teachers.PoolError(_("上级专题不可选"), "parent_id")
    return parent


@router.get("/topics", response=list[TopicOut], summary="The topic taxonomy of the caller's schools, parents first")
def topic_list(request, query: Query[TopicQuery]):
    qs = _topics_in_scope(request)
    if query.active is not None:
        qs = qs.filter(is_active=query.active)
    return [_topic(t) for t in topic_tree(qs)]


@router.get("/topics/{topic_id}", response=TopicOut, summary="One topic")
def topic_detail(request, topic_id: int):
    return _topic(access.get_school_object_or_404(request.user, "school.Topic", topic_id, _topics_in_scope(request)))


@router.post("/topics", response={201: TopicOut, **WRITE}, summary="Create a topic, at the top or under a top-level one (board)")
def topic_create(request, body: TopicIn):
    school = board_school(request)
    try:
        topic = teachers.topic_create(
            school, name=body.name, parent=_parent(school, body.parent_id), order=body.order, by=request.user, request=request
        )
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return Status(201, _topic(topic))


@router.patch("/topics/{topic_id}", response={200: TopicOut, **WRITE}, summary="Rename, re-order or move a topic (board)")
def topic_update(request, topic_id: int, body: TopicPatch):
    topic = _managed_topic(request, topic_id)
    data = body.dict(exclude_unset=True)
    try:
        parent = _parent(topic.school, data["parent_id"]) if "parent_id" in data else topic.parent
        teachers.topic_update(
            topic,
            name=data.get("name") if data.get("name") is not None else topic.name,
            parent=parent,
            order=data.get("order") if data.get("order") is not None else topic.order,
            by=request.user,
            request=request,
        )
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _topic(topic)


@router.delete(
    "/topics/{topic_id}", response={200: TopicOut, **WRITE}, summary="Retire a topic and its sub-topics; what names them keeps them (board)"
)
def topic_retire(request, topic_id: int):
    topic = _managed_topic(request, topic_id)
    try:
        teachers.topic_retire(topic, by=request.user, request=request)
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _topic(topic)


@router.post("/topics/{topic_id}/reinstate", response={200: TopicOut, **WRITE}, summary="Use a retired topic again (board)")
def topic_reinstate(request, topic_id: int):
    topic = _managed_topic(request, topic_id)
    try:
        teachers.topic_reinstate(topic, by=request.user, request=request)
    except teachers.PoolError as exc:
        return invalid(str(exc), exc.field)
    return _topic(topic)
