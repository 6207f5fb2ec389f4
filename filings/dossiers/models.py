"""Dossiers (one build of a filing's exam ZIP) and examiner links (a hashed, expiring token)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class DossierStatus(models.TextChoices):
    PENDING = "pending", "Queued"
    BUILDING = "building", "Being built"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be built"


class Audience(models.TextChoices):
    """Whose view of the filing a dossier holds: the manufacturer's omits the authority's
    internal recommendations (`filings.selectors.filing_review_notes`)."""

    MANUFACTURER = "manufacturer", "Manufacturer"
    AUTHORITY = "authority", "Reviewing authority"


class Dossier(models.Model):
    filing = models.ForeignKey("filings.Filing", on_delete=models.PROTECT,
                               related_name="dossiers")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    status = models.CharField(max_length=10, choices=DossierStatus.choices,
                              default=DossierStatus.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent built.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stored_name = models.CharField(max_length=80, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    members = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Dossier {self.public_id.hex[:8]} of {self.filing} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == DossierStatus.READY

    @property
    def in_progress(self) -> bool:
        return self.status in (DossierStatus.PENDING, DossierStatus.BUILDING)

    @property
    def file_name(self) -> str:
        return f"dossier-{self.filing.reference}-{self.public_id.hex[:8]}.zip"


class ExaminerLink(models.Model):
    """A read-only link to one filing's dossier for an examiner without an account. Only the
    SHA-256 of its random token is kept; the token itself is shown once, when it is issued."""

    filing = models.ForeignKey("filings.Filing", on_delete=models.PROTECT,
                               related_name="examiner_links")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="links")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True, help_text="Who the link is for.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-issued_at", "-pk")

    def __str__(self) -> str:
        return f"Examiner link for {self.filing} (until {self.expires_at:%Y-%m-%d})"

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired
