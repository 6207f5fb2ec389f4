"""A certificate issued with English and Japanese labels: chosen at approval, set in the bundled
Noto Sans CJK JP subset, and signed like any other."""

from __future__ import annotations

import re
import subprocess

import pytest

from filings.certificates import rendering
from filings.certificates.labels import ENGLISH_JAPANESE, LABELS, REQUIREMENTS_JA
from filings.certificates.models import Certificate
from filings.certificates.signing import check_portal_signature
from filings.services.common import ServiceError
from filings.states import State
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, issue, pdf_bytes, pdf_text


@pytest.fixture
def bilingual(manufacturer, reviewer, approver) -> Certificate:
    filing = approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver,
                     certificate_language=ENGLISH_JAPANESE)
    return issue(filing)


def _fonts(pdf: bytes) -> str:
    return subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_a_certificate_is_english_unless_the_approver_chooses_otherwise(approved):
    certificate = issue(approved)

    text = pdf_text(pdf_bytes(certificate))
    assert certificate.language == "en"
    assert LABELS["title"].en in text and LABELS["title"].ja not in text
    assert "Cert-Sans-JP" not in _fonts(pdf_bytes(certificate))


def test_a_bilingual_certificate_prints_each_label_in_english_and_japanese(bilingual):
    text = pdf_text(pdf_bytes(bilingual))

    # Labels, field names and headings are set in capitals: compare the English case-blind.
    for key in ("title", "certificate_number", "manufacturer", "vehicle", "coverage",
                "outcome", "eligible", "evidence", "attestation", "review", "verify"):
        assert LABELS[key].en.upper() in text.upper(), key
        assert LABELS[key].ja in text, key
    assert REQUIREMENTS_JA["final_assembly"] in text
    assert LABELS["feoc"].ja in text  # 懸念される外国の事業体
    assert bilingual.language == ENGLISH_JAPANESE and bilingual.labels_version


def test_the_japanese_is_set_in_the_bundled_subset_not_a_system_font(bilingual):
    fonts = _fonts(pdf_bytes(bilingual))

    # WeasyPrint names an @font-face font after its CSS family: the bundled subset's.
    assert re.search(r"\+Cert-Sans-JP\s", fonts) and re.search(r"\+Cert-Sans-JP-Bold\s", fonts)
    assert "NotoSansCJK" not in fonts and "Noto Sans CJK" not in fonts


def test_the_japanese_labels_need_no_system_font_at_all(manufacturer, reviewer,
                                                        approver, monkeypatch, tmp_path):
    """With Fontconfig shown no font folder, only the bundled fonts exist: the Japanese still
    comes out as text."""
    from filings.certificates.content import assessment_json, certificate_context

    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                      f"<fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    monkeypatch.setattr(rendering, "_styles", None)
    certificate = approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver,
                          certificate_language=ENGLISH_JAPANESE).certificates.get()

    pdf = rendering.render_pdf(certificate_context(certificate),
                               assessment_json=assessment_json(certificate))

    text = pdf_text(pdf)
    assert LABELS["title"].ja in text and LABELS["certificate_number"].ja in text
    assert LABELS["eligible"].ja in text


def test_a_bilingual_certificate_is_signed_and_verifies(bilingual):
    assert check_portal_signature(pdf_bytes(bilingual)).valid


def test_an_unknown_language_refuses_the_approval(manufacturer, reviewer, approver):
    filing = filing_in(State.ASSESSED, manufacturer)

    with pytest.raises(ServiceError, match="must be one of en, en\\+ja"):
        approve(filing, reviewer, approver, certificate_language="fr")

    filing.refresh_from_db()
    assert filing.state == State.IN_REVIEW and not filing.certificates.exists()


def test_page_one_of_a_bilingual_certificate_renders_its_japanese_labels(bilingual, tmp_path):
    """Page 1 as `docs/certificate-ja-page1.png` shows it (tests/test_demo.py draws that one
    from the demo's certificate)."""
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf_bytes(bilingual))
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(source), str(tmp_path / "page1")], check=True)
    page_one = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(source), "-"],
                              capture_output=True, check=True, text=True).stdout

    assert (tmp_path / "page1.png").stat().st_size > 10_000
    assert LABELS["title"].ja in page_one and LABELS["outcome"].ja in page_one
