"""Approved filings, the local PKI's signing key, and readers for the PDFs (poppler's tools)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from filings.certificates.models import Certificate
from filings.certificates.services import certificate_render
from filings.models import Filing
from filings.services.review import filing_approve, review_recommend, review_start
from filings.states import State
from portal.accounts.models import Organisation, User
from tests.admin.conftest import filing_in

APPROVAL = "Approved: sourcing traced to Japanese processors."


@pytest.fixture
def signing_material(local_pki) -> tuple[Path, Path]:
    """The local PKI's signing key and certificate (tests/pki.py; tests/conftest.py signs with
    them)."""
    return local_pki.signing_key(), local_pki.signing_cert()


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example"


def approve(filing: Filing, reviewer: User, approver: User, comment: str = APPROVAL,
            certificate_language: str | None = None) -> Filing:
    review_start(actor=reviewer, filing=filing)
    review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                     comment="Recommend approval.")
    return filing_approve(actor=approver, filing=filing, comment=comment,
                          certificate_language=certificate_language)


@pytest.fixture
def approved(manufacturer: Organisation, reviewer: User, approver: User) -> Filing:
    """The sample pickup (2024-06-01..2024-12-31, $7,500), approved through the services."""
    return approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver)


def issue(filing: Filing) -> Certificate:
    """Render the filing's pending certificate, as the worker's task does."""
    pending = filing.certificates.get(status="pending")
    return certificate_render(certificate_id=pending.pk)


def pdf_bytes(certificate: Certificate) -> bytes:
    from filings.certificates.storage import certificate_read

    return certificate_read(certificate)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace made single spaces."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    return " ".join(out.split())


def embedded_files(pdf: bytes, folder: Path) -> dict[str, bytes]:
    """Every embedded file, by name (poppler's pdfdetach)."""
    source = folder / "in.pdf"
    source.write_bytes(pdf)
    target = folder / "attachments"
    target.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(target), str(source)], check=True,
                   capture_output=True)
    return {p.name: p.read_bytes() for p in target.iterdir()}


def xmp(pdf: bytes, folder: Path) -> str:
    source = folder / "meta.pdf"
    source.write_bytes(pdf)
    return subprocess.run(["pdfinfo", "-meta", str(source)], capture_output=True, check=True,
                          text=True).stdout
