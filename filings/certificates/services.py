"""Certificates: requested in the approval's transaction, rendered and signed by the worker,
revoked or retried by an approver. Nothing is ever deleted; the PDF is written once.

Idempotency (TRUST 16): one approval creates one `Certificate` row; the render writes the PDF
under a name fixed by the certificate and never overwrites it (a render after a crash reuses the
file it finds), and only the compare-and-swap PENDING → ISSUED records the audit event and queues
the e-mail, so running the render twice leaves one file, one event, one e-mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from filings.certificates.labels import ENGLISH, LABELS_VERSION, LANGUAGES
from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.storage import (
    certificate_name,
    certificate_read,
    certificate_store_once,
    certificate_stored,
)
from filings.models import Assessment, Filing
from filings.services.common import (
    NotAllowed,
    ServiceError,
    StateConflict,
    enqueue_on_commit,
    filing_transition,
    notify_manufacturer,
    plain_text,
    require_capability,
)
from filings.states import State, transition
from portal.accounts.models import User
from portal.accounts.roles import Capability, OrganisationKind
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)


def certificate_request(*, filing: Filing, approver: User,
                        language: str = ENGLISH) -> Certificate | None:
    """Create the certificate of an approval, in the labels' `language` the approver chose
    (`labels.LANGUAGES`); call inside the approval's transaction, so an unknown language
    refuses the approval too."""
    if language not in LANGUAGES:
        raise ServiceError(f"The certificate's language must be one of {', '.join(LANGUAGES)}; "
                           f"{language!r} is not.")
    assessment = (Assessment.objects.filter(version__filing=filing, valid=True)
                  .order_by("-version__number", "-created_at").first())
    if assessment is None:
        # Review starts only from `assessed`, so this means data made by hand (tests, fixtures).
        logger.warning("filing %s approved without a valid assessment: no certificate", filing.pk)
        return None
    certificate = Certificate.objects.create(filing=filing, assessment=assessment,
                                             approved_by=approver, language=language,
                                             serial=uuid.uuid4().hex[:20])
    certificate.serial = f"CVC-{certificate.created_at:%Y}-{certificate.pk:06d}"
    Certificate.objects.filter(pk=certificate.pk).update(serial=certificate.serial)
    _enqueue_render(certificate)
    return certificate


def _enqueue_render(certificate: Certificate) -> None:
    from filings.certificates.tasks import certificate_render

    enqueue_on_commit(certificate_render, certificate.pk)


def certificate_render(*, certificate_id: int) -> Certificate:
    """Render, sign and store the PDF of a pending certificate; safe to run twice or after a
    crash. A failure (or too many lost attempts) marks the filing `certificate_failed`."""
    Certificate.objects.filter(pk=certificate_id, status=CertificateStatus.PENDING).update(
        render_attempts=F("render_attempts") + 1)
    certificate = Certificate.objects.select_related(
        "filing__organisation", "assessment__version", "approved_by").get(pk=certificate_id)
    if certificate.status != CertificateStatus.PENDING:
        return certificate
    if certificate.render_attempts > settings.CERTIFICATE_MAX_ATTEMPTS:
        _fail(certificate, f"The render was started {settings.CERTIFICATE_MAX_ATTEMPTS} times "
                           "without finishing.")
        certificate.refresh_from_db()
        return certificate
    try:
        if not certificate_stored(certificate):
            certificate_store_once(certificate, _produce_pdf(certificate))
    except SoftTimeLimitExceeded:
        _fail(certificate, "Rendering took longer than the time limit.")
    except Exception as exc:  # a failed render must end in a state, never in a retry loop
        logger.exception("certificate %s could not be rendered", certificate_id)
        _fail(certificate, f"Rendering failed: {type(exc).__name__}: {exc}"[:500])
    else:
        _issue(certificate)
    certificate.refresh_from_db()
    return certificate


def certificate_sweep() -> int:
    """Re-enqueue certificates left pending (a lost message, a worker killed at the hard time
    limit). Each delivery counts an attempt, so a render that never finishes ends as failed."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.CERTIFICATE_STUCK_AFTER_SECONDS)
    stuck = list(Certificate.objects.filter(status=CertificateStatus.PENDING,
                                            created_at__lt=cutoff))
    for certificate in stuck:
        _enqueue_render(certificate)
    return len(stuck)


def _produce_pdf(certificate: Certificate) -> bytes:
    """The signed PDF/A-3b of a certificate (no side effects)."""
    # WeasyPrint and pyHanko load only in the process that renders (the certificates worker),
    # not in every process that imports the app: `manage.py assess` starts without them.
    from filings.certificates.content import assessment_json, certificate_context
    from filings.certificates.rendering import render_pdf
    from filings.certificates.signing import sign_pdf

    # The PDF's English is the certificate's own, whatever language the thread that renders it
    # has active (its Japanese labels are data: labels.py).
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(certificate_context(certificate),
                         assessment_json=assessment_json(certificate))
    # PAdES B-LTA from the settings; raises (so certificate_failed) when the TSA, an OCSP
    # responder or a CRL repository does not answer: never issued unsigned or untimestamped.
    return sign_pdf(pdf)


