"""Approval issues a signed PDF/A-3b certificate showing the assessment's figures."""

from __future__ import annotations

import json

from django.urls import resolve

from filings.certificates.content import verify_url
from filings.certificates.signing import check_signature
from filings.models import AuditEvent, Certificate, CertificateStatus, State
from tests.certificates.conftest import APPROVAL, embedded_files, issue, pdf_bytes, pdf_text, xmp


def _certificates_queue(purge: bool = False) -> int:
    from portal.celery import app

    with app.connection_for_write() as connection, connection.channel() as channel:
        channel.queue_declare("certificates")  # type: ignore[attr-defined]
        if purge:
            channel.queue_purge("certificates")  # type: ignore[attr-defined]
        declared = channel.queue_declare("certificates", passive=True)  # type: ignore[attr-defined]
        return int(declared.message_count)


def test_approval_creates_one_pending_certificate_and_queues_its_render_after_commit(
        manufacturer, reviewer, approver, django_capture_on_commit_callbacks):
    from tests.admin.conftest import filing_in
    from tests.certificates.conftest import approve

    filing = filing_in(State.ASSESSED, manufacturer)
    _certificates_queue(purge=True)
    with django_capture_on_commit_callbacks() as callbacks:
        approve(filing, reviewer, approver)
        assert _certificates_queue() == 0  # nothing is sent before the approval commits

    certificate = Certificate.objects.get(filing=filing)
    assert certificate.status == CertificateStatus.PENDING
    assert certificate.serial == f"CVC-{certificate.created_at:%Y}-{certificate.pk:06d}"
    assert certificate.approved_by == approver
    for callback in callbacks:
        callback()
    assert _certificates_queue() == 1
    _certificates_queue(purge=True)


def test_the_render_task_runs_on_its_own_queue_with_a_hard_time_limit(settings):
    from filings.tasks import certificate_render

    assert settings.CELERY_TASK_ROUTES[certificate_render.name] == {"queue": "certificates"}
    assert certificate_render.time_limit == settings.CERTIFICATE_RENDER_TIME_LIMIT
    assert certificate_render.soft_time_limit < certificate_render.time_limit
    assert certificate_render.acks_late and certificate_render.reject_on_worker_lost
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert certificate_render.time_limit < visibility


def test_the_issued_pdf_is_signed_by_the_portal_and_unmodified(approved, settings):
    certificate = issue(approved)

    check = check_signature(pdf_bytes(certificate), cert_path=settings.CERTIFICATE_SIGNING_CERT)

    assert certificate.status == CertificateStatus.ISSUED
    assert (check.signed, check.intact, check.trusted, check.covers_whole_file) == (
        True, True, True, True)
    assert "CVC portal certificate signing" in check.signer


def test_pyhanko_rejects_a_pdf_changed_after_signing(approved, settings):
    pdf = bytearray(pdf_bytes(issue(approved)))
    at = pdf.find(b"Attestation certificate")
    pdf[at:at + 11] = b"Forged cert"

    check = check_signature(bytes(pdf), cert_path=settings.CERTIFICATE_SIGNING_CERT)

    assert not check.valid


def test_the_stored_hash_is_the_hash_of_the_stored_file(approved):
    import hashlib

    certificate = issue(approved)

    assert certificate.pdf_sha256 == hashlib.sha256(pdf_bytes(certificate)).hexdigest()
    assert certificate.pdf_size == len(pdf_bytes(certificate))


def test_it_is_pdf_a_3b_by_its_metadata(approved, tmp_path):
    pdf = pdf_bytes(issue(approved))

    metadata = xmp(pdf, tmp_path)

    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    assert pdf.startswith(b"%PDF-1.7")


def test_the_assessment_json_is_the_only_embedded_file(approved, tmp_path):
    certificate = issue(approved)

    files = embedded_files(pdf_bytes(certificate), tmp_path)

    assert list(files) == ["assessment.json"]
    embedded = json.loads(files["assessment.json"])
    assert embedded["result"] == certificate.assessment.result
    assert embedded["certificate"]["public_id"] == str(certificate.public_id)


def test_it_shows_the_figures_of_the_assessment(approved):
    certificate = issue(approved)
    segment = certificate.assessment.result["segments"][0]
    minerals = segment["requirements"]["critical_minerals"]

    text = pdf_text(pdf_bytes(certificate))

    assert certificate.serial in text and str(certificate.public_id) in text
    assert "Granite Motor Company" in text and "Ironwood EV" in text
    assert f"{segment['from']} to {segment['to']}: ELIGIBLE" in text
    assert f"${segment['credit_usd']:,}" in text
    assert f"{minerals['qualifying_pct']:.2f} % qualifies" in text
    assert f"at least {minerals['required_pct']:.2f} % required" in text
    assert "No FEOC battery components: Met" in text
    assert "us-irc-30d version" in text
    for sha256 in certificate.assessment.evidence_hashes.values():
        assert sha256 in text
    assert approved.attestation[:40] in text
    assert APPROVAL in text
    assert "not an IRS form" in text


def test_the_verification_link_on_it_resolves_to_the_verification_page(approved, client):
    certificate = issue(approved)
    url = verify_url(certificate)

    assert url in pdf_text(pdf_bytes(certificate))
    path = url.removeprefix("https://portal.example")
    assert resolve(path).url_name == "verify"
    assert client.get(path).status_code == 200


def test_issuing_records_one_audit_event_and_mails_the_manufacturer(
        approved, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue(approved)

    events = AuditEvent.objects.filter(filing=approved, action="certificate_issue")
    assert [e.reason for e in events] == [certificate.serial]
    assert [m.subject for m in mailoutbox] == [f"[CVC portal] Certificate issued: {approved}"]
