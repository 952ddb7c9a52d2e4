"""Frontline projects (项目一线党旗红) and mentorships (传帮带, 老带青·青帮老) over the API.

Projects and pairs are loaded through `access.filter_projects` / `filter_mentorships` (404 outside them):
staff over the owning organisation manage them; a member reads the projects they are on or lead and
the pairs they are a side of, writes the project's logs (as its lead or a trainee) and the pair's
meetings (either side); anyone else who can see the record but may not do that gets 403. Writes go
through `dangxiao.practice.projects_services`; a refusal users can cause is a 400 with its message.
"""

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangxiao.core import access
from dangxiao.core.models import AuditEvent
from dangxiao.people.models import Member, Organization
from dangxiao.practice import projects_selectors as selectors
from dangxiao.practice import projects_services as services
from dangxiao.practice.models.projects import (
    FrontlineProject,
    Grade,
    Mentorship,
    MentorshipMeeting,
    ProjectLog,
    ProjectPhase,
    ProjectTrainee,
)

from .params import Id, SaneDate
from .school import PageQuery, Ref, paginate, ref

router = Router(tags=["practice"])
A = AuditEvent.Action


class Detail(Schema):
    detail: str


ERRORS = {400: Detail, 403: Detail, 404: Detail}


def _failed(exc: services.ProjectError) -> Status:
    return Status(400, {"detail": str(exc)})


def _member(request, member_id: int | None) -> Member | None:
    """A current member of the caller's roster (404 otherwise)."""
    if member_id is None:
        return None
    return access.get_member_or_404(request.user, member_id, access.filter_roster(request.user).current())


def _organization(request, org_id: int) -> Organization:
    q = access.staff_q(access.scope_for(request.user), "path")
    qs = Organization.objects.all() if q is None else Organization.objects.filter(q)
    return access.get_organization_or_404(request.user, org_id, qs)


def _managed_project(request, project_id: int) -> FrontlineProject:
    return access.get_project_or_404(request.user, project_id, FrontlineProject.objects.select_related("organization", "lead"), manage=True)


# --- Projects ------------------------------------------------------------------------------------------


class PhaseOut(Schema):
    id: int
    order: int
    name: str
    starts_on: date
    ends_on: date
    status: ProjectPhase.Status


class TraineeOut(Schema):
    id: int
    member: Ref
    role: str
    starts_on: date
    ends_on: date
    grade: Grade | None = Field(description="考核等次，项目结束后由管理人员填写")
    comment: str
    assessed_on: date | None


class ProjectOut(Schema):
    id: int
    name: str
    organization: Ref
    lead: Ref | None
    description: str
    starts_on: date
    ends_on: date
    status: FrontlineProject.Status
    closed_on: date | None
    trainee_count: int
    log_count: int


class ProjectDetailOut(ProjectOut):
    phases: list[PhaseOut]
    trainees: list[TraineeOut]


class ProjectPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProjectOut]


def _project(p: FrontlineProject) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "organization": ref(p.organization),
        "lead": ref(p.lead),
        "description": p.description,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "status": p.status,
        "closed_on": p.closed_on,
        "trainee_count": p.trainee_count,
        "log_count": p.log_count,
    }


def _phase(ph: ProjectPhase) -> dict:
    return {"id": ph.pk, "order": ph.order, "name": ph.name, "starts_on": ph.starts_on, "ends_on": ph.ends_on, "status": ph.status}


def _trainee(t: ProjectTrainee) -> dict:
    return {
        "id": t.pk,
        "member": ref(t.member),
        "role": t.role,
        "starts_on": t.starts_on,
        "ends_on": t.ends_on,
        "grade": t.grade or None,
        "comment": t.comment,
        "assessed_on": t.assessed_on,
    }


def _detail(request, project_id: int) -> dict:
    project = access.get_project_or_404(request.user, project_id, selectors.project_list(FrontlineProject.objects.all()))
    found = selectors.project_detail(project)
    trainees = [_trainee(t) for t in found["trainees"]]
    if not access.filter_projects(request.user, manage=True).filter(pk=project.pk).exists():
        # A trainee or the lead reads the project, and only their own assessment.
        me = access.scope_for(request.user).member_id
        trainees = [t if t["member"]["id"] == me else {**t, "grade": None, "comment": "", "assessed_on": None} for t in trainees]
    return {**_project(project), "phases": [_phase(p) for p in found["phases"]], "trainees": trainees}


