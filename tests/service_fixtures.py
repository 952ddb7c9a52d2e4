"""Builders shared by the volunteer service tests."""

from datetime import timedelta

from django.utils import timezone

from dangxiao.practice import service_services as services


def make_service(org, *, start=None, hours: int = 2, limit=None, title: str = "政策宣传进小区", **fields):
    start = start or timezone.now() + timedelta(days=3)
    return services.service_create(
        org, title=title, starts_at=start, ends_at=start + timedelta(hours=hours), signup_limit=limit, place="青山苑", **fields
    )


def past_service_with(members, org, *, hours: int = 2, checked_in=None, days_ago: int = 2):
    """An activity that has ended, the `members` signed up before it, those in `checked_in` (default all)
    checked in by the organiser during it."""
    start = timezone.now() - timedelta(days=days_ago)
    service = make_service(org, start=start, hours=hours)
    for m in members:
        services.service_sign_up(service, m, now=start - timedelta(days=1))
    came = members if checked_in is None else checked_in
    services.service_mark_presence(service, [m.pk for m in came], now=start + timedelta(minutes=5))
    return service
