"""Rulebook amendments: draft, amend, preview the impact, publish, and re-assess what changed.

Approvers of the reviewing authority draft and publish (Capability.AMEND_RULES). The worker
computes previews and applies a published version to the filings it affects. Every step is an
audit event: the authority's own trail for the rulebook, each filing's trail for what happened
to it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from filings import selectors
from filings.certificates.selectors import issued_certificate
from filings.models import Assessment, Filing, ReviewNote
from filings.rulebooks.impact import CHANGE_KINDS, OutcomeChange, compare, not_assessable, outcome_of
from filings.rulebooks.models import ImpactPreview, JobStatus, RulebookStatus, RulebookVersion
from filings.rulebooks.selectors import rulebook_current, rulebook_of
from filings.rules import Rulebook, RulebookError, amend
from filings.rules.labels import REQUIREMENT_LABELS
from filings.services.assessment import assessment_compute, assessment_store
from filings.services.common import (
    NotAllowed,
    ServiceError,
    StateConflict,
    enqueue_on_commit,
    filing_transition,
    notify_manufacturer,
    require_capability,
)
from filings.states import DECIDED, State, sources_of
from portal.accounts.models import Membership, User
from portal.accounts.roles import Capability, OrganisationKind
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)

# Filings an amendment can touch: open ones are re-assessed, decided ones reviewed again.
AFFECTED_STATES = (State.ASSESSED, State.IN_REVIEW, *DECIDED)
_VERSION_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,49}$")


class AmendmentInvalid(ServiceError):
    """An amendment the rules refuse; `field` names the form field at fault ('' for the form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _require_amender(actor: User) -> Membership:
    membership = require_capability(actor, Capability.AMEND_RULES)
    if membership.organisation.kind != OrganisationKind.AUTHORITY:
        raise NotAllowed("Only the reviewing authority's approvers amend the rulebook.")
    return membership


def _required_text(field: str, value: str, what: str) -> str:
    if len(value.strip()) < 5:
        raise AmendmentInvalid(field, f"{what} is required (at least 5 characters).")
    return value.strip()


def _locked_draft(draft: RulebookVersion) -> RulebookVersion:
    current = RulebookVersion.objects.select_for_update().get(pk=draft.pk)
    if current.status != RulebookStatus.DRAFT:
        raise StateConflict(f"Version {current.version} is published and can no longer change; "
                            "draft a new amendment instead.")
    return current


# --- drafting -----------------------------------------------------------------------------

@transaction.atomic
def rulebook_draft_create(*, actor: User, version: str, citation: str, note: str,
                          based_on: RulebookVersion | None = None) -> RulebookVersion:
    """A draft amendment: a copy of `based_on` (the version in force by default)."""
    membership = _require_amender(actor)
    base = based_on or rulebook_current()
    if not base.is_published:
        raise AmendmentInvalid("based_on", "An amendment starts from a published version.")
    label = version.strip()
    if not _VERSION_LABEL.match(label):
        raise AmendmentInvalid("version", "A version is letters, digits, dots and hyphens, "
                               "starting with a letter or digit (for example 2025.3).")
    if RulebookVersion.objects.filter(rulebook_id=base.rulebook_id, version=label).exists():
        raise AmendmentInvalid("version", f"Version {label} exists already; versions keep their "
                               "id forever, so choose a new one.")
    citation = _required_text("citation", citation, "A citation")
    note = _required_text("note", note, "A note")
    data = amend.with_version(base.data, version=label, note=note)
    try:
        draft = RulebookVersion.objects.create(
            rulebook_id=base.rulebook_id, version=label, data=data,
            data_sha256=amend.data_sha256(data), based_on=base, citation=citation, note=note,
            created_by=actor)
    except IntegrityError:
        raise AmendmentInvalid("version", f"Version {label} exists already.") from None
    audit_record(organisation=membership.organisation, actor=actor, action="rulebook_draft",
                 reason=note, data={"version": label, "based_on": base.version,
                                    "citation": citation})
    return draft


@transaction.atomic
def rulebook_draft_update(*, actor: User, draft: RulebookVersion, citation: str,
                          note: str) -> RulebookVersion:
    membership = _require_amender(actor)
    draft = _locked_draft(draft)
    citation = _required_text("citation", citation, "A citation")
    note = _required_text("note", note, "A note")
    data = amend.with_version(draft.data, version=draft.version, note=note)
    RulebookVersion.objects.filter(pk=draft.pk).update(
        citation=citation, note=note, data=data, data_sha256=amend.data_sha256(data))
    audit_record(organisation=membership.organisation, actor=actor,
                 action="rulebook_draft_update", reason=note,
                 data={"version": draft.version, "citation": citation})
    draft.refresh_from_db()
    return draft


# The amendments a draft takes; each is one function of `filings.rules.amend`.
AMENDMENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "fta_add": amend.fta_add,
    "fta_end": amend.fta_end,
    "schedule_set_pct": amend.schedule_set_pct,
    "msrp_cap_set": amend.msrp_cap_set,
    "amount_set": amend.amount_set,
    "battery_minimum_set": amend.battery_minimum_set,
    "gvwr_set": amend.gvwr_set,
    "credit_window_set": amend.credit_window_set,
}


