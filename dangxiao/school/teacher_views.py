"""Pages of the teacher pool (师资库) and the topic taxonomy: list, add (from a member or an outsider),
edit, appoint / renew / end a term, retire and reinstate; topics created, edited, retired.

Staff read the pool; its writes are the school board's (`access.filter_managed_teachers`,
`access.can_manage_school`): anyone else, and anything of another school, is a 404.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.params import id_param

from . import selectors, teacher_selectors, teachers
from .models import Partner, Teacher, Topic
from .tables import TEACHERS
from .teacher_forms import EndForm, RenewForm, RetireForm, TeacherForm, TopicForm

STATUSES = (("active", gettext_lazy("在库")), ("retired", gettext_lazy("已退出")), ("all", gettext_lazy("全部")))


def _require_staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _board_school(request):
    """The school whose pool the user runs (the nearest board they sit on); 404 for anyone else."""
    school = access.board_schools(request.user).select_related("organization").order_by("organization__depth").first()
    if school is None:
        raise Http404(_("页面不存在"))
    return school


def _managed_teacher(request, pk: int) -> Teacher:
    queryset = access.filter_managed_teachers(request.user, Teacher.objects.select_related("school__organization", "member"))
    return access.get_school_object_or_404(request.user, "school.Teacher", pk, queryset)


def _managed_topic(request, pk: int) -> Topic:
    queryset = Topic.objects.filter(school__in=access.board_schools(request.user).values("pk")).select_related("school", "parent")
    return access.get_school_object_or_404(request.user, "school.Topic", pk, queryset)


def _say(request, call, success: str) -> bool:
    try:
        call()
    except teachers.PoolError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


# --- Teachers ----------------------------------------------------------------------------------


def _teacher_rows(request):
    """The pool as the list shows and exports it: filtered by status, source, topic and name, sorted."""
    _require_staff(request)
    status = request.GET.get("status", "active")
    status = status if status in dict(STATUSES) else "active"
    source = request.GET.get("source", "")
    source = source if source in Teacher.Source.values else ""
    topic = id_param(request.GET.get("topic"))
    text = request.GET.get("q", "").strip()[:40]
    table = TEACHERS.bind(request)
    rows = table.order(teacher_selectors.teacher_list(request.user, status=status, source=source, topic=topic, text=text))
    return table, rows, status, source, topic, text


@login_required
def teacher_export(request):
    table, rows, *_filters = _teacher_rows(request)
    return table.export(rows, "teachers")


@login_required
def teacher_list(request):
    table, teachers_qs, status, source, topic, text = _teacher_rows(request)
    page = Paginator(teachers_qs, 50).get_page(request.GET.get("page"))
    school = selectors.user_school(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return render(
        request,
        "school/teacher_list.html",
        {
            "active": "school",
            "page": page,
            "table": table,
            "teachers": page.object_list,
            "today": today,
            "soon": today + timedelta(days=selectors.TERM_ALERT_DAYS),
            "status": status,
            "statuses": STATUSES,
            "source": source,
            "sources": Teacher.Source.choices,
            "topic": topic,
            "topics": teacher_selectors.active_topics(school) if school else [],
            "q": text,
            "querystring_nopage": query.urlencode() + "&" if query else "",
            "can_manage": school is not None and access.can_manage_school(request.user, school),
        },
    )


@login_required
def teacher_detail(request, pk: int):
    teacher = access.get_school_object_or_404(
        request.user, "school.Teacher", pk, Teacher.objects.select_related("school", "partner", "member__organization")
    )
    access.require(access.scope_for(request.user).is_staff or teacher.user_id == request.user.pk)
    can_manage = access.filter_managed_teachers(request.user).filter(pk=teacher.pk).exists()
    today = timezone.localdate()
    return render(
        request,
        "school/teacher_detail.html",
        {
            "active": "school",
            "teacher": teacher,
            "sessions": selectors.teacher_sessions(teacher),
            "ratings": teacher.ratings.select_related("session").order_by("-created_at")[:50],
            "appointments": teacher.appointments.select_related("created_by").all(),
            "today": today,
            "in_term": teacher.in_term_on(today),
            "can_manage": can_manage,
            "renew_form": RenewForm() if can_manage else None,
            "end_form": EndForm() if can_manage else None,
            "retire_form": RetireForm() if can_manage else None,
        },
    )


def _teacher_form(request, school, teacher: Teacher | None = None) -> TeacherForm:
    topics = teacher_selectors.active_topics(school)
    if teacher is not None:  # a retired topic the teacher has stays selectable
        topics += [t for t in teacher.topics.all() if not t.is_active]
    partners = Partner.objects.filter(school=school).order_by("name")
    initial = None
    if teacher is not None:
        initial = {
            **{f: getattr(teacher, f) for f in ("name", "phone", "source", "affiliation", "title", "bio")},
            "partner": teacher.partner_id,
            "topics": list(teacher.topics.all()),
        }
    return TeacherForm(request.POST or None, topics=topics, partners=partners, editing=teacher, initial=initial)


def _teacher_fields(school, data: dict) -> dict:
    fields = {k: data[k] for k in ("source", "affiliation", "title", "topics", "bio") if k in data}
    for k in ("name", "phone"):
        if k in data:
            fields[k] = data[k]
    fields["partner"] = teachers.partner_of(school, data.get("partner"))
    return fields


def _apply_error(form, exc: teachers.PoolError) -> None:
    field = {"member_id": "member_id", "partner_id": "partner"}.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc))


@login_required
def teacher_create(request):
    school = _board_school(request)
    form = _teacher_form(request, school)
    member = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "member":
                member = access.get_member_or_404(request.user, data["member_id"], access.filter_roster(request.user))
            fields = _teacher_fields(school, data)
            if member is not None:
                fields.pop("name", None), fields.pop("phone", None)
            teacher = teachers.teacher_create(
                school,
                by=request.user,
                request=request,
                member=member,
                appointed_from=data["appointed_from"],
                appointed_until=data["appointed_until"],
                **fields,
            )
        except teachers.PoolError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("讲师%(name)s已加入师资库。") % {"name": teacher.name})
            return redirect("school:teacher_detail", teacher.pk)
    if form.is_bound and form.cleaned_data.get("member_id") and member is None:
        member = access.filter_roster(request.user).filter(pk=form.cleaned_data["member_id"]).select_related("organization").first()
    return render(
        request,
        "school/teacher_form.html",
        {"active": "school", "form": form, "school": school, "picked": member},
        status=422 if form.errors else 200,
    )


@login_required
def teacher_member_picker(request):
    """The member picker of the add form (htmx): members of the school whose name contains ?q=."""
    school = _board_school(request)
    found = teacher_selectors.member_candidates(request.user, school, request.GET.get("q", ""))
    return render(request, "school/_member_picker.html", {"found": found, "q": request.GET.get("q", "").strip()[:40]})


@login_required
def teacher_edit(request, pk: int):
    teacher = _managed_teacher(request, pk)
    form = _teacher_form(request, teacher.school, teacher)
    if request.method == "POST" and form.is_valid():
        try:
            teachers.teacher_update(teacher, by=request.user, request=request, **_teacher_fields(teacher.school, form.cleaned_data))
        except teachers.PoolError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("school:teacher_detail", teacher.pk)
    return render(
        request,
        "school/teacher_form.html",
        {"active": "school", "form": form, "teacher": teacher, "school": teacher.school},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def teacher_renew(request, pk: int):
    teacher = _managed_teacher(request, pk)
    form = RenewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    else:
        data = form.cleaned_data
        _say(
            request,
            lambda: teachers.appointment_renew(
                teacher, ends_on=data["ends_on"], starts_on=data["starts_on"], by=request.user, request=request
            ),
            _("已续聘%(name)s至%(date)s。") % {"name": teacher.name, "date": f"{data['ends_on']:%Y-%m-%d}"},
        )
    return redirect("school:teacher_detail", teacher.pk)


@login_required
@require_POST
def teacher_end(request, pk: int):
    teacher = _managed_teacher(request, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    else:
        data = form.cleaned_data
        _say(
            request,
            lambda: teachers.appointment_end(teacher, on=data["ended_on"], reason=data["reason"], by=request.user, request=request),
            _("已结束%(name)s的聘期。") % {"name": teacher.name},
        )
    return redirect("school:teacher_detail", teacher.pk)


@login_required
@require_POST
def teacher_retire(request, pk: int):
    teacher = _managed_teacher(request, pk)
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _say(
        request,
        lambda: teachers.teacher_retire(teacher, by=request.user, reason=reason, request=request),
        _("%(name)s已退出师资库，历史授课记录保留。") % {"name": teacher.name},
    )
    return redirect("school:teacher_detail", teacher.pk)


@login_required
@require_POST
def teacher_reinstate(request, pk: int):
    teacher = _managed_teacher(request, pk)
    _say(
        request,
        lambda: teachers.teacher_reinstate(teacher, by=request.user, request=request),
        _("%(name)s已恢复入库。") % {"name": teacher.name},
    )
    return redirect("school:teacher_detail", teacher.pk)


# --- Topics ------------------------------------------------------------------------------------


def _parents(school, topic: Topic | None = None) -> list[Topic]:
    qs = Topic.objects.filter(school=school, parent__isnull=True, is_active=True).order_by("order", "name")
    return [t for t in qs if topic is None or t.pk != topic.pk]


def _parent(school, pk: int | None) -> Topic | None:
    return Topic.objects.filter(school=school, pk=pk).first() if pk else None


@login_required
def topic_list(request):
    _require_staff(request)
    school = selectors.user_school(request.user)
    can_manage = school is not None and access.can_manage_school(request.user, school)
    return render(
        request,
        "school/topic_list.html",
        {
            "active": "school",
            "topics": teacher_selectors.topic_list(request.user),
            "can_manage": can_manage,
            "form": TopicForm(parents=_parents(school)) if can_manage else None,
        },
    )


@login_required
def topic_create(request):
    school = _board_school(request)
    form = TopicForm(request.POST or None, parents=_parents(school))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = teachers.topic_create(
                school, name=data["name"], parent=_parent(school, data["parent"]), order=data["order"], by=request.user, request=request
            )
        except teachers.PoolError as exc:
            form.add_error("parent" if exc.field == "parent_id" else exc.field, str(exc))
        else:
            messages.success(request, _("专题“%(name)s”已添加。") % {"name": topic.name})
            return redirect("school:topic_list")
    return render(request, "school/topic_form.html", {"active": "school", "form": form}, status=422 if form.errors else 200)


@login_required
def topic_edit(request, pk: int):
    topic = _managed_topic(request, pk)
    initial = {"name": topic.name, "parent": topic.parent_id, "order": topic.order}
    parents = _parents(topic.school, topic)
    if topic.parent is not None and not topic.parent.is_active:
        parents.append(topic.parent)
    form = TopicForm(request.POST or None, parents=parents, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            teachers.topic_update(
                topic,
                name=data["name"],
                parent=_parent(topic.school, data["parent"]),
                order=data["order"],
                by=request.user,
                request=request,
            )
        except teachers.PoolError as exc:
            form.add_error("parent" if exc.field == "parent_id" else exc.field, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("school:topic_list")
    return render(request, "school/topic_form.html", {"active": "school", "form": form, "topic": topic}, status=422 if form.errors else 200)


@login_required
@require_POST
def topic_retire(request, pk: int):
    topic = _managed_topic(request, pk)
    _say(
        request, lambda: teachers.topic_retire(topic, by=request.user, request=request), _("专题“%(name)s”已停用。") % {"name": topic.name}
    )
    return redirect("school:topic_list")


@login_required
@require_POST
def topic_reinstate(request, pk: int):
    topic = _managed_topic(request, pk)
    _say(
        request,
        lambda: teachers.topic_reinstate(topic, by=request.user, request=request),
        _("专题“%(name)s”已恢复。") % {"name": topic.name},
    )
    return redirect("school:topic_list")
