"""Course pages for staff: the list (in use or retired), create, edit, retire and reinstate. The detail
page with its materials is `views.course_detail`.

The board of the school manages every course of it; staff over an organisation manage the courses it
owns (`access.can_manage_course`) and create courses for their subtree only; anything else is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.school.models import School, Topic, TrainingPlan
from dangxiao.school.selectors import user_school
from dangxiao.school.teacher_selectors import active_topics

from . import courses, selectors
from .course_forms import SCHOOL_WIDE, CourseForm
from .models import Course

STATUSES = (("active", gettext_lazy("在用")), ("retired", gettext_lazy("已停用")), ("all", gettext_lazy("全部")))


def _require_staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _managed_course(request, pk: int) -> Course:
    course = access.get_school_object_or_404(
        request.user, "teaching.Course", pk, Course.objects.select_related("school__organization", "organization", "topic")
    )
    access.require(access.can_manage_course(request.user, course))
    return course


@login_required
def course_list(request):
    _require_staff(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Course.Kind.values else ""
    status = request.GET.get("status", "active")
    status = status if status in dict(STATUSES) else "active"
    qs = selectors.course_list(request.user).select_related("organization")
    if kind:
        qs = qs.filter(kind=kind)
    if status != "all":
        qs = qs.filter(is_active=status == "active")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    school = user_school(request.user)
    can_create = False
    if school is not None:
        school_wide, organizations = courses.course_owner_choices(request.user, school)
        can_create = school_wide or organizations.exists()
    return render(
        request,
        "teaching/course_list.html",
        {
            "active": "courses",
            "page": page,
            "courses": page.object_list,
            "kind": kind,
            "kinds": Course.Kind.choices,
            "status": status,
            "statuses": STATUSES,
            "can_create": can_create,
            "querystring_nopage": query.urlencode() + "&" if query else "",
        },
    )


def _form(request, school: School, course: Course | None = None) -> CourseForm:
    school_wide, organizations = courses.course_owner_choices(request.user, school)
    topics = active_topics(school)
    if course is not None and course.topic is not None and not course.topic.is_active:
        topics.append(course.topic)
    initial = None
    if course is not None:
        initial = {
            "title": course.title,
            "kind": course.kind,
            "owner": str(course.organization_id) if course.organization_id else SCHOOL_WIDE,
            "topic": course.topic_id,
            "plan": course.plan_id,
            "default_hours": course.default_hours,
            "online_capable": course.online_capable,
            "description": course.description,
        }
    return CourseForm(
        request.POST or None,
        school_wide=school_wide,
        organizations=organizations,
        topics=topics,
        plans=TrainingPlan.objects.filter(school=school).order_by("-year"),
        initial=initial,
    )


def _fields(request, school: School, data: dict) -> dict:
    """The form's choices as objects, each found among what the form offered (so within scope)."""
    school_wide, organizations = courses.course_owner_choices(request.user, school)
    owner = data["owner"]
    if owner == SCHOOL_WIDE:
        access.require(school_wide)
        organization = None
    else:
        organization = organizations.filter(pk=owner).first()
        access.require(organization is not None)
    return {
        "title": data["title"],
        "kind": data["kind"],
        "organization": organization,
        "topic": Topic.objects.filter(school=school, pk=data["topic"]).first() if data["topic"] else None,
        "plan": TrainingPlan.objects.filter(school=school, pk=data["plan"]).first() if data["plan"] else None,
        "default_hours": data["default_hours"],
        "online_capable": data["online_capable"],
        "description": data["description"],
    }


def _error(form, exc: courses.CourseError) -> None:
    field = {"organization_id": "owner", "topic_id": "topic", "plan_id": "plan"}.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc))


@login_required
def course_create(request):
    _require_staff(request)
    school = user_school(request.user)
    if school is None:
        raise Http404(_("尚未设立党校"))
    form = _form(request, school)
    access.require(bool(form.fields["owner"].choices))
    if request.method == "POST" and form.is_valid():
        try:
            course = courses.course_create(school, by=request.user, request=request, **_fields(request, school, form.cleaned_data))
        except courses.CourseError as exc:
            _error(form, exc)
        else:
            messages.success(request, _("课程《%(title)s》已创建，可在此上传课程资料。") % {"title": course.title})
            return redirect("teaching:course_detail", course.pk)
    return render(request, "teaching/course_form.html", {"active": "courses", "form": form}, status=422 if form.errors else 200)


@login_required
def course_edit(request, pk: int):
    course = _managed_course(request, pk)
    form = _form(request, course.school, course)
    if request.method == "POST" and form.is_valid():
        try:
            courses.course_update(course, by=request.user, request=request, **_fields(request, course.school, form.cleaned_data))
        except courses.CourseError as exc:
            _error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("teaching:course_detail", course.pk)
    return render(
        request, "teaching/course_form.html", {"active": "courses", "form": form, "course": course}, status=422 if form.errors else 200
    )


def _act(request, pk: int, action, success: str):
    course = _managed_course(request, pk)
    try:
        action(course, by=request.user, request=request)
    except courses.CourseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success % {"title": course.title})
    return redirect("teaching:course_detail", course.pk)


@login_required
@require_POST
def course_retire(request, pk: int):
    return _act(request, pk, courses.course_retire, _("课程《%(title)s》已停用：不再供班次和课次选择，历史记录保留。"))


@login_required
@require_POST
def course_reinstate(request, pk: int):
    return _act(request, pk, courses.course_reinstate, _("课程《%(title)s》已恢复使用。"))
