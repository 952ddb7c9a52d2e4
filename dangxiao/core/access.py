"""The one place that decides what a user may see.

A role held on an organisation covers that node's subtree (a materialised-path prefix). Every
page, export and API endpoint loads members and organisations through the helpers below, so an
object outside the caller's scope is simply not found (404), never "forbidden".

This module deliberately reads the people app's Role and Organization models (through the app
registry, so that core imports no domain module at import time): scoping is the one concern that
every domain shares.
"""

import os
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

BOARD = {"principal", "vice_principal", "dean"}
ORG_ADMIN = "org_admin"
TEACHER = "teacher"
MEMBER = "member"


@dataclass(frozen=True)
class Scope:
    """What one user may reach. `paths` are subtree roots for staff work (board or org admin)."""

    is_superuser: bool = False
    board_paths: tuple[str, ...] = ()
    admin_paths: tuple[str, ...] = ()
    teacher_paths: tuple[str, ...] = ()
    member_id: int | None = None
    member_org_path: str | None = None
    role_kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def staff_paths(self) -> tuple[str, ...]:
        return _roots(self.board_paths + self.admin_paths)

    @property
    def is_board(self) -> bool:
        return self.is_superuser or bool(self.board_paths)

    @property
    def is_org_admin(self) -> bool:
        return bool(self.admin_paths)

    @property
    def is_staff(self) -> bool:
        return self.is_superuser or bool(self.staff_paths)

    # Capabilities, named after what the interface offers.
    @property
    def can_view_roster(self) -> bool:
        return self.is_staff

    @property
    def can_reveal_personal_data(self) -> bool:
        return self.is_staff

    @property
    def can_import_roster(self) -> bool:
        return self.is_staff

    @property
    def can_read_audit(self) -> bool:
        return self.is_board


def _roots(paths: tuple[str, ...]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter prefix, so filters stay small."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


EMPTY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (one query for roles, one for the member)."""
    if user is None or not user.is_authenticated:
        return EMPTY
    cached = getattr(user, "_dangxiao_scope", None)
    if cached is not None:
        return cached
    Role = apps.get_model("people", "Role")
    Member = apps.get_model("people", "Member")
    board, admin, teacher, kinds = [], [], [], set()
    for kind, path in Role.objects.filter(user_id=user.pk).values_list("kind", "organization__path"):
        kinds.add(kind)
        if kind in BOARD:
            board.append(path)
        elif kind == ORG_ADMIN:
            admin.append(path)
        elif kind == TEACHER:
            teacher.append(path)
    own = Member.objects.filter(user_id=user.pk).values_list("id", "organization__path").first()
    scope = Scope(
        is_superuser=user.is_superuser,
        board_paths=_roots(tuple(board)),
        admin_paths=_roots(tuple(admin)),
        teacher_paths=_roots(tuple(teacher)),
        member_id=own[0] if own else None,
        member_org_path=own[1] if own else None,
        role_kinds=frozenset(kinds | ({MEMBER} if own else set())),
    )
    user._dangxiao_scope = scope
    return scope


def subtree_q(paths: tuple[str, ...], path_field: str) -> Q:
    """Q matching rows whose organisation path lies under any of `paths`; matches nothing if empty."""
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in paths))


def staff_q(scope: Scope, path_field: str) -> Q | None:
    """None means everything (superuser)."""
    if scope.is_superuser:
        return None
    return subtree_q(scope.staff_paths, path_field)


def _staff_filtered(user, model_label: str, queryset: QuerySet | None, path_field: str) -> QuerySet:
    """Rows of `model_label` (or of `queryset`) whose organisation, reached by `path_field`, lies in the
    user's staff subtrees; everything for a superuser."""
    qs = apps.get_model(model_label).objects.all() if queryset is None else queryset
    q = staff_q(scope_for(user), path_field)
    return qs if q is None else qs.filter(q)


def _offered_to_member(user, model_label: str, queryset: QuerySet | None, path_field: str = "organization__path") -> QuerySet:
    """Rows run by the user's own organisation (as a member) or one above it; none for a non-member."""
    qs = apps.get_model(model_label).objects.all() if queryset is None else queryset
    path = scope_for(user).member_org_path
    return qs.filter(_ancestor_or_self_q((path,), path_field)) if path else qs.none()


def _get_or_404(queryset: QuerySet, pk, message: str):
    """The row `pk` of an already scoped queryset, or a 404 with `message` (a malformed or huge pk too)."""
    try:
        return queryset.get(pk=pk)
    except (ValueError, TypeError, OverflowError, queryset.model.DoesNotExist):
        raise Http404(message) from None


def filter_members(user, queryset: QuerySet | None = None) -> QuerySet:
    """Members the user may see: their staff subtrees, and always their own record."""
    Member = apps.get_model("people", "Member")
    qs = Member.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    q = staff_q(scope, "organization__path")
    if q is None:
        return qs
    if scope.member_id:
        q |= Q(pk=scope.member_id)
    return qs.filter(q)


def filter_roster(user, queryset: QuerySet | None = None) -> QuerySet:
    """Members on the staff roster pages: only what the user manages (not their own record alone)."""
    return _staff_filtered(user, "people.Member", queryset, "organization__path")


def filter_organizations(user, queryset: QuerySet | None = None) -> QuerySet:
    """Organisations the user may see: their staff subtrees, plus a member's own organisation."""
    Organization = apps.get_model("people", "Organization")
    qs = Organization.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    q = staff_q(scope, "path")
    if q is None:
        return qs
    if scope.member_org_path:
        q |= Q(path=scope.member_org_path)
    return qs.filter(q)


def get_member_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_members(user, queryset), pk, _("党员不存在"))


