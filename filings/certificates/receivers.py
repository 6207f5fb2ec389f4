"""The certificates app's side of the lifecycle's signals: thin, one service call each."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from filings import signals
from filings.certificates import services
from filings.certificates.labels import ENGLISH
from filings.models import Filing
from portal.accounts.models import User


@receiver(signals.filing_approved, dispatch_uid="certificates.request")
def _request_certificate(sender: Any, *, filing: Filing, actor: User,
                         certificate_language: str | None = None, **kwargs: Any) -> None:
    services.certificate_request(filing=filing, approver=actor,
                                 language=certificate_language or ENGLISH)


@receiver(signals.filing_rejected, dispatch_uid="certificates.revoke_on_rejection")
def _revoke_on_rejection(sender: Any, *, filing: Filing, actor: User, comment: str,
                         **kwargs: Any) -> None:
    services.certificate_revoke_on_rejection(actor=actor, filing=filing, comment=comment)
