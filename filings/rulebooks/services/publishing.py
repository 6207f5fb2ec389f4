"""Publishing a draft, and the worker's re-assessment of the filings it changes: approved ones go
to review again, a recommendation on the old figures is withdrawn, unchanged ones are left alone."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from filings.certificates.selectors import issued_certificate
from filings.models import Assessment, Filing, ReviewNote
from filings.rulebooks.impact import OutcomeChange
from filings.rulebooks.models import (
    ImpactPreview,
    ImpactPreviewChunk,
    JobStatus,
    RulebookStatus,
    RulebookVersion,
)
from filings.rulebooks.selectors import rulebook_current, rulebook_of
from filings.rulebooks.services.drafting import AmendmentInvalid, locked_draft, require_amender
from filings.rulebooks.services.preview import (
    AFFECTED_STATES,
    Recheck,
    affected_filings,
    latest_valid,
    outcome_change,
    recheck_many,
)
from filings.rules import Rulebook, RulebookError, amend
from filings.rules.labels import RESULT_WORDS
from filings.services.assessment import assessment_advice_later, assessment_store
from filings.services.common import (
    ServiceError,
    StateConflict,
    enqueue_on_commit,
    filing_transition,
    notify_manufacturer,
)
from filings.states import State, sources_of
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)

def preview_for_publishing(draft: RulebookVersion) -> ImpactPreview | None:
    """The draft's latest finished impact preview of its current content: what publishing needs
    and what its confirmation names. A preview of an earlier content of the draft (its data
    changed since), a failed one or one still running does not count."""
    return (draft.previews.filter(status=JobStatus.DONE, data_sha256=draft.data_sha256)
            .order_by("-created_at", "-pk").first())


def sent_to_review(preview: ImpactPreview) -> list[dict[str, Any]]:
    """The rows of a preview's filings that publishing sends back to review (approved filings
    whose outcome changes; `filing_reassess` leaves a not-assessable one alone)."""
    return [row for row in preview.rows
            if row.get("on_publish") == "reviewed again" and row.get("kind") != "not_assessable"]


def _confirmed_preview(draft: RulebookVersion, preview_id: int | None,
                       confirmed: bool) -> ImpactPreview:
    """The preview the publisher confirmed, if it is the draft's finished current one."""
    latest = draft.previews.order_by("-created_at", "-pk").first()
    current = preview_for_publishing(draft)
    if current is None:
        if latest is None:
            why = "no impact preview has run for it yet"
        elif latest.data_sha256 != draft.data_sha256:
            why = "the draft changed after its latest impact preview"
        elif latest.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            why = "its impact preview has not finished yet"
        else:
            why = "its latest impact preview failed"
        raise StateConflict(f"Version {draft.version} cannot be published: {why}. Run the impact "
                            "preview of the draft as it is now, then confirm what it found.")
    if preview_id is None or preview_id != current.pk:
        raise StateConflict("The confirmation does not name the latest finished impact preview of "
                            "this draft; open the publish page again and confirm what it shows.")
    if not confirmed:
        count = len(sent_to_review(current))
        raise ServiceError(f"Publishing {draft.version} sends {count} filing"
                           f"{'' if count == 1 else 's'} back to review and cannot be undone: "
                           "confirm it with the Publish button of the confirmation page.")
    return current


@transaction.atomic
def rulebook_publish(*, actor: User, draft: RulebookVersion, preview_id: int | None,
                     confirmed: bool) -> RulebookVersion:
    """Publish a draft: it is in force from now on, never changes again, and the worker
    re-assesses the filings it affects. Only with the draft's finished impact preview of its
    current content (`preview_id`, which the confirmation page names) and the publisher's
    confirmation of what it sends back to review; otherwise nothing is published."""
    membership = require_amender(actor)
    draft = locked_draft(draft)
    try:
        rulebook_of(draft)
    except RulebookError as exc:
        raise AmendmentInvalid("", f"The draft does not validate: {exc}") from None
    base = draft.based_on
    current = rulebook_current()
    if base is not None and current.pk != base.pk:
        raise StateConflict(f"This draft amends {base.version}, but {current.version} was "
                            "published since; draft the amendment again from the version in force.")
    preview = _confirmed_preview(draft, preview_id, confirmed)
    changes = amend.diff(base.data, draft.data) if base is not None else []
    RulebookVersion.objects.filter(pk=draft.pk).update(
        status=RulebookStatus.PUBLISHED, published_by=actor, published_at=timezone.now())
    draft.refresh_from_db()
    audit_record(organisation=membership.organisation, actor=actor, action="rulebook_publish",
                 reason=draft.note,
                 data={"version": draft.version, "citation": draft.citation,
                       "sha256": draft.data_sha256,
                       "changes": [f"{c.label}: {c.before or '—'} → {c.after or '—'}"
                                   for c in changes],
                       "preview": preview.pk,
                       "confirmed_sent_to_review": len(sent_to_review(preview))})
    from filings.rulebooks.tasks import rulebook_apply

    enqueue_on_commit(rulebook_apply, draft.pk)
    return draft