class ProjectQuery(PageQuery):
    status: FrontlineProject.Status | None = None
    organization: Id | None = Field(None, description="只看该组织及其下级的项目")


@router.get(
    "/practice/projects", response={200: ProjectPage, 404: Detail}, summary="Frontline projects the caller manages or takes part in"
)
def project_list(request, query: Query[ProjectQuery]):
    qs: QuerySet = access.filter_projects(request.user)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.organization:
        path = Organization.objects.filter(pk=query.organization).values_list("path", flat=True).first() or "-"
        qs = qs.filter(organization__path__startswith=path)
    return paginate(selectors.project_list(qs).order_by("status", "-starts_on", "-id"), query, _project)


@router.get(
    "/practice/projects/{project_id}", response={200: ProjectDetailOut, 404: Detail}, summary="One project with phases and trainees"
)
def project_detail(request, project_id: Id):
    return _detail(request, project_id)


class ProjectIn(Schema):
    organization_id: Id = Field(description="所属组织：调用者管理范围内的组织")
    name: str = Field(max_length=100)
    description: str = Field("", max_length=2000)
    lead_id: Id | None = Field(None, description="项目负责人（党员）")
    starts_on: SaneDate
    ends_on: SaneDate


@router.post("/practice/projects", response={201: ProjectDetailOut, **ERRORS}, summary="Create a frontline project")
def project_create(request, body: ProjectIn):
    access.require(access.scope_for(request.user).is_staff)
    organization = _organization(request, body.organization_id)
    try:
        project = services.project_create(
            organization,
            name=body.name,
            description=body.description,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            lead=_member(request, body.lead_id),
        )
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_CREATE, project, f"新建一线项目：{project.name}")
    return Status(201, _detail(request, project.pk))


class ProjectPatch(Schema):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    lead_id: Id | None = None
    starts_on: SaneDate | None = None
    ends_on: SaneDate | None = None


@router.patch("/practice/projects/{project_id}", response={200: ProjectDetailOut, **ERRORS}, summary="Change a running project")
def project_update(request, project_id: Id, body: ProjectPatch):
    project = _managed_project(request, project_id)
    changes = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None and k != "lead_id"}
    if body.lead_id is not None:
        changes["lead"] = _member(request, body.lead_id)
    try:
        services.project_update(project, **changes)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, project, f"修改一线项目：{project.name}")
    return Status(200, _detail(request, project.pk))


@router.post("/practice/projects/{project_id}/close", response={200: ProjectDetailOut, **ERRORS}, summary="Close a project (结项)")
def project_close(request, project_id: Id):
    project = _managed_project(request, project_id)
    try:
        services.project_close(project)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, project, f"一线项目结项：{project.name}")
    return Status(200, _detail(request, project.pk))


@router.delete("/practice/projects/{project_id}", response={204: None, **ERRORS}, summary="Retire a project (kept for the history)")
def project_retire(request, project_id: Id):
    project = _managed_project(request, project_id)
    services.project_retire(project)
    services.audit(request, A.RECORD_RETIRE, project, f"停用一线项目：{project.name}")
    return Status(204, None)


# --- Phases ----------------------------------------------------------------------------------------------


class PhaseIn(Schema):
    name: str = Field(max_length=60)
    starts_on: SaneDate
    ends_on: SaneDate
    status: ProjectPhase.Status = ProjectPhase.Status.PLANNED


@router.post("/practice/projects/{project_id}/phases", response={201: PhaseOut, **ERRORS}, summary="Add a phase after the last one")
def phase_add(request, project_id: Id, body: PhaseIn):
    project = _managed_project(request, project_id)
    try:
        phase = services.phase_add(project, name=body.name, starts_on=body.starts_on, ends_on=body.ends_on, status=body.status)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, project, f"一线项目添加阶段：{project.name}")
    return Status(201, _phase(phase))


