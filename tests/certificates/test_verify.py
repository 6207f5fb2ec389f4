"""The public verification page: status, printed details, no evidence, and a check of a copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.services import certificate_revoke
from filings.models import Filing
from filings.services.common import NotAllowed, ServiceError
from filings.states import State
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, issue, pdf_bytes


def verdict(body: str) -> tuple[str, str]:
    """(kind, title) of the verdict the page shows first."""
    match = re.search(r'class="card verdict verdict-([a-z-]+)".*?<h2 id="verdict-heading">'
                      r'<span[^>]*>[^<]*</span>\s*([^<]+)</h2>', body, re.S)
    assert match, "no verdict on the page"
    assert body.index("verdict-heading") < body.index("details-heading"), "the verdict comes first"
    return match.group(1), match.group(2).strip()


def verify_url(certificate: Certificate) -> str:
    return reverse("certificates:verify", kwargs={"public_id": certificate.public_id})


def upload(client: Client, certificate: Certificate, content: bytes):
    return client.post(verify_url(certificate), {
        "pdf": SimpleUploadedFile("copy.pdf", content, content_type="application/pdf")})


@pytest.fixture
def issued(approved: Filing) -> Certificate:
    return issue(approved)


def test_anyone_sees_a_valid_certificate_and_what_it_says(issued, client):
    response = client.get(verify_url(issued))

    body = response.content.decode()
    assert response.status_code == 200
    assert verdict(body) == ("genuine", "Genuine and in force")
    assert issued.serial in body and issued.pdf_sha256 in body
    assert "Granite Motor Company" in body and "Ironwood EV" in body
    assert "$7,500" in body


def test_it_exposes_no_evidence(issued, client):
    body = client.get(verify_url(issued)).content.decode()

    for evidence_file in issued.assessment.version.files.all():
        assert evidence_file.original_name not in body
        assert f"/files/{evidence_file.pk}/" not in body
    assert "Findings" not in body


def test_a_pending_or_unknown_certificate_is_not_found(approved, client):
    pending = approved.certificates.get()

    assert client.get(verify_url(pending)).status_code == 404
    unknown = reverse("certificates:verify", kwargs={"public_id": "00000000-0000-4000-8000-000000000000"})
    assert client.get(unknown).status_code == 404


def test_an_approver_revokes_and_the_page_says_why(issued, approver, client):
    certificate_revoke(actor=approver, filing=issued.filing,
                       reason="Supplier declaration withdrawn.")

    body = client.get(verify_url(issued)).content.decode()
    issued.refresh_from_db()
    assert verdict(body) == ("revoked",
                             f"Revoked on {issued.revoked_at:%Y-%m-%d %H:%M} UTC: not in force")
    assert "Reason: Supplier declaration withdrawn." in body


@pytest.mark.parametrize("who", ["reviewer", "signer", "outsider"])
def test_only_an_approver_may_revoke(issued, who, request):
    with pytest.raises(NotAllowed):
        certificate_revoke(actor=request.getfixturevalue(who), filing=issued.filing,
                           reason="No.")
    issued.refresh_from_db()
    assert issued.status == CertificateStatus.ISSUED


def test_a_revocation_needs_a_reason(issued, approver):
    with pytest.raises(ServiceError):
        certificate_revoke(actor=approver, filing=issued.filing, reason=" ")


def test_a_superseded_certificate_links_to_its_successor(manufacturer, reviewer, approver,
                                                          client):
    filing = filing_in(State.ASSESSED, manufacturer)
    first = issue(approve(filing, reviewer, approver))
    Filing.objects.filter(pk=filing.pk).update(state=State.ASSESSED, recommended_by=None)
    filing.refresh_from_db()
    second = issue(approve(filing, reviewer, approver))

    body = client.get(verify_url(first)).content.decode()
    assert verdict(body) == ("superseded", "Superseded: no longer in force")
    assert f'href="{verify_url(second)}"' in body
    assert verdict(client.get(verify_url(second)).content.decode())[0] == "genuine"


def test_an_uploaded_copy_of_the_issued_pdf_is_identical_and_its_signature_validates(issued,
                                                                                      client):
    body = upload(client, issued, pdf_bytes(issued)).content.decode()

    assert "Byte-identical to the certificate the portal issued" in body
    assert "Its signature validates" in body
    assert verdict(body) == ("genuine", "Genuine and in force")
    assert "The uploaded file is byte-identical to the issued certificate" in body
    assert "Timestamped by a trusted time-stamping authority: signed" in body
    assert "Carries its own validation data" in body
    assert re.search(r"SHA-256 fingerprint <code>[0-9a-f:]{64,}</code>", body, re.I)


def test_the_page_names_the_signing_authority_and_serves_the_root(issued, client, settings):
    body = client.get(verify_url(issued)).content.decode()
    assert f"signed for {issued.approved_by.membership().organisation.name}" in body
    root = client.get(reverse("certificates:trust_root"))
    assert root.status_code == 200 and root["Content-Type"] == "application/x-pem-file"
    expected = b"".join(Path(p).read_bytes() for p in settings.CERTIFICATE_TRUST_ROOTS)
    assert root.content == expected
    assert expected.startswith(b"-----BEGIN CERTIFICATE-----")


def test_an_altered_copy_is_neither_identical_nor_validly_signed(issued, client):
    altered = bytearray(pdf_bytes(issued))
    at = altered.find(b"Attestation certificate")
    altered[at:at + 11] = b"Forged cert"

    body = upload(client, issued, bytes(altered)).content.decode()

    assert "<strong>Not</strong> identical" in body
    assert "signature does <strong>not</strong> validate" in body
    # A tampered copy is never shown under a "genuine" verdict, although the issued one is valid.
    assert verdict(body) == ("not-issued", "Not the certificate the portal issued")
    assert "Genuine and in force" not in body
    assert "Do not rely on this file." in body


def test_a_file_that_is_not_a_pdf_is_answered_not_crashed_on(issued, client):
    response = upload(client, issued, b"hello, not a pdf")

    assert response.status_code == 200
    assert "<strong>Not</strong> identical" in response.content.decode()
    assert "no valid portal signature" in response.content.decode()
    assert verdict(response.content.decode())[0] == "not-issued"


def test_an_oversized_upload_is_refused(issued, client, settings):
    settings.CERTIFICATE_VERIFY_MAX_BYTES = 10
    body = upload(client, issued, b"x" * 11).content.decode()

    assert "larger than any certificate" in body
    assert verdict(body)[0] == "not-issued"


def test_the_verification_page_answers_head_as_it_answers_get(issued, client):
    assert client.head(verify_url(issued)).status_code == 200
