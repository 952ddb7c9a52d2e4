"""Rotating check-in codes for a volunteer activity's screen, on the idea of attendance.codes.

A new code every STEP seconds: an HMAC of (activity, step) under the site's secret, in a namespace of its
own (an activity's id never stands for a session's). The code of the current step is accepted, and the
previous one for GRACE seconds, so a photo of the screen sent home is useless half a minute later.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

STEP = 30
GRACE = 5


@dataclass(frozen=True)
class Code:
    step: int
    token: str  # "<step>.<signature>", carried in the QR link


def _sig(service_id: int, step: int) -> str:
    key = hashlib.sha256(f"dangxiao-volunteer-service:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{service_id}:{step}".encode(), hashlib.sha256).hexdigest()[:24]


def current(service_id: int, now: datetime) -> Code:
    step = int(now.timestamp() // STEP)
    return Code(step, f"{step}.{_sig(service_id, step)}")


def is_valid(service_id: int, token: str, now: datetime) -> bool:
    """Whether `token` is this activity's code of now (or of the step before, within the grace)."""
    try:
        step_text, sig = str(token).split(".", 1)
        step = int(step_text)
    except ValueError:
        return False
    ts = now.timestamp()
    steps = {int(ts // STEP)}
    if ts - int(ts // STEP) * STEP <= GRACE:
        steps.add(int(ts // STEP) - 1)
    return step in steps and hmac.compare_digest(_sig(service_id, step), sig)
