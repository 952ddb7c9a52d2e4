"""送学上门: elderly and infirm members paired with young members who take each lesson to them at home.

The young member (helper) records every visit. A visit the elder has confirmed credits the elder
with study hours and the helper with volunteer time, once each, under the reference `visit:<id>`;
an unconfirmed visit credits nothing until `visit_confirm`.

When a visit delivers one of the cohort's sessions, the elder is also marked present on that
session's roll, and the roll's own credit for the session *is* the visit's credit (relabelled as
送学上门): the session's hours are never credited twice, and a later change of the roll still
withdraws them as it does for everybody else.
"""

import secrets
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.uploads import KINDS, PHOTO_KINDS, check_upload
from dangxiao.people.models import Member, User, age_on
from dangxiao.teaching.models import Cohort, Enrollment, Session
from dangxiao.teaching.services import TeachingError

from .models import Attendance, HomeDeliveryPair, HomeVisit, StudyHourEntry, VolunteerTime
from .services import ledger_credit, policy_for, roll_mark

HELPER_MAX_AGE = 45
MIN_MINUTES, MAX_MINUTES = 10, 480
CONFIRMATION_METHODS = ("本人签字", "电话确认", "家属代签", "视频确认")
SELF_CONFIRMATION = "本人在线确认"


class HomeDeliveryError(TeachingError):
    """A refusal users can cause; the message (Chinese) is shown as it is and nothing was saved."""


def reference(visit: HomeVisit) -> str:
    return f"visit:{visit.pk}"


# --- Services ---------------------------------------------------------------------------------


def pair_create(cohort: Cohort, elder: Member, helper: Member, *, today: date | None = None) -> HomeDeliveryPair:
    """Pair an elderly or infirm member of a home-delivery cohort with a young member (老带青、青帮老).

    Refused when the cohort is not a home-delivery one, the elder is not flagged elderly/infirm or
    not enrolled in it, the helper is the elder, is elderly/infirm, is over HELPER_MAX_AGE or has
    no birth date on record, or the elder already has a helper in this cohort.
    """
    today = today or timezone.localdate()
    if cohort.mode != Cohort.Mode.HOME_DELIVERY:
        raise HomeDeliveryError(_("只有“送学上门”班次可以结对"))
    if not elder.is_elderly_infirm:
        raise HomeDeliveryError(_("%(name)s未登记为年老体弱、行动不便党员，不需要送学上门") % {"name": elder.name})
    if not Enrollment.objects.filter(cohort=cohort, member=elder, status=Enrollment.Status.ENROLLED).exists():
        raise HomeDeliveryError(_("%(name)s没有报名本班次，请先将其加入班次") % {"name": elder.name})
    if helper.pk == elder.pk:
        raise HomeDeliveryError(_("不能与本人结对"))
    if helper.is_elderly_infirm:
        raise HomeDeliveryError(_("%(name)s本人也是年老体弱党员，请选择青年党员结对") % {"name": helper.name})
    age = age_on(helper.birth_date, today)
    if age is None:
        raise HomeDeliveryError(_("%(name)s未登记出生日期，无法确认是否为青年党员") % {"name": helper.name})
    if age > HELPER_MAX_AGE:
        raise HomeDeliveryError(
            _("结对帮学应由%(max)s岁及以下的青年党员承担，%(name)s今年%(age)s岁") % {"max": HELPER_MAX_AGE, "name": helper.name, "age": age}
        )
    existing = HomeDeliveryPair.objects.filter(cohort=cohort, elder=elder).select_related("helper").first()
    if existing is not None:
        raise HomeDeliveryError(
            _("%(elder)s在本班次已由%(helper)s结对帮学，每位老党员只安排一名结对党员")
            % {"elder": elder.name, "helper": existing.helper.name}
        )
    try:
        with transaction.atomic():
            return HomeDeliveryPair.objects.create(cohort=cohort, elder=elder, helper=helper)
    except IntegrityError:  # paired by someone else a moment ago
        raise HomeDeliveryError(_("%(name)s在本班次已有结对党员") % {"name": elder.name}) from None


def _check_photo(photo) -> str:
    """A safe stored name for a checked photo (the phone's own file name is not kept)."""
    try:
        kind = check_upload(photo, PHOTO_KINDS)
    except ValidationError as exc:
        raise HomeDeliveryError(exc.messages[0]) from None
    return f"{secrets.token_hex(8)}{kind.extensions[0]}"


