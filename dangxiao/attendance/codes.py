"""Rotating check-in codes for a session's screen.

Every `step` seconds the display shows a new QR code and a typed 6-digit fallback. Both are an
HMAC of (session, time step) under the site's secret, so they cannot be forged, and they are
accepted only for the current step (and the previous one for a few seconds of grace), so a photo
of the screen sent to someone at home is useless a few seconds later.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Code:
    step: int
    token: str  # "<step>.<signature>" carried in the QR link
    digits: str  # the typed fallback
    expires_at: float


def _mac(session_id: int, step: int) -> bytes:
    key = hashlib.sha256(f"dangxiao-checkin:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{session_id}:{step}".encode(), hashlib.sha256).digest()


def current(session_id: int, now: datetime, step_seconds: int) -> Code:
    ts = now.timestamp()
    step = int(ts // step_seconds)
    mac = _mac(session_id, step)
    digits = f"{int.from_bytes(mac[:4], 'big') % 1_000_000:06d}"
    return Code(step, f"{step}.{mac[4:16].hex()}", digits, (step + 1) * step_seconds)


class CodeRejected(Exception):
    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def _acceptable_steps(now: datetime, step_seconds: int, grace_seconds: int) -> tuple[int, ...]:
    ts = now.timestamp()
    step = int(ts // step_seconds)
    into = ts - step * step_seconds
    return (step, step - 1) if into <= grace_seconds else (step,)


def verify(session_id: int, *, token: str = "", digits: str = "", now: datetime, step_seconds: int, grace_seconds: int) -> int:
    """The step the code belongs to; CodeRejected(reason) for forged, expired or malformed codes."""
    steps = _acceptable_steps(now, step_seconds, grace_seconds)
    if token:
        try:
            step_text, sig = token.split(".", 1)
            step = int(step_text)
        except ValueError:
            raise CodeRejected("forged", _("签到码无效，请扫描现场屏幕上的二维码")) from None
        expected = _mac(session_id, step)[4:16].hex()
        if not hmac.compare_digest(expected, sig):
            raise CodeRejected("forged", _("签到码无效，请扫描现场屏幕上的二维码"))
        if step not in steps:
            if step > steps[0]:
                raise CodeRejected("forged", _("签到码无效，请扫描现场屏幕上的二维码"))
            raise CodeRejected(
                "expired",
                _("二维码已过期（每%(seconds)s秒更新一次，截图或转发的二维码无效），请扫描屏幕上最新的二维码") % {"seconds": step_seconds},
            )
        return step
    digits = "".join(ch for ch in digits if ch.isdigit())
    if len(digits) != 6:
        raise CodeRejected("forged", _("请输入屏幕上显示的6位签到码"))
    for step in steps:
        mac = _mac(session_id, step)
        if hmac.compare_digest(f"{int.from_bytes(mac[:4], 'big') % 1_000_000:06d}", digits):
            return step
    # An older code is indistinguishable from a wrong one without trying past steps; try a minute back.
    base = steps[-1]
    for step in range(base - 1, base - 1 - max(1, 60 // step_seconds), -1):
        mac = _mac(session_id, step)
        if hmac.compare_digest(f"{int.from_bytes(mac[:4], 'big') % 1_000_000:06d}", digits):
            raise CodeRejected("expired", _("签到码已过期，请输入屏幕上最新的6位签到码"))
    raise CodeRejected("forged", _("签到码不正确，请核对屏幕上的6位签到码"))
