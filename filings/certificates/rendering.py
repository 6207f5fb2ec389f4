"""Render a certificate: Django template → WeasyPrint (locked fetcher) → PDF/A-3b with the
assessment JSON embedded. Signing is separate (`signing.sign_pdf`)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML, Attachment  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from filings.certificates.fetcher import ASSETS, LockedFetcher

TEMPLATE = "certificates/certificate.html"
ATTACHMENT_NAME = "assessment.json"


def render_html(context: dict[str, Any]) -> str:
    """The certificate's HTML; Django's autoescaping keeps every user text as text."""
    return render_to_string(TEMPLATE, context)


def render_pdf(context: dict[str, Any], *, assessment_json: bytes,
               fetcher: LockedFetcher | None = None) -> bytes:
    """PDF/A-3b bytes with `assessment.json` attached (AFRelationship Data)."""
    fetcher = fetcher or LockedFetcher()
    document = HTML(string=render_html(context), base_url=ASSETS.as_uri() + "/",
                    url_fetcher=fetcher)
    attachment = Attachment(string=assessment_json, name=ATTACHMENT_NAME, url_fetcher=fetcher,
                            description="The portal's assessment this certificate attests (JSON)",
                            relationship="Data")
    pdf = document.write_pdf(attachments=[attachment], pdf_variant="pdf/a-3b",
                             font_config=FontConfiguration(), uncompressed_pdf=False,
                             presentational_hints=False)
    assert isinstance(pdf, bytes)
    return pdf


def render_floor() -> bytes:
    """WeasyPrint on a one-line page: the benchmark's floor."""
    pdf = HTML(string="<p>Hello.</p>", url_fetcher=LockedFetcher()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
