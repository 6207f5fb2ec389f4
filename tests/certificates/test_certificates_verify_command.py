"""`manage.py certificates_verify`: every published certificate's stored PDF has the recorded
SHA-256 and a valid signature; a changed or missing PDF fails, naming its serial."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from filings.certificates.services import certificate_revoke
from filings.certificates.storage import certificate_name
from tests.certificates.conftest import issue

pytestmark = pytest.mark.django_db


def _stored_path(settings, certificate) -> Path:
    return Path(settings.CERTIFICATE_ROOT) / certificate_name(certificate)


def test_a_good_certificate_passes(approved, capsys):
    issue(approved)

    call_command("certificates_verify")

    assert ("Every published certificate verifies: 1 checked (1 issued, 0 superseded, 0 revoked)."
            in capsys.readouterr().out)


def test_a_pending_certificate_is_not_published_and_not_checked(approved, capsys):
    call_command("certificates_verify")

    assert "0 checked (0 issued, 0 superseded, 0 revoked)" in capsys.readouterr().out


def test_a_revoked_certificate_is_checked_too(approved, approver, settings, capsys):
    certificate = issue(approved)
    certificate_revoke(actor=approver, filing=approved, reason="Supplier declaration withdrawn.")
    call_command("certificates_verify")
    assert "1 checked (0 issued, 0 superseded, 1 revoked)" in capsys.readouterr().out

    _stored_path(settings, certificate).write_bytes(b"%PDF-1.7 not the issued one")
    with pytest.raises(CommandError, match=certificate.serial):
        call_command("certificates_verify")


def test_a_changed_stored_pdf_fails_with_its_serial(approved, settings, capsys):
    certificate = issue(approved)
    path = _stored_path(settings, certificate)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))

    with pytest.raises(CommandError, match=rf"1 of 1 published certificate\(s\) failed "
                       rf"verification: {certificate.serial}\."):
        call_command("certificates_verify")

    err = capsys.readouterr().err
    assert (f"Certificate {certificate.serial}: the stored PDF {certificate_name(certificate)} "
            f"has SHA-256 ") in err
    assert f"the recorded one is {certificate.pdf_sha256}" in err
    assert f"Certificate {certificate.serial}: its signature does not validate" in err


def test_a_missing_pdf_fails_with_its_serial(approved, settings, capsys):
    certificate = issue(approved)
    _stored_path(settings, certificate).unlink()

    with pytest.raises(CommandError, match=certificate.serial):
        call_command("certificates_verify")

    assert (f"Certificate {certificate.serial}: its PDF {certificate_name(certificate)} is missing "
            "from the certificates storage.") in capsys.readouterr().err
