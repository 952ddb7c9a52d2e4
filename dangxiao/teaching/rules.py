"""A cohort's target group, written as a rule on member attributes and turned into one query.

Stored as JSON on the cohort, for example {"flags": ["is_organ_worker"]} for organ members,
{"positions": ["secretary", "party_affairs_worker"]} for the 领头雁 class, {"flags":
["is_elderly_infirm"]} for home delivery, {"flags": ["is_mobile"]} for the online class.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.people.models import Member
from dangxiao.people.selectors import AGE_BAND_BY_KEY, FLAGS, age_band_q

POSITION_LABELS = {k: v for k, v in Member.Position.choices if k}
STATUS_LABELS = dict(Member.Status.choices)


@dataclass(frozen=True)
class TargetRule:
    flags: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    organization_paths: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, data: dict | None) -> "TargetRule":
        data = data or {}

        def pick(key: str, allowed=None) -> tuple[str, ...]:
            values = data.get(key) or ()
            if isinstance(values, str):
                values = (values,)
            return tuple(v for v in values if allowed is None or v in allowed)

        return cls(
            flags=pick("flags", FLAGS),
            positions=pick("positions", POSITION_LABELS),
            statuses=pick("statuses", STATUS_LABELS),
            age_bands=pick("age_bands", AGE_BAND_BY_KEY),
            industries=pick("industries"),
            organization_paths=pick("organization_paths"),
        )

    def to_json(self) -> dict:
        return {k: list(v) for k, v in self.__dict__.items() if v}

    def q(self, today: date | None = None) -> Q:
        """Members matching every part of the rule; an empty rule matches everyone."""
        today = today or timezone.localdate()
        q = Q()
        for flag in self.flags:
            q &= Q(**{flag: True})
        if self.positions:
            q &= Q(position__in=self.positions)
        if self.statuses:
            q &= Q(status__in=self.statuses)
        if self.industries:
            q &= Q(industry__in=self.industries)
        if self.age_bands:
            band_q = Q(pk__in=[])
            for key in self.age_bands:
                band_q |= age_band_q(AGE_BAND_BY_KEY[key], today)
            q &= band_q
        if self.organization_paths:
            org_q = Q(pk__in=[])
            for path in self.organization_paths:
                org_q |= Q(organization__path__startswith=path)
            q &= org_q
        return q

    def describe(self) -> str:
        parts = [str(FLAGS[f]) for f in self.flags]
        if self.positions:
            parts.append(_("、").join(str(POSITION_LABELS[p]) for p in self.positions))
        if self.statuses:
            parts.append(_("、").join(str(STATUS_LABELS[s]) for s in self.statuses))
        if self.age_bands:
            parts.append(_("、").join(str(AGE_BAND_BY_KEY[a].label) for a in self.age_bands))
        if self.industries:
            parts.append(_("行业：%(industries)s") % {"industries": _("、").join(self.industries)})
        return _("；").join(parts) or _("主办组织全体党员")
