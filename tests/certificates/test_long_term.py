"""PAdES B-LTA against the local PKI (tests/pki.py): pyHanko, given only the demo root and
fetching nothing, finds the issued certificate intact and trusted, timestamped and LTV-enabled,
also as of a moment after the signing certificate expired; a tampered copy is not intact; with
the TSA down the certificate fails (retry), nothing is issued."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from filings.certificates.models import CertificateStatus
from filings.certificates.signing import check_signature
from filings.certificates.storage import certificate_stored
from filings.states import State
from tests.celery_worker import free_port
from tests.certificates.conftest import issue, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued_pdf(approved) -> bytes:
    certificate = issue(approved)
    assert certificate.status == CertificateStatus.ISSUED
    return pdf_bytes(certificate)


def test_pyhanko_with_only_the_root_finds_it_intact_trusted_timestamped(issued_pdf, local_pki):
    import io

    root = load_cert_from_pemder(str(local_pki.root_cert))
    reader = PdfFileReader(io.BytesIO(issued_pdf))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    status = validate_pdf_signature(reader.embedded_regular_signatures[0], context,
                                    ts_validation_context=context)

    assert status.bottom_line and status.intact and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert "INTACT:TRUSTED" in status.summary()
    assert len(reader.embedded_timestamp_signatures) == 1  # the document timestamp (LTA)
    assert reader.root["/DSS"]["/OCSPs"] and reader.root["/DSS"]["/CRLs"]


def test_the_portal_check_reports_the_long_term_signature(issued_pdf, local_pki):
    check = check_signature(issued_pdf, trust_roots=[local_pki.root_cert])
    cert = x509.load_pem_x509_certificate(local_pki.signing_cert().read_bytes())

    assert check.valid and check.timestamped and check.ltv
    assert check.signer_sha256 == cert.fingerprint(
        __import__("cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256()
    ).hex(":").upper()
    assert check.signing_time is not None
    assert abs(check.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_it_still_validates_after_the_signing_certificate_expired(issued_pdf, local_pki):
    cert = x509.load_pem_x509_certificate(local_pki.signing_cert().read_bytes())
    after_expiry = cert.not_valid_after_utc + dt.timedelta(days=30)

    check = check_signature(issued_pdf, trust_roots=[local_pki.root_cert], moment=after_expiry)

    assert check.ltv and check.trusted and check.valid


def test_a_tampered_copy_is_not_intact(issued_pdf, local_pki):
    tampered = bytearray(issued_pdf)
    at = tampered.find(b"Attestation certificate")
    tampered[at:at + 11] = b"Forged cert"

    check = check_signature(bytes(tampered), trust_roots=[local_pki.root_cert])

    assert not check.intact and not check.valid and not check.ltv


def test_another_root_does_not_trust_it(issued_pdf, tmp_path):
    from tests.pki import prepare

    other = prepare(tmp_path / "other-pki", 9)

    check = check_signature(issued_pdf, trust_roots=[other.root_cert])

    assert check.intact and not check.trusted and not check.valid


def test_with_the_tsa_down_the_certificate_fails_and_nothing_is_issued(approved, settings):
    settings.CERTIFICATE_TSA_URL = f"http://127.0.0.1:{free_port()}/portal/tsa/tsa"
    settings.CERTIFICATE_PKI_TIMEOUT = 2

    certificate = issue(approved)

    approved.refresh_from_db()
    assert certificate.status == CertificateStatus.FAILED
    assert approved.state == State.CERTIFICATE_FAILED
    assert not certificate_stored(certificate)
    assert certificate.pdf_sha256 == ""
    assert "Rendering failed" in certificate.error and "Timestamp" in certificate.error


def test_once_the_tsa_is_back_an_approver_retries_and_it_is_issued(approved, approver, settings,
                                                                  local_pki):
    from filings.certificates.services import certificate_render, certificate_retry

    settings.CERTIFICATE_TSA_URL = f"http://127.0.0.1:{free_port()}/portal/tsa/tsa"
    failed = issue(approved)
    approved.refresh_from_db()
    settings.CERTIFICATE_TSA_URL = local_pki.tsa_url

    certificate_retry(actor=approver, filing=approved)
    issued = certificate_render(certificate_id=approved.certificates.get(status="pending").pk)

    assert failed.status == CertificateStatus.FAILED
    assert issued.status == CertificateStatus.ISSUED
    assert check_signature(pdf_bytes(issued), trust_roots=[local_pki.root_cert]).ltv
