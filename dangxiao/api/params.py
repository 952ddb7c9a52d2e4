"""Types for the API's query parameters and bodies, bounded by `core.params`: an id, a page number or a
date outside them is a 422 naming the field, never an overflow in the database (a 500)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from dangxiao.core.params import MAX_ID, is_sane_date, sane_date_message

MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000  # with at most 500 a page, far past any list we hold, and far from an overflow

# A row's id (1 … 2⁶³−1).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A page number of a paginated list.
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description=f"页码，从 1 起（至多 {MAX_PAGE}）；超出末页时 items 为空")]
# A page size: any number that fits is accepted and clamped to 1…500 by `paginate`, as it always was — a
# client asking for 1000 gets 500 and reads the size used in the answer's `page_size`, rather than a 422
# that would break the clients written against it. The document says so; the schema keeps the wide bounds.
PageSize = Annotated[
    int,
    Field(
        ge=-MAX_ID,
        le=MAX_ID,
        description=f"每页条数，实际取 1–{MAX_PAGE_SIZE}：小于 1 按 1、大于 {MAX_PAGE_SIZE} 按 {MAX_PAGE_SIZE} 处理；"
        "所用的值见回答中的 page_size",
        json_schema_extra={"x-effective-minimum": 1, "x-effective-maximum": MAX_PAGE_SIZE},
    ),
]


def _sane(value: date | datetime) -> date | datetime:
    if not is_sane_date(value):
        raise ValueError(sane_date_message())
    return value


# A date, and a date and time, between 2000 and 2100.
SaneDate = Annotated[date, AfterValidator(_sane)]
SaneDateTime = Annotated[datetime, AfterValidator(_sane)]
