"""Checking a 学时证明 by its code: open to anyone, like the public page, and as tight-lipped.

The answer is the name, the year and the hours, nothing else; a client that keeps sending
unknown codes is refused for a while (429), sharing its budget with the web page.
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from dangxiao.attendance import pdf
from dangxiao.core.audit import client_ip

router = Router(tags=["certificates"])


class CertificateOut(Schema):
    name: str
    year: int
    hours: float


class Detail(Schema):
    detail: str


@router.get(
    "/certificates/{code}",
    auth=None,
    response={200: CertificateOut, 404: Detail, 429: Detail},
    summary="Check a study-hour certificate (学时证明) by its code; no sign-in",
)
def certificate_verify(request, response: HttpResponse, code: str):
    found, refused = pdf.verify(code, client_ip(request) or "unknown")
    if refused:
        response["Retry-After"] = str(pdf.VERIFY_WINDOW_SECONDS)  # the block lasts at most one window
        return Status(429, {"detail": _("查询过于频繁，请稍后再试")})
    if found is None:
        return Status(404, {"detail": _("未找到该证明")})
    return Status(200, {"name": found.name, "year": found.year, "hours": float(found.hours)})
