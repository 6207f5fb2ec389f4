"""The impact preview: which filings a draft would change, computed by the worker against what
each filing's latest assessment says now."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from filings import selectors
from filings.models import Assessment, EvidenceFile, FileKind, Filing, StoredEvidence
from filings.rulebooks.impact import CHANGE_KINDS, OutcomeChange, compare, not_assessable, outcome_of
from filings.rulebooks.models import ImpactPreview, ImpactPreviewChunk, JobStatus, RulebookVersion
from filings.rulebooks.selectors import rulebook_of, rulebook_parsed
from filings.rulebooks.services.drafting import locked_draft, require_amender
from filings.rules import Rulebook, RulebookError
from filings.rules.labels import REQUIREMENT_LABELS
from filings.services.assessment import assessment_compute
from filings.services.common import (
    enqueue_on_commit,
)
from filings.states import DECIDED, State, sources_of
from portal.accounts.models import User

logger = logging.getLogger(__name__)

# Filings an amendment can touch: open ones are re-assessed, decided ones reviewed again.
AFFECTED_STATES = (State.ASSESSED, State.IN_REVIEW, *DECIDED)


def affected_filings() -> QuerySet[Filing]:
    """Filings an amendment may change: assessed, in review, approved or waiting for review
    again. (Submitted ones are assessed under whatever is in force when the worker gets them;
    drafts, invalid, rejected and withdrawn ones are assessed again only when resubmitted.)"""
    return (Filing.objects.filter(state__in=AFFECTED_STATES)
            .select_related("organisation").order_by("pk"))


def latest_valid(filing: Filing) -> Assessment | None:
    latest = selectors.latest_assessment(filing=filing)
    return latest if latest is not None and latest.valid else None


def latest_valid_many(filings: dict[int, Filing]) -> dict[int, Assessment]:
    """`latest_valid` for many filings in two queries: {filing id: its latest assessment, if
    valid}. Each assessment's version has its filing set, so nothing more is read lazily."""
    newest: dict[int, int] = {}
    candidates = (Assessment.objects.filter(version__filing_id__in=filings)
                  .order_by("version__filing_id", "-version__number", "-created_at")
                  .values_list("pk", "version__filing_id", "valid"))
    for pk, filing_id, valid in candidates:
        if filing_id not in newest:
            newest[filing_id] = pk if valid else 0
    chosen = [pk for pk in newest.values() if pk]
    found: dict[int, Assessment] = {}
    # Their outcomes, not their results: a result's findings may list thousands of rows.
    for assessment in (Assessment.objects.filter(pk__in=chosen).select_related("version")
                       .defer("result")):
        filing = filings[assessment.version.filing_id]
        assessment.version.filing = filing
        found[filing.pk] = assessment
    return found


class Recheck(NamedTuple):
    """A filing's latest valid assessment and its evidence assessed again under a rulebook."""

    latest: Assessment
    change: OutcomeChange | None  # None: the same outcome
    # None: the evidence cannot be assessed under the rulebook (or is assessed under it already)
    result: dict[str, Any] | None
    errors: list[dict[str, Any]]


def outcome_change(filing: Filing, rulebook: Rulebook) -> Recheck | None:
    """Assess the filing's latest assessed evidence under `rulebook` and compare the outcome
    with what its latest assessment says. None when there is no valid assessment to compare."""
    latest = latest_valid(filing)
    if latest is None:
        return None
    return recheck(latest, rulebook)


def recheck(latest: Assessment, rulebook: Rulebook, *, stored: StoredEvidence | None = None,
            files: list[EvidenceFile] | None = None) -> Recheck | None:
    """`outcome_change` given the latest valid assessment (and, loaded already, the stored
    evidence and evidence files of its version)."""
    stored_outcome = latest.outcome if latest.outcome is not None else latest.result
    if stored_outcome is None:
        return None
    before = outcome_of(stored_outcome)
    if (latest.rulebook_id, latest.rulebook_version) == (rulebook.id, rulebook.version):
        return Recheck(latest, None, None, [])
    result, errors = assessment_compute(latest.version, rulebook, stored=stored, files=files)
    if result is None:
        message = errors[0]["message"] if errors else "the evidence could not be assessed"
        return Recheck(latest, not_assessable(before, message), None, errors)
    return Recheck(latest, compare(before, outcome_of(result), REQUIREMENT_LABELS), result,
                   errors)


