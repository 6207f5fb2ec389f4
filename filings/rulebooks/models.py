"""Rulebook versions as records, and the impact previews of draft amendments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


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
    `filings.rules.amend.rulebook_data`). Drafts are edited through its services; a
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
        db_table = "filings_rulebookversion"  # the name it had in the filings app
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
        db_table = "filings_impactpreview"
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Impact of {self.draft} ({self.get_status_display().lower()})"


class ImpactPreviewChunk(models.Model):
    """One worker's share of an impact preview: a few filings, compared by one task. Each chunk
    is done once (`finished_at`); the last one to finish assembles the preview's rows in filing
    order. A chunk whose worker is lost is redelivered, or sent again by the sweep."""

    preview = models.ForeignKey(ImpactPreview, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    filing_ids = models.JSONField(default=list)
    rows = models.JSONField(default=list, blank=True)
    unchanged = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("preview", "index")
        constraints = [models.UniqueConstraint(fields=["preview", "index"],
                                               name="one_chunk_per_index")]

    def __str__(self) -> str:
        return f"chunk {self.index} of {self.preview}"