def _issue(certificate: Certificate) -> None:
    content = certificate_read(certificate)  # what is stored, which an earlier run may have written
    sha256 = hashlib.sha256(content).hexdigest()
    filing = certificate.filing
    with transaction.atomic():
        issued = Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.PENDING)\
            .update(status=CertificateStatus.ISSUED, stored_name=certificate_name(certificate),
                    pdf_sha256=sha256, pdf_size=len(content), issued_at=timezone.now(), error="",
                    labels_version=LABELS_VERSION)
        if not issued:
            return  # another run issued it first
        earlier = Certificate.objects.filter(filing=filing, status=CertificateStatus.ISSUED)\
            .exclude(pk=certificate.pk)
        for previous in earlier.select_for_update():
            Certificate.objects.filter(pk=previous.pk).update(
                status=CertificateStatus.SUPERSEDED, superseded_by=certificate)
            audit_record(organisation=filing.organisation, actor=None, filing=filing,
                         action="certificate_supersede", reason=previous.serial,
                         data={"superseded_by": certificate.serial})
        audit_record(organisation=filing.organisation, actor=None, filing=filing,
                     action="certificate_issue", reason=certificate.serial,
                     data={"public_id": str(certificate.public_id), "sha256": sha256})
        notify_manufacturer(
            filing, gettext_noop("Certificate issued"),
            gettext_noop("Certificate %(serial)s for %(filing)s was issued. Download it from the "
                         "filing page; anyone can check it on its verification page."),
            serial=certificate.serial, filing=filing)


def _fail(certificate: Certificate, message: str) -> None:
    filing = certificate.filing
    with transaction.atomic():
        failed = Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.PENDING)\
            .update(status=CertificateStatus.FAILED, error=message)
        if failed:
            filing_transition(filing, actor=None, action="certificate_fail", reason=message)


def _require_approver(actor: User) -> None:
    membership = require_capability(actor, Capability.DECIDE)
    if membership.organisation.kind != OrganisationKind.AUTHORITY:
        raise NotAllowed("Only the reviewing authority's approvers can do this.")


@transaction.atomic
def certificate_retry(*, actor: User, filing: Filing) -> Certificate:
    """An approver renders a failed certificate again (once; a new failure needs a new retry)."""
    _require_approver(actor)
    certificate = filing.certificates.filter(status=CertificateStatus.FAILED).first()
    if certificate is None:
        raise StateConflict("This filing has no failed certificate to retry; reload the page.")
    filing_transition(filing, actor=actor, action="certificate_retry", reason=certificate.serial)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.PENDING, render_attempts=0, error="")
    _enqueue_render(certificate)
    return certificate


@transaction.atomic
def certificate_revoke(*, actor: User, filing: Filing, reason: str) -> Certificate:
    """An approver revokes the filing's valid certificate; the verification page shows why.
    The filing moves to `certificate_revoked` (the table's transition, audited with the reason),
    from which the manufacturer reopens it with new evidence or withdraws it."""
    _require_approver(actor)
    reason = _revocation_reason(reason)
    state = State(Filing.objects.select_for_update().values_list("state", flat=True)
                  .get(pk=filing.pk))
    if state not in transition("certificate_revoke").sources:
        raise StateConflict(f"This filing is {state.label.lower()}: only an approved filing's "
                            "certificate (or one waiting for review again) can be revoked here; "
                            "reload the page.")
    certificate = _valid_certificate(filing)
    if filing.certificates.filter(status=CertificateStatus.PENDING).exists():
        raise StateConflict("A new certificate of this filing is being rendered; wait until it "
                            "is issued (it replaces this one), then revoke that if need be.")
    _revoke(actor, certificate, reason)
    filing_transition(filing, actor=actor, action="certificate_revoke", reason=reason,
                      data={"serial": certificate.serial})
    notify_manufacturer(
        filing, gettext_noop("Certificate revoked"),
        gettext_noop("Certificate %(serial)s for %(filing)s was revoked:\n\n%(reason)s\n\nReopen "
                     "the filing as a draft to submit new evidence, or withdraw it."),
        serial=certificate.serial, filing=filing, reason=reason)
    certificate.refresh_from_db()
    return certificate


def _revocation_reason(reason: str) -> str:
    reason = plain_text(reason, what="The reason", multiline=True)
    if not reason:
        raise ServiceError("Say why the certificate is revoked; the verification page shows it.")
    return reason


def _valid_certificate(filing: Filing) -> Certificate:
    certificate = (filing.certificates.select_for_update()
                   .filter(status=CertificateStatus.ISSUED).first())
    if certificate is None:
        raise StateConflict("This filing has no valid certificate to revoke; reload the page.")
    return certificate


def _revoke(actor: User, certificate: Certificate, reason: str) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now(), revoked_by=actor,
        revoked_reason=reason)


def certificate_revoke_on_rejection(*, actor: User, filing: Filing, comment: str) -> None:
    """A filing reviewed again after a rulebook amendment may hold a valid certificate from its
    first approval: rejecting it revokes that, with the decision's comment as the reason. Runs
    in the rejection's transaction (`filings.signals.filing_rejected`); the filing stays
    rejected, so the revocation is audited without a state change."""
    if not filing.certificates.filter(status=CertificateStatus.ISSUED).exists():
        return
    _require_approver(actor)
    reason = _revocation_reason(f"Rejected on review again: {comment.strip()}")
    certificate = _valid_certificate(filing)
    _revoke(actor, certificate, reason)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="certificate_revoke", reason=reason,
                 data={"serial": certificate.serial})
    # The reason recorded for the verification page is English; the mail says it in each
    # recipient's language, with the approver's comment as written.
    notify_manufacturer(
        filing, gettext_noop("Certificate revoked"),
        gettext_noop("Certificate %(serial)s for %(filing)s was revoked: the filing was rejected "
                     "on review again.\n\n%(comment)s"),
        serial=certificate.serial, filing=filing, comment=comment.strip())
