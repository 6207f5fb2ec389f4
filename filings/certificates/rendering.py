"""Render a certificate: Django template → WeasyPrint (locked fetcher) → PDF/A-3b with the
assessment JSON embedded. Signing is separate (`signing.sign_pdf`).

The stylesheet and its fonts are loaded once per process and reused: a fresh FontConfiguration
per render meant Fontconfig re-reading its configuration, the three fonts being written to a
temporary folder and registered again, and Pango shaping with cold font caches (about a fifth
of the render). Both are built through the locked fetcher, like everything the render loads.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from weasyprint import CSS, HTML, Attachment  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from filings.certificates.fetcher import ASSETS, LockedFetcher
from filings.certificates.labels import ATTACHMENT_NAME

TEMPLATE = "certificates/certificate.html"
STYLESHEET = ASSETS / "certificate.css"


@dataclass(frozen=True)
class _Styles:
    """The parsed stylesheet and the font configuration its @font-face rules registered in."""

    pid: int
    version: tuple[tuple[str, int, int], ...]
    font_config: Any
    stylesheet: Any


_styles: _Styles | None = None
# Kept, never collected: a FontConfiguration deletes its font folder when collected, and one
# inherited through fork() shares that folder with the parent.
_inherited: list[_Styles] = []
# Pango's font map and WeasyPrint's caches on the FontConfiguration are not thread-safe. A
# prefork worker renders one certificate at a time, so the lock is never contended there.
_lock = threading.Lock()


def _stylesheet_version() -> tuple[tuple[str, int, int], ...]:
    """The stylesheet's and the bundled fonts' names, modification times and sizes."""
    files = [STYLESHEET, *sorted((ASSETS / "fonts").iterdir())]
    return tuple((path.name, (stat := path.stat()).st_mtime_ns, stat.st_size) for path in files)


def _current_styles() -> _Styles:
    """The process's stylesheet, built on first use (and again after a fork, or when the
    stylesheet or a font file changed). Call with `_lock` held."""
    global _styles
    version = _stylesheet_version()
    if _styles is not None and _styles.pid == os.getpid() and _styles.version == version:
        return _styles
    if _styles is not None and _styles.pid != os.getpid():
        _inherited.append(_styles)
    font_config = FontConfiguration()
    stylesheet = CSS(url=STYLESHEET.as_uri(), url_fetcher=LockedFetcher(), font_config=font_config)
    _styles = _Styles(pid=os.getpid(), version=version, font_config=font_config,
                      stylesheet=stylesheet)
    return _styles


def _list_each_attachment_once(document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher hook, run after its PDF/A step and before the file identifier is
    computed: that step lists every attachment in the catalog's /AF twice (once from the
    EmbeddedFiles name tree, once from the file specification objects); keep the first."""
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = type(pdf.catalog["AF"])(dict.fromkeys(pdf.catalog["AF"]))


def render_html(context: dict[str, Any]) -> str:
    """The certificate's HTML; Django's autoescaping keeps every user text as text."""
    return render_to_string(TEMPLATE, context)


def render_pdf(context: dict[str, Any], *, assessment_json: bytes,
               fetcher: LockedFetcher | None = None) -> bytes:
    """PDF/A-3b bytes with `assessment.json` attached (AFRelationship Data), listed once in the
    catalog's /AF and once in the EmbeddedFiles name tree. The template's <title>, <meta>
    author, description, generator and dcterms dates become both the /Info entries and the XMP
    packet (WeasyPrint writes each from the same value)."""
    fetcher = fetcher or LockedFetcher()
    document = HTML(string=render_html(context), base_url=ASSETS.as_uri() + "/",
                    url_fetcher=fetcher)
    attachment = Attachment(string=assessment_json, name=ATTACHMENT_NAME, url_fetcher=fetcher,
                            description="The portal's assessment this certificate attests (JSON)",
                            relationship="Data")
    with _lock:
        styles = _current_styles()
        pdf = document.write_pdf(stylesheets=[styles.stylesheet], attachments=[attachment],
                                 pdf_variant="pdf/a-3b", font_config=styles.font_config,
                                 uncompressed_pdf=False, presentational_hints=False,
                                 finisher=_list_each_attachment_once)
    assert isinstance(pdf, bytes)
    return pdf


def render_floor() -> bytes:
    """WeasyPrint on a one-line page: the benchmark's floor."""
    pdf = HTML(string="<p>Hello.</p>", url_fetcher=LockedFetcher()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
