"""Frontline projects (项目一线党旗红) and mentorships (传帮带, 老带青·青帮老): every change a named service.

Each service checks what a user could get wrong, raises ProjectError with a Chinese message and then
nothing is saved. Time-based rules take `today=` (the demo and the tests pass their own clock).
Who may act (scope, being a trainee or a side of the pair) is the caller's check, through core.access
and `can_log` / `can_log_meeting` below.
"""

import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.audit import audit_record
from dangxiao.core.params import is_sane_date
from dangxiao.core.uploads import PHOTO_KINDS, check_upload
from dangxiao.people.models import Member, Organization, User

from .models.projects import FrontlineProject, Grade, Mentorship, MentorshipMeeting, ProjectLog, ProjectPhase, ProjectTrainee

MAX_TEXT = 2000


class ProjectError(Exception):
    """A refusal users can cause; the message (Chinese) is shown as it is and nothing was saved."""


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _dates(starts_on: date, ends_on: date | None) -> None:
    for day in (starts_on, ends_on):
        if day is not None and not is_sane_date(day):
            raise ProjectError(_("日期须在2000年至2100年之间"))
    if ends_on is not None and ends_on < starts_on:
        raise ProjectError(_("结束日期不能早于开始日期"))


def _text(value: str, label: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ProjectError(_("请填写%(label)s") % {"label": label})
    if len(value) > limit:
        raise ProjectError(_("%(label)s不能超过 %(limit)s 个字") % {"label": label, "limit": limit})
    return value


def _current(member: Member | None, label: str) -> None:
    if member is not None and member.left_on is not None:
        raise ProjectError(_("%(name)s已离开组织，不能担任%(label)s") % {"name": member.name, "label": label})


def audit(request, action: str, obj, summary: str) -> None:
    """One audit row for a change made through a page or the API, under the record's organisation."""
    audit_record(request, action, organization_id=obj.organization_id, object_type=obj._meta.model_name, object_id=obj.pk, summary=summary)


# --- Projects ---------------------------------------------------------------------------------------


def _open(project: FrontlineProject) -> None:
    if project.retired_at is not None:
        raise ProjectError(_("该项目已停用"))
    if project.status == FrontlineProject.Status.CLOSED:
        raise ProjectError(_("该项目已结项，不能再修改"))


def project_create(
    organization: Organization, *, name: str, description: str = "", starts_on: date, ends_on: date, lead: Member | None = None
) -> FrontlineProject:
    """A new project of `organization`, active. Refused for an empty name or dates out of order."""
    name = _text(name, _("项目名称"), 100)
    description = _text(description, _("项目简介"), MAX_TEXT, required=False)
    _dates(starts_on, ends_on)
    _current(lead, _("项目负责人"))
    return FrontlineProject.objects.create(
        organization=organization, name=name, description=description, starts_on=starts_on, ends_on=ends_on, lead=lead
    )


PROJECT_FIELDS = ("name", "description", "starts_on", "ends_on", "lead")


@transaction.atomic
def project_update(project: FrontlineProject, **changes) -> FrontlineProject:
    """Change the project's name, description, dates or lead; refused once closed or retired."""
    _open(project)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ProjectError(_("不能修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    values = {f: changes.get(f, getattr(project, f)) for f in PROJECT_FIELDS}
    values["name"] = _text(values["name"], _("项目名称"), 100)
    values["description"] = _text(values["description"], _("项目简介"), MAX_TEXT, required=False)
    _dates(values["starts_on"], values["ends_on"])
    _current(values["lead"], _("项目负责人"))
    for field, value in values.items():
        setattr(project, field, value)
    project.save()
    return project


@transaction.atomic
def project_close(project: FrontlineProject, *, today: date | None = None) -> FrontlineProject:
    """结项: the project is closed today (its end moves to today when that is earlier), open phases are
    marked done, and its trainees may then be assessed. Refused before it has started."""
    today = _today(today)
    _open(project)
    if today < project.starts_on:
        raise ProjectError(_("项目尚未开始，不能结项"))
    project.status, project.closed_on = FrontlineProject.Status.CLOSED, today
    project.ends_on = min(project.ends_on, today)
    project.save(update_fields=["status", "closed_on", "ends_on"])
    project.phases.exclude(status=ProjectPhase.Status.DONE).update(status=ProjectPhase.Status.DONE)
    return project


def project_retire(project: FrontlineProject, *, now=None) -> FrontlineProject:
    """停用: the project leaves every list and page; its records stay for the history."""
    if project.retired_at is None:
        project.retired_at = now or timezone.now()
        project.save(update_fields=["retired_at"])
    return project


# --- Phases -----------------------------------------------------------------------------------------


def _phase_values(project: FrontlineProject, name: str, starts_on: date, ends_on: date, status: str) -> dict:
    name = _text(name, _("阶段名称"), 60)
    _dates(starts_on, ends_on)
    if starts_on < project.starts_on or ends_on > project.ends_on:
        raise ProjectError(
            _("阶段须在项目周期（%(start)s 至 %(end)s）之内") % {"start": project.starts_on.isoformat(), "end": project.ends_on.isoformat()}
        )
    if status not in ProjectPhase.Status.values:
        raise ProjectError(_("阶段状态不是可选的值"))
    return {"name": name, "starts_on": starts_on, "ends_on": ends_on, "status": status}


@transaction.atomic
def phase_add(
    project: FrontlineProject, *, name: str, starts_on: date, ends_on: date, status: str = ProjectPhase.Status.PLANNED
) -> ProjectPhase:
    """A phase after the project's last one (phases are ordered)."""
    _open(project)
    values = _phase_values(project, name, starts_on, ends_on, status)
    FrontlineProject.objects.select_for_update().filter(pk=project.pk).first()  # one phase number at a time
    last = project.phases.aggregate(n=Max("order"))["n"] or 0
    return ProjectPhase.objects.create(project=project, order=last + 1, **values)


@transaction.atomic
def phase_update(phase: ProjectPhase, *, name: str, starts_on: date, ends_on: date, status: str) -> ProjectPhase:
    _open(phase.project)
    for field, value in _phase_values(phase.project, name, starts_on, ends_on, status).items():
        setattr(phase, field, value)
    phase.save()
    return phase


@transaction.atomic
def phase_remove(phase: ProjectPhase) -> None:
    """Remove a phase; those after it move up one place."""
    _open(phase.project)
    project, order = phase.project, phase.order
    phase.delete()
    for later in project.phases.filter(order__gt=order).order_by("order"):
        later.order -= 1
        later.save(update_fields=["order"])


# --- Trainees and their assessment --------------------------------------------------------------------


def trainee_assign(project: FrontlineProject, member: Member, *, role: str, starts_on: date, ends_on: date) -> ProjectTrainee:
    """抽调: put a member on the project for a period within it, once."""
    _open(project)
    _current(member, _("项目学员"))
    role = _text(role, _("岗位"), 40)
    _dates(starts_on, ends_on)
    if starts_on < project.starts_on or ends_on > project.ends_on:
        raise ProjectError(_("参与时间须在项目周期之内"))
    try:
        with transaction.atomic():
            return ProjectTrainee.objects.create(project=project, member=member, role=role, starts_on=starts_on, ends_on=ends_on)
    except IntegrityError:
        raise ProjectError(_("%(name)s已在本项目中") % {"name": member.name}) from None


def trainee_remove(trainee: ProjectTrainee) -> None:
    """Take a trainee off a running project; their logs stay. Refused once assessed."""
    _open(trainee.project)
    if trainee.grade:
        raise ProjectError(_("已考核的学员不能移出项目"))
    trainee.delete()


def can_assess(project: FrontlineProject, today: date | None = None) -> bool:
    """A project's trainees are assessed at or after its end (or once it is closed)."""
    return project.status == FrontlineProject.Status.CLOSED or _today(today) >= project.ends_on


@transaction.atomic
def trainee_assess(trainee: ProjectTrainee, *, grade: str, comment: str, by: User | None, today: date | None = None) -> ProjectTrainee:
    """The project's end-of-term assessment of one trainee (grade and comment); may be revised."""
    today = _today(today)
    project = trainee.project
    if project.retired_at is not None:
        raise ProjectError(_("该项目已停用"))
    if not can_assess(project, today):
        raise ProjectError(_("项目 %(end)s 结束后才能考核学员") % {"end": project.ends_on.isoformat()})
    if grade not in Grade.values:
        raise ProjectError(_("请选择考核等次"))
    trainee.grade, trainee.comment = grade, _text(comment, _("考核评语"), 500)
    trainee.assessed_by, trainee.assessed_on = by, today
    trainee.save(update_fields=["grade", "comment", "assessed_by", "assessed_on"])
    return trainee


# --- Work logs ------------------------------------------------------------------------------------------


def can_log(project: FrontlineProject, member_id: int | None) -> bool:
    """The project's lead and its trainees write its logs (one query at most)."""
    if not member_id:
        return False
    return project.lead_id == member_id or project.trainees.filter(member_id=member_id).exists()


def _photo(photo) -> str:
    try:
        kind = check_upload(photo, PHOTO_KINDS)
    except ValidationError as exc:
        raise ProjectError(exc.messages[0]) from None
    photo.name = f"{secrets.token_hex(8)}{kind.extensions[0]}"  # the phone's own file name is not kept
    return kind.content_type


def log_write(
    project: FrontlineProject, author: Member, *, written_on: date, text: str, photo=None, today: date | None = None
) -> ProjectLog:
    """A work log by the lead or a trainee. Refused for someone else, a date in the future or outside the
    project, empty text, or a photo that is not a real JPG/PNG within the size limit."""
    today = _today(today)
    _open(project)
    if not can_log(project, author.pk):
        raise ProjectError(_("只有项目负责人和项目学员可以写工作日志"))
    if not is_sane_date(written_on) or written_on > today:
        raise ProjectError(_("日志日期不能晚于今天"))
    if written_on < project.starts_on or written_on > project.ends_on:
        raise ProjectError(_("日志日期须在项目周期之内"))
    text = _text(text, _("工作内容"), MAX_TEXT)
    content_type = _photo(photo) if photo else ""
    return ProjectLog.objects.create(
        project=project, author=author, written_on=written_on, text=text, photo=photo or "", photo_content_type=content_type
    )


# --- Mentorships ------------------------------------------------------------------------------------------


def mentorship_create(
    kind: str,
    organization: Organization,
    *,
    mentor: Member,
    mentee: Member,
    goals: str,
    starts_on: date,
    project: FrontlineProject | None = None,
) -> Mentorship:
    """A pair: 传帮带 (cadre; may be tied to a project of the same organisation's tree) or 老带青·青帮老.
    Refused for one person twice, a member who left, an active pair of the same two people and kind."""
    if kind not in Mentorship.Kind.values:
        raise ProjectError(_("结对类型不是可选的值"))
    if mentor.pk == mentee.pk:
        raise ProjectError(_("不能与本人结对"))
    _current(mentor, _("导师"))
    _current(mentee, _("结对对象"))
    goals = _text(goals, _("结对目标"), MAX_TEXT)
    _dates(starts_on, None)
    if project is not None and kind != Mentorship.Kind.CADRE:
        raise ProjectError(_("只有传帮带结对可以关联项目"))
    if Mentorship.objects.filter(
        kind=kind, mentor=mentor, mentee=mentee, status=Mentorship.Status.ACTIVE, retired_at__isnull=True
    ).exists():
        raise ProjectError(_("%(mentor)s与%(mentee)s已有进行中的同类结对") % {"mentor": mentor.name, "mentee": mentee.name})
    return Mentorship.objects.create(
        kind=kind, organization=organization, mentor=mentor, mentee=mentee, goals=goals, starts_on=starts_on, project=project
    )


def _pair_open(mentorship: Mentorship) -> None:
    if mentorship.retired_at is not None:
        raise ProjectError(_("该结对已停用"))
    if mentorship.status == Mentorship.Status.CLOSED:
        raise ProjectError(_("该结对已结束"))


def mentorship_update(mentorship: Mentorship, *, goals: str | None = None, project: FrontlineProject | None | bool = False) -> Mentorship:
    """Change the goals or the linked project (False: leave it) of a running pair."""
    _pair_open(mentorship)
    if goals is not None:
        mentorship.goals = _text(goals, _("结对目标"), MAX_TEXT)
    if project is not False:
        if project is not None and mentorship.kind != Mentorship.Kind.CADRE:
            raise ProjectError(_("只有传帮带结对可以关联项目"))
        mentorship.project = project
    mentorship.save(update_fields=["goals", "project"])
    return mentorship


@transaction.atomic
def mentorship_close(mentorship: Mentorship, *, grade: str, assessment: str, today: date | None = None) -> Mentorship:
    """The mentor's closing assessment: the pair ends today with a grade and a summary."""
    today = _today(today)
    _pair_open(mentorship)
    if grade not in Grade.values:
        raise ProjectError(_("请选择评价等次"))
    if today < mentorship.starts_on:
        raise ProjectError(_("结对尚未开始，不能结束"))
    mentorship.grade, mentorship.assessment = grade, _text(assessment, _("结对总结"), 1000)
    mentorship.status, mentorship.closed_on = Mentorship.Status.CLOSED, today
    mentorship.save(update_fields=["grade", "assessment", "status", "closed_on"])
    return mentorship


def mentorship_retire(mentorship: Mentorship, *, now=None) -> Mentorship:
    if mentorship.retired_at is None:
        mentorship.retired_at = now or timezone.now()
        mentorship.save(update_fields=["retired_at"])
    return mentorship


def can_log_meeting(mentorship: Mentorship, member_id: int | None) -> bool:
    """Either side of the pair logs its meetings."""
    return bool(member_id) and member_id in (mentorship.mentor_id, mentorship.mentee_id)


def meeting_log(
    mentorship: Mentorship, by: Member, *, met_on: date, minutes: str, notes: str = "", today: date | None = None
) -> MentorshipMeeting:
    """A meeting of the pair, logged by either side; not in the future, not before the pair began."""
    today = _today(today)
    _pair_open(mentorship)
    if not can_log_meeting(mentorship, by.pk):
        raise ProjectError(_("只有结对双方可以记录结对活动"))
    if not is_sane_date(met_on) or met_on > today:
        raise ProjectError(_("活动日期不能晚于今天"))
    if met_on < mentorship.starts_on:
        raise ProjectError(_("活动日期早于结对开始日期"))
    return MentorshipMeeting.objects.create(
        mentorship=mentorship,
        met_on=met_on,
        minutes=_text(minutes, _("谈话纪要"), MAX_TEXT),
        notes=_text(notes, _("备注"), 300, required=False),
        logged_by=by,
    )
