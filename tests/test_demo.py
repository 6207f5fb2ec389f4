"""`make demo` (portal/demo.py): every process, demo_data first, serves and links to DEMO_HOST and
DEMO_PORT, and runs with DEBUG off, whatever the shell says. The demo data's certificate is
issued with Japanese labels, for the manufacturer's member who reads the portal in Japanese."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management import call_command

from filings.certificates.labels import ENGLISH_JAPANESE, LABELS, REQUIREMENTS_JA
from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.storage import certificate_read
from portal import demo
from portal.accounts.models import User
from tests.certificates.conftest import pdf_text


def test_the_demo_address_comes_from_demo_host_and_demo_port_when_the_demo_starts(monkeypatch):
    monkeypatch.setenv("DEMO_HOST", "demo.example")
    monkeypatch.setenv("DEMO_PORT", "8123")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)

    env = demo.demo_environment()

    assert env["PORTAL_BASE_URL"] == "http://demo.example:8123"
    assert (env["WEB_HOST"], env["PORT"]) == ("demo.example", "8123")
    assert env["ALLOWED_HOSTS"].split(",") == ["localhost", "127.0.0.1", "demo.example"]


def test_the_demo_defaults_to_127_0_0_1_port_8000(monkeypatch):
    monkeypatch.delenv("DEMO_HOST", raising=False)
    monkeypatch.delenv("DEMO_PORT", raising=False)

    assert demo.demo_environment()["PORTAL_BASE_URL"] == "http://127.0.0.1:8000"


def test_the_demo_never_runs_with_debug_on(monkeypatch):
    monkeypatch.setenv("DEBUG", "1")

    assert demo.demo_environment()["DEBUG"] == "0"


def test_the_demo_issues_the_pickups_certificate_in_japanese_for_its_japanese_reader(
        db, settings, translations, mailoutbox, django_capture_on_commit_callbacks, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()

    # The seed certificate is signed with the local PKI (tests/pki.py, tests/conftest.py).
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data", stdout=out)

    reader = User.objects.get(email="kenji.sato@granite.example")
    assert (reader.language, reader.membership().organisation.name) == ("ja", "Granite Motor Company")
    assert "kenji.sato@granite.example" in out.getvalue()
    certificate = Certificate.objects.get(filing__model="Ironwood EV")
    assert (certificate.status, certificate.language) == (CertificateStatus.ISSUED, ENGLISH_JAPANESE)
    pdf = certificate_read(certificate)
    if os.environ.get("WRITE_DOCS") == "1":
        write_page_one(pdf, tmp_path)
    text = pdf_text(pdf)
    for key in ("title", "certificate_number", "outcome", "credit_per_vehicle"):
        assert LABELS[key].ja in text
    assert REQUIREMENTS_JA["final_assembly"] in text and "$3,750" in text
    (issued,) = [m for m in mailoutbox if reader.email in m.to and "証明書発行" in m.subject]
    assert f"の証明書 {certificate.serial} が発行されました" in issued.body
    (english,) = [m for m in mailoutbox if "signer@granite.example" in m.to
                  and "Certificate issued" in m.subject]
    assert f"Certificate {certificate.serial} for" in english.body


def write_page_one(pdf: bytes, folder: Path) -> None:
    """`WRITE_DOCS=1 python -m pytest -n 0 tests/test_demo.py -k japanese` draws page 1 of the
    demo's Japanese-labelled certificate as docs/certificate-ja-page1.png."""
    source = folder / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(source), str(folder / "page1")], check=True)
    assert (folder / "page1.png").stat().st_size > 10_000
    shutil.copy(folder / "page1.png",
                Path(django_settings.BASE_DIR) / "docs" / "certificate-ja-page1.png")
