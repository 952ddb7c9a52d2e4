"""民主评议 reads: lists in scope, the quorum, the member's ballot page, and — once the ballot is closed —
the tallies beside each member's year. Nothing here reads who voted how: that is not stored."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from dangxiao.core import access
from dangxiao.people.models import Member, User

from .models import Appraisal, Grade, Participant, Rating, SelfAssessment, Tally, VoteCast
from .record_selectors import YearRecord, member_year_record


def appraisal_list(user: User, *, year: int | None = None) -> QuerySet:
    """The appraisals in the user's staff scope with their quorum (voted / eligible) annotated."""
    qs = access.filter_appraisals(user).select_related("organization")
    if year:
        qs = qs.filter(year=year)
    return qs.annotate(eligible=Count("participants", distinct=True), voted=Count("votes_cast", distinct=True)).order_by(
        "-year", "organization__path"
    )


def quorum(appraisal: Appraisal) -> tuple[int, int]:
    """(voted, eligible)."""
    return VoteCast.objects.filter(appraisal=appraisal).count(), Participant.objects.filter(appraisal=appraisal).count()


def member_appraisals(member_id: int | None, *, appraisal_id: int | None = None) -> list[dict]:
    """The member's appraisals, newest first: whether they voted and wrote their 自评, and — only after
    the 党员大会's decision — their own grade (3 queries)."""
    if member_id is None:
        return []
    participations = Participant.objects.filter(member_id=member_id)
    if appraisal_id is not None:
        participations = participations.filter(appraisal_id=appraisal_id)
    mine = list(participations.select_related("appraisal__organization").order_by("-appraisal__year", "-appraisal_id")[:10])
    ids = [p.appraisal_id for p in mine]
    voted = set(VoteCast.objects.filter(appraisal_id__in=ids, voter_id=member_id).values_list("appraisal_id", flat=True))
    wrote = set(SelfAssessment.objects.filter(appraisal_id__in=ids, member_id=member_id).values_list("appraisal_id", flat=True))
    grades = dict(
        Rating.objects.filter(appraisal_id__in=ids, member_id=member_id, appraisal__status=Appraisal.Status.DECIDED).values_list(
            "appraisal_id", "grade"
        )
    )
    labels = dict(Grade.choices)
    return [
        {
            "appraisal": p.appraisal,
            "is_rated": p.is_rated,
            "voted": p.appraisal_id in voted,
            "self_assessed": p.appraisal_id in wrote,
            "grade": grades.get(p.appraisal_id, ""),
            "grade_label": labels.get(grades.get(p.appraisal_id, ""), ""),
        }
        for p in mine
    ]


def ballot_ratees(appraisal: Appraisal, voter_id: int | None) -> list[Member]:
    """Whom a voter rates: every rated participant but themselves (a non-member: all of them)."""
    return [
        p.member
        for p in Participant.objects.filter(appraisal=appraisal, is_rated=True)
        .exclude(member_id=voter_id)
        .select_related("member")
        .order_by("member__name", "member_id")
    ]


def has_voted(appraisal: Appraisal, member_id: int | None) -> bool:
    return member_id is not None and VoteCast.objects.filter(appraisal=appraisal, voter_id=member_id).exists()


@dataclass
class Row:
    """One participant on the committee's page: tallies, their year, the 自评 and the proposed/final grade."""

    participant: Participant
    peer: Tally | None
    public: Tally | None
    record: YearRecord
    self_assessment: str
    rating: Rating | None

    @property
    def member(self) -> Member:
        return self.participant.member


def tallies_visible(appraisal: Appraisal) -> bool:
    return appraisal.status != Appraisal.Status.OPEN


def appraisal_rows(appraisal: Appraisal, user: User, *, today: date | None = None) -> list[Row]:
    """Every participant with — only once the ballot is closed — their tallies (fixed query count)."""
    participants = list(
        Participant.objects.filter(appraisal=appraisal).select_related("member").order_by("-is_rated", "member__name", "member_id")
    )
    ids = [p.member_id for p in participants]
    tallies: dict[tuple[int, str], Tally] = {}
    if tallies_visible(appraisal):
        tallies = {(t.member_id, t.source): t for t in Tally.objects.filter(appraisal=appraisal)}
    texts = dict(SelfAssessment.objects.filter(appraisal=appraisal).values_list("member_id", "text"))
    ratings = {r.member_id: r for r in Rating.objects.filter(appraisal=appraisal)}
    records = member_year_record(ids, appraisal.year, user=user, today=today)
    return [
        Row(
            participant=p,
            peer=tallies.get((p.member_id, Tally.Source.PEER)),
            public=tallies.get((p.member_id, Tally.Source.PUBLIC)),
            record=records[p.member_id],
            self_assessment=texts.get(p.member_id, ""),
            rating=ratings.get(p.member_id),
        )
        for p in participants
    ]


def tally_table(appraisal: Appraisal) -> list[dict] | None:
    """The tallies per rated member, for the API; None while the ballot is open."""
    if not tallies_visible(appraisal):
        return None
    return [
        {
            "member_id": t.member_id,
            "member_name": t.member.name,
            "source": t.source,
            "excellent": t.excellent,
            "competent": t.competent,
            "basic": t.basic,
            "incompetent": t.incompetent,
        }
        for t in Tally.objects.filter(appraisal=appraisal).select_related("member").order_by("member__name", "member_id", "source")
    ]


def follow_up_list(user: User, *, pending_only: bool = False) -> QuerySet:
    qs = access.filter_follow_ups(user).select_related("rating__member", "rating__appraisal__organization")
    if pending_only:
        qs = qs.filter(outcome="")
    return qs.order_by("outcome", "deadline", "pk")


def follow_up_counts(user: User, today: date) -> dict[str, int]:
    return access.filter_follow_ups(user).aggregate(
        pending=Count("pk", filter=Q(outcome="")), overdue=Count("pk", filter=Q(outcome="", deadline__lt=today))
    )
