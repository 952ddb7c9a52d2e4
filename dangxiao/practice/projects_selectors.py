"""Reads of frontline projects and mentorships: lists for the pages and the API, a member's practice for
the yearly appraisal, and what staff owe (`duties`)."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangxiao.attendance.models import HomeDeliveryPair
from dangxiao.core import access
from dangxiao.core.duties import Duty

from .models.projects import FrontlineProject, Mentorship, MentorshipMeeting, ProjectLog, ProjectTrainee

QUIET_DAYS = 61  # a pair without a meeting for two months is due a nudge


def unassessed_q() -> Q:
    return Q(Exists(ProjectTrainee.objects.filter(project=OuterRef("pk"), grade="")))


def project_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("organization", "lead").annotate(
        trainee_count=Count("trainees", distinct=True), log_count=Count("logs", distinct=True)
    )


def project_detail(project: FrontlineProject) -> dict:
    """The phases and trainees of a project (two queries), and each trainee's number of logs (one)."""
    trainees = list(project.trainees.select_related("member__organization", "assessed_by").order_by("starts_on", "member__name"))
    logs = dict(ProjectLog.objects.filter(project=project).values_list("author_id").annotate(n=Count("id")))
    for t in trainees:
        t.log_count = logs.get(t.member_id, 0)
    return {"phases": list(project.phases.all()), "trainees": trainees}


def project_logs(project: FrontlineProject) -> QuerySet:
    return project.logs.select_related("author").order_by("-written_on", "-id")


def mentorship_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("organization", "mentor", "mentee", "project").annotate(
        meeting_count=Count("meetings"), last_meeting=Max("meetings__met_on")
    )


def mentorship_meetings(mentorship: Mentorship) -> QuerySet:
    return mentorship.meetings.select_related("logged_by").order_by("-met_on", "-id")


def my_projects(member_id: int) -> list[FrontlineProject]:
    """The running and recent projects a member is on or leads, with their own assignment."""
    qs = FrontlineProject.objects.filter(retired_at__isnull=True).filter(Q(lead_id=member_id) | Q(trainees__member_id=member_id)).distinct()
    projects = list(project_list(qs).order_by("status", "-starts_on")[:20])
    mine = {t.project_id: t for t in ProjectTrainee.objects.filter(member_id=member_id, project__in=[p.pk for p in projects])}
    for p in projects:
        p.mine = mine.get(p.pk)
    return projects


def my_mentorships(member_id: int) -> list[Mentorship]:
    qs = Mentorship.objects.filter(retired_at__isnull=True).filter(Q(mentor_id=member_id) | Q(mentee_id=member_id))
    return list(mentorship_list(qs).order_by("status", "-starts_on")[:20])


def home_pair_between(mentorship: Mentorship):
    """The 送学上门 pair of the same two members, if any: shown beside an intergenerational pair (they stay apart)."""
    if mentorship.kind != Mentorship.Kind.INTERGENERATIONAL:
        return None
    people = {mentorship.mentor_id, mentorship.mentee_id}
    return HomeDeliveryPair.objects.filter(elder_id__in=people, helper_id__in=people, active=True).select_related("cohort").first()


# --- For the appraisal ----------------------------------------------------------------------------------


def _empty() -> dict:
    return {
        "projects": 0,
        "logs": 0,
        "grades": [],
        "mentor": {"active": 0, "closed": 0},
        "mentee": {"active": 0, "closed": 0},
    }


def member_practice(member_ids, year: int) -> dict[int, dict]:
    """Each member's frontline practice in `year` (three queries whatever the number of members):
    `projects` joined (an assignment overlapping the year), `logs` written in it, `grades` of the
    projects' assessments (codes, e.g. "excellent"), and the mentorships overlapping the year as
    `mentor` / `mentee`, counted by status ("active", "closed")."""
    ids = list(member_ids)
    found: dict[int, dict] = defaultdict(_empty)
    first, last = date(year, 1, 1), date(year, 12, 31)
    live = {"project__retired_at__isnull": True}
    for member_id, grade in ProjectTrainee.objects.filter(member_id__in=ids, starts_on__lte=last, ends_on__gte=first, **live).values_list(
        "member_id", "grade"
    ):
        found[member_id]["projects"] += 1
        if grade:
            found[member_id]["grades"].append(grade)
    for member_id, n in (
        ProjectLog.objects.filter(author_id__in=ids, written_on__year=year, **live).values_list("author_id").annotate(n=Count("id"))
    ):
        found[member_id]["logs"] = n
    pairs = Mentorship.objects.filter(Q(mentor_id__in=ids) | Q(mentee_id__in=ids), retired_at__isnull=True, starts_on__lte=last).exclude(
        closed_on__lt=first
    )
    for mentor_id, mentee_id, status in pairs.values_list("mentor_id", "mentee_id", "status"):
        if mentor_id in ids:
            found[mentor_id]["mentor"][status] += 1
        if mentee_id in ids:
            found[mentee_id]["mentee"][status] += 1
    return {member_id: found[member_id] for member_id in ids}


# --- What staff owe -------------------------------------------------------------------------------------


def duties(user, today: date) -> list:
    """Projects past their end with trainees not yet assessed, and running pairs without a meeting for
    two months, in the user's staff scope (two queries)."""
    if not access.scope_for(user).is_staff:
        return []
    found = []
    due = access.filter_projects(user, manage=True).filter(unassessed_q(), ends_on__lt=today).count()
    if due:
        found.append(
            Duty(
                label=ngettext("%(n)s 个项目已到期待考核学员", "%(n)s 个项目已到期待考核学员", due) % {"n": due},
                count=due,
                url=reverse("practice_projects:project_list") + "?due=1",
                level="overdue",
            )
        )
    quiet = access.filter_mentorships(user, manage=True).filter(quiet_q(today)).count()
    if quiet:
        found.append(
            Duty(
                label=_("%(n)s 对结对两个月未开展活动") % {"n": quiet},
                count=quiet,
                url=reverse("practice_projects:mentorship_list") + "?quiet=1",
            )
        )
    return found


def quiet_q(today: date) -> Q:
    quiet_since = today - timedelta(days=QUIET_DAYS)
    recent = MentorshipMeeting.objects.filter(mentorship=OuterRef("pk"), met_on__gt=quiet_since)
    return Q(status=Mentorship.Status.ACTIVE, starts_on__lte=quiet_since) & ~Q(Exists(recent))
