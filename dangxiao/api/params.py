"""Types for the API's query parameters and bodies, bounded by `core.params`: an id, a page number or a
date outside them is a 422 naming the field, never an overflow in the database (a 500)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from dangxiao.core.params import MAX_ID, is_sane_date, sane_date_message

MAX_PAGE = 1_000_000  # with at most 500 a page, far past any list we hold, and far from an overflow

# A row's id (1 … 2⁶³−1).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A page number of a paginated list.
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
# A page size: any number is accepted and clamped to 1…500 by `paginate`, but it must be a number that fits.
PageSize = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]


def _sane(value: date | datetime) -> date | datetime:
    if not is_sane_date(value):
        raise ValueError(sane_date_message())
    return value


# A date, and a date and time, between 2000 and 2100.
SaneDate = Annotated[date, AfterValidator(_sane)]
SaneDateTime = Annotated[datetime, AfterValidator(_sane)]
