"""What a staff member owes now (a themed day due, leave to decide, hours to approve …), as each domain
reports it; the home pages list them with a link to the queue that settles them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Duty:
    """One thing a staff member owes now, shown on their home page: '3 份心得待审核' → the queue."""

    label: str
    count: int
    url: str
    level: str = "due"  # "due" or "overdue"
