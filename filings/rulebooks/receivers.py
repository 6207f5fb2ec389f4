"""The rulebooks app's side of the lifecycle's signals: thin, one service call each."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from filings import signals
from filings.models import Assessment, Filing
from filings.rulebooks.services import publishing


@receiver(signals.assessment_finished, dispatch_uid="rulebooks.reconcile")
def _reconcile(sender: Any, *, filing: Filing, assessment: Assessment, **kwargs: Any) -> None:
    # A version published while the assessment ran: its apply run may have missed the filing.
    if assessment.valid:
        publishing.rulebook_reconcile(filing=filing)