def _managed_phase(request, phase_id: int) -> ProjectPhase:
    projects = access.filter_projects(request.user, manage=True).values("pk")
    phase = ProjectPhase.objects.select_related("project").filter(pk=phase_id, project__in=projects).first()
    access.require(phase is not None)
    return phase


@router.put("/practice/phases/{phase_id}", response={200: PhaseOut, **ERRORS}, summary="Change a phase's name, dates or status")
def phase_update(request, phase_id: Id, body: PhaseIn):
    phase = _managed_phase(request, phase_id)
    try:
        services.phase_update(phase, name=body.name, starts_on=body.starts_on, ends_on=body.ends_on, status=body.status)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, phase.project, f"一线项目修改阶段：{phase.project.name}")
    return Status(200, _phase(phase))


@router.delete("/practice/phases/{phase_id}", response={204: None, **ERRORS}, summary="Remove a phase (later ones move up)")
def phase_remove(request, phase_id: Id):
    phase = _managed_phase(request, phase_id)
    try:
        services.phase_remove(phase)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, phase.project, f"一线项目删除阶段：{phase.project.name}")
    return Status(204, None)


# --- Trainees ----------------------------------------------------------------------------------------------


class TraineeIn(Schema):
    member_id: Id
    role: str = Field(max_length=40)
    starts_on: SaneDate
    ends_on: SaneDate


@router.post(
    "/practice/projects/{project_id}/trainees", response={201: TraineeOut, **ERRORS}, summary="Assign a trainee cadre to a project"
)
def trainee_add(request, project_id: Id, body: TraineeIn):
    project = _managed_project(request, project_id)
    member = _member(request, body.member_id)
    try:
        trainee = services.trainee_assign(project, member, role=body.role, starts_on=body.starts_on, ends_on=body.ends_on)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, project, f"一线项目安排学员：{project.name}")
    return Status(201, _trainee(trainee))


def _managed_trainee(request, trainee_id: int) -> ProjectTrainee:
    projects = access.filter_projects(request.user, manage=True).values("pk")
    trainee = ProjectTrainee.objects.select_related("project", "member").filter(pk=trainee_id, project__in=projects).first()
    access.require(trainee is not None)
    return trainee


@router.delete("/practice/trainees/{trainee_id}", response={204: None, **ERRORS}, summary="Take a trainee off a running project")
def trainee_remove(request, trainee_id: Id):
    trainee = _managed_trainee(request, trainee_id)
    try:
        services.trainee_remove(trainee)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, trainee.project, f"一线项目移出学员：{trainee.project.name}")
    return Status(204, None)


class AssessmentIn(Schema):
    grade: Grade
    comment: str = Field(max_length=500)


@router.post(
    "/practice/trainees/{trainee_id}/assessment",
    response={200: TraineeOut, **ERRORS},
    summary="Assess a trainee at or after the project's end (may be revised)",
)
def trainee_assess(request, trainee_id: Id, body: AssessmentIn):
    trainee = _managed_trainee(request, trainee_id)
    try:
        services.trainee_assess(trainee, grade=body.grade, comment=body.comment, by=request.user)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, trainee.project, f"一线项目考核学员：{trainee.project.name}")
    return Status(200, _trainee(trainee))


# --- Logs --------------------------------------------------------------------------------------------------


class LogOut(Schema):
    id: int
    author: Ref
    written_on: date
    text: str
    has_photo: bool = Field(description="照片在页面 /practice/logs/{id}/photo/ 查看（同样按权限）")


class LogPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LogOut]


def _log(log: ProjectLog) -> dict:
    return {"id": log.pk, "author": ref(log.author), "written_on": log.written_on, "text": log.text, "has_photo": bool(log.photo)}


@router.get("/practice/projects/{project_id}/logs", response={200: LogPage, 404: Detail}, summary="A project's work logs, newest first")
def log_list(request, project_id: Id, query: Query[PageQuery]):
    project = access.get_project_or_404(request.user, project_id)
    return paginate(selectors.project_logs(project), query, _log)


