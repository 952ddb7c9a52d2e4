"""Demo reflections (approved, returned, pending) written and reviewed through the services, then the
points of the demo's year (and the past one, which the roll reaches into) derived in bulk."""

import time as timer
from datetime import timedelta

from dangxiao.appraisal.points_derivation import points_reconcile
from dangxiao.attendance.models import Attendance
from dangxiao.people.models import Member, Role
from dangxiao.practice import reflections_services as services
from dangxiao.practice.models import Reflection

from .clock import DemoClock

TITLES = [
    (
        "学习党的创新理论的体会",
        "通过这次学习，我更加深刻理解了党的创新理论的核心要义。作为一名党员，要把学习成果转化为为群众办实事的具体行动。",
    ),
    ("送学上门有感", "和老党员一起学习，老党员讲起入党时的经历，让我很受触动。今后要多上门看望，帮老党员用好手机学习。"),
    ("网格服务中的学与做", "这次课讲到“关键小事”，我想到小区的飞线充电问题。准备和楼栋长一起摸排，推动集中充电桩建设。"),
    ("党课学习笔记", "本次党课围绕基层治理展开，结合社区实际讲了很多案例。我记下了三点：听民声、解民忧、聚民心。"),
    ("主题党日心得", "参加主题党日活动，重温入党誓词，观看教育片，开展志愿服务，一月一课一片一实践，收获很大。"),
]
RETURN_NOTE = "内容较简略，请结合本职工作谈谈下一步打算"


def _reviewer_for(paths: list[tuple[str, object]], org_path: str, fallback):
    return next((user for path, user in paths if org_path.startswith(path)), fallback)


def build_reflections(clock: DemoClock) -> dict[str, int]:
    """About one member in nine who attended a class writes a reflection about their latest one; the
    secretary over them (the principal where there is none) approves most, returns some, and the most
    recent wait. 王志强 (13900000003) has one of each, to show the phone pages."""
    Reflection.objects.all().delete()
    as_of = clock.as_of
    principal = Role.objects.filter(kind="principal").select_related("user").order_by("pk").first().user
    secretaries = sorted(((path, user) for path, user in _secretaries()), key=lambda pu: -len(pu[0]))  # the nearest secretary first
    latest = {}
    rows = (
        Attendance.objects.filter(status__in=["present", "late"], session__starts_at__lt=as_of - timedelta(days=3))
        .order_by("member__phone", "-session__starts_at")
        .values_list("member_id", "session_id", "session__ends_at", "member__phone", "member__organization__path")
    )
    for member_id, session_id, ends_at, phone, path in rows:
        latest.setdefault(member_id, (session_id, ends_at, phone, path))
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(latest))}
    counts = {"approved": 0, "returned": 0, "pending": 0}
    chosen = [(mid, v) for i, (mid, v) in enumerate(sorted(latest.items(), key=lambda kv: kv[1][2])) if i % 9 == 0 or v[2] == "13900000003"]
    for i, (member_id, (session_id, ends_at, phone, path)) in enumerate(chosen):
        title, text = TITLES[i % len(TITLES)]
        plan = (
            ["approved", "returned", "pending"]
            if phone == "13900000003"
            else [("approved", "approved", "approved", "returned", "pending")[i % 5]]
        )
        for k, status in enumerate(plan):
            submitted = min(ends_at + timedelta(hours=20 + k), as_of - timedelta(days=2, hours=k))
            if status == "pending":
                submitted = max(submitted, as_of - timedelta(days=1 + i % 5, hours=k))
            reflection = services.reflection_submit(
                members[member_id], title=title if k == 0 else f"{title}（{k + 1}）", text=text, link=f"session:{session_id}", now=submitted
            )
            reviewer = _reviewer_for(secretaries, path, principal)
            if status == "approved":
                services.reflection_approve(reflection, by=reviewer, show=i % 3 == 0, now=submitted + timedelta(days=1))
            elif status == "returned":
                services.reflection_return(reflection, by=reviewer, note=RETURN_NOTE, now=submitted + timedelta(days=1))
            counts[status] += 1
    return counts


def _secretaries():
    for role in Role.objects.filter(kind="org_admin").select_related("user", "organization"):
        yield role.organization.path, role.user


def build_points(clock: DemoClock, stdout=None) -> None:
    started = timer.monotonic()
    counts = build_reflections(clock)
    created = 0
    for year in sorted({clock.month(-11).year, clock.year}):
        created += points_reconcile(None, year, now=clock.as_of)["created"]
    if stdout is not None:
        stdout.write(
            f"  学习心得 {sum(counts.values())} 篇（通过 {counts['approved']}、退回 {counts['returned']}、待审 {counts['pending']}），"
            f"积分记录 {created} 条（{timer.monotonic() - started:.1f} 秒）"
        )
