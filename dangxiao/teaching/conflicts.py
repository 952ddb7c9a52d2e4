"""Booking conflicts: a venue or teacher booked twice, a venue too small, a member in two sessions at once.

Each conflict names the other booking in Chinese. None is silently accepted: the caller refuses
unless staff give a written reason, which is kept on the session.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Cohort, Enrollment, Session


@dataclass(frozen=True)
class Conflict:
    kind: str  # venue | teacher | capacity | member
    message: str
    other_session_id: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "other_session_id": self.other_session_id}


def _when(s: Session) -> str:
    start = timezone.localtime(s.starts_at)
    end = timezone.localtime(s.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _overlapping(starts_at: datetime, ends_at: datetime, exclude_pk: int | None):
    qs = Session.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(status=Session.Status.CANCELLED)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def session_conflicts(
    *,
    cohort: Cohort,
    starts_at: datetime,
    ends_at: datetime,
    venue=None,
    teacher=None,
    exclude_pk: int | None = None,
    enrolled: int | None = None,
) -> list[Conflict]:
    """Every conflict of a proposed session (4 queries at most)."""
    conflicts: list[Conflict] = []
    overlapping = _overlapping(starts_at, ends_at, exclude_pk).select_related("cohort", "venue", "teacher")
    if venue is not None or teacher is not None:
        q = Q(pk__in=[])
        if venue is not None:
            q |= Q(venue=venue)
        if teacher is not None:
            q |= Q(teacher=teacher)
        for other in overlapping.filter(q).order_by("starts_at")[:10]:
            if venue is not None and other.venue_id == venue.pk:
                conflicts.append(
                    Conflict(
                        "venue",
                        _("教学点“%(venue)s”在 %(when)s 已安排“%(cohort)s”的“%(title)s”")
                        % {"venue": venue.name, "when": _when(other), "cohort": other.cohort.name, "title": other.title},
                        other.pk,
                    )
                )
            if teacher is not None and other.teacher_id == teacher.pk:
                conflicts.append(
                    Conflict(
                        "teacher",
                        _("讲师%(teacher)s在 %(when)s 已安排“%(cohort)s”的“%(title)s”")
                        % {"teacher": teacher.name, "when": _when(other), "cohort": other.cohort.name, "title": other.title},
                        other.pk,
                    )
                )
    if enrolled is None:
        enrolled = Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED).count()
    if venue is not None and enrolled > venue.capacity:
        conflicts.append(
            Conflict(
                "capacity",
                _("教学点“%(venue)s”只能容纳%(capacity)s人，本班次已报名%(enrolled)s人")
                % {"venue": venue.name, "capacity": venue.capacity, "enrolled": enrolled},
            )
        )
    members = Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED).values("member_id")
    clash = (
        overlapping.exclude(cohort=cohort)
        .filter(cohort__enrollments__member_id__in=members, cohort__enrollments__status=Enrollment.Status.ENROLLED)
        .values("pk")
        .distinct()
    )
    other = Session.objects.filter(pk__in=clash).select_related("cohort").order_by("starts_at").first()
    if other is not None:
        shared = Enrollment.objects.filter(cohort=other.cohort, status=Enrollment.Status.ENROLLED, member_id__in=members).count()
        conflicts.append(
            Conflict(
                "member",
                _("有%(count)s名学员在 %(when)s 已报名“%(cohort)s”的“%(title)s”")
                % {"count": shared, "when": _when(other), "cohort": other.cohort.name, "title": other.title},
                other.pk,
            )
        )
    return conflicts


def member_clash(member_id: int, cohort: Cohort) -> Session | None:
    """A session of another cohort of this member overlapping one of this cohort's sessions."""
    mine = Session.objects.filter(cohort=cohort).exclude(status=Session.Status.CANCELLED).values_list("starts_at", "ends_at")
    mine = list(mine)
    if not mine:
        return None
    others = (
        Session.objects.filter(
            cohort__enrollments__member_id=member_id,
            cohort__enrollments__status=Enrollment.Status.ENROLLED,
            starts_at__lt=max(e for _s, e in mine),
            ends_at__gt=min(s for s, _e in mine),
        )
        .exclude(cohort=cohort)
        .exclude(status=Session.Status.CANCELLED)
        .select_related("cohort")
        .order_by("starts_at")
    )
    for other in others:
        if any(s < other.ends_at and e > other.starts_at for s, e in mine):
            return other
    return None


def describe_clash(session: Session) -> str:
    return _("与已报名的“%(cohort)s”在 %(when)s 的“%(title)s”时间冲突") % {
        "cohort": session.cohort.name,
        "when": _when(session),
        "title": session.title,
    }


def members_with_clashes(cohort: Cohort, member_ids: list[int]) -> dict[int, Session]:
    """For bulk enrolment: which of these members already have a session overlapping this cohort's."""
    mine = list(Session.objects.filter(cohort=cohort).exclude(status=Session.Status.CANCELLED).values_list("starts_at", "ends_at"))
    if not mine or not member_ids:
        return {}
    found: dict[int, Session] = {}
    rows = (
        Session.objects.filter(
            cohort__enrollments__member_id__in=member_ids,
            cohort__enrollments__status=Enrollment.Status.ENROLLED,
            starts_at__lt=max(e for _s, e in mine),
            ends_at__gt=min(s for s, _e in mine),
        )
        .exclude(cohort=cohort)
        .exclude(status=Session.Status.CANCELLED)
        .select_related("cohort")
        .annotate(member_id=models.F("cohort__enrollments__member_id"))
        .order_by("starts_at")
    )
    for other in rows:
        if other.member_id not in found and any(s < other.ends_at and e > other.starts_at for s, e in mine):
            found[other.member_id] = other
    return found