def visit_record(
    pair: HomeDeliveryPair,
    *,
    visited_on: date,
    minutes: int,
    content: str,
    photo=None,
    elder_confirmed: bool,
    confirmation: str = "",
    session: Session | None = None,
    by: User | None,
    today: date | None = None,
) -> HomeVisit:
    """Record one home visit; when the elder confirmed it, credit both members (see `visit_confirm`).

    Refused, saving nothing, for an ended pair, a date in the future or before the cohort began, a
    duration outside 10–480 minutes, empty content, a session of another cohort or a cancelled one (or,
    confirmed, one that has not started), a confirmation without its manner, or a photo that is not a real JPG/PNG within the size limit.
    """
    today = today or timezone.localdate()
    if not pair.active:
        raise HomeDeliveryError(_("该结对已结束，不能再记录上门"))
    if visited_on > today:
        raise HomeDeliveryError(_("上门日期不能晚于今天"))
    if pair.cohort.starts_on and visited_on < pair.cohort.starts_on:
        raise HomeDeliveryError(_("上门日期早于班次开班日期（%(day)s）") % {"day": f"{pair.cohort.starts_on:%Y-%m-%d}"})
    if not MIN_MINUTES <= int(minutes) <= MAX_MINUTES:
        raise HomeDeliveryError(_("送学时长应在%(min)s到%(max)s分钟之间") % {"min": MIN_MINUTES, "max": MAX_MINUTES})
    content = (content or "").strip()
    if not content:
        raise HomeDeliveryError(_("请填写这次送学的学习内容"))
    if session is not None:
        if session.cohort_id != pair.cohort_id:
            raise HomeDeliveryError(_("所选课次不属于本送学班次"))
        if session.status == Session.Status.CANCELLED:
            raise HomeDeliveryError(_("所选课次已取消"))
    confirmation = (confirmation or "").strip()
    if elder_confirmed and not confirmation:
        raise HomeDeliveryError(_("请选择老党员的确认方式（如本人签字、电话确认）"))
    if photo:
        photo.name = _check_photo(photo)
    if elder_confirmed and session is not None:
        _check_roll(pair, session)
    with transaction.atomic():
        visit = HomeVisit.objects.create(
            pair=pair,
            session=session,
            visited_on=visited_on,
            minutes=int(minutes),
            content=content[:300],
            photo=photo or "",
            elder_confirmed=elder_confirmed,
            confirmation=confirmation[:100] if elder_confirmed else "",
        )
        if elder_confirmed:
            _credit(visit, by)
    return visit


@transaction.atomic
def visit_confirm(visit: HomeVisit, *, confirmation: str, by: User | None) -> HomeVisit:
    """The elder confirms a visit recorded earlier: both members are credited now. Confirming an
    already confirmed visit changes nothing (and credits nothing again)."""
    visit = (
        HomeVisit.objects.select_for_update(of=("self",))
        .select_related("pair__cohort", "pair__elder", "pair__helper", "session")
        .get(pk=visit.pk)
    )
    if visit.elder_confirmed:
        return visit
    confirmation = (confirmation or "").strip()
    if not confirmation:
        raise HomeDeliveryError(_("请选择老党员的确认方式（如本人签字、电话确认）"))
    if visit.session is not None:
        _check_roll(visit.pair, visit.session)
    visit.elder_confirmed, visit.confirmation = True, confirmation[:100]
    visit.save(update_fields=["elder_confirmed", "confirmation"])
    _credit(visit, by)
    return visit


def _check_roll(pair: HomeDeliveryPair, session: Session) -> None:
    # A visit counts as attending the session, and a session that has not started credits nothing.
    if timezone.now() < session.starts_at:
        raise HomeDeliveryError(
            _("所选课次%(when)s才开始，开始后才能计入该课次（也可以不选课次，按时长计学时）")
            % {"when": timezone.localtime(session.starts_at).strftime(_("%m月%d日 %H:%M"))}
        )
    on_roll = Attendance.objects.filter(session=session, member_id=pair.elder_id).exists()
    enrolled = Enrollment.objects.filter(cohort_id=session.cohort_id, member_id=pair.elder_id, status=Enrollment.Status.ENROLLED).exists()
    if not (on_roll or enrolled):
        raise HomeDeliveryError(_("%(name)s已不在本班次名单中，无法计入该课次") % {"name": pair.elder.name})


