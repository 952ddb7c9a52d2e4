"""志愿服务 in the demo: a year of monthly volunteer activities run by the community Party committees, with
sign-ups, check-ins and hours approved (last month's still in the queue, one correction asked), and the
coming ones open for sign-up, one of them school-wide. Written through practice's services, around the
demo's today; deterministic for a given today."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q

from dangxiao.people.models import Member, Organization, User
from dangxiao.practice import service_services as services
from dangxiao.practice.models import ServiceParticipant, VolunteerService

from .clock import SHANGHAI, DemoClock
from .people import SEED

COMMUNITIES = 5  # the first community committees run the activities
ACTIVITIES = (
    ("policy", "医保和养老政策进楼栋"),
    ("mediation", "邻里纠纷调解"),
    ("assistance", "走访慰问困难家庭"),
    ("environment", "小区环境整治"),
    ("policy", "防范电信网络诈骗宣传"),
    ("assistance", "关爱独居老人"),
    ("mediation", "停车难问题协商议事"),
    ("environment", "楼道杂物清理"),
    ("policy", "电动自行车安全充电宣传"),
    ("other", "社区图书角整理"),
)
PLACES = ("党群服务中心", "小区广场", "红色驿站", "楼栋议事点")


def wipe_service() -> None:
    """The activities hold their organisations (PROTECT): delete them before the people are rebuilt."""
    ServiceParticipant.objects.all().delete()
    VolunteerService.objects.all().delete()


def build_service(clock: DemoClock, stdout=None) -> dict:
    rng = random.Random(SEED + 12)
    approver = User.objects.filter(username="13900000001").first()
    demo_member = Member.objects.filter(phone="13900000003").select_related("organization").first()
    root = Organization.objects.filter(code="WY").first()
    communities = list(
        Organization.objects.filter(
            kind=Organization.Kind.COMMITTEE, unit_type=Organization.UnitType.COMMUNITY, code__startswith="WY-C"
        ).order_by("path")[:COMMUNITIES]
    )
    if root is None or not communities:
        return {"activities": 0}
    pools = {
        org.pk: list(
            Member.objects.filter(organization__path__startswith=org.path, left_on__isnull=True)
            .select_related("organization")
            .order_by("pk")[:60]
        )
        for org in communities
    }
    today_start = clock.as_of
    created = 0
    with transaction.atomic():
        # The coming ones first (the API's examples name them): one school-wide, one per community.
        start = datetime.combine(clock.today + timedelta(days=6), time(9, 0), SHANGHAI)
        services.service_create(
            root,
            title="“我为群众办实事”志愿服务日",
            kind="other",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            signup_limit=50,
            place="源课堂广场",
            description="全街道党员志愿服务日，各社区党员自愿报名。",
        )
        for i, org in enumerate(communities):
            start = datetime.combine(clock.today + timedelta(days=3 + i * 2), time(14, 30), SHANGHAI)
            kind, title = ACTIVITIES[i % len(ACTIVITIES)]
            service = services.service_create(
                org,
                title=title,
                kind=kind,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                signup_limit=12,
                place=f"{org.short_name or org.name}{PLACES[i % len(PLACES)]}",
            )
            for m in rng.sample(pools[org.pk], min(5, len(pools[org.pk]))):
                services.service_sign_up(service, m, now=today_start - timedelta(days=1))
            if demo_member and demo_member.organization.path.startswith(org.path):
                if not service.participants.filter(member=demo_member).exists():
                    services.service_sign_up(service, demo_member, now=today_start - timedelta(days=1))
        created += 1 + len(communities)
        # A year of monthly activities, in the twelve months before this one (the same records whatever
        # today's day of the month, so that the API's examples name the same ones).
        for month in range(-12, 0):
            for i, org in enumerate(communities):
                day = clock.day_in(month, 5 + i * 4)
                start = datetime.combine(day, time(14, 30) if (month + i) % 2 else time(9, 0), SHANGHAI)
                kind, title = ACTIVITIES[(month + 12 + i) % len(ACTIVITIES)]
                service = services.service_create(
                    org,
                    title=title,
                    kind=kind,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2 if i % 3 else 3),
                    signup_limit=15,
                    place=f"{org.short_name or org.name}{PLACES[(month + i) % len(PLACES)]}",
                )
                created += 1
                pool = pools[org.pk]
                chosen = rng.sample(pool, min(len(pool), rng.randint(6, 12)))
                if demo_member and demo_member.organization.path.startswith(org.path) and demo_member not in chosen and month % 2:
                    chosen[0] = demo_member
                for m in chosen:
                    services.service_sign_up(service, m, now=start - timedelta(days=3))
                came = [m.pk for m in chosen if rng.random() < 0.85]
                services.service_mark_presence(service, came, now=start + timedelta(minutes=10))
                services.hours_record(service, now=service.ends_at + timedelta(hours=1))
                if month < -1 or (month == -1 and i % 2):
                    pending = list(service.participants.filter(hours_status=ServiceParticipant.Hours.PENDING).values_list("pk", flat=True))
                    services.hours_approve(ServiceParticipant.objects.all(), pending, by=approver, now=service.ends_at + timedelta(days=2))
        # One correction asked by the demo member, on their latest approved activity.
        mine = (
            ServiceParticipant.objects.filter(member=demo_member, hours_status=ServiceParticipant.Hours.APPROVED)
            .order_by("-service__starts_at")
            .first()
        )
        if mine:
            services.hours_correction_ask(
                mine, minutes=(mine.minutes or 120) + 30, reason="活动结束后又帮忙整理物资半小时", now=today_start - timedelta(hours=2)
            )
    summary = {
        "activities": created,
        "participants": ServiceParticipant.objects.filter(status=ServiceParticipant.Status.SIGNED_UP).count(),
        "queue": ServiceParticipant.objects.filter(Q(hours_status__in=ServiceParticipant.QUEUE)).count(),
    }
    if stdout:
        stdout.write(f"  志愿服务：{summary['activities']} 项活动，{summary['participants']} 人次报名，{summary['queue']} 条时长待审核")
    return summary
