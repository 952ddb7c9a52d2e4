"""Courses: listed to anyone in the school; created, edited, retired (DELETE) and reinstated by the
school's board (any course, or school-wide ones) and by staff over the owning organisation (its own
courses, and new ones for their subtree). An object out of reach is 404; a refusal is 422 with
`{"detail", "errors": [{"field", "message"}]}`, nothing written. Writes go through
`dangxiao.teaching.courses`, which audits them. A retired course is refused by the booking services
and left out of the pages' pickers; its sessions, cohorts and materials stay.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.school.models import School, Topic, TrainingPlan
from dangxiao.school.selectors import user_school
from dangxiao.teaching import courses
from dangxiao.teaching.models import Course

from .params import Id
from .school import PageQuery, Ref, paginate, ref
from .teachers import WRITE, invalid

router = Router(tags=["teaching"])

Hours = Annotated[Decimal, Field(gt=0, le=Decimal("99.9"), max_digits=3, decimal_places=1)]


class CourseOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    topic: Ref | None
    organization: Ref | None = Field(description="所属组织：其管理员和校务委员会可管理课程及资料；空为全校课程（仅校务委员会）")
    plan_id: int | None
    description: str
    default_hours: float
    online_capable: bool
    is_active: bool = Field(description="在用；停用的课程不再供班次和课次选择，历史记录保留")
    retired_at: datetime | None


class CoursePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CourseOut]


class CourseQuery(PageQuery):
    kind: Course.Kind | None = None
    topic: Id | None = None
    active: bool | None = Field(None, description="true：在用；false：已停用；缺省：全部")


def _course(c: Course) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "topic": ref(c.topic),
        "organization": ref(c.organization),
        "plan_id": c.plan_id,
        "description": c.description,
        "default_hours": float(c.default_hours),
        "online_capable": c.online_capable,
        "is_active": c.is_active,
        "retired_at": timezone.localtime(c.retired_at) if c.retired_at else None,
    }


def _courses(request) -> QuerySet:
    return access.filter_school_objects(request.user, "teaching.Course", Course.objects.select_related("topic", "organization"))


@router.get("/courses", response=CoursePage, summary="Courses of the caller's schools")
def course_list(request, query: Query[CourseQuery]):
    qs = _courses(request).order_by("kind", "title", "id")
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.topic:
        qs = qs.filter(topic_id=query.topic)
    if query.active is not None:
        qs = qs.filter(is_active=query.active)
    return paginate(qs, query, _course)


@router.get("/courses/{course_id}", response=CourseOut, summary="One course")
def course_detail(request, course_id: int):
    return _course(access.get_school_object_or_404(request.user, "teaching.Course", course_id, _courses(request)))


class CourseIn(Schema):
    title: str = Field(max_length=120)
    kind: Course.Kind
    organization_id: Id | None = Field(None, description="所属组织（须在您的管理范围内）；缺省为全校课程（仅校务委员会）")
    topic_id: Id | None = None
    plan_id: Id | None = None
    description: str = Field("", max_length=5000)
    default_hours: Hours = Decimal("2.0")
    online_capable: bool = False


class CoursePatch(Schema):
    title: str | None = Field(None, max_length=120)
    kind: Course.Kind | None = None
    organization_id: Id | None = Field(None, description="null：全校课程（仅校务委员会）")
    topic_id: Id | None = None
    plan_id: Id | None = None
    description: str | None = Field(None, max_length=5000)
    default_hours: Hours | None = None
    online_capable: bool | None = None


def _managed_course(request, course_id: int) -> Course:
    course = access.get_school_object_or_404(
        request.user, "teaching.Course", course_id, Course.objects.select_related("school__organization", "organization", "topic")
    )
    access.require(access.can_manage_course(request.user, course))
    return course


def _fields(request, school: School, data: dict) -> dict:
    """The body as the service takes it: the owner among those the caller may pick, topic and plan of the
    school; anything else refused (CourseError naming the field)."""
    fields = {k: v for k, v in data.items() if k in courses.COURSE_FIELDS and v is not None}
    if "organization_id" in data:
        school_wide, organizations = courses.course_owner_choices(request.user, school)
        if data["organization_id"] is None:
            if not school_wide:
                raise courses.CourseError(_("只有校务委员会可以设置全校课程"), "organization_id")
            fields["organization"] = None
        else:
            fields["organization"] = organizations.filter(pk=data["organization_id"]).first()
            if fields["organization"] is None:
                raise courses.CourseError(_("所属组织不存在或不在您的管理范围内"), "organization_id")
    if "topic_id" in data:
        fields["topic"] = Topic.objects.filter(school=school, pk=data["topic_id"]).first() if data["topic_id"] else None
        if data["topic_id"] and fields["topic"] is None:
            raise courses.CourseError(_("专题不存在或不属于本校"), "topic_id")
    if "plan_id" in data:
        fields["plan"] = TrainingPlan.objects.filter(school=school, pk=data["plan_id"]).first() if data["plan_id"] else None
        if data["plan_id"] and fields["plan"] is None:
            raise courses.CourseError(_("年度计划不属于本校"), "plan_id")
    return fields


@router.post("/courses", response={201: CourseOut, **WRITE}, summary="Create a course, school-wide (board) or of an organisation in scope")
def course_create(request, body: CourseIn):
    access.require(access.scope_for(request.user).is_staff)
    school = user_school(request.user)
    access.require(school is not None)
    try:
        course = courses.course_create(school, by=request.user, request=request, **_fields(request, school, body.dict()))
    except courses.CourseError as exc:
        return invalid(str(exc), exc.field)
    return Status(201, _course(course))


@router.patch("/courses/{course_id}", response={200: CourseOut, **WRITE}, summary="Edit a course (its owners and the board)")
def course_update(request, course_id: int, body: CoursePatch):
    course = _managed_course(request, course_id)
    try:
        courses.course_update(course, by=request.user, request=request, **_fields(request, course.school, body.dict(exclude_unset=True)))
    except courses.CourseError as exc:
        return invalid(str(exc), exc.field)
    return _course(course)


@router.delete(
    "/courses/{course_id}",
    response={200: CourseOut, **WRITE},
    summary="Retire a course: no longer offered; sessions, cohorts and materials kept (its owners and the board)",
)
def course_retire(request, course_id: int):
    course = _managed_course(request, course_id)
    try:
        courses.course_retire(course, by=request.user, request=request)
    except courses.CourseError as exc:
        return invalid(str(exc), exc.field)
    return _course(course)


@router.post("/courses/{course_id}/reinstate", response={200: CourseOut, **WRITE}, summary="Offer a retired course again")
def course_reinstate(request, course_id: int):
    course = _managed_course(request, course_id)
    try:
        courses.course_reinstate(course, by=request.user, request=request)
    except courses.CourseError as exc:
        return invalid(str(exc), exc.field)
    return _course(course)
