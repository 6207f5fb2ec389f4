"""Every read, scoped to what the acting user may see.

A manufacturer's member sees its own organisation's filings; the reviewing authority sees filings
that have been submitted at least once. Anything else is "not found" (a 404, never a 403, so an
outsider learns nothing about other organisations' filings).
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from filings.models import Assessment, AuditEvent, EvidenceFile, EvidenceVersion, Filing, State
from portal.accounts.models import User
from portal.accounts.roles import OrganisationKind


def _visible_filings(actor: User) -> QuerySet[Filing]:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        return Filing.objects.none()
    if membership.organisation.kind == OrganisationKind.AUTHORITY:
        return Filing.objects.filter(submitted_at__isnull=False)
    return Filing.objects.filter(organisation_id=membership.organisation_id)


def filing_list(*, actor: User, state: str | None = None, search: str | None = None,
                outcome: str | None = None) -> QuerySet[Filing]:
    """Filings the actor may see, newest first, with what a list shows in one query."""
    filings = _visible_filings(actor).select_related("organisation")
    if state:
        filings = filings.filter(state=state)
    if search:
        filings = filings.filter(Q(make__icontains=search) | Q(model__icontains=search)
                                 | Q(organisation__name__icontains=search))
    return filings.order_by("-created_at")


def review_queue(*, actor: User) -> QuerySet[Filing]:
    """Filings waiting for the authority, oldest submission first."""
    return (_visible_filings(actor)
            .filter(state__in=[State.ASSESSED, State.IN_REVIEW])
            .select_related("organisation").order_by("submitted_at", "pk"))


def filing_get(*, actor: User, reference: uuid.UUID | str) -> Filing:
    try:
        return _visible_filings(actor).select_related("organisation").get(reference=reference)
    except (Filing.DoesNotExist, ValueError, TypeError):
        raise Http404("No such filing.") from None


def filing_versions(*, filing: Filing) -> QuerySet[EvidenceVersion]:
    """Versions of a filing the caller already got through `filing_get`, newest first."""
    return filing.versions.prefetch_related("files", "assessments").order_by("-number")


def evidence_file_get(*, actor: User, file_id: int) -> EvidenceFile:
    visible = _visible_filings(actor)
    try:
        return EvidenceFile.objects.select_related("version__filing").get(
            pk=file_id, version__filing__in=visible)
    except EvidenceFile.DoesNotExist:
        raise Http404("No such file.") from None


def latest_assessment(*, filing: Filing) -> Assessment | None:
    return (Assessment.objects.filter(version__filing=filing)
            .select_related("version").order_by("-version__number", "-created_at").first())


def filing_audit_events(*, filing: Filing) -> QuerySet[AuditEvent]:
    return filing.audit_events.select_related("actor").order_by("pk")


# --- reads for the reviewer console (admin) -----------------------------------------------

def audit_event_list(*, actor: User) -> QuerySet[AuditEvent]:
    """Audit events of the filings the actor may see, oldest first; an event of a filing the
    actor cannot see (a manufacturer's draft, another organisation's filing) is not listed."""
    return (AuditEvent.objects.filter(filing__in=_visible_filings(actor))
            .select_related("organisation", "actor", "filing").order_by("pk"))
