"""The impact preview: which filings a draft would change, computed by the worker against what
each filing's latest assessment says now."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from filings import selectors
from filings.models import Assessment, Filing
from filings.rulebooks.impact import CHANGE_KINDS, OutcomeChange, compare, not_assessable, outcome_of
from filings.rulebooks.models import ImpactPreview, JobStatus, RulebookVersion
from filings.rulebooks.selectors import rulebook_of
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


class Recheck(NamedTuple):
    """A filing's latest valid assessment and its evidence assessed again under a rulebook."""

    latest: Assessment
    change: OutcomeChange | None  # None: the same outcome
    result: dict[str, Any] | None  # None: the evidence cannot be assessed under the rulebook
    errors: list[dict[str, Any]]


def outcome_change(filing: Filing, rulebook: Rulebook) -> Recheck | None:
    """Assess the filing's latest assessed evidence under `rulebook` and compare the outcome
    with what its latest assessment says. None when there is no valid assessment to compare."""
    latest = latest_valid(filing)
    if latest is None or latest.result is None:
        return None
    before = outcome_of(latest.result)
    if (latest.rulebook_id, latest.rulebook_version) == (rulebook.id, rulebook.version):
        return Recheck(latest, None, latest.result, [])
    result, errors = assessment_compute(latest.version, rulebook)
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


def rulebook_preview_run(*, preview_id: int) -> ImpactPreview:
    """The worker's part: compare every affected filing under the draft, with progress."""
    started = ImpactPreview.objects.filter(pk=preview_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING)
    preview = ImpactPreview.objects.select_related("draft").get(pk=preview_id)
    if not started:
        return preview  # a redelivery of a preview already run (or running)
    try:
        rulebook = rulebook_from_preview(preview)
        filings = list(affected_filings())
        ImpactPreview.objects.filter(pk=preview_id).update(total=len(filings))
        rows: list[dict[str, Any]] = []
        for done, filing in enumerate(filings, start=1):
            recheck = outcome_change(filing, rulebook)
            if recheck is not None and recheck.change is not None:
                rows.append(_filing_row(filing, recheck.change))
            ImpactPreview.objects.filter(pk=preview_id).update(done=done)
        counts = {kind: sum(1 for row in rows if row["kind"] == kind) for kind in CHANGE_KINDS}
        counts["unchanged"] = len(filings) - len(rows)
        ImpactPreview.objects.filter(pk=preview_id).update(
            status=JobStatus.DONE, rows=rows, counts=counts, finished_at=timezone.now())
    except Exception as exc:  # the page shows the failure; a new preview can be requested
        logger.exception("impact preview %s failed", preview_id)
        ImpactPreview.objects.filter(pk=preview_id).update(
            status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now())
    preview.refresh_from_db()
    return preview


def rulebook_from_preview(preview: ImpactPreview) -> Rulebook:
    draft = preview.draft
    if draft.data_sha256 != preview.data_sha256:
        raise RulebookError("the draft changed after this preview was requested; run it again")
    return rulebook_of(draft)
