"""Printed documents: a Django template rendered to PDF with WeasyPrint, and QR codes to put in one.

Chinese is drawn with Noto Sans CJK SC, which WeasyPrint finds through fontconfig (Debian's
fonts-noto-cjk). A printed document is a format, not interface text: it is always in Chinese, whatever
language the person printing it reads.
"""

import base64

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

DOCUMENT_LANGUAGE = "zh-hans"


def render_pdf(template_name: str, context: dict) -> bytes:
    """The template rendered to PDF, in the document language."""
    from weasyprint import HTML  # heavy (Pango, fonts): loaded when a document is first printed

    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI, for an <img> in a PDF template."""
    svg = segno.make(text, error="m").svg_inline(scale=4, border=0, dark="#000", light=None)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
