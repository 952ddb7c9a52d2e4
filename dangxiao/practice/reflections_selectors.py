"""Reads of reflections: counts for the appraisal, what a secretary owes, the member's own list, the review
queue, an organisation's shared reflections, and the names of what each one is about."""

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.duties import Duty
from dangxiao.online.models import Lesson
from dangxiao.people.models import Organization
from dangxiao.teaching.models import Enrollment, Session

from .models import Reflection, ReflectionPhoto
from .reflections_subjects import SUBJECTS


def approved_reflections(member_ids, year: int) -> dict[int, int]:
    """member id → reflections approved in the year (members without any are 0). One query."""
    ids = list(member_ids)
    found = dict.fromkeys(ids, 0)
    rows = (
        Reflection.objects.filter(member_id__in=ids, status=Reflection.Status.APPROVED, approved_on__year=year)
        .values_list("member_id")
        .annotate(n=Count("id"))
    )
    found.update(dict(rows))
    return found


def duties(user, today: date) -> list[Duty]:
    """Reflections waiting for this user's review (one query); nothing when there are none."""
    count = access.filter_reviewable_reflections(user).filter(status=Reflection.Status.PENDING).count()
    if not count:
        return []
    return [Duty(label=_("%(n)s 份学习心得待审核") % {"n": count}, count=count, url=reverse("reflections:queue"))]


def with_photos(qs: QuerySet) -> QuerySet:
    return qs.select_related("member", "member__organization", "session", "lesson").prefetch_related(
        Prefetch("photos", queryset=ReflectionPhoto.objects.only("id", "reflection_id", "order"))
    )


def member_reflections(member_id: int) -> QuerySet:
    return with_photos(Reflection.objects.filter(member_id=member_id)).order_by("-submitted_at", "-id")


def review_queue(user, status: str = Reflection.Status.PENDING, q: str = "") -> QuerySet:
    qs = access.filter_reviewable_reflections(user)
    if status in Reflection.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(member__name__icontains=q[:50])
    return with_photos(qs).order_by("submitted_at" if status == Reflection.Status.PENDING else "-submitted_at", "id")


def organization_shared(user, organization: Organization) -> QuerySet:
    """Approved reflections shown to `organization`'s members, newest first (page it)."""
    qs = access.filter_reflections(
        user, Reflection.objects.filter(member__organization=organization, status=Reflection.Status.APPROVED, shown_to_organization=True)
    )
    return with_photos(qs).order_by("-approved_on", "-id")


def link_label(reflection: Reflection, subject_labels: dict | None = None) -> str:
    if reflection.session_id:
        return _("课次：%(t)s") % {"t": reflection.session.title}
    if reflection.lesson_id:
        return _("网上课程：%(t)s") % {"t": reflection.lesson.title}
    if reflection.subject_kind:
        kind = SUBJECTS.get(reflection.subject_kind)
        name = (subject_labels or {}).get((reflection.subject_kind, reflection.subject_id), "")
        return f"{kind.label if kind else reflection.subject_kind}：{name}" if name else (kind.label if kind else "")
    return ""


def link_labels(reflections) -> dict[int, str]:
    """reflection id → what it is about (also set as `link_label` on each), for a page of reflections (one query per registered kind used)."""
    by_kind: dict[str, list[int]] = {}
    for r in reflections:
        if r.subject_kind:
            by_kind.setdefault(r.subject_kind, []).append(r.subject_id)
    names = {}
    for kind, ids in by_kind.items():
        if kind in SUBJECTS:
            names.update({(kind, i): n for i, n in SUBJECTS[kind].labels(ids).items()})
    found = {}
    for r in reflections:
        r.link_label = found[r.pk] = link_label(r, names)
    return found


def link_choices(member) -> list[tuple[str, str]]:
    """What the member may link a reflection to: sessions they attended or are enrolled for (the latest 30),
    lessons of their online cohorts (30), and records of registered kinds (2 queries + one per kind)."""
    cohorts = Enrollment.objects.filter(member=member, status=Enrollment.Status.ENROLLED).values("cohort")
    attended = Session.objects.filter(attendances__member=member).values("pk")
    sessions = (
        Session.objects.filter(Q(pk__in=attended) | Q(cohort__in=cohorts))
        .exclude(status=Session.Status.CANCELLED)
        .order_by("-starts_at")
        .values_list("pk", "title", "starts_at")[:30]
    )
    choices = [(f"session:{pk}", f"{_('课次')} · {timezone.localtime(at):%m-%d} {title}") for pk, title, at in sessions]
    lessons = Lesson.objects.filter(cohort__in=cohorts, published=True).order_by("-created_at").values_list("pk", "title")[:30]
    choices += [(f"lesson:{pk}", f"{_('网上课程')} · {title}") for pk, title in lessons]
    for kind in SUBJECTS.values():
        choices += [(f"{kind.kind}:{pk}", f"{kind.label} · {name}") for pk, name in kind.choices(member)]
    return choices