def get_organization_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_organizations(user, queryset), pk, _("组织不存在"))


def common_organization_id(paths) -> int | None:
    """The organisation at or above every one of the organisation `paths`, the deepest such (one
    query); None when they lie in different trees, or there are none."""
    paths = list(paths)
    if not paths or any(not p for p in paths):
        return None
    Organization = apps.get_model("people", "Organization")
    prefix = os.path.commonprefix(paths)
    common = prefix[: len(prefix) // Organization.steplen * Organization.steplen]
    return Organization.objects.filter(path=common).values_list("pk", flat=True).first() if common else None


def filter_audit_events(user, queryset: QuerySet | None = None) -> QuerySet:
    """Audit rows the user may read: a board's, those of what lies in its subtrees; everything for a
    superuser; nothing for anyone else."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    qs = AuditEvent.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    under = apps.get_model("people", "Organization").objects.filter(subtree_q(scope.board_paths, "path")).values("pk")
    return qs.filter(organization_id__in=under)


def require(condition: bool) -> None:
    """Refuse with 404 (not 403) so that the existence of what is out of scope is not revealed."""
    if not condition:
        raise Http404(_("页面不存在"))


# --- The school and its teaching -------------------------------------------------------------
# A school belongs to a working committee; a user belongs to the schools above any node they hold
# a role on or are a member of. The board of a school manages its venues, partners, teachers and
# plans; organisation administrators manage the cohorts their subtree runs.


def _all_paths(scope: Scope) -> tuple[str, ...]:
    paths = scope.board_paths + scope.admin_paths + scope.teacher_paths
    return paths + ((scope.member_org_path,) if scope.member_org_path else ())


def _ancestor_or_self_q(paths: tuple[str, ...], path_field: str) -> Q:
    """Rows whose path is a prefix of one of `paths` (the nodes above them, and themselves)."""
    step = apps.get_model("people", "Organization").steplen
    prefixes = {p[:i] for p in paths for i in range(step, len(p) + 1, step)}
    return Q(**{f"{path_field}__in": sorted(prefixes)}) if prefixes else Q(pk__in=[])


def filter_schools(user, queryset: QuerySet | None = None) -> QuerySet:
    School = apps.get_model("school", "School")
    qs = School.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    return qs.filter(_ancestor_or_self_q(_all_paths(scope), "organization__path") | subtree_q(scope.staff_paths, "organization__path"))


def board_schools(user, queryset: QuerySet | None = None) -> QuerySet:
    """Schools whose board the user sits on (a board role on the school's node or above)."""
    School = apps.get_model("school", "School")
    qs = School.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    return qs.filter(subtree_q(scope.board_paths, "organization__path"))


# Partners and the teacher pool are staff business; a teacher may still see their own record.
STAFF_ONLY = {"school.partner", "school.teacher", "school.trainingplan"}


def filter_school_objects(user, model_label: str, queryset: QuerySet | None = None) -> QuerySet:
    """Venues, topics and courses of the user's schools; partners, teachers and plans for staff only."""
    model = apps.get_model(*model_label.split("."))
    qs = model.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    qs = qs.filter(school__in=filter_schools(user).values("pk"))
    if model._meta.label_lower in STAFF_ONLY and not scope.is_staff:
        return qs.filter(user_id=user.pk) if model._meta.label_lower == "school.teacher" else qs.none()
    return qs


def can_manage_school(user, school) -> bool:
    return board_schools(user).filter(pk=school.pk).exists()


def filter_managed_venues(user, queryset: QuerySet | None = None) -> QuerySet:
    """Venues a user manages: the board of the venue's school, and staff over the organisation running it."""
    Venue = apps.get_model("school", "Venue")
    qs = Venue.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    return qs.filter(subtree_q(scope.board_paths, "school__organization__path") | subtree_q(scope.staff_paths, "organization__path"))


def filter_managed_teachers(user, queryset: QuerySet | None = None) -> QuerySet:
    """Teachers of the pool a user manages: the pool is the school board's (聘任制)."""
    Teacher = apps.get_model("school", "Teacher")
    qs = Teacher.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    return qs if scope.is_superuser else qs.filter(subtree_q(scope.board_paths, "school__organization__path"))


def can_hold_calendar_feed(user, *, venue=None, teacher=None) -> bool:
    """Who may have a private feed of a venue's or a teacher's sessions: staff who manage the venue or the
    teacher, and a teacher for their own lectures. What the feed carries is still only what its holder
    may see (`filter_sessions`)."""
    if user is None or not user.is_active:
        return False
    if venue is not None:
        return filter_managed_venues(user).filter(pk=venue.pk).exists()
    if teacher is not None:
        return teacher.user_id == user.pk or filter_managed_teachers(user).filter(pk=teacher.pk).exists()
    return False


def can_manage_course(user, course) -> bool:
    """Whether the user may attach and remove the course's materials: the board of its school, or the
    staff over the organisation that owns it. A school-wide course (no owner) is the board's alone,
    so a branch secretary cannot change what every member of the school reads."""
    scope = scope_for(user)
    if scope.is_superuser or board_schools(user).filter(pk=course.school_id).exists():
        return True
    if course.organization_id is None:
        return False
    path = apps.get_model("people", "Organization").objects.filter(pk=course.organization_id).values_list("path", flat=True).first()
    return bool(path) and any(path.startswith(p) for p in scope.staff_paths)


def get_school_object_or_404(user, model_label: str, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_school_objects(user, model_label, queryset), pk, _("记录不存在或不在您的权限范围内"))


def filter_cohorts(user, queryset: QuerySet | None = None) -> QuerySet:
    """Cohorts the user manages: those run by an organisation in their staff subtrees."""
    return _staff_filtered(user, "teaching.Cohort", queryset, "organization__path")


def get_cohort_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_cohorts(user, queryset), pk, _("班次不存在或不在您的管理范围内"))


def filter_open_cohorts(user, queryset: QuerySet | None = None) -> QuerySet:
    """Cohorts a member may enrol in themselves: open, and run by their organisation or one above it."""
    return _offered_to_member(user, "teaching.Cohort", queryset).filter(self_enrol_open=True, archived_at__isnull=True)


def filter_sessions(user, queryset: QuerySet | None = None) -> QuerySet:
    """Sessions a user may see: of cohorts they manage, that they teach, or that they are enrolled in."""
    Session = apps.get_model("teaching", "Session")
    qs = Session.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    q = staff_q(scope, "cohort__organization__path")
    if q is None:
        return qs
    q |= Q(teacher__user_id=user.pk)
    if scope.member_id:
        Enrollment = apps.get_model("teaching", "Enrollment")
        q |= Q(cohort__in=Enrollment.objects.filter(member_id=scope.member_id, status="enrolled").values("cohort"))
    return qs.filter(q)


def get_session_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_sessions(user, queryset), pk, _("课次不存在或不在您的权限范围内"))


