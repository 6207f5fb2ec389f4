"""Reads of certificates: the public verification lookup and the scoped download."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from filings import selectors
from filings.certificates.models import Certificate, CertificateStatus
from filings.models import Filing
from portal.accounts.models import User

# Certificates that exist as a PDF: what verification and downloads may show.
PUBLISHED = (CertificateStatus.ISSUED, CertificateStatus.SUPERSEDED, CertificateStatus.REVOKED)


def certificate_public(*, public_id: uuid.UUID | str) -> Certificate:
    """Anyone holding the random public id may see a published certificate's status and the
    details printed on it; a pending, failed or unknown one is "not found"."""
    try:
        return Certificate.objects.select_related(
            "filing__organisation", "assessment", "superseded_by", "approved_by").get(
            public_id=public_id, status__in=PUBLISHED)
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise Http404("No such certificate.") from None


def certificate_get(*, actor: User, reference: uuid.UUID | str,
                    public_id: uuid.UUID | str) -> Certificate:
    """A published certificate of a filing the actor may see (`filings.selectors.filing_get`)."""
    filing = selectors.filing_get(actor=actor, reference=reference)
    try:
        return filing.certificates.get(public_id=public_id, status__in=PUBLISHED)
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise Http404("No such certificate.") from None


def filing_certificates(*, filing: Filing) -> QuerySet[Certificate]:
    """Every certificate of a filing the caller already got through `filing_get`, newest first."""
    return filing.certificates.select_related("superseded_by").order_by("-created_at", "-pk")


def issued_certificate(*, filing: Filing) -> Certificate | None:
    """The filing's valid certificate, if it has one (at most one is issued at a time)."""
    return filing.certificates.filter(status=CertificateStatus.ISSUED).first()