def rulebook_apply(*, version_id: int) -> dict[str, int]:
    """The worker's part of publishing: every affected filing whose outcome changes is
    re-assessed (and reviewed again if it was decided); the others are left alone."""
    record = RulebookVersion.objects.select_related("published_by").get(pk=version_id)
    counts = {"changed": 0, "unchanged": 0}
    rulebook = rulebook_of(record)
    for ids in _filings_to_apply(record):
        # Each batch's filings, assessments and stored evidence are read in a few queries; only
        # a filing whose outcome changes is then locked and written, one at a time.
        changed = 0
        for filing, found in recheck_many(ids, rulebook):
            changed += _reassess(filing, record, rulebook, found)
        counts["changed"] += changed
        counts["unchanged"] += len(ids) - changed
    membership = record.published_by.membership() if record.published_by else None
    if membership is not None:
        with transaction.atomic():
            # The sweep's mark that this version's apply run finished (it is safe to run again).
            audit_record(organisation=membership.organisation, actor=None,
                         action="rulebook_applied",
                         data={"version": record.version, **counts})
    return counts


def rulebook_sweep() -> dict[str, int]:
    """Re-send rulebook work whose message was lost (a broker outage, a purged queue) and fail
    previews whose worker died: previews still queued, and the version in force if its apply
    run has not finished. Both tasks are safe to run again."""
    from filings.rulebooks.tasks import rulebook_apply, rulebook_preview, rulebook_preview_chunk

    now = timezone.now()
    stuck = now - dt.timedelta(seconds=settings.RULEBOOK_JOB_STUCK_AFTER_SECONDS)
    queued = list(ImpactPreview.objects.filter(status=JobStatus.QUEUED, created_at__lt=stuck)
                  .values_list("pk", flat=True))
    for preview_id in queued:
        enqueue_on_commit(rulebook_preview, preview_id)
    # Chunks of a running preview still not done after a while: their message or worker was
    # lost. Sent again; a chunk done meanwhile is not done twice.
    chunks = list(ImpactPreviewChunk.objects.filter(
        preview__status=JobStatus.RUNNING, preview__created_at__lt=stuck,
        finished_at__isnull=True).values_list("preview_id", "index"))
    for preview_id, index in chunks:
        enqueue_on_commit(rulebook_preview_chunk, preview_id, index)
    dead = ImpactPreview.objects.filter(
        status=JobStatus.RUNNING,
        created_at__lt=now - dt.timedelta(seconds=settings.RULEBOOK_JOB_SOFT_TIME_LIMIT + 120),
    ).update(status=JobStatus.FAILED, finished_at=now,
             error="The worker stopped before the preview finished; run it again.")
    current = rulebook_current()
    applied = (current.published_by_id is None or current.published_at is None
               or current.published_at >= stuck
               or AuditEvent.objects.filter(action="rulebook_applied",
                                            data__version=current.version).exists())
    if not applied:
        enqueue_on_commit(rulebook_apply, current.pk)
    return {"previews_resent": len(queued), "preview_chunks_resent": len(chunks),
            "previews_failed": dead, "apply_resent": int(not applied)}


def _filings_to_apply(record: RulebookVersion) -> Iterator[list[int]]:
    """The affected filings' ids, in batches of RULEBOOK_PREVIEW_CHUNK_FILINGS."""
    if rulebook_current().pk != record.pk:
        return  # a newer version is in force; its own apply run covers every filing
    ids = list(affected_filings().values_list("pk", flat=True))
    size = settings.RULEBOOK_PREVIEW_CHUNK_FILINGS
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def filing_reassess(*, filing: Filing, record: RulebookVersion) -> bool:
    """Re-assess one filing under a published version; True when its outcome changed.

    Safe to run twice: the assessment is stored once per version, and the state changes are
    compare-and-swaps that a second run finds already done."""
    rulebook = rulebook_of(record)
    recheck = outcome_change(filing, rulebook)
    return recheck is not None and _reassess(filing, record, rulebook, recheck)


def _reassess(filing: Filing, record: RulebookVersion, rulebook: Rulebook, recheck: Recheck) -> bool:
    if recheck.change is None or recheck.change.kind == "not_assessable":
        # Unchanged: left alone. Not assessable under the new rules: left for a reviewer, who
        # sees it in the preview; nothing is stored that would hide the valid assessment.
        return False
    with transaction.atomic():
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if filing.state not in AFFECTED_STATES:
            return False
        assessment = assessment_store(recheck.latest.version, rulebook, recheck.result,
                                      recheck.errors, duration_ms=0)
        _record_reassessment(filing, record, assessment, recheck.change)
        # The stored groups carry no lines: the advice on what stays unmet comes after.
        assessment_advice_later(assessment)
    return True


