"""TRUST 16: rendering twice, or again after a crash, leaves one certificate, one stored file, one
e-mail and one audit event; a failed render ends in `certificate_failed` with a retry, not a loop."""

from __future__ import annotations

import hashlib
import os

from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.services import (
    _produce_pdf,
    certificate_render,
    certificate_retry,
    certificate_sweep,
)
from filings.certificates.storage import (
    certificate_name,
    certificate_read,
    certificate_storage,
    certificate_store_once,
    certificate_stored,
)
from filings.states import State
from portal.audit.models import AuditEvent
from tests.admin.conftest import filing_in
from tests.certificates.conftest import approve, issue


def _outcome(filing, mailoutbox) -> tuple[int, int, int, int]:
    """(certificates, stored files, e-mails about the certificate, issue events)."""
    stored = [name for name in certificate_storage().listdir("")[1] if name.endswith(".pdf")]
    mails = [m for m in mailoutbox if "Certificate issued" in m.subject]
    events = AuditEvent.objects.filter(filing=filing, action="certificate_issue").count()
    return filing.certificates.count(), len(stored), len(mails), events


def test_rendering_twice_issues_once(approved, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = issue(approved)
        again = certificate_render(certificate_id=first.pk)

    assert again.pdf_sha256 == first.pdf_sha256
    assert _outcome(approved, mailoutbox) == (1, 1, 1, 1)


def test_a_render_after_a_crash_between_writing_and_recording_keeps_the_written_file(
        approved, mailoutbox, django_capture_on_commit_callbacks):
    certificate = approved.certificates.get()
    # The crashed run: the PDF was stored, the state was never updated.
    certificate_store_once(certificate, _produce_pdf(certificate))
    written = certificate_read(certificate)
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        issued = certificate_render(certificate_id=certificate.pk)

    assert certificate_read(certificate) == written  # stored once, never rewritten
    assert issued.pdf_sha256 == hashlib.sha256(written).hexdigest()
    assert _outcome(approved, mailoutbox) == (1, 1, 1, 1)


def test_storing_never_replaces_a_stored_pdf(approved, settings):
    certificate = approved.certificates.get()

    assert certificate_store_once(certificate, b"first")
    assert not certificate_store_once(certificate, b"second")

    assert certificate_read(certificate) == b"first"
    # One file under the certificate's name: no temporary left, no second copy.
    assert os.listdir(settings.CERTIFICATE_ROOT) == [certificate_name(certificate)]


def test_a_failed_render_marks_the_filing_and_does_not_retry_by_itself(approved, settings,
                                                                      tmp_path):
    settings.CERTIFICATE_SIGNING_KEY = tmp_path / "missing-key.pem"

    certificate = issue(approved)

    approved.refresh_from_db()
    assert certificate.status == CertificateStatus.FAILED
    assert "Rendering failed" in certificate.error
    assert approved.state == State.CERTIFICATE_FAILED
    assert not certificate_stored(certificate)
    # A redelivered message does nothing more.
    assert certificate_render(certificate_id=certificate.pk).status == "failed"
    assert AuditEvent.objects.filter(filing=approved, action="certificate_fail").count() == 1


def test_an_approver_retries_a_failed_certificate(approved, approver, settings, tmp_path,
                                                  signing_material):
    settings.CERTIFICATE_SIGNING_KEY = tmp_path / "missing-key.pem"
    failed = issue(approved)
    settings.CERTIFICATE_SIGNING_KEY = signing_material[0]
    approved.refresh_from_db()

    certificate_retry(actor=approver, filing=approved)
    issued = certificate_render(certificate_id=failed.pk)

    approved.refresh_from_db()
    assert approved.state == State.APPROVED
    assert issued.status == CertificateStatus.ISSUED
    assert approved.certificates.count() == 1


def test_a_render_started_too_often_without_finishing_fails_instead_of_looping(approved,
                                                                             settings):
    certificate = approved.certificates.get()
    Certificate.objects.filter(pk=certificate.pk).update(
        render_attempts=settings.CERTIFICATE_MAX_ATTEMPTS)

    failed = certificate_render(certificate_id=certificate.pk)

    assert failed.status == CertificateStatus.FAILED
    assert "without finishing" in failed.error
    assert not certificate_stored(certificate)


def test_a_re_approved_filing_supersedes_its_earlier_certificate(manufacturer, reviewer,
                                                                 approver):
    filing = filing_in(State.ASSESSED, manufacturer)
    first = issue(approve(filing, reviewer, approver))
    # Back in the queue (as after a new assessment), then approved again.
    filing.__class__.objects.filter(pk=filing.pk).update(state=State.ASSESSED,
                                                         recommended_by=None)
    filing.refresh_from_db()
    second = issue(approve(filing, reviewer, approver))

    first.refresh_from_db()
    assert (first.status, first.superseded_by) == (CertificateStatus.SUPERSEDED, second)
    assert second.status == CertificateStatus.ISSUED
    assert filing.certificates.count() == 2  # nothing is deleted


def test_the_sweep_re_enqueues_a_certificate_left_pending_and_it_ends_issued_or_failed(
        approved, settings, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    certificate = approved.certificates.get()
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.CERTIFICATE_STUCK_AFTER_SECONDS
                                                 + 1))
    with django_capture_on_commit_callbacks() as queued:
        assert certificate_sweep() == 1
    assert len(queued) == 1
    # A worker killed at the hard limit each time: every delivery counts, then it fails.
    Certificate.objects.filter(pk=certificate.pk).update(
        render_attempts=settings.CERTIFICATE_MAX_ATTEMPTS)
    assert certificate_render(certificate_id=certificate.pk).status == "failed"
    with django_capture_on_commit_callbacks():
        assert certificate_sweep() == 0


def test_the_sweep_leaves_recent_and_finished_certificates_alone(approved):
    assert certificate_sweep() == 0
    issue(approved)
    assert certificate_sweep() == 0
