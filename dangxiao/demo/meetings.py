"""The demo's 主题党日 and 三会一课: every branch's monthly themed days recorded from the sessions the teaching
builder booked for them (lesson, film and practice from the session's title, attendance from its roll), and
a year of 支委会, 党小组会, 党员大会, 党课 (from the branch's quarterly lesson sessions, with their lecturer)
and a 组织生活会 — with a few gaps, so that the compliance grid shows what is missing and overdue.

Written through the practice services (their bulk forms), deterministic for a given today.
"""

import random
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dangxiao.demo.clock import DemoClock
from dangxiao.demo.people import SEED
from dangxiao.people.models import Member, Organization
from dangxiao.practice.meetings_services import MeetingInput, ThemedDayInput, meetings_record_many, themed_days_record_many
from dangxiao.practice.models import MeetingAttendance, MeetingRule, OrganizationalMeeting, ThemedPartyDay
from dangxiao.teaching.models import Session

LEADERS = {"secretary", "deputy_secretary", "committee_member"}
LESSON_TOPICS = (
    "学习贯彻党的创新理论",
    "牢记初心使命，争做合格党员",
    "基层治理中的党员作用",
    "从“关键小事”看为民服务",
    "党员教育管理工作条例解读",
    "弘扬老一辈共产党人的优良作风",
)
COMMITTEE_TOPICS = ("研究本月主题党日安排", "讨论发展党员工作", "研究党费收缴和使用", "部署志愿服务活动", "研究困难党员帮扶")
GROUP_TOPICS = ("学习交流", "谈心谈话", "分工联系群众", "讨论关键小事办理")
GENERAL_TOPICS = ("通报支部工作，讨论季度计划", "接收预备党员", "学习传达上级会议精神", "评议支部工作")


def wipe_meetings() -> None:
    """Meetings protect their branches, so they go before the people demo is rebuilt."""
    MeetingAttendance.objects.all().delete()
    OrganizationalMeeting.objects.all().delete()
    ThemedPartyDay.objects.all().delete()
    MeetingRule.objects.all().delete()


def _branch_of(path: str, branches: dict[str, Organization]) -> Organization | None:
    step = Organization.steplen
    for i in range(len(path), 0, -step):
        if path[:i] in branches:
            return branches[path[:i]]
    return None


def _parse(title: str) -> tuple[str, str, str]:
    """'11月主题党日｜一课：…｜一片：…｜一实践：…' → (lesson, film, practice)."""
    parts = dict(p.split("：", 1) for p in title.split("｜")[1:] if "：" in p)
    return parts.get("一课", ""), parts.get("一片", ""), parts.get("一实践", "")


def _mark(rng: random.Random) -> str:
    draw = rng.random()
    return "present" if draw < 0.86 else "leave" if draw < 0.96 else "absent"


