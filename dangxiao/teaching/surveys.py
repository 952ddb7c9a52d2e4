"""Needs surveys ("缺什么、补什么"): answering on a phone, results by group, topics the plan misses."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.people.models import Member, Organization, User, age_on
from dangxiao.people.selectors import AGE_BANDS, FLAGS

from .models import Cohort, Course, NeedsSurvey, SurveyResponse


class SurveyError(Exception):
    pass


def open_surveys_for(member: Member, today: date) -> QuerySet:
    """Surveys whose scope covers the member's organisation and that are open today."""
    path = member.organization.path
    step = Organization.steplen
    prefixes = [path[:i] for i in range(step, len(path) + 1, step)]
    return NeedsSurvey.objects.filter(organization__path__in=prefixes, opens_on__lte=today, closes_on__gte=today).order_by("closes_on")


@transaction.atomic
def survey_answer(
    survey: NeedsSurvey, member: Member, *, topic_ids: list[int], times: list[str], modes: list[str], suggestion: str, today: date
) -> SurveyResponse:
    """Record (or replace) a member's answer. Refused when closed, out of scope or empty."""
    if not (survey.opens_on <= today <= survey.closes_on):
        raise SurveyError(_("调研不在开放时间内"))
    if not open_surveys_for(member, today).filter(pk=survey.pk).exists():
        raise SurveyError(_("您不在本次调研范围内"))
    topics = list(survey.topics.filter(pk__in=topic_ids))
    if not topics:
        raise SurveyError(_("请至少选择一个想学的专题"))
    times = [t for t in times if t in NeedsSurvey.TIME_OPTIONS]
    modes = [m for m in modes if m in Cohort.Mode.values]
    response, _created = SurveyResponse.objects.update_or_create(
        survey=survey, member=member, defaults={"preferred_times": times, "preferred_modes": modes, "suggestion": suggestion.strip()[:500]}
    )
    response.topics.set(topics)
    return response


@dataclass
class SurveyResults:
    respondents: int
    invited: int
    topics: list[tuple[str, int]]
    times: list[tuple[str, int]]
    modes: list[tuple[str, int]]
    by_group: dict[str, list[tuple[str, dict[str, int]]]]  # dimension -> [(group label, {topic: count})]
    uncovered: list[tuple[str, int]]


def survey_results(survey: NeedsSurvey, today: date) -> SurveyResults:
    """Aggregates computed in the database: a fixed number of queries whatever the response count."""
    responses = SurveyResponse.objects.filter(survey=survey)
    through = SurveyResponse.topics.through.objects.filter(surveyresponse__survey=survey)
    topic_names = dict(survey.topics.values_list("pk", "name"))
    topic_counts = dict(through.values_list("topic_id").annotate(c=Count("id")).values_list("topic_id", "c"))
    topics = sorted(((topic_names[t], c) for t, c in topic_counts.items() if t in topic_names), key=lambda x: -x[1])
    times: dict[str, int] = {}
    modes: dict[str, int] = {}
    for t_list, m_list in responses.values_list("preferred_times", "preferred_modes"):
        for t in t_list:
            times[t] = times.get(t, 0) + 1
        for m in m_list:
            modes[m] = modes.get(m, 0) + 1
    mode_labels = dict(Cohort.Mode.choices)
    by_group: dict[str, list] = {}

    def grouped(dimension: str, key: str, labels: dict) -> None:
        table: dict = {}
        for group, topic_id, c in through.values_list(key, "topic_id").annotate(c=Count("id")).values_list(key, "topic_id", "c"):
            table.setdefault(group, {})[topic_names.get(topic_id, "")] = c
        by_group[dimension] = [
            (str(labels.get(g, g or _("未填"))), counts) for g, counts in sorted(table.items(), key=lambda kv: str(kv[0]))
        ]

    step = Organization.steplen
    children = {
        o.path: o.name for o in Organization.objects.filter(path__startswith=survey.organization.path, depth=survey.organization.depth + 1)
    }
    org_table: dict[str, dict[str, int]] = {}
    for path, topic_id, c in (
        through.values_list("surveyresponse__member__organization__path", "topic_id")
        .annotate(c=Count("id"))
        .values_list("surveyresponse__member__organization__path", "topic_id", "c")
    ):
        label = children.get(path[: len(survey.organization.path) + step], survey.organization.name)
        row = org_table.setdefault(label, {})
        row[topic_names.get(topic_id, "")] = row.get(topic_names.get(topic_id, ""), 0) + c
    by_group[_("组织")] = sorted(org_table.items())
    table: dict = {}
    for birth, topic_id in through.values_list("surveyresponse__member__birth_date", "topic_id"):
        band = _band_index(age_on(birth, today))
        row = table.setdefault(band, {})
        row[topic_names.get(topic_id, "")] = row.get(topic_names.get(topic_id, ""), 0) + 1
    by_group[_("年龄段")] = [(str(AGE_BANDS[b].label) if b >= 0 else _("未填"), counts) for b, counts in sorted(table.items())]
    grouped(_("行业"), "surveyresponse__member__industry", {})
    flag_rows = []
    for flag, label in FLAGS.items():
        counts = dict(
            through.filter(**{f"surveyresponse__member__{flag}": True})
            .values_list("topic_id")
            .annotate(c=Count("id"))
            .values_list("topic_id", "c")
        )
        flag_rows.append((str(label), {topic_names.get(t, ""): c for t, c in counts.items()}))
    by_group[_("标记")] = flag_rows
    planned = set(
        Course.objects.filter(school=survey.school, plan__year=survey.opens_on.year, topic__isnull=False).values_list(
            "topic__name", flat=True
        )
    )
    invited = Member.objects.current().filter(organization__path__startswith=survey.organization.path).count()
    return SurveyResults(
        respondents=responses.count(),
        invited=invited,
        topics=topics,
        times=sorted(times.items(), key=lambda x: -x[1]),
        modes=[(str(mode_labels.get(m, m)), c) for m, c in sorted(modes.items(), key=lambda x: -x[1])],
        by_group=by_group,
        uncovered=[(name, c) for name, c in topics if name not in planned],
    )


def _band_index(age: int | None) -> int:
    if age is None:
        return -1
    return next((i for i, b in enumerate(AGE_BANDS) if age >= b.low and (b.high is None or age <= b.high)), -1)


def surveys_managed(user: User) -> QuerySet:
    q = access.staff_q(access.scope_for(user), "organization__path")
    qs = NeedsSurvey.objects.select_related("organization").annotate(response_count=Count("responses", distinct=True))
    return qs if q is None else qs.filter(q)