@transaction.atomic
def rulebook_draft_amend(*, actor: User, draft: RulebookVersion, amendment: str,
                         **params: Any) -> RulebookVersion:
    """Apply one amendment to a draft; the rule data is validated before it is stored."""
    membership = _require_amender(actor)
    operation = AMENDMENTS.get(amendment)
    if operation is None:
        raise AmendmentInvalid("", f"Unknown amendment {amendment!r}.")
    draft = _locked_draft(draft)
    try:
        data = operation(draft.data, **params)
    except amend.AmendmentError as exc:
        raise AmendmentInvalid(exc.field, exc.message) from None
    RulebookVersion.objects.filter(pk=draft.pk).update(data=data,
                                                       data_sha256=amend.data_sha256(data))
    audit_record(organisation=membership.organisation, actor=actor, action="rulebook_amend",
                 reason=params.get("citation", ""),
                 data={"version": draft.version, "amendment": amendment,
                       "params": {k: _jsonable(v) for k, v in params.items()}})
    draft.refresh_from_db()
    return draft


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(v) for v in value)
    return str(value)


@transaction.atomic
def rulebook_draft_discard(*, actor: User, draft: RulebookVersion) -> None:
    """Delete a draft and its previews (a published version is never deleted)."""
    membership = _require_amender(actor)
    draft = _locked_draft(draft)
    ImpactPreview.objects.filter(draft=draft).delete()
    version = draft.version
    draft.delete()
    audit_record(organisation=membership.organisation, actor=actor,
                 action="rulebook_draft_discard", data={"version": version})


# --- impact -------------------------------------------------------------------------------

def affected_filings() -> QuerySet[Filing]:
    """Filings an amendment may change: assessed, in review, approved or waiting for review
    again. (Submitted ones are assessed under whatever is in force when the worker gets them;
    drafts, invalid, rejected and withdrawn ones are assessed again only when resubmitted.)"""
    return (Filing.objects.filter(state__in=AFFECTED_STATES)
            .select_related("organisation").order_by("pk"))


def _latest_valid(filing: Filing) -> Assessment | None:
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
    latest = _latest_valid(filing)
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
    action = ("reviewed again" if filing.state in DECIDED
              else "re-assessed" if change.kind != "not_assessable" else "left as it is")
    return {"filing": filing.pk, "reference": str(filing.reference),
            "manufacturer": filing.organisation.name, "vehicle": str(filing),
            "vehicle_class": filing.vehicle_class,
            "coverage": f"{filing.coverage_start} to {filing.coverage_end}",
            "state": State(filing.state).label, "on_publish": action, **change.to_dict()}


@transaction.atomic
def rulebook_preview_request(*, actor: User, draft: RulebookVersion) -> ImpactPreview:
    _require_amender(actor)
    draft = _locked_draft(draft)
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


# --- publishing ---------------------------------------------------------------------------

@transaction.atomic
def rulebook_publish(*, actor: User, draft: RulebookVersion) -> RulebookVersion:
    """Publish a draft: it is in force from now on, never changes again, and the worker
    re-assesses the filings it affects."""
    membership = _require_amender(actor)
    draft = _locked_draft(draft)
    try:
        rulebook_of(draft)
    except RulebookError as exc:
        raise AmendmentInvalid("", f"The draft does not validate: {exc}") from None
    base = draft.based_on
    current = rulebook_current()
    if base is not None and current.pk != base.pk:
        raise StateConflict(f"This draft amends {base.version}, but {current.version} was "
                            "published since; draft the amendment again from the version in force.")
    changes = amend.diff(base.data, draft.data) if base is not None else []
    RulebookVersion.objects.filter(pk=draft.pk).update(
        status=RulebookStatus.PUBLISHED, published_by=actor, published_at=timezone.now())
    draft.refresh_from_db()
    audit_record(organisation=membership.organisation, actor=actor, action="rulebook_publish",
                 reason=draft.note,
                 data={"version": draft.version, "citation": draft.citation,
                       "sha256": draft.data_sha256,
                       "changes": [f"{c.label}: {c.before or '—'} → {c.after or '—'}"
                                   for c in changes]})
    from filings.rulebooks.tasks import rulebook_apply

    enqueue_on_commit(rulebook_apply, draft.pk)
    return draft