def _filing_row(filing: Filing, change: OutcomeChange) -> dict[str, Any]:
    # What `publishing.filing_reassess` will do with it; the publish confirmation counts the
    # "reviewed again" rows as the filings it sends back to review.
    action = ("left as it is" if change.kind == "not_assessable"
              else "reviewed again" if filing.state in sources_of("rulebook_rereview")
              else "re-assessed, still waiting for review again" if filing.state == State.REREVIEW
              else "re-assessed")
    return {"filing": filing.pk, "reference": str(filing.reference),
            "manufacturer": filing.organisation.name, "vehicle": str(filing),
            "vehicle_class": filing.vehicle_class,
            "coverage": f"{filing.coverage_start} to {filing.coverage_end}",
            "state": State(filing.state).label, "on_publish": action, **change.to_dict()}


@transaction.atomic
def rulebook_preview_request(*, actor: User, draft: RulebookVersion) -> ImpactPreview:
    require_amender(actor)
    draft = locked_draft(draft)
    rulebook_of(draft)  # a draft that does not validate cannot be previewed
    preview = ImpactPreview.objects.create(draft=draft, data_sha256=draft.data_sha256,
                                           requested_by=actor)
    from filings.rulebooks.tasks import rulebook_preview

    enqueue_on_commit(rulebook_preview, preview.pk)
    return preview


def rulebook_preview_run(*, preview_id: int, enqueue: bool = True) -> ImpactPreview:
    """The worker's first part: split the affected filings into chunks, one task each, which
    the workers compare in parallel (`rulebook_preview_chunk_run`); the last to finish
    assembles the preview. Progress (`done` of `total` filings) grows chunk by chunk."""
    started = ImpactPreview.objects.filter(pk=preview_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING)
    preview = ImpactPreview.objects.select_related("draft").get(pk=preview_id)
    if not started:
        return preview  # a redelivery of a preview already run (or running)
    try:
        rulebook_from_preview(preview)  # a draft that no longer validates fails here, once
        ids = list(affected_filings().values_list("pk", flat=True))
        size = max(1, settings.RULEBOOK_PREVIEW_CHUNK_FILINGS)
        chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
        from filings.rulebooks.tasks import rulebook_preview_chunk

        with transaction.atomic():
            ImpactPreviewChunk.objects.bulk_create(
                [ImpactPreviewChunk(preview_id=preview_id, index=index, filing_ids=chunk)
                 for index, chunk in enumerate(chunks)])
            ImpactPreview.objects.filter(pk=preview_id).update(total=len(ids))
            for index in range(len(chunks) if enqueue else 0):
                enqueue_on_commit(rulebook_preview_chunk, preview_id, index)
        if not chunks:
            _finish_if_complete(preview_id)
    except Exception as exc:  # the page shows the failure; a new preview can be requested
        _failed(preview_id, exc)
    preview.refresh_from_db()
    return preview


def rulebook_preview_in_process(*, preview_id: int) -> ImpactPreview:
    """The whole preview in this process, chunk after chunk (tests and the shell; the workers
    share the chunks out)."""
    rulebook_preview_run(preview_id=preview_id, enqueue=False)
    for index in ImpactPreviewChunk.objects.filter(preview_id=preview_id).values_list(
            "index", flat=True):
        rulebook_preview_chunk_run(preview_id=preview_id, index=index)
    return ImpactPreview.objects.select_related("draft").get(pk=preview_id)