def visit_hours(visit: HomeVisit) -> Decimal:
    """What a confirmed visit is worth to the elder: the session's hours, or its minutes in 学时."""
    if visit.session is not None:
        return Decimal(visit.session.hours)
    per_hour = policy_for(visit.pair.cohort.school_id).minutes_per_hour
    return (Decimal(visit.minutes) / Decimal(per_hour)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def visit_credited_hours(visit: HomeVisit) -> Decimal | None:
    """The study hours this visit credited the elder, or None (unconfirmed, or the session was already credited)."""
    return StudyHourEntry.objects.filter(member_id=visit.pair.elder_id, reference=reference(visit)).values_list("hours", flat=True).first()


def _credit(visit: HomeVisit, by: User | None) -> None:
    """Credit the elder's study hours and the helper's volunteer time for a confirmed visit, once."""
    ref, pair = reference(visit), visit.pair
    note = f"送学上门：{pair.helper.name}上门送学"
    if visit.session is not None:
        session = visit.session
        current = Attendance.objects.filter(session=session, member_id=pair.elder_id).first()
        # Already attended (in person, or an earlier visit for this session): the hours are in.
        if current is None or current.status not in Attendance.ATTENDED:
            roll_mark(session, {pair.elder_id: Attendance.Status.PRESENT}, by=by, method=Attendance.Method.MANUAL)
            StudyHourEntry.objects.filter(member_id=pair.elder_id, session=session).update(
                source=StudyHourEntry.Source.HOME_DELIVERY, reference=ref, date=visit.visited_on, hours=visit_hours(visit), note=note
            )
    else:
        hours = visit_hours(visit)
        if hours > 0:
            ledger_credit(
                pair.elder,
                hours=hours,
                date=visit.visited_on,
                source=StudyHourEntry.Source.HOME_DELIVERY,
                reference=ref,
                category=Cohort.Mode.HOME_DELIVERY,
                note=note,
                by=by,
            )
    VolunteerTime.objects.get_or_create(
        reference=ref,
        defaults={"member_id": pair.helper_id, "date": visit.visited_on, "minutes": visit.minutes, "note": f"送学上门：{pair.elder.name}"},
    )


# --- Selectors ----------------------------------------------------------------------------------


def _annotated(pairs: QuerySet) -> QuerySet:
    return pairs.annotate(
        last_visit=Max("visits__visited_on"),
        visit_count=Count("visits"),
        pending_count=Count("visits", filter=Q(visits__elder_confirmed=False)),
    )


def helper_pairs(member_id: int) -> QuerySet:
    """The elders a member helps, each with the last visit and visits awaiting confirmation."""
    pairs = HomeDeliveryPair.objects.filter(helper_id=member_id, active=True).select_related("elder__organization", "cohort")
    return _annotated(pairs).order_by("last_visit", "elder__name")


def visits_awaiting_confirmation(member_id: int) -> QuerySet:
    return (
        HomeVisit.objects.filter(pair__helper_id=member_id, elder_confirmed=False)
        .select_related("pair__elder", "session")
        .order_by("-visited_on", "-id")
    )


def visits_to_elder(member_id: int, limit: int = 12) -> list[HomeVisit]:
    """Visits made to a member (what an elder with an account sees of their own home study)."""
    qs = HomeVisit.objects.filter(pair__elder_id=member_id).select_related("pair__helper", "session").order_by("-visited_on", "-id")
    return list(qs[:limit])


def cohort_pairs(cohort: Cohort) -> QuerySet:
    pairs = HomeDeliveryPair.objects.filter(cohort=cohort).select_related("elder__organization", "helper__organization")
    return _annotated(pairs).order_by("elder__organization__path", "elder__name")


def cohort_visits(cohort: Cohort) -> QuerySet:
    return (
        HomeVisit.objects.filter(pair__cohort=cohort)
        .select_related("pair__elder", "pair__helper", "session")
        .order_by("elder_confirmed", "-visited_on", "-id")
    )


def cohort_figures(cohort: Cohort) -> dict:
    """Figures of a home-delivery cohort, each computed from the records."""
    visits = HomeVisit.objects.filter(pair__cohort=cohort).aggregate(
        total=Count("id"), confirmed=Count("id", filter=Q(elder_confirmed=True))
    )
    refs = (
        HomeVisit.objects.filter(pair__cohort=cohort, elder_confirmed=True)
        .annotate(ref=Concat(Value("visit:"), Cast("id", CharField())))
        .values("ref")
    )
    hours = StudyHourEntry.objects.filter(source=StudyHourEntry.Source.HOME_DELIVERY, reference__in=refs).aggregate(h=Sum("hours"))["h"]
    minutes = VolunteerTime.objects.filter(reference__in=refs).aggregate(m=Sum("minutes"))["m"]
    return {
        "elders": Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED, member__is_elderly_infirm=True).count(),
        "pairs": HomeDeliveryPair.objects.filter(cohort=cohort, active=True).count(),
        "visits": visits["total"],
        "confirmed": visits["confirmed"],
        "hours": hours or Decimal("0"),
        "volunteer_hours": Decimal(minutes or 0) / 60,
    }


