"""Telling users what happened: `notify` writes the in-app notice and one delivery per outside channel the
user chose, once per event (the database's unique keys refuse a second), and the queue sends them.

Domains call `notify` from their own services and periodic jobs (teaching, attendance, liaison, school); this
app decides how: channels per user and kind, quiet hours, retries. A failing channel is recorded on its own
delivery and tried again later, and never holds back the other channels or users.
"""

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dangxiao.people.models import Member, Organization, User

from . import channels
from .models import Channel, Delivery, Kind, Notification, Preference, WeComRobot

# Kinds that concern staff work: the only ones the organisation's WeCom group robot posts.
STAFF_KINDS = frozenset({Kind.MATTER_DEADLINE, Kind.TEACHER_TERM, Kind.HOURS_AT_RISK})
# Kinds a user chooses channels for (activation codes go by SMS when the secretary says so, never by choice).
USER_KINDS = [k for k in Kind if k != Kind.ACTIVATION]
DEFAULT_CHANNELS: dict[str, list[str]] = {
    Kind.SESSION_REMINDER: [Channel.SMS],
    Kind.SESSION_CHANGED: [Channel.SMS, Channel.EMAIL],
    Kind.LEAVE_DECIDED: [Channel.EMAIL],
    Kind.HOURS_AT_RISK: [Channel.EMAIL],
    Kind.MATTER_DEADLINE: [Channel.SMS, Channel.WECOM],
    Kind.TEACHER_TERM: [Channel.EMAIL, Channel.WECOM],
}
DEFAULT_QUIET = (time(22, 0), time(7, 0))
STALE_SENDING = timedelta(minutes=15)  # a worker that died mid-send: its delivery is tried again after this
BATCH = 500


def channels_offered(kind: str) -> list[str]:
    return [c for c in Channel.values if c != Channel.WECOM or kind in STAFF_KINDS]


def chosen_channels(pref: Preference | None, kind: str) -> list[str]:
    if pref is not None and kind in pref.channels:
        return [c for c in pref.channels[kind] if c in channels_offered(kind)]
    return list(DEFAULT_CHANNELS.get(kind, []))


def quiet_until(pref: Preference | None, now: datetime) -> datetime:
    """`now`, or the end of the user's quiet hours when `now` falls in them (local time, Asia/Shanghai)."""
    if pref is not None and not pref.quiet_enabled:
        return now
    start, end = (pref.quiet_start, pref.quiet_end) if pref is not None else DEFAULT_QUIET
    local = timezone.localtime(now)
    t = local.time()
    if start == end:
        return now
    quiet = (t >= start or t < end) if start > end else (start <= t < end)
    if not quiet:
        return now
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def user_phone(user: User, member_phone: str | None = None) -> str:
    """The member's phone, or a phone-number username (members sign in with their phone)."""
    if member_phone:
        return member_phone
    name = user.username or ""
    return name if len(name) == 11 and name.isdigit() and name.startswith("1") else ""


def robot_for(organization: Organization | None) -> WeComRobot | None:
    """The nearest enabled robot at or above the organisation."""
    if organization is None:
        return None
    paths = [organization.path[:n] for n in range(Organization.steplen, len(organization.path) + 1, Organization.steplen)]
    return (
        WeComRobot.objects.filter(enabled=True, organization__path__in=paths)
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )


def _available(channel: str, user: User, phone: str) -> bool:
    if channel == Channel.EMAIL:
        return bool(settings.NOTIFY_EMAIL and user.email)
    if channel == Channel.SMS:
        return bool(phone and channels.sms_configured())
    return False


@transaction.atomic
def notify(
    users: Iterable[User],
    event_key: str,
    title: str,
    body: str,
    url: str = "",
    *,
    kind: str,
    now: datetime | None = None,
    urgent: bool = False,
    organization: Organization | None = None,
) -> int:
    """Tell `users` about one event: an in-app notice each, and a delivery on each outside channel they chose
    for `kind` (quiet hours defer it unless `urgent`). For a staff kind, the WeCom robot of `organization` (or
    the nearest above it) posts once if any of them chose it. Idempotent per event_key, user and channel:
    calling it again for the same event adds nothing. Returns the in-app notices written now.
    The sending is queued after the transaction commits."""
    clock, now = now, now or timezone.now()
    people = {u.pk: u for u in users if u is not None and u.is_active}
    if not people:
        return 0
    key, title, url = event_key[:120], title[:120], url[:300]
    ids = list(people)
    before = Notification.objects.filter(event_key=key, user_id__in=ids).count()
    Notification.objects.bulk_create(
        [Notification(user_id=pk, kind=kind, event_key=key, title=title, body=body, url=url, created=now) for pk in ids],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    written = Notification.objects.filter(event_key=key, user_id__in=ids).count() - before
    prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=ids)}
    phones = dict(Member.objects.filter(user_id__in=ids).values_list("user_id", "phone"))
    deliveries, wants_robot = [], False
    for pk, user in people.items():
        pref = prefs.get(pk)
        due = now if urgent else quiet_until(pref, now)
        for channel in chosen_channels(pref, kind):
            if channel == Channel.WECOM:
                wants_robot = True
            elif _available(channel, user, user_phone(user, phones.get(pk))):
                deliveries.append(
                    Delivery(
                        event_key=key, user_id=pk, channel=channel, kind=kind, title=title, body=body, url=url, due_at=due, created=now
                    )
                )
    if wants_robot and kind in STAFF_KINDS:
        robot = robot_for(organization)
        if robot is not None:
            deliveries.append(
                Delivery(
                    event_key=key, robot=robot, channel=Channel.WECOM, kind=kind, title=title, body=body, url=url, due_at=now, created=now
                )
            )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=BATCH)
    if deliveries:
        transaction.on_commit(lambda: _enqueue(key, clock))
    return written


