"""Tell the school board of teachers whose appointment (聘期) ends within a month, so they renew or let go."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.notify.models import Kind
from dangxiao.notify.services import notify
from dangxiao.people.models import Role, User

from .models import Teacher

WARN_DAYS = 30


def teacher_terms_notify(today: date | None = None, now=None) -> int:
    """Each teacher in the pool whose term ends in the next 30 days: the board of their school (校长, 副校长,
    教学副校长 on the school's working committee or above) is told once per term end; the school's WeCom
    robot posts it too. Returns the in-app notices written."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    teachers = (
        Teacher.objects.filter(is_active=True, appointed_until__gte=today, appointed_until__lte=today + timedelta(days=WARN_DAYS))
        .select_related("school__organization")
        .order_by("appointed_until", "pk")[:500]
    )
    written, boards = 0, {}
    for teacher in teachers:
        org = teacher.school.organization
        if org.pk not in boards:
            paths = [org.path[:n] for n in range(org.steplen, len(org.path) + 1, org.steplen)]
            boards[org.pk] = list(
                User.objects.filter(roles__kind__in=Role.BOARD_KINDS, roles__organization__path__in=paths, is_active=True)
                .distinct()
                .order_by("pk")
            )
        written += notify(
            boards[org.pk],
            f"teacher:{teacher.pk}:term:{teacher.appointed_until:%Y%m%d}",
            _("讲师聘期将到期：%(name)s") % {"name": teacher.name},
            _("%(name)s的聘期至 %(day)s 结束，请决定是否续聘。") % {"name": teacher.name, "day": f"{teacher.appointed_until:%Y-%m-%d}"},
            reverse("school:teacher_detail", args=[teacher.pk]),
            kind=Kind.TEACHER_TERM,
            now=now,
            organization=org,
        )
    return written
