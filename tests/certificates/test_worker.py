"""Approval → a real Celery worker process consuming the `certificates` queue issues the PDF."""

from __future__ import annotations

import pytest

from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.signing import check_portal_signature
from filings.states import State
from tests.admin.conftest import filing_in
from tests.celery_worker import wait_for
from tests.certificates.conftest import approve, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_approval_is_certified_by_the_worker(celery_worker_process, manufacturer, reviewer,
                                                approver, settings):
    filing = approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver)
    certificate = Certificate.objects.get(filing=filing)

    def issued() -> bool:
        certificate.refresh_from_db()
        return bool(certificate.status == CertificateStatus.ISSUED)

    wait_for(issued, timeout=90, what="the worker to issue the certificate")
    check = check_portal_signature(pdf_bytes(certificate))
    assert check.valid
    assert filing.audit_events.filter(action="certificate_issue").count() == 1
