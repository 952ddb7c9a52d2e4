"""Pages of frontline projects and mentorships: staff lists and details (desktop), and a member's
"我的实践" with the log and meeting forms (phone). Every object is loaded through core.access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.models import AuditEvent
from dangxiao.core.uploads import private_file_response
from dangxiao.people.models import Member, Organization

from . import projects_forms as forms
from . import projects_selectors as selectors
from . import projects_services as services
from .models.projects import FrontlineProject, Mentorship, ProjectLog, ProjectPhase, ProjectTrainee

A = AuditEvent.Action
PAGE = 20


def _staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _organizations(user):
    q = access.staff_q(access.scope_for(user), "path")
    qs = Organization.objects.all() if q is None else Organization.objects.filter(q)
    return qs.order_by("path")


def member_by_key(user, key: str) -> Member | None:
    """A current member of the user's roster by full phone number or a unique name; a ProjectError otherwise."""
    key = (key or "").strip()
    if not key:
        return None
    roster = access.filter_roster(user).current()
    found = list(roster.filter(phone=key)[:1] if key.isdigit() else roster.filter(name=key)[:2])
    if len(found) > 1:
        raise services.ProjectError(_("您的管理范围内有多名党员叫“%(name)s”，请输入手机号") % {"name": key})
    if not found:
        raise services.ProjectError(_("在您的管理范围内找不到党员“%(name)s”（请输入完整手机号或姓名）") % {"name": key})
    return found[0]


def _querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + ("&" if params else "")


# --- Projects (staff) ---------------------------------------------------------------------------------


@login_required
def project_list(request):
    _staff(request)
    qs = access.filter_projects(request.user, manage=True)
    filters = forms.ProjectFilter(request.GET)
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            qs = qs.filter(name__icontains=filters.cleaned_data["q"])
        if filters.cleaned_data["status"]:
            qs = qs.filter(status=filters.cleaned_data["status"])
    if request.GET.get("due") == "1":
        qs = qs.filter(selectors.unassessed_q(), ends_on__lt=timezone.localdate())
    page = Paginator(selectors.project_list(qs).order_by("status", "-starts_on", "-id"), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "practice/projects/project_list.html",
        {"active": "frontline_projects", "page": page, "filters": filters, "querystring_nopage": _querystring(request)},
    )


