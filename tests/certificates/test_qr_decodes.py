"""The certificate looks right at any size: the QR code decodes from a coarse raster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import segno

from filings.certificates.content import verify_url
from filings.certificates.labels import ENGLISH_JAPANESE
from filings.states import State
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, issue, pdf_bytes


def decoded_qr(pdf: bytes, folder: Path, dpi: int) -> list[str]:
    """What zbar reads from page 1 rasterised at `dpi` (poppler's pdftoppm)."""
    source = folder / "c.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", str(source),
                    str(folder / f"p{dpi}")], check=True, capture_output=True)
    (page,) = folder.glob(f"p{dpi}*.png")
    out = subprocess.run(["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True)
    return out.stdout.splitlines()


@pytest.mark.parametrize("dpi", [300, 150, 100, 72])
def test_the_qr_code_decodes_to_the_verify_url(approved, tmp_path, dpi):
    certificate = issue(approved)
    assert decoded_qr(pdf_bytes(certificate), tmp_path, dpi) == [verify_url(certificate)]


@pytest.mark.parametrize("dpi", [100, 80])
def test_a_longer_portal_address_makes_a_larger_code_that_still_decodes(approved, tmp_path,
                                                                          settings, dpi):
    """More modules, each still 2 pt: the code grows instead of its modules shrinking. (At 72
    dpi version 6 decoded from 7 of 12 random certificates: modules off the pixel grid.)"""
    settings.PORTAL_BASE_URL = "https://clean-vehicle-credits.compliance-portal.example.gov"
    certificate = issue(approved)
    url = verify_url(certificate)
    assert segno.make(url, error="m", micro=False).version > 5
    assert decoded_qr(pdf_bytes(certificate), tmp_path, dpi) == [url]


def test_the_code_stays_on_page_one_when_the_labels_are_bilingual(manufacturer, reviewer, approver,
                                                                   tmp_path):
    """The Japanese beside each English label makes the certificate longer than a page: the
    code sits in the header, on the page an examiner scans first (it was pushed to page 2)."""
    filing = approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver,
                     certificate_language=ENGLISH_JAPANESE)
    certificate = issue(filing)
    pdf = pdf_bytes(certificate)
    pages = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    assert b"Pages:           2" in pages  # else this test no longer tests what it says

    assert decoded_qr(pdf, tmp_path, 100) == [verify_url(certificate)]