def can_mark_session(user, session) -> bool:
    """Staff managing the session's cohort, or the session's own teacher."""
    if filter_cohorts(user).filter(pk=session.cohort_id).exists():
        return True
    return session.teacher_id is not None and session.teacher.user_id == user.pk


def get_session_for_marking_or_404(user, pk):
    session = get_session_or_404(
        user, pk, apps.get_model("teaching", "Session").objects.select_related("cohort", "venue", "teacher", "course")
    )
    require(can_mark_session(user, session))
    return session


# --- Residents' liaison ------------------------------------------------------------------------
# Staff reach the compounds of the communities in their subtrees; a 片长/组长/邻长 with an account
# reaches the compounds where they hold a grid role. Matters follow their compound. Running the
# grid itself (households, roles, parties, imports) is staff work.


def grid_compound_ids(user) -> tuple[int, ...]:
    """Compounds where the user holds a grid role (one query, cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ()
    cached = getattr(user, "_dangxiao_grid", None)
    if cached is None:
        GridRole = apps.get_model("liaison", "GridRole")
        cached = tuple(sorted(set(GridRole.objects.filter(user_id=user.pk).values_list("compound_id", flat=True))))
        user._dangxiao_grid = cached
    return cached


def filter_managed_compounds(user, queryset: QuerySet | None = None) -> QuerySet:
    """Compounds whose grid the user runs: staff over the compound's community."""
    return _staff_filtered(user, "liaison.Compound", queryset, "community__path")


