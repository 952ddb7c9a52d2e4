"""The demo's today: every date the demo writes is worked out from it, so the demo lives in the present.

`seed_demo` builds the school around the day it runs (or `--today`): a year of classes before it, the
current month in progress, classes in the weeks after, and the plan of the current year. The fixed
tables (partners' agreements, teachers' terms) were written for `REFERENCE`, and move with today by
the same number of days, so that on every today the same agreement has just expired and the same
teacher's term is about to end. Nothing here reads the wall clock.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFERENCE = date(2026, 11, 27)  # the today the fixed tables were written for


@dataclass(frozen=True)
class DemoClock:
    today: date

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def as_of(self) -> datetime:
        """Midnight at the start of today, Beijing time: what started before it has happened."""
        return datetime.combine(self.today, time(0), SHANGHAI)

    def shift(self, day: date | str) -> date:
        """A date of the fixed tables (written for REFERENCE), moved to today's demo."""
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return day + (self.today - REFERENCE)

    def month(self, offset: int) -> date:
        """The first day of the month `offset` months from today's (0: this month, -1: the last)."""
        year, month = divmod(self.today.year * 12 + self.today.month - 1 + offset, 12)
        return date(year, month + 1, 1)

    def month_end(self, offset: int) -> date:
        first = self.month(offset)
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])

    def day_in(self, offset: int, day: int) -> date:
        """That day of the month `offset` months away (the month's last day if it is shorter)."""
        return self.month(offset).replace(day=min(day, self.month_end(offset).day))

    def months_from(self, day: date) -> int:
        """How many months `day` is from today's month (the inverse of `month`)."""
        return (day.year - self.today.year) * 12 + day.month - self.today.month

    def years(self, first: int, last: int) -> str:
        """A cohort's year label, e.g. "2026年" or "2025—2026年" for months first..last from today."""
        a, b = self.month(first).year, self.month(last).year
        return f"{a}年" if a == b else f"{a}—{b}年"


def span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


# 春节 (the holiday week from the eve) by year, as the State Council published or the lunar calendar gives.
SPRING_FESTIVAL = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 28),
    2026: date(2026, 2, 15),
    2027: date(2027, 2, 5),
    2028: date(2028, 1, 25),
    2029: date(2029, 2, 12),
    2030: date(2030, 2, 2),
}


def holidays(year: int) -> set[date]:
    """Public holidays on which the demo plans nothing: 元旦, 春节 (where known), 清明, 劳动节 and 国庆."""
    days = span(date(year, 1, 1), date(year, 1, 3)) | span(date(year, 4, 4), date(year, 4, 6))
    days |= span(date(year, 5, 1), date(year, 5, 5)) | span(date(year, 10, 1), date(year, 10, 7))
    if year in SPRING_FESTIVAL:
        eve = SPRING_FESTIVAL[year]
        days |= span(eve, eve + timedelta(days=8))
    return days
