"""The printed QR poster of a compound (居民意见征求): an A4 page to put up in the compound, whose QR
code opens the compound's report page.

Rendered with WeasyPrint like the attendance documents; Chinese is drawn with Noto Sans CJK SC,
found through fontconfig. A printed document is a format, not interface text: always Chinese.
"""

import base64

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from . import selectors
from .models import Compound

DOCUMENT_LANGUAGE = "zh-hans"


def qr_data_uri(text: str) -> str:
    """The QR code as an SVG without a fixed size (omitsize), so the page's CSS sets how big it prints."""
    svg = segno.make(text, error="m").svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def poster_pdf(compound: Compound, report_url: str) -> bytes:
    from weasyprint import HTML  # heavy (Pango, fonts): loaded when a poster is first printed

    context = {
        "compound": compound,
        "url": report_url,
        "qr": qr_data_uri(report_url),
        "categories": list(
            selectors.committee_categories(selectors.compound_committee_id(compound), active=True).only("name", "description")
        ),
    }
    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string("liaison/public/poster.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
