"""What a number, an id or a date from outside may be, and reading them from query parameters.

A query parameter is typed by anyone: `?year=abc`, `?page=99999999999999999999` or `?date=9999-12-31`
must never reach arithmetic or the database as they are (an overflow there is a 500). Pages read
them through the helpers below, which answer the default for anything malformed or out of range;
forms use `core.forms.IdField` / `SaneDateField`, the API `api.params`, services `check_sane_date` —
all from the limits defined here, once.

Dates: sessions, leave and plans live between 2000 and 2100. Outside that range a date is a typing
mistake or an attack, and before 1901 Asia/Shanghai's offset is the local mean time (+08:05:43),
which is not even a valid RFC 3339 offset.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1  # the largest key PostgreSQL's bigint and SQLite's integer hold
FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


def int_param(value, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """`value` as an integer within [minimum, maximum], or `default` (malformed, missing or out of range)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return default
    return number


def id_param(value) -> int | None:
    """A database id, or None: anything else cannot name a row."""
    if value is None or len(str(value)) > 19:  # longer than MAX_ID: no need to convert it
        return None
    return int_param(value, minimum=1, maximum=MAX_ID)


def year_param(value, default: int) -> int:
    """A year the platform can hold (2000–2100), or `default`."""
    return int_param(value, default, minimum=FIRST_YEAR, maximum=LAST_YEAR)


def date_param(value, default: date | None = None) -> date | None:
    """An ISO date (2026-03-01) between 2000 and 2100, or `default`."""
    try:
        day = date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return default
    return day if day is not None and is_sane_date(day) else default


def is_sane_date(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


def sane_date_message() -> str:
    return _("日期须在%(first)d年至%(last)d年之间") % {"first": FIRST_YEAR, "last": LAST_YEAR}


def year_message() -> str:
    return _("年度须在%(first)d年至%(last)d年之间") % {"first": FIRST_YEAR, "last": LAST_YEAR}


def check_sane_date(*values: date | datetime | None) -> None:
    """Raise ValidationError (with the Chinese message) if any given date lies outside 2000–2100."""
    if any(v is not None and not is_sane_date(v) for v in values):
        raise ValidationError(sane_date_message(), code="date_range")
