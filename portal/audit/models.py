"""The audit event: one row per recorded change, never updated or deleted."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Append-only, hash-chained per organisation; see `portal.audit.services`."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    filing = models.ForeignKey("filings.Filing", on_delete=models.PROTECT,
                               related_name="audit_events", null=True, blank=True)
    action = models.CharField(max_length=50)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when the trail was part of the filings app.
        db_table = "filings_auditevent"
        ordering = ("pk",)
        # The chain's tail (`audit_record`: the organisation's last event) and its walk in
        # order (`audit_verify`), without reading the organisation's other events.
        indexes = [models.Index(fields=["organisation", "id"], name="audit_org_id_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}->{self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself, in a fixed order."""
        return json.dumps({
            "organisation": self.organisation_id, "actor": self.actor_id,
            "filing": self.filing_id, "action": self.action, "from_state": self.from_state,
            "to_state": self.to_state, "reason": self.reason, "data": self.data,
            "created_at": self.created_at.isoformat(), "previous_hash": self.previous_hash,
        }, sort_keys=True, separators=(",", ":")).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()