def rulebook_preview_chunk_run(*, preview_id: int, index: int) -> bool:
    """Compare one chunk's filings under the draft; True when this run did the chunk (a
    redelivered or re-sent chunk that is done already does nothing). The queries are the same
    few whatever the chunk's size: filings, latest assessments, evidence files, stored evidence."""
    chunk = (ImpactPreviewChunk.objects.select_related("preview__draft")
             .filter(preview_id=preview_id, index=index).first())
    if chunk is None or chunk.finished_at is not None \
            or chunk.preview.status != JobStatus.RUNNING:
        return False
    try:
        rulebook = rulebook_from_preview(chunk.preview)
        rows, unchanged = compare_filings(list(chunk.filing_ids), rulebook)
    except Exception as exc:
        _failed(preview_id, exc)
        return False
    with transaction.atomic():
        did = ImpactPreviewChunk.objects.filter(pk=chunk.pk, finished_at__isnull=True).update(
            rows=rows, unchanged=unchanged, finished_at=timezone.now())
        if did:
            ImpactPreview.objects.filter(pk=preview_id).update(
                done=F("done") + len(chunk.filing_ids))
    if did:
        _finish_if_complete(preview_id)
    return bool(did)


def compare_filings(ids: list[int], rulebook: Rulebook) -> tuple[list[dict[str, Any]], int]:
    """The preview rows of the filings whose outcome `rulebook` changes, in `ids` order, and how
    many are unchanged (or have no valid assessment to compare)."""
    rows = [_filing_row(filing, found.change) for filing, found in recheck_many(ids, rulebook)
            if found.change is not None]
    return rows, len(ids) - len(rows)


def recheck_many(ids: list[int], rulebook: Rulebook) -> Iterator[tuple[Filing, Recheck]]:
    """`outcome_change` for many filings, in `ids` order, with what it reads loaded in a few
    queries for all of them (filings, latest assessments, stored evidence, files); a filing
    without a valid assessment to compare is left out."""
    filings = {f.pk: f for f in Filing.objects.filter(pk__in=ids).select_related("organisation")}
    latest = latest_valid_many(filings)
    versions = [assessment.version_id for assessment in latest.values()]
    files: dict[int, list[EvidenceFile]] = {version: [] for version in versions}
    for f in EvidenceFile.objects.filter(version_id__in=versions, kind=FileKind.EVIDENCE):
        files[f.version_id].append(f)
    stored = {s.version_id: s for s in StoredEvidence.objects.filter(version_id__in=versions)}
    for filing_id in ids:
        filing = filings.get(filing_id)
        assessment = latest.get(filing_id)
        if filing is None or assessment is None:
            continue
        found = recheck(assessment, rulebook, stored=stored.get(assessment.version_id),
                        files=files[assessment.version_id])
        if found is not None:
            yield filing, found


def _finish_if_complete(preview_id: int) -> None:
    """Assemble the preview once every chunk is done (whichever task finishes last)."""
    with transaction.atomic():
        preview = ImpactPreview.objects.select_for_update().get(pk=preview_id)
        if preview.status != JobStatus.RUNNING:
            return
        chunks = list(preview.chunks.order_by("index").values_list("rows", "unchanged",
                                                                   "finished_at"))
        if any(finished is None for _, _, finished in chunks):
            return
        rows = [row for chunk_rows, _, _ in chunks for row in chunk_rows]
        counts = {kind: sum(1 for row in rows if row["kind"] == kind) for kind in CHANGE_KINDS}
        counts["unchanged"] = sum(unchanged for _, unchanged, _ in chunks)
        ImpactPreview.objects.filter(pk=preview_id).update(
            status=JobStatus.DONE, rows=rows, counts=counts, done=preview.total,
            finished_at=timezone.now())


def _failed(preview_id: int, exc: Exception) -> None:
    logger.exception("impact preview %s failed", preview_id)
    ImpactPreview.objects.filter(pk=preview_id, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:500],
        finished_at=timezone.now())


def rulebook_from_preview(preview: ImpactPreview) -> Rulebook:
    draft = preview.draft
    if draft.data_sha256 != preview.data_sha256:
        raise RulebookError("the draft changed after this preview was requested; run it again")
    return rulebook_parsed(draft)  # once per process: every chunk of the preview parses it