def filter_compounds(user, queryset: QuerySet | None = None) -> QuerySet:
    """Compounds whose matters the user handles: those they manage, and those of their grid roles."""
    Compound = apps.get_model("liaison", "Compound")
    qs = Compound.objects.all() if queryset is None else queryset
    q = staff_q(scope_for(user), "community__path")
    if q is None:
        return qs
    grid = grid_compound_ids(user)
    return qs.filter(q | Q(pk__in=grid)) if grid else qs.filter(q)


def get_compound_or_404(user, pk, queryset: QuerySet | None = None, *, manage: bool = False):
    chooser = filter_managed_compounds if manage else filter_compounds
    return _get_or_404(chooser(user, queryset), pk, _("小区不存在或不在您的权限范围内"))


def can_manage_compound(user, compound) -> bool:
    return filter_managed_compounds(user).filter(pk=compound.pk).exists()


def filter_matters(user, queryset: QuerySet | None = None) -> QuerySet:
    """Matters the user handles (with the reporter's details): those of their compounds."""
    Matter = apps.get_model("liaison", "Matter")
    qs = Matter.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    q = subtree_q(scope.staff_paths, "compound__community__path")
    grid = grid_compound_ids(user)
    if grid:
        q |= Q(compound_id__in=grid)
    return qs.filter(q)


def get_matter_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_matters(user, queryset), pk, _("事项不存在或不在您的权限范围内"))


