"""Rotating the signing key: once key B signs, what key A signed still verifies because A's
certificate is listed in CERTIFICATE_PREVIOUS_CERTS; a PDF signed by a key the portal never
trusted still fails, on the verification page and in `manage.py certificates_verify`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from filings.certificates.signing import (
    check_portal_signature,
    check_signature,
    ensure_dev_signing_material,
)
from filings.states import State
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, issue, pdf_bytes
from tests.certificates.test_verify import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(tmp_path) -> dict[str, tuple[Path, Path]]:
    """Three key pairs: A (before the rotation), B (after), C (never trusted)."""
    pairs = {}
    for name in "ABC":
        key, cert = tmp_path / name / "key.pem", tmp_path / name / "cert.pem"
        assert ensure_dev_signing_material(key, cert)
        pairs[name] = (key, cert)
    return pairs


def _sign_with(settings, pair: tuple[Path, Path], previous: list[Path]) -> None:
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = pair
    settings.CERTIFICATE_PREVIOUS_CERTS = previous


@pytest.fixture
def rotated(settings, keys, approved, manufacturer, reviewer, approver):
    """A certificate issued under key A, then the rotation to B (A's certificate kept trusted),
    then a certificate issued under B."""
    _sign_with(settings, keys["A"], [])
    old = issue(approved)
    _sign_with(settings, keys["B"], [keys["A"][1]])
    new = issue(approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver))
    return old, new


def test_after_the_rotation_the_old_certificate_verifies_and_the_new_one_is_signed_by_b(
        rotated, keys, client, capsys):
    old, new = rotated
    old_pdf, new_pdf = pdf_bytes(old), pdf_bytes(new)

    assert check_portal_signature(old_pdf).valid
    assert check_portal_signature(new_pdf).valid
    assert check_signature(new_pdf, cert_path=keys["B"][1]).valid
    assert not check_signature(new_pdf, cert_path=keys["A"][1]).trusted
    assert not check_signature(old_pdf, cert_path=keys["B"][1]).trusted
    body = upload(client, old, old_pdf).content.decode()
    assert "Its signature validates" in body
    call_command("certificates_verify")
    assert "2 checked (2 issued" in capsys.readouterr().out


def test_without_the_previous_certificate_the_old_one_fails(rotated, settings, client):
    old, _ = rotated
    settings.CERTIFICATE_PREVIOUS_CERTS = []

    check = check_portal_signature(pdf_bytes(old))

    assert (check.intact, check.trusted, check.valid) == (True, False, False)
    assert "neither the portal's signing certificate nor a previous one" in check.problem
    assert "signature does <strong>not</strong> validate" in upload(
        client, old, pdf_bytes(old)).content.decode()
    with pytest.raises(CommandError, match=old.serial):
        call_command("certificates_verify")


def test_a_pdf_signed_by_an_unknown_key_still_fails(settings, keys, approved, client, capsys):
    _sign_with(settings, keys["C"], [])
    stranger = issue(approved)
    _sign_with(settings, keys["B"], [keys["A"][1]])

    check = check_portal_signature(pdf_bytes(stranger))

    assert (check.signed, check.intact, check.trusted) == (True, True, False)
    assert "signature does <strong>not</strong> validate" in upload(
        client, stranger, pdf_bytes(stranger)).content.decode()
    with pytest.raises(CommandError, match=stranger.serial):
        call_command("certificates_verify")
    assert f"Certificate {stranger.serial}: its signature does not validate (signed by" in (
        capsys.readouterr().err)


def test_an_unreadable_previous_certificate_is_an_error_naming_it(settings, keys, tmp_path):
    missing = tmp_path / "gone.pem"
    _sign_with(settings, keys["B"], [missing])

    with pytest.raises(RuntimeError, match=rf"{missing}.*CERTIFICATE_PREVIOUS_CERTS"):
        check_portal_signature(b"%PDF-1.7")


def _expired_pair(folder: Path) -> tuple[Path, Path]:
    """An RSA key and a self-signed certificate that expired in 2021."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Signing certificate of 2020")])
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                          crl_sign=False, encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage, critical=True).sign(key, hashes.SHA256()))
    folder.mkdir()
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_a_listed_previous_certificate_verifies_even_after_it_expired(settings, keys, approved,
                                                                     tmp_path):
    """What docs/operations.md says: each trusted certificate is its own trust anchor, checked
    neither for expiry nor for revocation (no timestamps until PAdES LTA), so only removing it
    from the list stops what it signed from verifying."""
    expired = _expired_pair(tmp_path / "expired")
    _sign_with(settings, expired, [])
    old = issue(approved)
    _sign_with(settings, keys["B"], [expired[1]])

    assert check_portal_signature(pdf_bytes(old)).valid
    settings.CERTIFICATE_PREVIOUS_CERTS = []
    assert not check_portal_signature(pdf_bytes(old)).trusted
