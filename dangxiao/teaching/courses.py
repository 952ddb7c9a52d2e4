"""Write paths of courses: create, edit, retire and reinstate (never delete: sessions, cohorts and
materials keep naming a retired course), and the courses offered in pickers.

Who may call them is the caller's check: the school's board for any course of the school, staff over
an organisation for the courses it owns (`access.can_manage_course`; `course_owner_choices` lists the
owners a user may pick). A refusal users can cause is a `CourseError` naming the field at fault;
nothing is written then. Every write is audited against the course's owner (or its school).
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.people.models import Organization, User
from dangxiao.school.models import School, Topic, TrainingPlan

from .models import Course

COURSE_FIELDS = ("title", "kind", "organization", "topic", "plan", "description", "default_hours", "online_capable")
MAX_HOURS = Decimal("99.9")


class CourseError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def offered_courses(queryset: QuerySet) -> QuerySet:
    """Courses a cohort or a session may still be given: those in use."""
    return queryset.filter(is_active=True)


def course_owner_choices(user, school: School) -> tuple[bool, QuerySet]:
    """Whether the user may make school-wide courses (the board), and the organisations of the school
    they may make a course for (their staff subtrees)."""
    orgs = Organization.objects.filter(path__startswith=school.organization.path)
    q = access.staff_q(access.scope_for(user), "path")
    return access.board_schools(user).filter(pk=school.pk).exists(), (orgs if q is None else orgs.filter(q)).order_by("path")


def _clean(school: School, fields: dict, course: Course | None) -> dict:
    data = {k: v for k, v in fields.items() if k in COURSE_FIELDS}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            raise CourseError(_("请填写课程名称"), "title")
        if len(data["title"]) > 120:
            raise CourseError(_("课程名称不能超过120个字"), "title")
    if "kind" in data and data["kind"] not in Course.Kind.values:
        raise CourseError(_("请选择课堂类型"), "kind")
    org = data.get("organization")
    if org is not None and not org.path.startswith(school.organization.path):
        raise CourseError(_("所属组织不属于本校"), "organization_id")
    topic: Topic | None = data.get("topic")
    if topic is not None and (topic.school_id != school.pk or (not topic.is_active and (course is None or course.topic_id != topic.pk))):
        raise CourseError(_("专题“%(topic)s”不可选") % {"topic": topic.name}, "topic_id")
    plan: TrainingPlan | None = data.get("plan")
    if plan is not None and plan.school_id != school.pk:
        raise CourseError(_("年度计划不属于本校"), "plan_id")
    if "default_hours" in data:
        try:
            hours = Decimal(str(data["default_hours"])).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            raise CourseError(_("学时应为数字，如 2 或 1.5"), "default_hours") from None
        if not Decimal("0") < hours <= MAX_HOURS:
            raise CourseError(_("学时须大于0且不超过%(max)s") % {"max": MAX_HOURS}, "default_hours")
        data["default_hours"] = hours
    if "description" in data:
        data["description"] = (data["description"] or "").strip()
    return data


def _audit(request, action: str, course: Course, summary: str, detail: dict | None = None) -> None:
    audit_record(
        request,
        action,
        organization_id=course.organization_id or course.school.organization_id,
        object_type="course",
        object_id=course.pk,
        summary=summary,
        detail=detail,
    )


@transaction.atomic
def course_create(school: School, *, by: User, request=None, **fields) -> Course:
    """A new course of the school, owned by an organisation or (none) school-wide. Refused: no title or
    kind, an owner, topic or plan not of the school, a retired topic, hours not in (0, 99.9]."""
    data = _clean(school, fields, None)
    for required in ("title", "kind"):
        if required not in data:
            raise CourseError(_("必填"), required)
    course = Course.objects.create(school=school, **data)
    _audit(request, "course_create", course, f"新增课程：《{course.title}》")
    return course


@transaction.atomic
def course_update(course: Course, *, by: User, request=None, **fields) -> Course:
    """Edit a course; a topic it already has may stay though retired. Refused as `course_create`."""
    data = _clean(course.school, fields, course)
    for key, value in data.items():
        setattr(course, key, value)
    course.save()
    _audit(request, "course_update", course, f"修改课程：《{course.title}》", {"fields": sorted(data)})
    return course


@transaction.atomic
def course_retire(course: Course, *, by: User, request=None) -> Course:
    """Retire a course: it leaves the cohort and session pickers; its sessions, cohorts and materials
    stay. Refused if already retired."""
    if not course.is_active:
        raise CourseError(_("该课程已停用"))
    course.is_active, course.retired_at = False, timezone.now()
    course.save(update_fields=["is_active", "retired_at"])
    _audit(request, "course_retire", course, f"停用课程：《{course.title}》")
    return course


@transaction.atomic
def course_reinstate(course: Course, *, by: User, request=None) -> Course:
    """Offer a retired course again. Refused if it is in use."""
    if course.is_active:
        raise CourseError(_("该课程正在使用"))
    course.is_active, course.retired_at = True, None
    course.save(update_fields=["is_active", "retired_at"])
    _audit(request, "course_restore", course, f"恢复课程：《{course.title}》")
    return course
