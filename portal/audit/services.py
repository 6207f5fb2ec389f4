"""The audit trail: one append-only, hash-chained event per state change, per organisation.

Each event's hash covers its content and the previous event's hash in the same organisation, so
altering or deleting a row breaks the chain at that row; `audit_verify` finds the first break.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from filings.models import AuditEvent, Filing
from portal.accounts.models import Organisation, User

GENESIS_HASH = "0" * 64


def audit_record(*, organisation: Organisation, actor: User | None, action: str,
                 filing: Filing | None = None, from_state: str = "", to_state: str = "",
                 reason: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    # Lock the organisation row so two concurrent events cannot both chain onto the same tail.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = AuditEvent.objects.filter(organisation=organisation).order_by("-pk").first()
    event = AuditEvent(organisation=organisation, actor=actor, filing=filing, action=action,
                       from_state=from_state, to_state=to_state, reason=reason, data=data or {},
                       created_at=timezone.now(),
                       previous_hash=last.hash if last else GENESIS_HASH)
    event.hash = event.compute_hash()
    event.save()
    return event


def audit_verify(organisation: Organisation) -> AuditEvent | None:
    """The first event of `organisation` whose content or chain was altered, or None."""
    previous = GENESIS_HASH
    for event in AuditEvent.objects.filter(organisation=organisation).order_by("pk").iterator():
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            return event
        previous = event.hash
    return None
