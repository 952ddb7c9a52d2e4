"""Classes named as test_openapi's, with other contents: the document must keep both apart."""

import enum

from ninja import Schema


class Kind(enum.StrEnum):
    B = "b"
    C = "c"


class LeaveIn(Schema):
    reason: str
