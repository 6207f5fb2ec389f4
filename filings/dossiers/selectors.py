"""Reads of dossiers, scoped as filings are: a member sees its own filings' dossiers built for the
manufacturer, the authority those of submitted filings built for it; anything else is 404."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from filings import selectors
from filings.dossiers.models import Dossier
from filings.dossiers.services import audience_of
from filings.models import Filing
from portal.accounts.models import User


def filing_dossiers(*, actor: User, filing: Filing) -> QuerySet[Dossier]:
    """Dossiers of a filing the caller got through `filing_get`, for the actor's side."""
    return filing.dossiers.filter(audience=audience_of(actor)).select_related("requested_by")\
        .order_by("-created_at", "-pk")


def dossier_get(*, actor: User, reference: uuid.UUID | str, public_id: uuid.UUID | str) -> Dossier:
    filing = selectors.filing_get(actor=actor, reference=reference)
    try:
        return filing_dossiers(actor=actor, filing=filing).select_related("filing").get(
            public_id=public_id)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404("No such dossier.") from None
