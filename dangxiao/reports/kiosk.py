"""Lobby screens (大屏): kiosk accounts the board creates and retires, and what the screen shows.

A kiosk account has no role, no member record and no password: it signs in only through the link
holding its secret key (shown once, stored as a SHA-256 digest), and the KioskOnlyMiddleware answers
404 to everything but the lobby screen for such a session. The screen shows counts and titles only,
never a person."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.attendance.models import Attendance
from dangxiao.core.audit import audit_record
from dangxiao.core.models import AuditEvent
from dangxiao.people.models import User
from dangxiao.school.models import School, TrainingPlan
from dangxiao.teaching.models import Course, Enrollment, Session

from .models import KioskAccount, MatterMonth, SessionTally

SESSION_KEY = "kiosk_id"


class KioskError(Exception):
    """What the user asked cannot be done; the message says why, in Chinese."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def kiosk_create(actor: User, school: School, name: str, *, request=None) -> tuple[KioskAccount, str]:
    """A new kiosk account for `school`; returns it with its secret key (not stored, shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise KioskError(_("请填写大屏名称（不超过60字）"))
    key = secrets.token_urlsafe(24)
    user = User(username=f"kiosk-{secrets.token_hex(8)}", first_name=name[:150])
    user.set_unusable_password()
    user.save()
    kiosk = KioskAccount.objects.create(school=school, user=user, name=name, key_digest=_digest(key), created_by=actor)
    audit_record(
        request,
        AuditEvent.Action.RECORD_CREATE,
        organization_id=school.organization_id,
        object_type="reports.kioskaccount",
        object_id=kiosk.pk,
        summary=f"新建大屏账号：{name}",
    )
    return kiosk, key


@transaction.atomic
def kiosk_retire(actor: User, kiosk: KioskAccount, *, request=None, now: datetime | None = None) -> KioskAccount:
    """Retire the kiosk: its account is deactivated, so the screen is signed out at its next refresh."""
    if kiosk.retired_at:
        raise KioskError(_("该大屏账号已停用"))
    kiosk.retired_at = now or timezone.now()
    kiosk.save(update_fields=["retired_at"])
    User.objects.filter(pk=kiosk.user_id).update(is_active=False)
    audit_record(
        request,
        AuditEvent.Action.RECORD_RETIRE,
        organization_id=kiosk.school.organization_id,
        object_type="reports.kioskaccount",
        object_id=kiosk.pk,
        summary=f"停用大屏账号：{kiosk.name}",
    )
    return kiosk


def kiosk_for_key(key: str) -> KioskAccount | None:
    if not key or len(key) > 100:
        return None
    return KioskAccount.objects.select_related("user").filter(key_digest=_digest(key), retired_at__isnull=True).first()


def kiosk_of_user(user) -> KioskAccount | None:
    if not user.is_authenticated:
        return None
    return KioskAccount.objects.select_related("school__organization").filter(user_id=user.pk, retired_at__isnull=True).first()


@dataclass
class LobbySession:
    title: str
    cohort: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    checked_in: int
    enrolled: int


@dataclass
class Lobby:
    school: School
    today: date
    sessions: list[LobbySession]
    person_times: int
    target_person_times: int | None
    sessions_held: int
    venues_active: int
    matters_resolved: int
    households: int
    by_month: list[tuple[int, int, int]]  # month, sessions held, 人次
    by_kind: list[tuple[str, int]]


def lobby(school: School, *, now: datetime | None = None) -> Lobby:
    """Today's sessions of the school with live check-in counts, and the year's figures (no person)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    root = school.organization
    start = timezone.make_aware(datetime.combine(today, time.min))
    # Counts as subqueries on the sessions kept (not a join of attendances × enrolments), on an indexed range.
    checked_in = Attendance.objects.filter(session=OuterRef("pk"), status__in=Attendance.ATTENDED).values("session").annotate(n=Count("id"))
    enrolled = Enrollment.objects.filter(cohort=OuterRef("cohort_id"), status="enrolled").values("cohort").annotate(n=Count("id"))
    rows = (
        Session.objects.filter(cohort__school=school, starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .exclude(status=Session.Status.CANCELLED)
        .order_by("starts_at", "id")
        .annotate(checked_in=Subquery(checked_in.values("n")), enrolled=Subquery(enrolled.values("n")))
        .values_list("title", "cohort__name", "starts_at", "ends_at", "venue__name", "checked_in", "enrolled")[:30]
    )
    sessions = [LobbySession(t, c, timezone.localtime(s), timezone.localtime(e), v or "", n or 0, m or 0) for t, c, s, e, v, n, m in rows]
    tallies = SessionTally.objects.filter(organization__path__startswith=root.path, year=today.year)
    months = {m: [0, 0] for m in range(1, 13)}
    kinds = {k: 0 for k in Course.Kind.values}
    venues = set()
    for kind, subject, month, course_kind, held, pt in tallies.values_list(
        "kind", "subject_id", "month", "course_kind", "held", "person_times"
    ):
        if kind == SessionTally.Kind.ORG:
            months[month][0] += held
            months[month][1] += pt
            if course_kind in kinds:
                kinds[course_kind] += pt
        elif kind == SessionTally.Kind.VENUE and held:
            venues.add(subject)
    matters = MatterMonth.objects.filter(organization__path__startswith=root.path, year=today.year).values_list("resolved", "households")
    plan = TrainingPlan.objects.filter(school=school, year=today.year).values_list("target_person_times", flat=True).first()
    return Lobby(
        school=school,
        today=today,
        sessions=sessions,
        person_times=sum(v[1] for v in months.values()),
        target_person_times=plan,
        sessions_held=sum(v[0] for v in months.values()),
        venues_active=len(venues),
        matters_resolved=sum(r for r, _h in matters),
        households=sum(h for _r, h in matters),
        by_month=[(m, v[0], v[1]) for m, v in months.items()],
        by_kind=[(str(Course.Kind(k).label), n) for k, n in kinds.items()],
    )