def can_reveal_reporter(user, matter) -> bool:
    """Who may see the full phone of a matter's reporter: staff over its compound, the compound's 片长
    and 组长, and a 邻长 only for the households they cover or a matter assigned to them (one query
    at most). Every reveal is still audited by the caller."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    if scope.member_id and matter.assigned_member_id == scope.member_id:
        return True
    Compound = apps.get_model("liaison", "Compound")
    GridRole = apps.get_model("liaison", "GridRole")
    mine = Q(kind__in=[GridRole.Kind.AREA_CHIEF, GridRole.Kind.GROUP_LEADER])
    if matter.assigned_role_id:
        mine |= Q(pk=matter.assigned_role_id)
    if matter.household_id:
        mine |= Q(households=matter.household_id)
    if scope.staff_paths and Compound.objects.filter(staff_q(scope, "community__path"), pk=matter.compound_id).exists():
        return True
    return GridRole.objects.filter(mine, user_id=user.pk, compound_id=matter.compound_id).exists()


# --- Themed Party days and 三会一课 (practice) ------------------------------------------------------
# Staff business: the staff over a branch record its themed days and meetings; a meeting's minutes
# file is handed out only to them.


def filter_themed_days(user, queryset: QuerySet | None = None) -> QuerySet:
    return _staff_filtered(user, "practice.ThemedPartyDay", queryset, "organization__path")


def get_themed_day_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_themed_days(user, queryset), pk, _("记录不存在或不在您的管理范围内"))


def filter_meetings(user, queryset: QuerySet | None = None) -> QuerySet:
    return _staff_filtered(user, "practice.OrganizationalMeeting", queryset, "organization__path")


def get_meeting_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_meetings(user, queryset), pk, _("记录不存在或不在您的管理范围内"))


def filter_managed_branches(user, queryset: QuerySet | None = None) -> QuerySet:
    """党支部 whose themed days and meetings the user records: branches in their staff subtrees."""
    Organization = apps.get_model("people", "Organization")
    qs = Organization.objects.all() if queryset is None else queryset
    qs = qs.filter(kind=Organization.Kind.BRANCH)
    q = staff_q(scope_for(user), "path")
    return qs if q is None else qs.filter(q)


# --- Reflections (学习心得) and points (积分) ----------------------------------------------------
# A reflection is reviewed by staff over its author's organisation; its author always sees their own;
# an approved one the secretary chose to show is read by the members of the author's organisation.


def filter_reflections(user, queryset: QuerySet | None = None) -> QuerySet:
    """Reflections the user may open: their own, those under their staff subtrees, and those shown to
    their own organisation."""
    Reflection = apps.get_model("practice", "Reflection")
    qs = Reflection.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    q = staff_q(scope, "member__organization__path")
    if q is None:
        return qs
    if scope.member_id:
        q |= Q(member_id=scope.member_id)
        q |= Q(shown_to_organization=True, status="approved", member__organization__path=scope.member_org_path)
    return qs.filter(q)


def filter_reviewable_reflections(user, queryset: QuerySet | None = None) -> QuerySet:
    """Reflections the user reviews: those of members under their staff subtrees (not their own)."""
    Reflection = apps.get_model("practice", "Reflection")
    qs = Reflection.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    q = staff_q(scope, "member__organization__path")
    if q is None:
        return qs
    return qs.filter(q).exclude(member_id=scope.member_id) if scope.member_id else qs.filter(q)


def get_reflection_or_404(user, pk, queryset: QuerySet | None = None, *, review: bool = False):
    return _get_or_404(
        (filter_reviewable_reflections if review else filter_reflections)(user, queryset), pk, _("心得不存在或不在您的权限范围内")
    )


def get_own_reflection_or_404(user, pk, queryset: QuerySet | None = None):
    scope = scope_for(user)
    require(scope.member_id is not None)
    return get_reflection_or_404(
        user, pk, (queryset if queryset is not None else apps.get_model("practice", "Reflection").objects).filter(member_id=scope.member_id)
    )


def get_points_member_or_404(user, pk, queryset: QuerySet | None = None):
    """A member whose points the user may read: themselves, or a member under their staff subtrees."""
    return get_member_or_404(user, pk, queryset)


def get_points_rules_school_or_404(user):
    """The school whose points rules the user edits: the first they sit on the board of (else 404)."""
    school = board_schools(user).select_related("organization").order_by("organization__depth", "pk").first()
    require(school is not None)
    return school


# --- Frontline projects and mentorships (practice) -------------------------------------------------
# Staff manage the projects and pairs of the organisations in their subtrees. A member reaches a
# project they are a trainee on or lead, and a mentorship they are a side of; nothing else.


def _practice_q(user, path_field: str, member_q) -> Q | None:
    scope = scope_for(user)
    q = staff_q(scope, path_field)
    if q is None:
        return None
    if scope.member_id:
        q |= member_q(scope.member_id)
    return q


def filter_projects(user, queryset: QuerySet | None = None, *, manage: bool = False) -> QuerySet:
    """Projects the user may see (not retired): staff over the owning organisation; a member for the
    projects they are a trainee on or lead. `manage`: staff only."""
    FrontlineProject = apps.get_model("practice", "FrontlineProject")
    qs = (FrontlineProject.objects.all() if queryset is None else queryset).filter(retired_at__isnull=True)
    if manage:
        q = staff_q(scope_for(user), "organization__path")
    else:
        ProjectTrainee = apps.get_model("practice", "ProjectTrainee")
        q = _practice_q(
            user,
            "organization__path",
            lambda m: Q(lead_id=m) | Q(pk__in=ProjectTrainee.objects.filter(member_id=m).values("project_id")),
        )
    return qs if q is None else qs.filter(q)


def get_project_or_404(user, pk, queryset: QuerySet | None = None, *, manage: bool = False):
    return _get_or_404(filter_projects(user, queryset, manage=manage), pk, _("项目不存在或不在您的权限范围内"))


def filter_mentorships(user, queryset: QuerySet | None = None, *, manage: bool = False) -> QuerySet:
    """Mentorships the user may see (not retired): staff over the pair's organisation; a member for
    the pairs they are a side of. `manage`: staff only."""
    Mentorship = apps.get_model("practice", "Mentorship")
    qs = (Mentorship.objects.all() if queryset is None else queryset).filter(retired_at__isnull=True)
    if manage:
        q = staff_q(scope_for(user), "organization__path")
    else:
        q = _practice_q(user, "organization__path", lambda m: Q(mentor_id=m) | Q(mentee_id=m))
    return qs if q is None else qs.filter(q)


def get_mentorship_or_404(user, pk, queryset: QuerySet | None = None, *, manage: bool = False):
    return _get_or_404(filter_mentorships(user, queryset, manage=manage), pk, _("结对不存在或不在您的权限范围内"))


# --- Volunteer service (practice.VolunteerService, i12-service) --------------------------------
# Staff manage the activities of the organisations in their subtrees, and approve their hours. A member
# may join the activities of their own organisation and of every organisation above it (what their
# branch, their community and their school offer), never a sibling's.


def filter_services(user, queryset: QuerySet | None = None) -> QuerySet:
    """Activities the user manages: run by an organisation in their staff subtrees."""
    return _staff_filtered(user, "practice.VolunteerService", queryset, "organization__path")


def get_service_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_services(user, queryset), pk, _("活动不存在或不在您的管理范围内"))


def filter_joinable_services(user, queryset: QuerySet | None = None) -> QuerySet:
    """Activities offered to the user as a member: run by their organisation or one above it."""
    return _offered_to_member(user, "practice.VolunteerService", queryset)


def get_joinable_service_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_joinable_services(user, queryset), pk, _("活动不存在或未向您开放"))


def filter_service_participants(user, queryset: QuerySet | None = None) -> QuerySet:
    """Participations whose hours the user manages: those of the activities they manage."""
    return _staff_filtered(user, "practice.ServiceParticipant", queryset, "service__organization__path")


def get_service_participant_or_404(user, pk, queryset: QuerySet | None = None, *, own: bool = False):
    """A participation the user manages, or (own=True) one of the user's own as a member."""
    qs = apps.get_model("practice", "ServiceParticipant").objects.all() if queryset is None else queryset
    if own:
        member_id = scope_for(user).member_id
        qs = qs.filter(member_id=member_id) if member_id else qs.none()
    else:
        qs = filter_service_participants(user, qs)
    return _get_or_404(qs, pk, _("记录不存在或不在您的权限范围内"))