class LogIn(Schema):
    written_on: SaneDate
    text: str = Field(max_length=2000)


@router.post(
    "/practice/projects/{project_id}/logs", response={201: LogOut, **ERRORS}, summary="Write a work log (the project's lead or a trainee)"
)
def log_write(request, project_id: Id, body: LogIn):
    project = access.get_project_or_404(request.user, project_id)
    member_id = access.scope_for(request.user).member_id
    if not services.can_log(project, member_id):
        return Status(403, {"detail": _("只有项目负责人和项目学员可以写工作日志")})
    try:
        log = services.log_write(project, Member.objects.get(pk=member_id), written_on=body.written_on, text=body.text)
    except services.ProjectError as exc:
        return _failed(exc)
    return Status(201, _log(log))


# --- Mentorships -------------------------------------------------------------------------------------------


class MentorshipOut(Schema):
    id: int
    kind: Mentorship.Kind
    organization: Ref
    mentor: Ref
    mentee: Ref
    project: Ref | None
    goals: str
    starts_on: date
    status: Mentorship.Status
    closed_on: date | None
    grade: Grade | None = Field(description="导师的结对评价（结束时）")
    assessment: str
    meeting_count: int
    last_meeting: date | None


class MentorshipPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MentorshipOut]


def _pair(m: Mentorship) -> dict:
    return {
        "id": m.pk,
        "kind": m.kind,
        "organization": ref(m.organization),
        "mentor": ref(m.mentor),
        "mentee": ref(m.mentee),
        "project": ref(m.project),
        "goals": m.goals,
        "starts_on": m.starts_on,
        "status": m.status,
        "closed_on": m.closed_on,
        "grade": m.grade or None,
        "assessment": m.assessment,
        "meeting_count": m.meeting_count,
        "last_meeting": m.last_meeting,
    }


def _pair_out(request, mentorship_id: int) -> dict:
    return _pair(access.get_mentorship_or_404(request.user, mentorship_id, selectors.mentorship_list(Mentorship.objects.all())))


class MentorshipQuery(PageQuery):
    kind: Mentorship.Kind | None = None
    status: Mentorship.Status | None = None


@router.get("/practice/mentorships", response={200: MentorshipPage, 404: Detail}, summary="Mentorships the caller manages or is a side of")
def mentorship_list(request, query: Query[MentorshipQuery]):
    qs = access.filter_mentorships(request.user)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.status:
        qs = qs.filter(status=query.status)
    return paginate(selectors.mentorship_list(qs).order_by("status", "-starts_on", "-id"), query, _pair)


@router.get("/practice/mentorships/{mentorship_id}", response={200: MentorshipOut, 404: Detail}, summary="One mentorship")
def mentorship_detail(request, mentorship_id: Id):
    return _pair_out(request, mentorship_id)


class MentorshipIn(Schema):
    kind: Mentorship.Kind
    organization_id: Id = Field(description="所属组织：调用者管理范围内的组织")
    mentor_id: Id
    mentee_id: Id
    goals: str = Field(max_length=2000)
    starts_on: SaneDate
    project_id: Id | None = Field(None, description="所在项目（仅传帮带）")


@router.post("/practice/mentorships", response={201: MentorshipOut, **ERRORS}, summary="Pair a mentor with a mentee")
def mentorship_create(request, body: MentorshipIn):
    access.require(access.scope_for(request.user).is_staff)
    organization = _organization(request, body.organization_id)
    project = _managed_project(request, body.project_id) if body.project_id else None
    try:
        pair = services.mentorship_create(
            body.kind,
            organization,
            mentor=_member(request, body.mentor_id),
            mentee=_member(request, body.mentee_id),
            goals=body.goals,
            starts_on=body.starts_on,
            project=project,
        )
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_CREATE, pair, f"新建结对：{pair.mentor.name} → {pair.mentee.name}")
    return Status(201, _pair_out(request, pair.pk))


class MentorshipPatch(Schema):
    goals: str | None = Field(None, max_length=2000)
    project_id: Id | None = Field(None, description="所在项目（仅传帮带）；不传则不变")


