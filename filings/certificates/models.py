"""Certificates: one per approval, never deleted; the PDF is stored once and never rewritten."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from filings.certificates.labels import ENGLISH, LANGUAGES
from filings.presentation import AssessedVehicle, assessed_vehicle


class CertificateStatus(models.TextChoices):
    PENDING = "pending", "Being issued"
    ISSUED = "issued", "Valid"
    FAILED = "failed", "Could not be issued"
    SUPERSEDED = "superseded", "Superseded"
    REVOKED = "revoked", "Revoked"


class Certificate(models.Model):
    """The portal's signed attestation of one approval. Created in the approval's transaction
    (so one approval is one certificate), rendered by the worker, never deleted; the PDF is
    stored once under `stored_name` and never rewritten."""

    filing = models.ForeignKey("filings.Filing", on_delete=models.PROTECT,
                               related_name="certificates")
    assessment = models.ForeignKey("filings.Assessment", on_delete=models.PROTECT,
                                   related_name="+")
    serial = models.CharField(max_length=20, unique=True)
    # Chosen by the approver: English labels, or English with Japanese beside them (labels.py).
    language = models.CharField(max_length=8, choices=list(LANGUAGES.items()), default=ENGLISH)
    # The `labels.LABELS_VERSION` the stored PDF printed; blank until it is issued.
    labels_version = models.CharField(max_length=20, blank=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=CertificateStatus.choices,
                              default=CertificateStatus.PENDING, db_index=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    stored_name = models.CharField(max_length=80, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, related_name="+",
                                      null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    class Meta:
        db_table = "filings_certificate"  # the name it had in the filings app
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Certificate {self.serial}"

    @property
    def vehicle(self) -> AssessedVehicle:
        """The vehicle and period the certificate names: its assessed evidence's, never only the
        filing's description."""
        return assessed_vehicle(self.assessment.result, self.filing)