@login_required
def project_new(request):
    _staff(request)
    form = forms.ProjectForm(request.POST or None, organizations=_organizations(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                data["organization"],
                name=data["name"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                lead=member_by_key(request.user, data["lead"]),
            )
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            services.audit(request, A.RECORD_CREATE, project, f"新建一线项目：{project.name}")
            messages.success(request, _("已新建项目“%(name)s”。") % {"name": project.name})
            return redirect("practice_projects:project_detail", project.pk)
    return render(
        request,
        "practice/projects/project_form.html",
        {"active": "frontline_projects", "form": form, "project": None},
        status=422 if form.errors else 200,
    )


def _project_for_staff(request, project_id: int) -> FrontlineProject:
    return access.get_project_or_404(request.user, project_id, FrontlineProject.objects.select_related("organization", "lead"), manage=True)


@login_required
def project_edit(request, project_id: int):
    project = _project_for_staff(request, project_id)
    initial = {f: getattr(project, f) for f in ("name", "description", "starts_on", "ends_on")}
    initial["lead"] = project.lead.name if project.lead else ""
    form = forms.ProjectEditForm(request.POST or None, initial=initial, organizations=Organization.objects.none())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.project_update(
                project,
                name=data["name"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                lead=member_by_key(request.user, data["lead"]),
            )
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            services.audit(request, A.RECORD_UPDATE, project, f"修改一线项目：{project.name}")
            messages.success(request, _("已保存。"))
            return redirect("practice_projects:project_detail", project.pk)
    return render(
        request,
        "practice/projects/project_form.html",
        {"active": "frontline_projects", "form": form, "project": project},
        status=422 if form.errors else 200,
    )


@login_required
def project_detail(request, project_id: int):
    """Staff see and run the project; its lead and trainees see it and write logs."""
    project = access.get_project_or_404(request.user, project_id, FrontlineProject.objects.select_related("organization", "lead"))
    scope = access.scope_for(request.user)
    manage = access.filter_projects(request.user, manage=True).filter(pk=project.pk).exists()
    today = timezone.localdate()
    page = Paginator(selectors.project_logs(project), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "practice/projects/project_detail.html",
        {
            "active": "frontline_projects" if manage else "my_practice",
            "project": project,
            **selectors.project_detail(project),
            "page": page,
            "manage": manage,
            "member_id": scope.member_id,
            "can_log": project.status == FrontlineProject.Status.ACTIVE and services.can_log(project, scope.member_id),
            "can_assess": manage and services.can_assess(project, today),
            "phase_form": forms.PhaseForm(initial={"starts_on": project.starts_on, "ends_on": project.ends_on}),
            "trainee_form": forms.TraineeForm(
                initial={"starts_on": max(project.starts_on, min(today, project.ends_on)), "ends_on": project.ends_on}
            ),
            "grades": forms.Grade.choices,
            "phase_statuses": ProjectPhase.Status.choices,
            "mentorships": list(project.mentorships.filter(retired_at__isnull=True).select_related("mentor", "mentee")) if manage else [],
        },
    )


def _act(request, project, action, success: str, audit_action=None, summary: str = ""):
    try:
        action()
    except services.ProjectError as exc:
        messages.error(request, str(exc))
    else:
        if audit_action:
            services.audit(request, audit_action, project, summary)
        messages.success(request, success)
    return redirect("practice_projects:project_detail", project.pk)


@login_required
@require_POST
def project_close(request, project_id: int):
    project = _project_for_staff(request, project_id)
    return _act(
        request,
        project,
        lambda: services.project_close(project),
        _("项目已结项，可以考核学员了。"),
        A.RECORD_UPDATE,
        f"一线项目结项：{project.name}",
    )


@login_required
@require_POST
def project_retire(request, project_id: int):
    project = _project_for_staff(request, project_id)
    services.project_retire(project)
    services.audit(request, A.RECORD_RETIRE, project, f"停用一线项目：{project.name}")
    messages.success(request, _("已停用项目“%(name)s”。") % {"name": project.name})
    return redirect("practice_projects:project_list")


def _form_error(form) -> str:
    return "；".join(
        f"{form.fields[k].label if k in form.fields else ''}{'：' if k in form.fields else ''}{v[0]}" for k, v in form.errors.items()
    )


@login_required
@require_POST
def phase_add(request, project_id: int):
    project = _project_for_staff(request, project_id)
    form = forms.PhaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("practice_projects:project_detail", project.pk)
    return _act(
        request,
        project,
        lambda: services.phase_add(project, **form.cleaned_data),
        _("已添加阶段。"),
        A.RECORD_UPDATE,
        f"一线项目添加阶段：{project.name}",
    )


def _phase_for_staff(request, phase_id: int) -> ProjectPhase:
    projects = access.filter_projects(request.user, manage=True)
    phase = ProjectPhase.objects.select_related("project").filter(pk=phase_id, project__in=projects.values("pk")).first()
    access.require(phase is not None)
    return phase


@login_required
@require_POST
def phase_update(request, phase_id: int):
    phase = _phase_for_staff(request, phase_id)
    form = forms.PhaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("practice_projects:project_detail", phase.project_id)
    return _act(
        request, phase.project, lambda: services.phase_update(phase, **form.cleaned_data), _("已保存阶段。"), A.RECORD_UPDATE,
        f"一线项目修改阶段：{phase.project.name}",
    )  # fmt: skip


@login_required
@require_POST
def phase_remove(request, phase_id: int):
    phase = _phase_for_staff(request, phase_id)
    return _act(
        request,
        phase.project,
        lambda: services.phase_remove(phase),
        _("已删除阶段。"),
        A.RECORD_UPDATE,
        f"一线项目删除阶段：{phase.project.name}",
    )


@login_required
@require_POST
def trainee_add(request, project_id: int):
    project = _project_for_staff(request, project_id)
    form = forms.TraineeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("practice_projects:project_detail", project.pk)
    data = form.cleaned_data

    def assign():
        member = member_by_key(request.user, data["member"])
        services.trainee_assign(project, member, role=data["role"], starts_on=data["starts_on"], ends_on=data["ends_on"])

    return _act(request, project, assign, _("已安排学员干部。"), A.RECORD_UPDATE, f"一线项目安排学员：{project.name}")


def _trainee_for_staff(request, trainee_id: int) -> ProjectTrainee:
    projects = access.filter_projects(request.user, manage=True)
    trainee = ProjectTrainee.objects.select_related("project", "member").filter(pk=trainee_id, project__in=projects.values("pk")).first()
    access.require(trainee is not None)
    return trainee


@login_required
@require_POST
def trainee_remove(request, trainee_id: int):
    trainee = _trainee_for_staff(request, trainee_id)
    return _act(
        request, trainee.project, lambda: services.trainee_remove(trainee), _("已将学员移出项目。"), A.RECORD_UPDATE,
        f"一线项目移出学员：{trainee.project.name}",
    )  # fmt: skip


@login_required
@require_POST
def trainee_assess(request, trainee_id: int):
    trainee = _trainee_for_staff(request, trainee_id)
    form = forms.AssessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("practice_projects:project_detail", trainee.project_id)
    return _act(
        request,
        trainee.project,
        lambda: services.trainee_assess(trainee, **form.cleaned_data, by=request.user),
        _("已记录%(name)s的考核。") % {"name": trainee.member.name},
        A.RECORD_UPDATE,
        f"一线项目考核学员：{trainee.project.name}",
    )


# --- Logs (lead and trainees, phone) -----------------------------------------------------------------------


@login_required
def log_new(request, project_id: int):
    project = access.get_project_or_404(request.user, project_id, FrontlineProject.objects.select_related("organization"))
    scope = access.scope_for(request.user)
    if not services.can_log(project, scope.member_id):
        raise PermissionDenied(_("只有项目负责人和项目学员可以写工作日志"))
    today = timezone.localdate()
    form = forms.LogForm(request.POST or None, request.FILES or None, initial={"written_on": min(today, project.ends_on)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_write(
                project,
                Member.objects.get(pk=scope.member_id),
                written_on=data["written_on"],
                text=data["text"],
                photo=data["photo"],
                today=today,
            )
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已记录工作日志。"))
            return redirect("practice_projects:my_practice")
    return render(
        request,
        "practice/projects/log_form.html",
        {"active": "my_practice", "project": project, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def log_photo(request, log_id: int):
    """A log's photo, for whoever may see its project."""
    log = ProjectLog.objects.filter(pk=log_id, project__in=access.filter_projects(request.user).values("pk")).first()
    access.require(log is not None and bool(log.photo))
    return private_file_response(log.photo, f"项目日志-{log.written_on:%Y%m%d}{log.photo.name[-4:]}", log.photo_content_type)


# --- Mentorships ------------------------------------------------------------------------------------------


@login_required
def mentorship_list(request):
    _staff(request)
    qs = access.filter_mentorships(request.user, manage=True)
    filters = forms.MentorshipFilter(request.GET)
    if filters.is_valid():
        if filters.cleaned_data["kind"]:
            qs = qs.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data["status"]:
            qs = qs.filter(status=filters.cleaned_data["status"])
    if request.GET.get("quiet") == "1":
        qs = qs.filter(selectors.quiet_q(timezone.localdate()))
    page = Paginator(selectors.mentorship_list(qs).order_by("status", "-starts_on", "-id"), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "practice/projects/mentorship_list.html",
        {"active": "mentorships", "page": page, "filters": filters, "querystring_nopage": _querystring(request)},
    )


@login_required
def mentorship_new(request):
    _staff(request)
    projects = access.filter_projects(request.user, manage=True).filter(status=FrontlineProject.Status.ACTIVE)
    form = forms.MentorshipForm(
        request.POST or None, organizations=_organizations(request.user), projects=projects, initial={"starts_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pair = services.mentorship_create(
                data["kind"],
                data["organization"],
                mentor=member_by_key(request.user, data["mentor"]),
                mentee=member_by_key(request.user, data["mentee"]),
                goals=data["goals"],
                starts_on=data["starts_on"],
                project=data["project"],
            )
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            services.audit(request, A.RECORD_CREATE, pair, f"新建结对：{pair.mentor.name} → {pair.mentee.name}")
            messages.success(request, _("已新建结对。"))
            return redirect("practice_projects:mentorship_detail", pair.pk)
    return render(
        request,
        "practice/projects/mentorship_form.html",
        {"active": "mentorships", "form": form, "pair": None},
        status=422 if form.errors else 200,
    )


def _pair_for_staff(request, mentorship_id: int) -> Mentorship:
    qs = Mentorship.objects.select_related("organization", "mentor", "mentee", "project")
    return access.get_mentorship_or_404(request.user, mentorship_id, qs, manage=True)


@login_required
def mentorship_edit(request, mentorship_id: int):
    pair = _pair_for_staff(request, mentorship_id)
    projects = access.filter_projects(request.user, manage=True).filter(status=FrontlineProject.Status.ACTIVE)
    form = forms.MentorshipEditForm(request.POST or None, projects=projects, initial={"goals": pair.goals, "project": pair.project_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.mentorship_update(pair, goals=form.cleaned_data["goals"], project=form.cleaned_data["project"])
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            services.audit(request, A.RECORD_UPDATE, pair, f"修改结对：{pair.mentor.name} → {pair.mentee.name}")
            messages.success(request, _("已保存。"))
            return redirect("practice_projects:mentorship_detail", pair.pk)
    return render(
        request,
        "practice/projects/mentorship_form.html",
        {"active": "mentorships", "form": form, "pair": pair},
        status=422 if form.errors else 200,
    )


@login_required
def mentorship_detail(request, mentorship_id: int):
    """Staff over the pair and both sides see it; the mentor (or staff) closes it with an assessment."""
    qs = Mentorship.objects.select_related("organization", "mentor", "mentee", "project")
    pair = access.get_mentorship_or_404(request.user, mentorship_id, qs)
    scope = access.scope_for(request.user)
    manage = access.filter_mentorships(request.user, manage=True).filter(pk=pair.pk).exists()
    open_ = pair.status == Mentorship.Status.ACTIVE
    page = Paginator(selectors.mentorship_meetings(pair), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "practice/projects/mentorship_detail.html",
        {
            "active": "mentorships" if manage else "my_practice",
            "pair": pair,
            "page": page,
            "manage": manage,
            "can_log": open_ and services.can_log_meeting(pair, scope.member_id),
            "can_close": open_ and (manage or scope.member_id == pair.mentor_id),
            "close_form": forms.CloseForm(),
            "home_pair": selectors.home_pair_between(pair),
        },
    )


@login_required
@require_POST
def mentorship_close(request, mentorship_id: int):
    pair = access.get_mentorship_or_404(request.user, mentorship_id, Mentorship.objects.select_related("mentor", "mentee"))
    scope = access.scope_for(request.user)
    manage = access.filter_mentorships(request.user, manage=True).filter(pk=pair.pk).exists()
    if not (manage or scope.member_id == pair.mentor_id):
        raise PermissionDenied(_("只有导师或管理人员可以结束结对"))
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
    else:
        try:
            services.mentorship_close(pair, **form.cleaned_data)
        except services.ProjectError as exc:
            messages.error(request, str(exc))
        else:
            services.audit(request, A.RECORD_UPDATE, pair, f"结束结对：{pair.mentor.name} → {pair.mentee.name}")
            messages.success(request, _("结对已结束，总结已记录。"))
    return redirect("practice_projects:mentorship_detail", pair.pk)


@login_required
@require_POST
def mentorship_retire(request, mentorship_id: int):
    pair = _pair_for_staff(request, mentorship_id)
    services.mentorship_retire(pair)
    services.audit(request, A.RECORD_RETIRE, pair, f"停用结对：{pair.mentor.name} → {pair.mentee.name}")
    messages.success(request, _("已停用结对。"))
    return redirect("practice_projects:mentorship_list")


@login_required
def meeting_new(request, mentorship_id: int):
    """Either side logs a meeting on their phone."""
    pair = access.get_mentorship_or_404(request.user, mentorship_id, Mentorship.objects.select_related("mentor", "mentee"))
    scope = access.scope_for(request.user)
    if not services.can_log_meeting(pair, scope.member_id):
        raise PermissionDenied(_("只有结对双方可以记录结对活动"))
    today = timezone.localdate()
    form = forms.MeetingForm(request.POST or None, initial={"met_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_log(pair, Member.objects.get(pk=scope.member_id), **form.cleaned_data, today=today)
        except services.ProjectError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已记录结对活动。"))
            return redirect("practice_projects:my_practice")
    return render(
        request,
        "practice/projects/meeting_form.html",
        {"active": "my_practice", "pair": pair, "form": form},
        status=422 if form.errors else 200,
    )


# --- 我的实践 (phone) ---------------------------------------------------------------------------------------


@login_required
def my_practice(request):
    member_id = access.scope_for(request.user).member_id
    return render(
        request,
        "practice/projects/my_practice.html",
        {
            "active": "my_practice",
            "projects": selectors.my_projects(member_id) if member_id else [],
            "pairs": selectors.my_mentorships(member_id) if member_id else [],
            "member_id": member_id,
        },
    )
