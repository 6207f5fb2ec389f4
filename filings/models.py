"""Filings, their evidence versions and files, assessments, review notes and the audit trail.

Models hold data and invariants only; every write goes through `filings.services`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from filings.rules.rulebook import VEHICLE_CLASSES


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ASSESSING = "assessing", "Assessing"
    ASSESSED = "assessed", "Assessed"
    INVALID = "invalid", "Invalid evidence"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    # Approved, but its certificate could not be rendered; an approver retries from the console.
    CERTIFICATE_FAILED = "certificate_failed", "Approved, certificate failed"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Withdrawn"
    # Approved, but a published rulebook amendment changed its outcome: waiting for review again.
    # Its certificate stays valid until a re-approval supersedes it (or an approver revokes it).
    REREVIEW = "rereview", "Review again (rules amended)"


# States in which the manufacturer may still withdraw the filing.
WITHDRAWABLE = (State.DRAFT, State.SUBMITTED, State.ASSESSED, State.INVALID, State.IN_REVIEW,
                State.CHANGES_REQUESTED)
# Generated from the rulebook's classes (the one definition); labels as people write them.
# States from which the manufacturer reopens the filing as a draft with a new evidence version.
REOPENABLE = (State.INVALID, State.CHANGES_REQUESTED)
VehicleClass = models.TextChoices(  # type: ignore[call-overload]
    "VehicleClass", [(c.upper(), (c, "SUV" if c == "suv" else c.title())) for c in VEHICLE_CLASSES])


class Filing(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="filings")
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    make = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    model_year = models.PositiveSmallIntegerField()
    vehicle_class = models.CharField(max_length=10, choices=VehicleClass.choices)
    coverage_start = models.DateField(help_text="First placed-in-service date covered.")
    coverage_end = models.DateField(help_text="Last placed-in-service date covered (inclusive).")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT,
                             db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    attestation = models.TextField(blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True,
                                 help_text="The reviewer who took the filing into review.")
    recommendation = models.CharField(max_length=20, blank=True,
                                      choices=[("approve", "Approve"), ("reject", "Reject")])
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       related_name="+", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    assessment_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(condition=models.Q(coverage_end__gte=models.F("coverage_start")),
                                   name="coverage_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model} {self.model_year}"

    def current_version(self) -> EvidenceVersion | None:
        return self.versions.order_by("-number").first()


class EvidenceVersion(models.Model):
    """One set of evidence files. Frozen once submitted; a resubmission is a new version."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("filing", "number")
        constraints = [models.UniqueConstraint(fields=["filing", "number"],
                                               name="one_number_per_version")]

    def __str__(self) -> str:
        return f"{self.filing} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.submitted_at is not None


class FileKind(models.TextChoices):
    EVIDENCE = "evidence", "Evidence (workbook or CSV)"
    SUPPORTING = "supporting", "Supporting document"


class EvidenceFile(models.Model):
    version = models.ForeignKey(EvidenceVersion, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=20, choices=FileKind.choices)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("version", "kind", "original_name")

    def __str__(self) -> str:
        return self.original_name


class Assessment(models.Model):
    """The engine's answer for one evidence version under one rulebook version."""

    version = models.ForeignKey(EvidenceVersion, on_delete=models.PROTECT,
                                related_name="assessments")
    rulebook_id = models.CharField(max_length=50)
    rulebook_version = models.CharField(max_length=50)
    evidence_hashes = models.JSONField(default=dict)
    valid = models.BooleanField()
    result = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    credit_min_usd = models.PositiveIntegerField(null=True, blank=True)
    credit_max_usd = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            # Idempotency: a second run of the task stores no second assessment.
            models.UniqueConstraint(fields=["version", "rulebook_id", "rulebook_version"],
                                    name="one_assessment_per_version_and_rulebook"),
        ]

    def __str__(self) -> str:
        return f"{self.version} under {self.rulebook_id} {self.rulebook_version}"


class ReviewNote(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        RECOMMEND_APPROVE = "recommend_approve", "Recommended approval"
        RECOMMEND_REJECT = "recommend_reject", "Recommended rejection"
        REQUEST_CHANGES = "request_changes", "Requested changes"
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="review_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Append-only, hash-chained per organisation; see `filings.audit`."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="audit_events",
                               null=True, blank=True)
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
        ordering = ("pk",)

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

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="certificates")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=20, unique=True)
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
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Certificate {self.serial}"


class RulebookStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class RulebookVersionQuerySet(models.QuerySet["RulebookVersion"]):
    def update(self, **kwargs: Any) -> int:
        # Publishing is the one update of a row that may become published: draft -> published.
        if self.filter(status=RulebookStatus.PUBLISHED).exists():
            raise PermissionError("A published rulebook version is immutable.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=RulebookStatus.PUBLISHED).exists():
            raise PermissionError("A published rulebook version is never deleted.")
        return super().delete()


class RulebookVersion(models.Model):
    """One version of the rules as a record: `data` is the whole rulebook (see
    `filings.rules.amend.rulebook_data`). Drafts are edited through `filings.services`; a
    published version is immutable (here and by database trigger) and keeps its id forever."""

    rulebook_id = models.CharField(max_length=50)
    version = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=RulebookStatus.choices,
                              default=RulebookStatus.DRAFT, db_index=True)
    data = models.JSONField()
    data_sha256 = models.CharField(max_length=64)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, related_name="+", null=True,
                                 blank=True)
    citation = models.TextField(blank=True, help_text="The law, regulation or notice the "
                                "amendment follows.")
    note = models.TextField(blank=True, help_text="What changes and why, in a sentence or two.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = RulebookVersionQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "-pk")
        constraints = [
            models.UniqueConstraint(fields=["rulebook_id", "version"],
                                    name="one_record_per_rulebook_version"),
            models.CheckConstraint(
                condition=(models.Q(status="draft", published_at__isnull=True)
                           | models.Q(status="published", published_at__isnull=False)),
                name="published_version_has_a_date"),
        ]

    def __str__(self) -> str:
        return f"{self.rulebook_id} {self.version} ({self.get_status_display().lower()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and RulebookVersion.objects.filter(
                pk=self.pk, status=RulebookStatus.PUBLISHED).exists():
            raise PermissionError("A published rulebook version is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if RulebookVersion.objects.filter(pk=self.pk, status=RulebookStatus.PUBLISHED).exists():
            raise PermissionError("A published rulebook version is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == RulebookStatus.PUBLISHED


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImpactPreview(models.Model):
    """Which filings a draft would change, computed by the worker against what each filing's
    latest assessment says now. Tied to the draft's data as it was (`data_sha256`): editing the
    draft makes the preview stale."""

    draft = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="previews")
    data_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Impact of {self.draft} ({self.get_status_display().lower()})"
