"""Rulebook amendments: the rules before Japan counted, filings made through the services, and
the certificate fixtures (signing key, render) the Japan story ends with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filings.models import FileKind, Filing
from filings.rulebooks.models import RulebookVersion
from filings.rulebooks.selectors import rulebook_seed
from filings.rulebooks.services.drafting import rulebook_draft_amend, rulebook_draft_create
from filings.rulebooks.services.preview import rulebook_preview_in_process, rulebook_preview_request
from filings.rulebooks.services.publishing import rulebook_publish
from filings.rules import load_rulebook
from filings.rules.amend import rulebook_data, with_version, without_fta
from filings.services.assessment import assessment_run
from filings.services.manufacturer import evidence_upload, filing_create, filing_submit
from portal.accounts.models import Organisation, User
from tests.admin.conftest import _fast_password_hashing, approver, reviewer  # noqa: F401
from tests.browser.conftest import browser, page  # noqa: F401
from tests.certificates.conftest import signing_material  # noqa: F401
from tests.conftest import DATA, SAMPLE_VEHICLES

PRE_JAPAN = "2023.0"
JAPAN = "2023.1"
JAPAN_CITATION = "26 CFR 1.30D-2(b)(13)(ii); U.S.-Japan Critical Minerals Agreement (2023-03-28)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def pre_japan(db) -> RulebookVersion:
    """The version in force: the shipped rules without Japan's FTA treatment."""
    data = with_version(without_fta(rulebook_data(load_rulebook()), "JP"), version=PRE_JAPAN,
                        note="Before the U.S.-Japan Critical Minerals Agreement counted.")
    return rulebook_seed(data, citation="26 CFR 1.30D-2(b)(13)(ii) as first read",
                         note="Before the U.S.-Japan Critical Minerals Agreement counted.")


def submitted(manufacturer: Organisation, preparer: User, signer: User, *,
              workbook: str = "us-pickup-japan-minerals.xlsx", start: dt.date = dt.date(2024, 1, 1),
              end: dt.date = dt.date(2024, 12, 31)) -> Filing:
    """A filing for the sample's vehicle, uploaded, signed and assessed the way the portal does
    it (the task's service run in this process)."""
    filing = filing_create(actor=preparer, **SAMPLE_VEHICLES[workbook],
                           coverage_start=start, coverage_end=end)
    path: Path = DATA / workbook
    evidence_upload(actor=preparer, filing=filing, kind=FileKind.EVIDENCE,
                    upload=SimpleUploadedFile(workbook, path.read_bytes(), XLSX))
    filing = filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
    version = filing.current_version()
    assert version is not None
    assessment_run(filing_id=filing.pk, version_id=version.pk)
    filing.refresh_from_db()
    return filing


def japan_draft(author: User) -> RulebookVersion:
    draft = rulebook_draft_create(
        actor=author, version=JAPAN, citation=JAPAN_CITATION,
        note="Japan counts as an FTA country for critical minerals from 2023-03-28.")
    return rulebook_draft_amend(
        actor=author, draft=draft, amendment="fta_add", country="JP",
        from_=dt.date(2023, 3, 28), basis="U.S.-Japan Critical Minerals Agreement",
        citation=JAPAN_CITATION, confidence="V")


def publish(actor: User, draft: RulebookVersion) -> RulebookVersion:
    """Publish as the console does: run the draft's impact preview (the worker's part in this
    process), then confirm what it found."""
    preview = rulebook_preview_request(actor=actor, draft=draft)
    rulebook_preview_in_process(preview_id=preview.pk)
    return rulebook_publish(actor=actor, draft=draft, preview_id=preview.pk, confirmed=True)