def _record_reassessment(filing: Filing, record: RulebookVersion, assessment: Assessment,
                         change: OutcomeChange) -> None:
    summary = (f"Rulebook {record.rulebook_id} {record.version} changed this filing's outcome: "
               f"credit {change.credit_before} → {change.credit_after}"
               + "".join(f"; {r['label']}: {r['before']} → {r['after']}"
                         for r in change.requirements) + ".")
    audit_record(organisation=filing.organisation, actor=None, filing=filing,
                 action="rulebook_reassess", from_state=filing.state, to_state=filing.state,
                 reason=summary, data={"version": record.version, "assessment": assessment.pk,
                                       "kind": change.kind})
    author = record.published_by
    # The review notes and the audit trail keep the English summary; the mail is a catalogue
    # message filled in each recipient's language.
    names = {"filing": filing, "rulebook": f"{record.rulebook_id} {record.version}",
             "credit_before": change.credit_before, "credit_after": change.credit_after,
             "changes": _RequirementChanges(change.requirements)}
    if filing.state in sources_of("rulebook_rereview"):
        issued = issued_certificate(filing=filing)
        filing_transition(filing, actor=None, action="rulebook_rereview", reason=summary)
        text = (f"{summary} The filing is queued for review again"
                + (f"; certificate {issued.serial} stays valid until a new approval supersedes "
                   "it." if issued else "."))
        if author is not None:
            ReviewNote.objects.create(filing=filing, author=author, kind=ReviewNote.Kind.COMMENT,
                                      text=text)
        body = _REREVIEW_CERTIFICATE_MAIL if issued else _REREVIEW_MAIL
        notify_manufacturer(filing, gettext_noop("Rules amended: review again"), body,
                            serial=issued.serial if issued else "", **names)
    elif filing.state == State.IN_REVIEW and filing.recommended_by_id:
        # A recommendation made on the old figures no longer stands.
        Filing.objects.filter(pk=filing.pk).update(recommendation="", recommended_by=None)
        if author is not None:
            ReviewNote.objects.create(filing=filing, author=author, kind=ReviewNote.Kind.COMMENT,
                                      text=f"{summary} The recommendation was withdrawn; "
                                           "recommend again on the new figures.")
        notify_manufacturer(filing, gettext_noop("Rules amended"), _WITHDRAWN_MAIL, **names)
    else:
        if author is not None:
            ReviewNote.objects.create(filing=filing, author=author, kind=ReviewNote.Kind.COMMENT,
                                      text=summary)
        notify_manufacturer(filing, gettext_noop("Rules amended"), _CHANGED_MAIL, **names)


_CHANGED_MAIL = gettext_noop(
    "Rulebook %(rulebook)s changed the outcome of %(filing)s: credit %(credit_before)s → "
    "%(credit_after)s.%(changes)s")
_WITHDRAWN_MAIL = gettext_noop(
    "Rulebook %(rulebook)s changed the outcome of %(filing)s: credit %(credit_before)s → "
    "%(credit_after)s. The reviewer's recommendation was withdrawn; the filing is reviewed on "
    "the new figures.%(changes)s")
_REREVIEW_MAIL = gettext_noop(
    "Rulebook %(rulebook)s changed the outcome of %(filing)s: credit %(credit_before)s → "
    "%(credit_after)s. The filing is queued for review again.%(changes)s")
_REREVIEW_CERTIFICATE_MAIL = gettext_noop(
    "Rulebook %(rulebook)s changed the outcome of %(filing)s: credit %(credit_before)s → "
    "%(credit_after)s. The filing is queued for review again; certificate %(serial)s stays valid "
    "until a new approval supersedes it.%(changes)s")

class _RequirementChanges:
    """The requirements whose result an amendment changed, a line each, written when the mail is
    filled: in the language `notify_manufacturer` has active for each copy."""

    def __init__(self, requirements: tuple[dict[str, str], ...]) -> None:
        self.requirements = requirements

    def __str__(self) -> str:
        # The requirement's label (`filings.rules.labels`) reads as the catalogue has it, if it does.
        return "".join(f"\n\n{gettext(r['label'])}: {self._result(r['before'])} → "
                       f"{self._result(r['after'])}" for r in self.requirements)

    @staticmethod
    def _result(text: str) -> str:
        """A result as `filings.rulebooks.impact` writes it, in the mail's language."""
        word = RESULT_WORDS.get(text)
        return gettext(word) if word else text


def rulebook_reconcile(*, filing: Filing) -> bool:
    """After an assessment finished: if a newer version was published meanwhile, apply it."""
    record = rulebook_current()
    latest = latest_valid(filing)
    if latest is None or latest.rulebook_version == record.version:
        return False
    filing.refresh_from_db()
    return filing_reassess(filing=filing, record=record)
