"""Read paths of the teacher pool and the topic taxonomy: who may still be booked, the member picker,
the topic tree."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangxiao.core import access
from dangxiao.people.models import Member, User

from . import selectors
from .models import School, Teacher, Topic

PICKER_LIMIT = 20


def bookable_teachers(queryset: QuerySet, day: date | None = None) -> QuerySet:
    """Teachers a session may still be given: in the pool, their term not ended before `day` (today)."""
    day = day or timezone.localdate()
    return queryset.filter(is_active=True).exclude(appointed_until__lt=day)


def member_candidates(user: User, school: School, text: str) -> list[Member]:
    """The picker of "add a teacher from a member": members of the school's subtree the user manages whose
    name contains `text` (or whose phone is it), not yet in the pool and not left; at most PICKER_LIMIT."""
    text = (text or "").strip()[:40]
    if not text:
        return []
    members = access.filter_roster(user, Member.objects.current().filter(organization__path__startswith=school.organization.path))
    members = members.filter(Q(phone=text) if text.isdigit() else Q(name__contains=text)).filter(teacher__isnull=True)
    return list(members.select_related("organization").order_by("name", "pk")[:PICKER_LIMIT])


def active_topics(school: School) -> list[Topic]:
    """The school's topics in use, as a flat list in tree order (each top-level one before its children)."""
    return topic_tree(Topic.objects.filter(school=school, is_active=True))


def topic_tree(queryset: QuerySet) -> list[Topic]:
    """Topics in tree order; each carries `level` (0 or 1). A child whose parent is not in the set comes
    at the top level."""
    topics = list(queryset.select_related("parent").order_by("order", "name", "pk"))
    present = {t.pk for t in topics}
    children: dict[int, list[Topic]] = {}
    for t in topics:
        if t.parent_id in present:
            children.setdefault(t.parent_id, []).append(t)
    ordered = []
    for t in topics:
        if t.parent_id not in present:
            t.level = 0
            ordered.append(t)
            for child in children.get(t.pk, []):
                child.level = 1
                ordered.append(child)
    return ordered


def topic_list(user: User) -> list[Topic]:
    """The topics of the user's schools, in use and retired, with how many courses and teachers name each."""
    qs = access.filter_school_objects(user, "school.Topic").annotate(
        course_count=Count("courses", distinct=True), teacher_count=Count("teachers", distinct=True)
    )
    return topic_tree(qs)


def teacher_list(user: User, *, status: str = "active", source: str = "", topic: int | None = None, text: str = "") -> QuerySet:
    """The pool for its list page: `status` active (default), retired or all; filters by source, topic and
    a name; with session counts and ratings, in one query (topics prefetched)."""
    qs = selectors.teacher_list(user)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "retired":
        qs = qs.filter(is_active=False)
    if source:
        qs = qs.filter(source=source)
    if topic:
        qs = qs.filter(topics=topic)
    if text:
        qs = qs.filter(name__contains=text[:40])
    return qs


def is_current(teacher: Teacher, day: date | None = None) -> bool:
    return teacher.in_term_on(day or timezone.localdate())