def unpaired_elders(cohort: Cohort) -> QuerySet:
    paired = HomeDeliveryPair.objects.filter(cohort=cohort).values("elder_id")
    return (
        Member.objects.current()
        .filter(enrollments__cohort=cohort, enrollments__status=Enrollment.Status.ENROLLED, is_elderly_infirm=True)
        .exclude(pk__in=paired)
        .select_related("organization")
        .order_by("organization__path", "name")
    )


def helper_suggestions(cohort: Cohort, elders: list[Member], candidates: QuerySet, today: date, per_elder: int = 3) -> dict[int, list]:
    """Young members to suggest for each unpaired elder: same compound first, then same community,
    fewest elders already in their care. One query for the candidates, one for their loads."""
    pool = list(
        candidates.filter(is_elderly_infirm=False, is_mobile=False, birth_date__gte=date(today.year - HELPER_MAX_AGE - 1, 1, 1))
        .select_related("organization")
        .order_by("organization__path", "name")
    )
    pool = [m for m in pool if (age_on(m.birth_date, today) or 99) <= HELPER_MAX_AGE]
    load = dict(
        HomeDeliveryPair.objects.filter(cohort=cohort, active=True, helper__in=[m.pk for m in pool])
        .values_list("helper_id")
        .annotate(n=Count("id"))
    )
    step = Member._meta.get_field("organization").related_model.steplen
    suggestions: dict[int, list] = {}
    for elder in elders:
        community = elder.organization.path[: 2 * step]

        def neighbour(m, elder=elder) -> bool:
            return bool(elder.home_compound) and m.home_compound == elder.home_compound

        near = [m for m in pool if m.pk != elder.pk and (neighbour(m) or m.organization.path.startswith(community))]
        near.sort(key=lambda m, c=community: (not neighbour(m), not m.organization.path.startswith(c), load.get(m.pk, 0), m.name))
        suggestions[elder.pk] = [
            (m, age_on(m.birth_date, today), _("同小区") if neighbour(m) else _("同社区"), load.get(m.pk, 0)) for m in near[:per_elder]
        ]
    return suggestions


def home_cohorts(user) -> QuerySet:
    """Home-delivery cohorts the user manages."""
    return access.filter_cohorts(user).filter(mode=Cohort.Mode.HOME_DELIVERY).order_by("-starts_on", "name")


def filter_visits(user, queryset: QuerySet | None = None) -> QuerySet:
    """Visits a user may see: as the helper or the elder of the pair, or as staff managing the cohort."""
    qs = HomeVisit.objects.all() if queryset is None else queryset
    scope = access.scope_for(user)
    if scope.is_superuser:
        return qs
    q = Q(pair__cohort__in=access.filter_cohorts(user).values("pk"))
    if scope.member_id:
        q |= Q(pair__helper_id=scope.member_id) | Q(pair__elder_id=scope.member_id)
    return qs.filter(q)


def get_visit_or_404(user, pk) -> HomeVisit:
    qs = filter_visits(user, HomeVisit.objects.select_related("pair__cohort", "pair__elder", "pair__helper", "session"))
    try:
        return qs.get(pk=pk)
    except (ValueError, TypeError, HomeVisit.DoesNotExist):
        raise Http404(_("上门记录不存在或不在您的权限范围内")) from None


def get_pair_or_404(user, pk) -> HomeDeliveryPair:
    """A pair the user may record visits for: they are its helper, or they manage its cohort."""
    qs = HomeDeliveryPair.objects.select_related("cohort", "elder__organization", "helper")
    scope = access.scope_for(user)
    if not scope.is_superuser:
        q = Q(cohort__in=access.filter_cohorts(user).values("pk"))
        if scope.member_id:
            q |= Q(helper_id=scope.member_id)
        qs = qs.filter(q)
    try:
        return qs.get(pk=pk)
    except (ValueError, TypeError, HomeDeliveryPair.DoesNotExist):
        raise Http404(_("结对不存在或不在您的权限范围内")) from None


def photo_content_type(visit: HomeVisit) -> str:
    name = visit.photo.name.lower()
    return next((KINDS[k].content_type for k in PHOTO_KINDS if name.endswith(KINDS[k].extensions)), "application/octet-stream")