# --- Lobby screens (reports.KioskAccount, i13-dash) ----------------------------------------------------
# The board of a school creates and retires its lobby screens' accounts; nobody else sees them.


def filter_kiosks(user, queryset: QuerySet | None = None) -> QuerySet:
    KioskAccount = apps.get_model("reports", "KioskAccount")
    qs = KioskAccount.objects.all() if queryset is None else queryset
    return qs.filter(school__in=board_schools(user).values("pk"))


def get_kiosk_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_kiosks(user, queryset), pk, _("大屏账号不存在或不在您的权限范围内"))


# --- 民主评议, 评优评先 (appraisal) ---------------------------------------------------------------------
# Staff manage the appraisals of the branches in their subtree; a member reaches only the appraisals
# they take part in, and only through the member pages (their own self-assessment, vote and result).


def filter_appraisals(user, queryset: QuerySet | None = None) -> QuerySet:
    """Appraisals the user runs or oversees: those of organisations in their staff subtrees."""
    return _staff_filtered(user, "appraisal.Appraisal", queryset, "organization__path")


def get_appraisal_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_appraisals(user, queryset).select_related("organization"), pk, _("民主评议不存在或不在您的权限范围内"))


def get_own_appraisal_or_404(user, pk):
    """An appraisal the user takes part in as a member (their own branch's), whoever else they are."""
    Appraisal = apps.get_model("appraisal", "Appraisal")
    member_id = scope_for(user).member_id
    try:
        return Appraisal.objects.select_related("organization").get(pk=pk, participants__member_id=member_id)
    except (ValueError, TypeError, Appraisal.DoesNotExist):
        raise Http404(_("民主评议不存在或不在您的权限范围内")) from None


