"""TRUST 14 and 15: user text on a certificate stays text, and the renderer fetches nothing but its
own bundled assets, whatever the text says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from weasyprint import HTML  # type: ignore[import-untyped]

from filings.certificates.content import assessment_json, certificate_context
from filings.certificates.fetcher import ASSETS, DATA_URL_MAX_BYTES, LockedFetcher, RefusedURL
from filings.certificates.rendering import render_html, render_pdf
from filings.models import Assessment, EvidenceFile
from filings.rules import assess_period, load_rulebook
from filings.states import State
from portal.accounts.models import Organisation
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, embedded_files, issue, pdf_bytes, pdf_text
from tests.rules.builders import component, evidence, share_minerals, vehicle

PAYLOADS = {
    "img": "<img src=file:///etc/hostname>",
    "attachment": "<link rel=attachment href=file:///etc/passwd>",
    "import": "<style>@import url(http://127.0.0.1:6379/);</style>",
    "svg": "<svg><image href=file:///etc/hostname /></svg>",
}
HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""


def _result_naming_suppliers(supplier: str, make: str, model: str) -> dict[str, Any]:
    """A real engine result for the vehicle `make` `model` (what the certificate names) whose
    FEOC finding names the supplier (components from a FEOC)."""
    components = [component(10, supplier=supplier, feoc=True), component(11, supplier=supplier)]
    ev = evidence(vehicle_=vehicle(make=make, model=model, vehicle_class="pickup",
                                   msrp_usd=Decimal("74995"), gvwr_lb=Decimal("8550")),
                  minerals=share_minerals("625", "375"), components=components)
    return assess_period(ev, rulebook=load_rulebook(), start=dt.date(2024, 6, 1),
                         end=dt.date(2024, 12, 31)).to_dict()


@pytest.fixture(params=list(PAYLOADS), ids=list(PAYLOADS))
def payload(request) -> str:
    return PAYLOADS[request.param]


@pytest.fixture
def poisoned(payload, manufacturer, reviewer, approver):
    """A filing with the payload in every text a user controls, approved, certificate pending."""
    Organisation.objects.filter(pk=manufacturer.pk).update(name=f"Org {payload}")
    manufacturer.refresh_from_db()
    filing = filing_in(State.ASSESSED, manufacturer, make=f"Make {payload}",
                       model=f"Model {payload}")
    filing.submitted_by.full_name = f"Signer {payload}"
    filing.submitted_by.save()
    reviewer.full_name = f"Reviewer {payload}"
    reviewer.save()
    result = _result_naming_suppliers(f"Supplier {payload}", f"Make {payload}",
                                      f"Model {payload}")
    Assessment.objects.filter(version__filing=filing).update(result=result, credit_min_usd=0,
                                                             credit_max_usd=0)
    EvidenceFile.objects.filter(version__filing=filing).update(original_name=f"File {payload}")
    return approve(filing, reviewer, approver, comment=f"Comment {payload}")


def test_every_user_text_is_printed_literally(poisoned, payload):
    # Compared without whitespace: a long line may wrap anywhere on the page.
    text = "".join(pdf_text(pdf_bytes(issue(poisoned))).split())

    for label in ("Org", "Make", "Model", "Signer", "Reviewer", "Supplier", "File", "Comment"):
        assert "".join(f"{label} {payload}".split()) in text, label
    if HOSTNAME:
        assert HOSTNAME not in text.replace("hostname", "")


def test_the_renderer_fetches_only_its_own_assets(poisoned):
    certificate = poisoned.certificates.get()
    fetcher = LockedFetcher()

    render_pdf(certificate_context(certificate), assessment_json=assessment_json(certificate),
               fetcher=fetcher)

    assert fetcher.refused == []  # escaped text asks for nothing at all
    # The QR code; the stylesheet and fonts were loaded once, by a locked fetcher too
    # (test_rendering.py).
    assert all(url.startswith((ASSETS.as_uri(), "data:image/svg+xml")) for url in fetcher.fetched)


def test_the_template_escapes_the_payload(poisoned, payload):
    html = render_html(certificate_context(poisoned.certificates.get()))

    assert payload not in html
    assert payload.replace("<", "&lt;").replace(">", "&gt;") in html


def test_the_pdf_embeds_no_file_but_the_assessment(poisoned, tmp_path):
    files = embedded_files(pdf_bytes(issue(poisoned)), tmp_path)

    assert list(files) == ["assessment.json"]


# --- the fetcher itself, in case a payload ever reached the HTML unescaped ---------------------

def test_raw_payloads_in_the_html_fetch_nothing_and_embed_nothing(tmp_path):
    fetcher = LockedFetcher()
    html = "<p>raw</p>" + "".join(PAYLOADS.values())

    pdf = HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher).write_pdf()

    assert fetcher.fetched == []
    assert set(fetcher.refused) >= {"file:///etc/hostname", "file:///etc/passwd",
                                    "http://127.0.0.1:6379/"}
    assert embedded_files(pdf, tmp_path) == {}


@pytest.mark.parametrize("url", [
    "file:///etc/hostname",
    "http://127.0.0.1:6379/",
    "https://example.com/font.ttf",
    "ftp://example.com/x",
    f"{ASSETS.as_uri()}/../fetcher.py",
    f"{ASSETS.as_uri()}/fonts/../../rendering.py",
    "file://otherhost/etc/passwd",
])
def test_the_fetcher_refuses(url):
    fetcher = LockedFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_refuses_a_symlink_out_of_the_assets_folder(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "ok.css").write_text("p {}")
    (assets / "escape.css").symlink_to("/etc/hostname")
    fetcher = LockedFetcher(assets)

    assert fetcher.fetch((assets / "ok.css").as_uri()).read() == b"p {}"
    with pytest.raises(RefusedURL):
        fetcher.fetch((assets / "escape.css").as_uri())


def test_the_fetcher_takes_small_data_urls_only():
    fetcher = LockedFetcher()

    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    with pytest.raises(RefusedURL):
        fetcher.fetch("data:text/plain," + "a" * (DATA_URL_MAX_BYTES + 1))


def test_the_fetcher_follows_no_redirects_and_opens_nothing_else():
    fetcher = LockedFetcher()

    assert fetcher.handlers == []
    with pytest.raises(RefusedURL):
        fetcher.open("http://127.0.0.1:6379/")

