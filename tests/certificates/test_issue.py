"""Approval issues a signed PDF/A-3b certificate showing the assessment's figures."""

from __future__ import annotations

import json

from django.urls import resolve

from filings.certificates.content import verify_url
from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.signing import check_portal_signature
from filings.states import State
from portal.audit.models import AuditEvent
from tests.certificates.conftest import APPROVAL, embedded_files, issue, pdf_bytes, pdf_text, xmp


def _certificates_queue(purge: bool = False) -> int:
    from django.conf import settings

    from portal.celery import app

    queue = settings.CERTIFICATE_QUEUE
    with app.connection_for_write() as connection, connection.channel() as channel:
        channel.queue_declare(queue)  # type: ignore[attr-defined]
        if purge:
            channel.queue_purge(queue)  # type: ignore[attr-defined]
        declared = channel.queue_declare(queue)  # type: ignore[attr-defined]
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
    from filings.certificates.tasks import certificate_render

    assert settings.CELERY_TASK_ROUTES[certificate_render.name] == {"queue": settings.CERTIFICATE_QUEUE}
    assert settings.CERTIFICATE_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    assert certificate_render.time_limit == settings.CERTIFICATE_RENDER_TIME_LIMIT
    assert certificate_render.soft_time_limit < certificate_render.time_limit
    assert certificate_render.acks_late and certificate_render.reject_on_worker_lost
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert certificate_render.time_limit < visibility


def test_the_issued_pdf_is_signed_by_the_portal_and_unmodified(approved, settings):
    certificate = issue(approved)

    check = check_portal_signature(pdf_bytes(certificate))

    assert certificate.status == CertificateStatus.ISSUED
    assert (check.signed, check.intact, check.trusted, check.covers_whole_file) == (
        True, True, True, True)
    assert "CVC Portal Certificate Signing" in check.signer


def test_pyhanko_rejects_a_pdf_changed_after_signing(approved, settings):
    pdf = bytearray(pdf_bytes(issue(approved)))
    at = pdf.find(b"Attestation certificate")
    pdf[at:at + 11] = b"Forged cert"

    check = check_portal_signature(bytes(pdf))

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
    assert "No FEOC battery components: met" in text
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


def _qr_modules_on_page_one(pdf: bytes, size: int) -> list[list[bool]]:
    """Read the QR code's modules off page 1 rendered at 300 dpi (no decoder needed): find the
    top-left finder pattern, in the header's right quarter, (a dark run 7 modules long) and sample every module's centre."""
    import io
    import subprocess

    from PIL import Image

    png = subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", "-"],
                         input=pdf, capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    mm = 300 / 25.4

    def dark(x: int, y: int) -> bool:
        return int(pixels[x, y]) < 128

    for y in range(height // 4):  # the header's right: beside the certificate's number
        x = width * 3 // 4
        while x < width:
            if dark(x, y):
                start = x
                while dark(x, y):
                    x += 1
                if 3 * mm <= x - start <= 7 * mm:  # not a rule across the page, not text
                    module = (x - start) / 7
                    return [[dark(int(start + (c + 0.5) * module), int(y + (r + 0.5) * module))
                             for c in range(size)] for r in range(size)]
            x += 1
    raise AssertionError("no QR code found on page 1")


def test_the_qr_code_on_page_one_encodes_the_verification_url(approved):
    import segno

    certificate = issue(approved)
    expected = segno.make(verify_url(certificate), error="m", micro=False)
    size = expected.symbol_size(border=0)[0]

    modules = _qr_modules_on_page_one(pdf_bytes(certificate), size)

    assert modules == [[bool(v) for v in row] for row in expected.matrix]