@transaction.atomic
def build_meetings(clock: DemoClock, stdout=None) -> None:
    rng = random.Random(SEED + 12)
    today = clock.today
    branches = {o.path: o for o in Organization.objects.filter(kind=Organization.Kind.BRANCH, dissolved_on__isnull=True).order_by("path")}
    members = defaultdict(list)  # branch id → [(member id, position, name)]
    for m in (
        Member.objects.current()
        .select_related("organization")
        .order_by("pk")
        .only("pk", "name", "position", "left_on", "organization__path")
    ):
        branch = _branch_of(m.organization.path, branches)
        if branch is not None:
            members[branch.pk].append(m)
    sessions = defaultdict(list)
    party_days = (
        Session.objects.filter(
            cohort__organization__in=list(branches.values()), cohort__name__endswith="主题党日", starts_at__lt=clock.as_of
        )
        .exclude(status=Session.Status.CANCELLED)
        .select_related("cohort", "venue", "teacher__member__organization")
        .order_by("starts_at")
    )
    for s in party_days:
        sessions[s.cohort.organization_id].append(s)

    days, meetings = [], []
    first_month = clock.month(-11)
    for i, org in enumerate(branches.values()):
        ours = members[org.pk]
        chair = next((m for m in ours if m.position == "secretary"), None)
        secretary = chair.name if chair else ""
        place = ""
        # Gaps: a branch in seven misses a themed day, one in five a 支委会, one in four a 党小组会, one in nine a quarter's 党员大会.
        skip = {
            "themed_day": {rng.randint(-10, -1)} if i % 7 == 3 else set(),
            "committee": {rng.randint(-10, -1)} if i % 5 == 1 else set(),
            "group": {rng.randint(-10, -1), rng.randint(-10, -1)} if i % 4 == 2 else set(),
            "general": {5} if i % 9 == 4 else set(),  # calendar month: the second quarter's meeting
        }
        for s in sessions[org.pk]:
            local = timezone.localtime(s.starts_at).date()
            place = s.venue.name if s.venue_id else place
            offset = clock.months_from(local)
            if "主题党日" in s.title and "｜" in s.title:
                if offset in skip["themed_day"]:
                    continue
                lesson, film, practice = _parse(s.title)
                days.append((org, ThemedDayInput(held_on=local, session=s, lesson=lesson, film=film, practice=practice)))
            elif s.title.endswith("支部党课"):
                teacher = s.teacher
                member = teacher.member if teacher is not None and teacher.member_id else None
                if member is not None and _branch_of(member.organization.path, branches) is not org:
                    member = None
                if member is None and teacher is None:
                    member = chair  # 党课我主讲: the secretary lectures in their own branch
                data = MeetingInput(
                    "lesson",
                    local,
                    place=place,
                    host=secretary,
                    topic=rng.choice(LESSON_TOPICS),
                    lecturer_member=member,
                    lecturer_teacher=teacher if member is None else None,
                    minutes="党课内容记录见讲稿。",
                )
                meetings.append((org, data, {m.pk: _mark(rng) for m in ours}))
        usual = 3 + i % 20
        for offset in range(-11, 1):
            first = clock.month(offset)
            day = first + timedelta(days=usual)
            if day >= today or first < first_month:
                continue
            leaders = {m.pk: "present" for m in ours if m.position in LEADERS}
            if offset not in skip["committee"]:
                topic = COMMITTEE_TOPICS[(first.month + i) % len(COMMITTEE_TOPICS)]
                meetings.append(
                    (
                        org,
                        MeetingInput("committee", day, place=place, host=secretary, topic=topic, decisions=f"{topic}：按计划落实。"),
                        leaders,
                    )
                )
            if offset not in skip["group"]:
                topic = GROUP_TOPICS[(first.month + i) % len(GROUP_TOPICS)]
                meetings.append((org, MeetingInput("group", day + timedelta(days=2), place=place, topic=topic), {}))
            if first.month in (2, 5, 8, 11) and first.month not in skip["general"]:
                topic = GENERAL_TOPICS[first.month // 3 % len(GENERAL_TOPICS)]
                data = MeetingInput(
                    "general", day + timedelta(days=4), place=place, host=secretary, topic=topic, decisions="会议通过了支部本季度工作安排。"
                )
                meetings.append((org, data, {m.pk: _mark(rng) for m in ours}))
            if first.month == 1 and i % 11 != 6:  # the 组织生活会 of January; a few branches have not held theirs
                data = MeetingInput(
                    "life",
                    day + timedelta(days=6),
                    place=place,
                    host=secretary,
                    topic="对照检查，开展批评和自我批评",
                    decisions="形成整改清单。",
                )
                meetings.append((org, data, {m.pk: _mark(rng) for m in ours}))
    n_days = themed_days_record_many([d for d in days if d[1].held_on <= today], today=today)
    n_meetings = meetings_record_many([m for m in meetings if m[1].held_on <= today], today=today)
    if stdout:
        stdout.write(f"  主题党日 {n_days} 次，三会一课与组织生活会 {n_meetings} 次")