def _enqueue(event_key: str, now: datetime | None) -> None:
    """Queue the event's sending; a caller's own clock (a job under test) goes with it."""
    from .tasks import send_event  # the queue's task module imports these services

    send_event(event_key, now)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def delivery_send(pk: int, *, now: datetime | None = None) -> str:
    """Send one delivery if it is due and nobody else is sending it: the claim is one UPDATE, so two
    workers never both send it. Returns its status afterwards ("sent", "failed", or "skipped" when it was
    not this caller's to send)."""
    now = now or timezone.now()
    claimable = Q(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED], attempts__lt=settings.NOTIFY_MAX_ATTEMPTS) | Q(
        status=Delivery.Status.SENDING, due_at__lt=now - STALE_SENDING
    )
    claimed = Delivery.objects.filter(claimable, pk=pk, due_at__lte=now).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1, due_at=now
    )
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("user", "robot").get(pk=pk)
    try:
        _send(delivery)
    except channels.ChannelError as exc:
        Delivery.objects.filter(pk=pk).update(
            status=Delivery.Status.FAILED, last_error=str(exc)[:300], due_at=now + _backoff(delivery.attempts)
        )
        return Delivery.Status.FAILED
    Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SENT, sent_at=now, last_error="")
    return Delivery.Status.SENT


def _send(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        channels.send_email(delivery.user.email, delivery.title, delivery.body, delivery.url)
    elif delivery.channel == Channel.SMS:
        phone = user_phone(delivery.user, Member.objects.filter(user_id=delivery.user_id).values_list("phone", flat=True).first())
        channels.send_sms(phone, delivery.kind, {"title": delivery.title[:20], "content": delivery.body[:60]})
    elif delivery.channel == Channel.WECOM:
        if not delivery.robot.enabled:
            raise channels.ChannelError("robot disabled")
        channels.send_wecom(delivery.robot.webhook_url, delivery.title, delivery.body, delivery.url)
    else:
        raise channels.ChannelError(f"unknown channel {delivery.channel}")


def deliveries_due(now: datetime, event_key: str | None = None, limit: int = BATCH) -> list[int]:
    due = Q(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED], attempts__lt=settings.NOTIFY_MAX_ATTEMPTS) | Q(
        status=Delivery.Status.SENDING, due_at__lt=now - STALE_SENDING
    )
    qs = Delivery.objects.filter(due, due_at__lte=now)
    if event_key is not None:
        qs = qs.filter(event_key=event_key)
    return list(qs.order_by("due_at", "id").values_list("id", flat=True)[:limit])


def deliveries_send_due(*, now: datetime | None = None, event_key: str | None = None) -> dict[str, int]:
    """Send what is due (new, past quiet hours, or a retry whose wait is over), each on its own: one
    failure does not stop the rest. Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for pk in deliveries_due(now, event_key):
        counts[delivery_send(pk, now=now)] += 1
    return counts


# --- The user's side: reading and preferences ---------------------------------------------------------


def notification_mark_read(notification: Notification, *, now: datetime | None = None) -> Notification:
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(user: User, *, now: datetime | None = None) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())


@transaction.atomic
def preferences_update(
    user: User, *, channels_by_kind: dict[str, list[str]], quiet_enabled: bool, quiet_start: time, quiet_end: time
) -> Preference:
    """Save the user's channels per kind (unknown kinds and channels dropped) and quiet hours."""
    pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
    pref.channels = {k: sorted(set(channels_by_kind.get(k, [])) & set(channels_offered(k))) for k in USER_KINDS}
    pref.quiet_enabled, pref.quiet_start, pref.quiet_end = quiet_enabled, quiet_start, quiet_end
    pref.save()
    return pref
