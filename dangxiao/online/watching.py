"""Interval arithmetic for watched video: what a heartbeat may add, and how much has been covered.

Pure functions (no database), so the rules that decide study credit are easy to read and test.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

# A heartbeat may claim the wall-clock time since playing was last accounted for, plus this much
# (requests arrive a little early or late), ...
SLACK_SECONDS = 5
# ... but idle time banks at most this much, so a lesson opened yesterday cannot be "watched" in
# one request today: faking progress always costs about as much time as watching.
MAX_GAP_SECONDS = 300
COMPLETE_FRACTION = 0.9

Interval = list[float]


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals; touching ones are joined."""
    merged: list[Interval] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals if b > a):
        if merged and start <= merged[-1][1] + 0.01:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(a, 2), round(b, 2)] for a, b in merged]


def covered(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Accepted:
    start: float
    end: float
    accounted_until: datetime

    @property
    def seconds(self) -> float:
        return self.end - self.start


def accept_range(start: float, end: float, *, duration: int, accounted_until: datetime | None, now: datetime) -> Accepted:
    """The part of a played range [start, end] that could really have been watched by `now`.

    The range is clamped to the video; its length may not exceed the wall-clock time not yet
    accounted for (capped at MAX_GAP_SECONDS) plus SLACK_SECONDS, and is cut short from the end
    otherwise. A jump ahead therefore counts only the seconds that actually passed.
    """
    start, end = clamp(start, 0, duration), clamp(end, 0, duration)
    floor = now - timedelta(seconds=MAX_GAP_SECONDS)
    since = max(accounted_until or now, floor)
    budget = max(0.0, (now - since).total_seconds() + SLACK_SECONDS)
    length = min(max(0.0, end - start), budget)
    return Accepted(start, start + length, since + timedelta(seconds=length))


def is_watched(intervals: list[Interval], duration: int) -> bool:
    return duration > 0 and covered(intervals) >= COMPLETE_FRACTION * duration - 1e-6