def _managed_pair(request, mentorship_id: int) -> Mentorship:
    qs = Mentorship.objects.select_related("mentor", "mentee")
    return access.get_mentorship_or_404(request.user, mentorship_id, qs, manage=True)


@router.patch(
    "/practice/mentorships/{mentorship_id}", response={200: MentorshipOut, **ERRORS}, summary="Change a running pair's goals or project"
)
def mentorship_update(request, mentorship_id: Id, body: MentorshipPatch):
    pair = _managed_pair(request, mentorship_id)
    project = _managed_project(request, body.project_id) if body.project_id else False
    try:
        services.mentorship_update(pair, goals=body.goals, project=project)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, pair, f"修改结对：{pair.mentor.name} → {pair.mentee.name}")
    return Status(200, _pair_out(request, pair.pk))


class CloseIn(Schema):
    grade: Grade
    assessment: str = Field(max_length=1000)


@router.post(
    "/practice/mentorships/{mentorship_id}/close",
    response={200: MentorshipOut, **ERRORS},
    summary="End a pair with the mentor's assessment (the mentor or staff)",
)
def mentorship_close(request, mentorship_id: Id, body: CloseIn):
    pair = access.get_mentorship_or_404(request.user, mentorship_id, Mentorship.objects.select_related("mentor", "mentee"))
    manage = access.filter_mentorships(request.user, manage=True).filter(pk=pair.pk).exists()
    if not (manage or access.scope_for(request.user).member_id == pair.mentor_id):
        return Status(403, {"detail": _("只有导师或管理人员可以结束结对")})
    try:
        services.mentorship_close(pair, grade=body.grade, assessment=body.assessment)
    except services.ProjectError as exc:
        return _failed(exc)
    services.audit(request, A.RECORD_UPDATE, pair, f"结束结对：{pair.mentor.name} → {pair.mentee.name}")
    return Status(200, _pair_out(request, pair.pk))


@router.delete("/practice/mentorships/{mentorship_id}", response={204: None, **ERRORS}, summary="Retire a pair (kept for the history)")
def mentorship_retire(request, mentorship_id: Id):
    pair = _managed_pair(request, mentorship_id)
    services.mentorship_retire(pair)
    services.audit(request, A.RECORD_RETIRE, pair, f"停用结对：{pair.mentor.name} → {pair.mentee.name}")
    return Status(204, None)


class MeetingOut(Schema):
    id: int
    met_on: date
    minutes: str
    notes: str
    logged_by: Ref


class MeetingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MeetingOut]


def _meeting(m: MentorshipMeeting) -> dict:
    return {"id": m.pk, "met_on": m.met_on, "minutes": m.minutes, "notes": m.notes, "logged_by": ref(m.logged_by)}


@router.get(
    "/practice/mentorships/{mentorship_id}/meetings", response={200: MeetingPage, 404: Detail}, summary="A pair's meetings, newest first"
)
def meeting_list(request, mentorship_id: Id, query: Query[PageQuery]):
    pair = access.get_mentorship_or_404(request.user, mentorship_id)
    return paginate(selectors.mentorship_meetings(pair), query, _meeting)


class MeetingIn(Schema):
    met_on: SaneDate
    minutes: str = Field(max_length=2000, description="谈话纪要")
    notes: str = Field("", max_length=300)


@router.post(
    "/practice/mentorships/{mentorship_id}/meetings",
    response={201: MeetingOut, **ERRORS},
    summary="Log a meeting (either side of the pair)",
)
def meeting_log(request, mentorship_id: Id, body: MeetingIn):
    pair = access.get_mentorship_or_404(request.user, mentorship_id)
    member_id = access.scope_for(request.user).member_id
    if not services.can_log_meeting(pair, member_id):
        return Status(403, {"detail": _("只有结对双方可以记录结对活动")})
    try:
        meeting = services.meeting_log(pair, Member.objects.get(pk=member_id), met_on=body.met_on, minutes=body.minutes, notes=body.notes)
    except services.ProjectError as exc:
        return _failed(exc)
    return Status(201, _meeting(meeting))