def filter_follow_ups(user, queryset: QuerySet | None = None) -> QuerySet:
    return _staff_filtered(user, "appraisal.FollowUp", queryset, "rating__appraisal__organization__path")


def get_follow_up_or_404(user, pk):
    return _get_or_404(
        filter_follow_ups(user).select_related("rating__member", "rating__appraisal__organization"), pk, _("记录不存在或不在您的权限范围内")
    )


# --- Notifications (notify) ------------------------------------------------------------------------


def filter_notifications(user, queryset: QuerySet | None = None) -> QuerySet:
    """A user's own notifications, and no one else's (not even an administrator's view of them)."""
    Notification = apps.get_model("notify", "Notification")
    qs = Notification.objects.all() if queryset is None else queryset
    if user is None or not user.is_authenticated:
        return qs.none()
    return qs.filter(user_id=user.pk)


def get_notification_or_404(user, pk, queryset: QuerySet | None = None):
    return _get_or_404(filter_notifications(user, queryset), pk, _("通知不存在"))


def filter_robot_organizations(user, queryset: QuerySet | None = None) -> QuerySet:
    """Organisations whose WeCom group robot the user may set: a board's subtrees."""
    scope = scope_for(user)
    Organization = apps.get_model("people", "Organization")
    qs = Organization.objects.all() if queryset is None else queryset
    if scope.is_superuser:
        return qs
    return qs.filter(subtree_q(scope.board_paths, "path"))


def filter_wecom_robots(user, queryset: QuerySet | None = None) -> QuerySet:
    WeComRobot = apps.get_model("notify", "WeComRobot")
    qs = WeComRobot.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    return qs.filter(subtree_q(scope.board_paths, "organization__path"))
