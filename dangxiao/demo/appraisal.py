"""The demo's 民主评议: decided appraisals for a few branches (tallies from real ballots, proposals
within the 1/3 cap, the 党员大会's decision, one 不合格 with its follow-up) and one ballot still open in
the demo secretary's branch (青山祠社区第一党支部), where the demo member has not voted yet. Written
only through the appraisal services, from a fixed seed, dated around the demo's today."""

import random
from datetime import timedelta

from dangxiao.appraisal import appraisal_services as S
from dangxiao.appraisal.appraisal_selectors import ballot_ratees
from dangxiao.appraisal.models import Grade, Participant, Tally
from dangxiao.demo.clock import DemoClock
from dangxiao.people.models import Member, Organization

DECIDED = ("WY-C1-2", "WY-C2-1", "WY-J-1", "WY-E1")
OPEN = "WY-C1-1"
DEMO_MEMBER_PHONE = "13900000003"  # votes in the demo, by hand
WEIGHTS = ((Grade.EXCELLENT, 30), (Grade.COMPETENT, 62), (Grade.BASIC, 6), (Grade.INCOMPETENT, 2))


def appraisal_year(clock: DemoClock) -> int:
    """民主评议 is held at the year's end or early the next: before November, last year's."""
    return clock.year if clock.today.month >= 11 else clock.year - 1


def _vote(appraisal, rng: random.Random, skip_phone: str | None = None, share: float = 0.9) -> None:
    voters = list(Participant.objects.filter(appraisal=appraisal).select_related("member").order_by("member__name", "member_id"))
    grades, weights = zip(*WEIGHTS, strict=True)
    for p in voters:
        if p.member.phone == skip_phone or rng.random() > share:
            continue
        marks = {m.pk: rng.choices(grades, weights)[0] for m in ballot_ratees(appraisal, p.member_id)}
        S.ballot_cast(appraisal, p.member, marks)


def build_appraisal(clock: DemoClock, stdout=None) -> None:
    rng = random.Random(20261207)
    year = appraisal_year(clock)
    opened_on = clock.today - timedelta(days=20)
    orgs = {o.code: o for o in Organization.objects.filter(code__in=(*DECIDED, OPEN))}
    for n, code in enumerate(DECIDED):
        appraisal = S.appraisal_open(orgs[code], year, today=opened_on)
        for m in Member.objects.filter(organization=orgs[code]).order_by("pk")[:3]:
            S.self_assessment_save(appraisal, m, "本年度按时参加组织生活，完成学时要求，参与社区志愿服务，今后继续加强理论学习。")
        _vote(appraisal, rng)
        S.appraisal_close(appraisal, today=opened_on + timedelta(days=7))
        tallies = sorted(
            Tally.objects.filter(appraisal=appraisal, source=Tally.Source.PEER), key=lambda t: (-t.excellent, t.incompetent, t.member_id)
        )
        cap = S.excellent_cap(len(tallies))
        grades = {t.member_id: Grade.EXCELLENT if i < max(1, cap // 2) else Grade.COMPETENT for i, t in enumerate(tallies)}
        if n == 0:  # one 不合格, so the follow-up list has something to show
            grades[tallies[-1].member_id] = Grade.INCOMPETENT
        elif n == 1:
            grades[tallies[-1].member_id] = Grade.BASIC
        S.ratings_propose(appraisal, grades)
        S.appraisal_decide(
            appraisal, decided_on=opened_on + timedelta(days=12), notes="支部党员大会表决通过支委会提出的评定意见。", today=clock.today
        )
    appraisal = S.appraisal_open(orgs[OPEN], year, today=clock.today - timedelta(days=3))
    _vote(appraisal, rng, skip_phone=DEMO_MEMBER_PHONE, share=0.5)
    if stdout is not None:
        stdout.write(f"  民主评议：{len(DECIDED)} 个党支部已评定，1 个投票中")


def wipe_appraisals() -> None:
    """Appraisals and commendations protect the members and organisations the people demo deletes."""
    from dangxiao.appraisal.models import Appraisal, Commendation, CommendationRule

    Commendation.objects.all().delete()
    CommendationRule.objects.all().delete()
    Appraisal.objects.all().delete()
