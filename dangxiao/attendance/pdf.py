"""Printed documents of attendance: the sign-in sheet (签到表) and the 学时证明, and checking a 学时证明.

Both PDFs are rendered with WeasyPrint from Django templates (core.pdf, with Noto Sans CJK SC). Like
the roster file, a printed document is a format, not interface text: it is always in Chinese, whatever
language the person printing it reads.

A certificate's code is 10 characters from a 32-character alphabet (services.certificate_issue),
so guessing one is hopeless; the public check still counts misses per address and refuses a
client that keeps missing, and shows nothing but the name, the year and the hours.
"""

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from dangxiao.core.pdf import qr_data_uri, render_pdf
from dangxiao.people.models import Member, User
from dangxiao.school.selectors import school_for_organization
from dangxiao.teaching.models import Enrollment, Session

from . import services
from .models import StudyHourCertificate, StudyHourEntry

WEEKDAYS = "一二三四五六日"
CODE_ALPHABET = set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
CODE_LENGTH = 10
VERIFY_MISSES_ALLOWED = 20
VERIFY_WINDOW_SECONDS = 600


def _when(session: Session) -> str:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    day = f"{start:%Y}年{start.month}月{start.day}日（星期{WEEKDAYS[start.weekday()]}）"
    return f"{day} {start:%H:%M}—{end:%H:%M}"


# --- The sign-in sheet -------------------------------------------------------------------------


def sign_in_sheet_members(session: Session) -> list[Member]:
    """Everyone enrolled in the session's cohort, by organisation then name (as they sit in a branch)."""
    enrolled = Enrollment.objects.filter(cohort_id=session.cohort_id, status=Enrollment.Status.ENROLLED).values("member_id")
    return list(Member.objects.filter(pk__in=enrolled).select_related("organization").order_by("organization__path", "name", "pk"))


def sign_in_sheet_pdf(session: Session) -> bytes:
    """签到表: the session's particulars and one row per enrolled member with an empty signature cell."""
    members = sign_in_sheet_members(session)
    context = {
        "session": session,
        "school": session.cohort.school,
        "when": _when(session),
        "rows": [{"number": i, "member": m} for i, m in enumerate(members, start=1)],
        "printed_on": timezone.localdate(),
    }
    return render_pdf("attendance/documents/sign_in_sheet.html", context)


# --- 学时证明 -------------------------------------------------------------------------------------


def _tenths(value) -> Decimal:
    """Sums come back from SQLite without their scale (2 rather than 2.0)."""
    return Decimal(value or 0).quantize(Decimal("0.1"))


def year_hours(member: Member, year: int) -> Decimal:
    return _tenths(StudyHourEntry.objects.filter(member=member, date__year=year).aggregate(h=Sum("hours"))["h"])


@transaction.atomic
def certificate_for(member: Member, year: int, *, by: User | None = None) -> StudyHourCertificate:
    """The certificate to print: one issued today for the same hours is reused, else a new one is issued.

    Reusing keeps a member who downloads the PDF ten times from filling the table with codes,
    while a change in hours always gets a fresh code (the old one still verifies its own figure).
    """
    hours = year_hours(member, year)
    today = timezone.localdate()
    for certificate in StudyHourCertificate.objects.filter(member=member, year=year, hours=hours).order_by("-issued_at"):
        if timezone.localtime(certificate.issued_at).date() == today:
            return certificate
    return services.certificate_issue(member, year, by=by)


def certificate_breakdown(member: Member, year: int) -> list[dict]:
    """Hours by source for the year, in the ledger's order of sources."""
    labels = dict(StudyHourEntry.Source.choices)
    totals = dict(
        StudyHourEntry.objects.filter(member=member, date__year=year).values("source").annotate(h=Sum("hours")).values_list("source", "h")
    )
    # Lazy labels: they are resolved when the certificate is rendered, in Chinese.
    return [{"label": labels[s], "hours": _tenths(totals[s])} for s in labels if totals.get(s)]


def certificate_pdf(certificate: StudyHourCertificate, verify_url: str) -> bytes:
    member = certificate.member
    context = {
        "certificate": certificate,
        "member": member,
        "school": school_for_organization(member.organization),
        "breakdown": certificate_breakdown(member, certificate.year),
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "issued_on": timezone.localtime(certificate.issued_at).date(),
    }
    return render_pdf("attendance/documents/certificate.html", context)


# --- Checking a 学时证明 (public) --------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCertificate:
    """All that anyone holding a code may learn."""

    name: str
    year: int
    hours: Decimal


def normalize_code(text: str) -> str:
    """What people type: full-width letters, spaces and dashes, lower case."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def certificate_lookup(code: str) -> PublicCertificate | None:
    code = normalize_code(code)
    if len(code) != CODE_LENGTH or not set(code) <= CODE_ALPHABET:
        return None
    found = StudyHourCertificate.objects.filter(code=code).select_related("member").only("year", "hours", "member__name").first()
    if found is None:
        return None
    return PublicCertificate(found.member.name, found.year, _tenths(found.hours))


def _misses_key(ident: str) -> str:
    return f"dangxiao:verify-misses:{ident}"


def verification_blocked(ident: str) -> bool:
    return (cache.get(_misses_key(ident)) or 0) >= VERIFY_MISSES_ALLOWED


def verification_missed(ident: str) -> None:
    key = _misses_key(ident)
    if not cache.add(key, 1, VERIFY_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, VERIFY_WINDOW_SECONDS)


def verify(code: str, ident: str) -> tuple[PublicCertificate | None, bool]:
    """(certificate or None, refused): a client past its misses is refused without a lookup."""
    if verification_blocked(ident):
        return None, True
    found = certificate_lookup(code)
    if found is None:
        verification_missed(ident)
    return found, False
