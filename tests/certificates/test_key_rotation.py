"""Rotating the signing key under the PKI: a certificate signed by the rotated key ("signer-2",
issued by the same intermediate CA) verifies beside one signed by the first key, with no setting
but the new key and certificate; a PDF signed by a key the portal never trusted still fails;
CERTIFICATE_PREVIOUS_CERTS still trusts the self-signed certificates of before the PKI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from filings.certificates import signing
from filings.certificates.signing import check_portal_signature, ensure_dev_signing_material
from filings.states import State
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, issue, pdf_bytes
from tests.certificates.test_verify import upload

pytestmark = pytest.mark.django_db


def _self_signed_signature(filing, folder: Path) -> tuple[bytes, Path]:
    """The filing's certificate rendered and signed, without timestamp, by a new self-signed
    development key (as before the PKI)."""
    from filings.certificates.content import assessment_json, certificate_context
    from filings.certificates.rendering import render_pdf

    certificate = filing.certificates.get()
    pdf = render_pdf(certificate_context(certificate), assessment_json=assessment_json(certificate))
    key, cert = folder / "key.pem", folder / "cert.pem"
    assert ensure_dev_signing_material(key, cert)
    signer = signing._KeptKeySigner(key_data=key.read_bytes(), cert_data=cert.read_bytes())
    metadata = signers.PdfSignatureMetadata(field_name=signing.FIELD_NAME,
                                            subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.PdfSigner(metadata, signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return out.getvalue(), cert


def test_after_the_rotation_both_certificates_verify(settings, local_pki, approved, manufacturer,
                                                     reviewer, approver, client, capsys):
    old = issue(approved)
    settings.CERTIFICATE_SIGNING_KEY = local_pki.signing_key("signer-2")
    settings.CERTIFICATE_SIGNING_CERT = local_pki.signing_cert("signer-2")
    new = issue(approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver))

    old_check, new_check = (check_portal_signature(pdf_bytes(c)) for c in (old, new))

    assert old_check.valid and new_check.valid
    assert "rotated key" in new_check.signer and "rotated key" not in old_check.signer
    assert old_check.signer_sha256 != new_check.signer_sha256
    assert "Its signature validates" in upload(client, old, pdf_bytes(old)).content.decode()
    call_command("certificates_verify")
    assert "2 checked (2 issued" in capsys.readouterr().out


def test_a_pdf_signed_by_an_unknown_key_still_fails(approved, tmp_path):
    stranger, _ = _self_signed_signature(approved, tmp_path / "c")

    check = check_portal_signature(stranger)

    assert (check.signed, check.intact, check.trusted, check.valid) == (True, True, False, False)
    assert "does not chain to a root the portal trusts" in check.problem


def test_a_listed_previous_self_signed_certificate_verifies(settings, approved, tmp_path):
    """A PDF signed before the PKI by a self-signed key verifies while its certificate is in
    CERTIFICATE_PREVIOUS_CERTS (each listed one is an anchor of its own), and only then."""
    old, cert = _self_signed_signature(approved, tmp_path / "a")

    settings.CERTIFICATE_PREVIOUS_CERTS = [cert]
    check = check_portal_signature(old)
    assert check.valid and not check.timestamped
    settings.CERTIFICATE_PREVIOUS_CERTS = []
    assert not check_portal_signature(old).trusted


def test_an_unreadable_previous_certificate_is_an_error_naming_it(settings, tmp_path):
    missing = tmp_path / "gone.pem"
    settings.CERTIFICATE_PREVIOUS_CERTS = [missing]

    with pytest.raises(RuntimeError, match=rf"{missing}.*CERTIFICATE_PREVIOUS_CERTS"):
        check_portal_signature(b"%PDF-1.7")
