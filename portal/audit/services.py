"""The audit trail: one append-only, hash-chained event per state change, per organisation.

Each event's hash covers its content and the previous event's hash in the same organisation, so
altering or deleting a row breaks the chain at that row; `audit_verify` finds the first break.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from portal.audit.models import AuditEvent

if TYPE_CHECKING:  # types only: the trail imports no app, so every app may import the trail
    from filings.models import Filing
    from portal.accounts.models import Organisation, User

GENESIS_HASH = "0" * 64


def audit_record(*, organisation: Organisation, actor: User | None, action: str,
                 filing: Filing | None = None, from_state: str = "", to_state: str = "",
                 reason: str = "", data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    # Lock the organisation row so two concurrent events cannot both chain onto the same tail.
    # (Its key only: the row itself is not needed.) Then the tail, read after the lock is held:
    # one statement could not do both, as its snapshot would predate the lock's wait.
    list(type(organisation)._default_manager.select_for_update()
         .filter(pk=organisation.pk).values_list("pk", flat=True))
    # The tail's hash only, from the (organisation, id) index.
    last = (AuditEvent.objects.filter(organisation=organisation).order_by("-pk")
            .values_list("hash", flat=True).first())
    event = AuditEvent(organisation=organisation, actor=actor, filing=filing, action=action,
                       from_state=from_state, to_state=to_state, reason=reason, data=data or {},
                       created_at=timezone.now(), previous_hash=last or GENESIS_HASH)
    event.hash = event.compute_hash()
    event.save()
    return event


def audit_verify(organisation: Organisation) -> AuditEvent | None:
    """The first event of `organisation` whose content or chain was altered, or None."""
    return _first_break(organisation.pk)


def audit_verify_all() -> tuple[int, list[AuditEvent]]:
    """Every organisation's chain checked: (events read, the first altered event of each
    organisation whose chain is broken)."""
    broken = []
    organisations = (AuditEvent.objects.order_by("organisation_id")
                     .values_list("organisation_id", flat=True).distinct())
    for organisation_id in organisations:
        first = _first_break(organisation_id)
        if first is not None:
            broken.append(first)
    return AuditEvent.objects.count(), broken


def _first_break(organisation_id: int) -> AuditEvent | None:
    previous = GENESIS_HASH
    for event in AuditEvent.objects.filter(organisation_id=organisation_id).order_by("pk").iterator():
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            return event
        previous = event.hash
    return None
