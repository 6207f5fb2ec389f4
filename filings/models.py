"""The filing lifecycle's records: filings, their evidence versions and files, assessments and
review notes. (Rulebook versions, certificates and the audit trail are models of their own apps.)

Models hold data and invariants only; every write goes through `filings.services`. The states
and the transitions between them are `filings.states`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

from filings.rules.rulebook import VEHICLE_CLASSES
from filings.states import State

# Generated from the rulebook's classes (the one definition); labels as people write them.
VehicleClass = models.TextChoices(  # type: ignore[call-overload]
    "VehicleClass", [(c.upper(), (c, "SUV" if c == "suv" else c.title())) for c in VEHICLE_CLASSES])
# The labels above, for the catalogue (a test checks every label has its translation).
_VEHICLE_CLASS_LABELS = (gettext_noop("Car"), gettext_noop("SUV"), gettext_noop("Van"),
                         gettext_noop("Pickup"))


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
        # The lists' order (`filings.selectors.LIST_ORDER`) within what each list filters on:
        # a page reads its rows' keys from the index, not by sorting every filing.
        indexes = [
            # A manufacturer's dashboard and API list, and the same filtered by state.
            models.Index(fields=["organisation", "-created_at", "-id"],
                         name="filing_org_created_idx"),
            models.Index(fields=["organisation", "state", "-created_at", "-id"],
                         name="filing_org_state_created_idx"),
            # The authority's lists: every filing submitted at least once.
            models.Index(fields=["-created_at", "-id"], name="filing_submitted_created_idx",
                         condition=models.Q(submitted_at__isnull=False)),
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


class EvidenceCheck(models.Model):
    """The worker's check of a draft version's evidence, made as soon as the evidence (or the
    filing's description) changes, before anyone attests: the same readers and the same rulebook
    as the assessment. Its result is preliminary: never an assessment, never certified.

    `token` changes with every request for a new check; a worker's answer is stored only if the
    token it was given is still the current one, so a late answer never overwrites a newer check.
    """

    class Status(models.TextChoices):
        EMPTY = "empty", gettext_noop("No evidence yet")
        CHECKING = "checking", gettext_noop("Checking")
        ERRORS = "errors", gettext_noop("Problems found")
        READY = "ready", gettext_noop("Ready to submit")

    version = models.OneToOneField(EvidenceVersion, on_delete=models.CASCADE, primary_key=True,
                                   related_name="evidence_check")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EMPTY)
    token = models.UUIDField(default=uuid.uuid4)
    requested_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)
    rulebook_id = models.CharField(max_length=50, blank=True)
    rulebook_version = models.CharField(max_length=50, blank=True)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    credit_min_usd = models.PositiveIntegerField(null=True, blank=True)
    credit_max_usd = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Check of {self.version}: {self.get_status_display()}"

    @property
    def pending(self) -> bool:
        return self.status == self.Status.CHECKING


class StoredEvidence(models.Model):
    """What the rules read of a version's evidence files, read once and kept: the summed
    groups, the vehicle and the checked VINs, packed by `filings.rules.packed`. `files_sha256`
    names the set of files it was read from (a draft's files may change); `data_sha256` is the
    packed bytes' hash, checked before every use. A re-assessment under another rulebook reads
    this, never the files."""

    version = models.OneToOneField(EvidenceVersion, on_delete=models.CASCADE, primary_key=True,
                                   related_name="stored_evidence")
    files_sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    data_sha256 = models.CharField(max_length=64)
    mineral_lines = models.PositiveIntegerField(default=0)
    mineral_groups = models.PositiveIntegerField(default=0)
    component_lines = models.PositiveIntegerField(default=0)
    read_ms = models.PositiveIntegerField(default=0, help_text="How long reading the files took.")
    stored_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"stored evidence of {self.version}"


class FileKind(models.TextChoices):
    EVIDENCE = "evidence", gettext_noop("Evidence (workbook or CSV)")
    SUPPORTING = "supporting", gettext_noop("Supporting document")


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
    # The result's segments without their findings (`outcome_document`): all the impact preview
    # compares, a small part of a result whose findings list thousands of rows.
    outcome = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    credit_min_usd = models.PositiveIntegerField(null=True, blank=True)
    credit_max_usd = models.PositiveIntegerField(null=True, blank=True)
    # `filings.rules.advice.Advice.to_dict()` when some requirement is not met; None when all
    # are, when the result is invalid, or when the advice could not be made.
    advice = models.JSONField(null=True, blank=True)
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


def outcome_document(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """What an outcome is made of: each segment's dates, credit and requirements' applies/met."""
    if result is None:
        return None
    return {"segments": [
        {"from": s["from"], "to": s["to"], "credit_usd": s["credit_usd"],
         "requirements": {rid: {"applies": r.get("applies"), "met": r.get("met")}
                          for rid, r in s["requirements"].items()}}
        for s in result["segments"]]}


class ReviewNote(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", gettext_noop("Comment")
        RECOMMEND_APPROVE = "recommend_approve", gettext_noop("Recommended approval")
        RECOMMEND_REJECT = "recommend_reject", gettext_noop("Recommended rejection")
        REQUEST_CHANGES = "request_changes", gettext_noop("Requested changes")
        APPROVE = "approve", gettext_noop("Approved")
        REJECT = "reject", gettext_noop("Rejected")

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