def rulebook_apply(*, version_id: int) -> dict[str, int]:
    """The worker's part of publishing: every affected filing whose outcome changes is
    re-assessed (and reviewed again if it was decided); the others are left alone."""
    record = RulebookVersion.objects.select_related("published_by").get(pk=version_id)
    counts = {"changed": 0, "unchanged": 0}
    for filing in _filings_to_apply(record):
        changed = filing_reassess(filing=filing, record=record)
        counts["changed" if changed else "unchanged"] += 1
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
    from filings.rulebooks.tasks import rulebook_apply, rulebook_preview

    now = timezone.now()
    stuck = now - dt.timedelta(seconds=settings.RULEBOOK_JOB_STUCK_AFTER_SECONDS)
    queued = list(ImpactPreview.objects.filter(status=JobStatus.QUEUED, created_at__lt=stuck)
                  .values_list("pk", flat=True))
    for preview_id in queued:
        enqueue_on_commit(rulebook_preview, preview_id)
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
    return {"previews_resent": len(queued), "previews_failed": dead, "apply_resent": int(not applied)}


def _filings_to_apply(record: RulebookVersion) -> Iterator[Filing]:
    if rulebook_current().pk != record.pk:
        return  # a newer version is in force; its own apply run covers every filing
    yield from affected_filings().iterator()


def filing_reassess(*, filing: Filing, record: RulebookVersion) -> bool:
    """Re-assess one filing under a published version; True when its outcome changed.

    Safe to run twice: the assessment is stored once per version, and the state changes are
    compare-and-swaps that a second run finds already done."""
    rulebook = rulebook_of(record)
    recheck = outcome_change(filing, rulebook)
    if recheck is None or recheck.change is None or recheck.change.kind == "not_assessable":
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
    if filing.state in sources_of("rulebook_rereview"):
        issued = issued_certificate(filing=filing)
        filing_transition(filing, actor=None, action="rulebook_rereview", reason=summary)
        text = (f"{summary} The filing is queued for review again"
                + (f"; certificate {issued.serial} stays valid until a new approval supersedes "
                   "it." if issued else "."))
        if author is not None:
            ReviewNote.objects.create(filing=filing, author=author, kind=ReviewNote.Kind.COMMENT,
                                      text=text)
        notify_manufacturer(filing, "Rules amended: review again", text)
    elif filing.state == State.IN_REVIEW and filing.recommended_by_id:
        # A recommendation made on the old figures no longer stands.
        Filing.objects.filter(pk=filing.pk).update(recommendation="", recommended_by=None)
        if author is not None:
            ReviewNote.objects.create(filing=filing, author=author, kind=ReviewNote.Kind.COMMENT,
                                      text=f"{summary} The recommendation was withdrawn; "
                                           "recommend again on the new figures.")
        notify_manufacturer(filing, "Rules amended", summary)
    else:
        if author is not None:
            ReviewNote.objects.create(filing=filing, author=author, kind=ReviewNote.Kind.COMMENT,
                                      text=summary)
        notify_manufacturer(filing, "Rules amended", summary)


def rulebook_reconcile(*, filing: Filing) -> bool:
    """After an assessment finished: if a newer version was published meanwhile, apply it."""
    record = rulebook_current()
    latest = _latest_valid(filing)
    if latest is None or latest.rulebook_version == record.version:
        return False
    filing.refresh_from_db()
    return filing_reassess(filing=filing, record=record)


# --- what-if ------------------------------------------------------------------------------

def assessment_what_if(*, filing: Filing, record: RulebookVersion) -> dict[str, Any]:
    """The filing's latest assessed evidence under any version, stored nowhere: the result,
    and how its outcome differs from the filing's latest assessment."""
    latest = _latest_valid(filing)
    if latest is None:
        raise ServiceError("This filing has no valid assessment to compare with.")
    try:
        rulebook = rulebook_of(record)
    except RulebookError as exc:
        raise ServiceError(f"Version {record.version} does not validate: {exc}") from None
    started = time.perf_counter()
    result, errors = assessment_compute(latest.version, rulebook)
    change = None
    if result is not None and latest.result is not None:
        change = compare(outcome_of(latest.result), outcome_of(result), REQUIREMENT_LABELS)
    return {"latest": latest, "record": record, "result": result, "errors": errors,
            "change": change.to_dict() if change else None,
            "duration_ms": int((time.perf_counter() - started) * 1000)}
