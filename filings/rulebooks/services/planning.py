"""The sourcing planner: a manufacturer moves some lines' extraction, processing, recycling or
manufacturing to another country and sees every segment's outcome under a published rulebook
version, computed by the worker and stored nowhere but the cache, for an hour.

A plan is the filing's evidence (the latest version that has evidence files) with
`filings.evidence.plan.Change`s applied. The request puts a pending entry in the cache under a
random token and queues `plan_outcome`; the worker reads the files, applies the changes, assesses
the evidence before and after under the chosen version and writes the answer into the same entry.
Only the person who asked, as a member of the filing's organisation, reads it back. From a
finished plan the changed lines can be downloaded in the evidence template (to send to
suppliers) and, when a signer chooses, the planned evidence becomes the filing's next evidence.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from filings import storage
from filings.evidence import EvidenceInvalid
from filings.evidence.advice import advise_frames
from filings.evidence.book import group
from filings.evidence.plan import (
    Change,
    PlanInvalid,
    Planned,
    apply_plan,
    write_evidence_csv,
    write_lines_workbook,
)
from filings.models import EvidenceFile, EvidenceVersion, FileKind, Filing, outcome_document
from filings.rulebooks.models import RulebookVersion
from filings.rulebooks.selectors import rulebook_of
from filings.rules import Assessment as AssessedPeriod
from filings.rules import AssessmentInputError, Rulebook, assess_period
from filings.rules.advice import AdviceInputError
from filings.services import manufacturer
from filings.services.assessment import (
    files_sha256,
    has_unmet_requirement,
    vehicle_disagreements,
    version_frames,
)
from filings.services.common import (
    NotAllowed,
    ServiceError,
    StateConflict,
    enqueue_on_commit,
    require_capability,
)
from filings.states import REOPENABLE, State
from portal.accounts.models import User
from portal.accounts.roles import Capability
from portal.audit.services import audit_record
from portal.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

PENDING, DONE, INVALID, FAILED = "pending", "done", "invalid", "failed"
# The shape of a plan's cache entry: an entry of another shape (written before a deploy that
# changed it) reads as expired, so the page asks to plan again rather than misread it.
PLAN_FORMAT = 2
# The most advice a plan's outcome keeps, as JSON (a plan of 100,000 lines can leave advice naming
# tens of thousands; the page shows a few of each).
PLAN_ADVICE_MAX_BYTES = 1_000_000
# A pending plan older than this was lost (a broker outage, a worker restart): the page says so.
PLAN_LOST_AFTER = dt.timedelta(minutes=5)


class PlanGone(ServiceError):
    status = 404


class PlannerUnavailable(ServiceError):
    """The cache the plans live in does not answer: nothing was planned, nothing is lost."""

    status = 503


_UNAVAILABLE = ("The planner cannot be reached right now (its store does not answer); nothing "
                "was planned. Try again in a minute.")


def _cache_get(token: str) -> Any:
    try:
        return cache.get(_key(token))
    except CACHE_ERRORS as exc:
        logger.error("plan store unreachable: %r", exc)
        raise PlannerUnavailable(_UNAVAILABLE) from None


def _cache_set(token: str, entry: dict[str, Any]) -> None:
    try:
        cache.set(_key(token), entry, settings.PLAN_RESULT_SECONDS)
    except CACHE_ERRORS as exc:
        logger.error("plan store unreachable: %r", exc)
        raise PlannerUnavailable(_UNAVAILABLE) from None


# What `secrets.token_urlsafe(18)` makes: anything else names no plan (and is never a cache key).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")


def _key(token: str) -> str:
    return f"plan:{token}"


def plan_base_version(filing: Filing) -> EvidenceVersion | None:
    """The version a plan starts from: the latest one with evidence files (a reopened filing's
    new version is empty until its evidence is uploaded)."""
    return (filing.versions.filter(files__kind=FileKind.EVIDENCE).distinct()
            .order_by("-number").first())


def plan_allowed(*, actor: User, filing: Filing) -> None:
    """Planning is the manufacturer's: any member of the filing's own organisation, whose roles
    all view its filings (NotAllowed for anyone else, the authority included: a plan is not
    evidence)."""
    try:
        require_capability(actor, Capability.VIEW_OWN_FILINGS, filing)
    except NotAllowed:
        raise NotAllowed("Only the filing's own organisation can plan changes to its sourcing.") from None


def plan_request(*, actor: User, filing: Filing, changes: Sequence[Change],
                 record: RulebookVersion) -> str:
    """Queue a plan's outcome; its token. Nothing is stored but the cache entry."""
    plan_allowed(actor=actor, filing=filing)
    if not record.is_published:
        raise ServiceError("Plans are computed under published rulebook versions only.")
    if not changes:
        raise ServiceError("Describe at least one change: the lines or suppliers, the step and "
                           "the new country.")
    version = plan_base_version(filing)
    if version is None:
        raise ServiceError("This filing has no evidence yet: upload its workbook first, then "
                           "plan changes to it.")
    token = secrets.token_urlsafe(18)
    _cache_set(token, {
        "format": PLAN_FORMAT, "state": PENDING, "filing": filing.pk, "user": actor.pk, "version": version.pk,
        "version_number": version.number, "rulebook": record.pk,
        "rulebook_name": f"{record.rulebook_id} {record.version}",
        "changes": [c.to_dict() for c in changes],
        "requested_at": timezone.now().isoformat()})
    from filings.rulebooks.tasks import plan_outcome

    enqueue_on_commit(plan_outcome, token)
    return token


def plan_get(*, actor: User, filing: Filing, token: str) -> dict[str, Any] | None:
    """The plan's cache entry, if it is this person's plan of this filing (None otherwise, or
    when it has expired). A pending entry past `PLAN_LOST_AFTER` is reported as failed."""
    plan_allowed(actor=actor, filing=filing)
    entry = _cache_get(token) if _TOKEN.fullmatch(token or "") else None
    if not isinstance(entry, dict) or entry.get("format") != PLAN_FORMAT \
            or entry.get("filing") != filing.pk or entry.get("user") != actor.pk:
        return None
    if entry["state"] == PENDING and \
            timezone.now() - dt.datetime.fromisoformat(entry["requested_at"]) > PLAN_LOST_AFTER:
        return {**entry, "state": FAILED, "messages": [
            "The plan was not computed in time (the worker may be busy or restarting). Plan it "
            "again; if it happens again, contact the portal's support."]}
    return entry


def plan_changes(entry: dict[str, Any]) -> list[Change]:
    return [Change.from_dict(c) for c in entry["changes"]]


def plan_run(*, token: str) -> None:
    """The worker's part: compute the plan's outcome into its cache entry. Safe to run twice."""
    entry = _cache_get(token)
    if not isinstance(entry, dict) or entry.get("format") != PLAN_FORMAT \
            or entry.get("state") != PENDING:
        return
    started = time.perf_counter()
    try:
        answer = _outcome(entry)
    except (PlanInvalid, EvidenceInvalid) as exc:
        answer = {"state": INVALID, "messages": _messages(exc)}
    except (AdviceInputError, AssessmentInputError, OSError, storage.StorageUnavailable,
            EvidenceVersion.DoesNotExist, RulebookVersion.DoesNotExist) as exc:
        logger.error("plan %s could not be computed: %r", token[:6], exc)
        answer = {"state": FAILED, "messages": [
            "The plan could not be computed. Plan it again; if it happens again, contact the "
            "portal's support."]}
    answer["duration_ms"] = int((time.perf_counter() - started) * 1000)
    _cache_set(token, {**entry, **answer})


def _messages(exc: PlanInvalid | EvidenceInvalid) -> list[Any]:
    if isinstance(exc, PlanInvalid):
        return [{"message": m.render(), **m.to_dict()} for m in exc.messages]
    return [e.to_dict() for e in exc.errors]


def _outcome(entry: dict[str, Any]) -> dict[str, Any]:
    version = EvidenceVersion.objects.select_related("filing").get(pk=entry["version"])
    record = RulebookVersion.objects.get(pk=entry["rulebook"])
    rulebook = rulebook_of(record)
    filing = version.filing
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    frames, planned = _planned(rulebook, plan_changes(entry), files=files)
    evidence = planned.evidence()
    disagreements = vehicle_disagreements(filing, evidence.vehicle)
    if disagreements:
        return {"state": INVALID, "messages": disagreements}
    before = assess_period(group(frames), rulebook=rulebook, start=filing.coverage_start,
                           end=filing.coverage_end)
    after = assess_period(evidence, rulebook=rulebook, start=filing.coverage_start,
                          end=filing.coverage_end)
    advice = (advise_frames(after, planned.frames, rulebook=rulebook).to_dict()
              if has_unmet_requirement(after) else None)
    return {"state": DONE, **outcome_kept(before, after, advice),
            "files_sha256": files_sha256(files),
            "changed": {sheet: len(rows) for sheet, rows in planned.changed.items() if rows}}


def outcome_kept(before: AssessedPeriod, after: AssessedPeriod,
                 advice: dict[str, Any] | None) -> dict[str, Any]:
    """What a plan's entry keeps of its assessments, as the page shows it and no more (the
    entry lives in the cache): the outcome before the plan; the result after it without its
    row-by-row findings; the advice that remains unless it names so many lines that it would not
    be read there (the filing's own assessment lists them)."""
    too_long = advice is not None and len(json.dumps(advice)) > PLAN_ADVICE_MAX_BYTES
    result = after.to_dict()
    result["segments"] = [{**segment, "findings": []} for segment in result["segments"]]
    return {"before": outcome_document(before.to_dict()), "after": result,
            "advice": None if too_long else advice, "advice_omitted": too_long}


def _planned(rulebook: Rulebook, changes: Sequence[Change], *,
             files: list[EvidenceFile]) -> tuple[dict[str, Any], Planned]:
    frames = version_frames(files, rulebook)
    return frames, apply_plan(frames, changes, rulebook=rulebook)


def _planned_again(entry: dict[str, Any]) -> tuple[EvidenceVersion, Rulebook, Planned]:
    """A finished plan applied again to its version's evidence, for the download or the new
    version: StateConflict when the evidence files are no longer those it was planned on (a
    draft's file replaced meanwhile), so nothing is made from other evidence than was shown."""
    version = EvidenceVersion.objects.get(pk=entry["version"])
    rulebook = rulebook_of(RulebookVersion.objects.get(pk=entry["rulebook"]))
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    if files_sha256(files) != entry.get("files_sha256"):
        raise StateConflict(_EVIDENCE_CHANGED)
    try:
        _, planned = _planned(rulebook, plan_changes(entry), files=files)
    except (PlanInvalid, EvidenceInvalid):
        raise StateConflict(_EVIDENCE_CHANGED) from None
    return version, rulebook, planned


_EVIDENCE_CHANGED = ("The evidence changed since this plan was made (a file was replaced or "
                     "removed); plan the change again on the evidence as it is now.")


def plan_changed_workbook(*, actor: User, filing: Filing, token: str, path: Path,
                          translate: Any) -> None:
    """Write the finished plan's changed lines, as they would be, into the evidence template at
    `path` (the plan to send to suppliers)."""
    _, rulebook, planned = _planned_again(_finished(actor, filing, token))
    write_lines_workbook(path, planned.frames, rulebook=rulebook, translate=translate,
                         only_rows=planned.changed)


def _finished(actor: User, filing: Filing, token: str) -> dict[str, Any]:
    entry = plan_get(actor=actor, filing=filing, token=token)
    if entry is None:
        raise PlanGone("This plan has expired or is not yours: plan the change again.")
    if entry["state"] != DONE:
        raise StateConflict("The plan has no outcome yet; wait for it, or plan it again.")
    return entry


def plan_start_version(*, actor: User, filing: Filing, token: str) -> EvidenceVersion:
    """Make the finished plan's evidence the filing's next evidence, when a signer chooses: a
    filing that may be reopened is reopened with a new version holding it; a draft's evidence
    files are replaced by it (its supporting documents stay). The planned evidence is written as
    the four CSV sheets of the template and checked as any upload is."""
    require_capability(actor, Capability.SUBMIT_FILINGS, filing)
    entry = _finished(actor, filing, token)
    filing.refresh_from_db()
    if filing.state not in (State.DRAFT, *REOPENABLE):
        raise StateConflict(
            f"This filing is {State(filing.state).label.lower()}: its evidence stays as "
            "submitted. A plan becomes new evidence of a draft, or of a filing whose evidence was "
            "invalid, whose changes were requested or whose certificate was revoked.")
    version, _, planned = _planned_again(entry)
    with tempfile.TemporaryDirectory(prefix="plan-") as folder, ExitStack() as opened:
        paths = write_evidence_csv(Path(folder), planned.frames)
        with transaction.atomic():
            if filing.state != State.DRAFT:
                filing = manufacturer.filing_reopen(actor=actor, filing=filing)
            else:
                for old in EvidenceFile.objects.filter(version=filing.current_version(),
                                                       kind=FileKind.EVIDENCE):
                    manufacturer.evidence_remove(actor=actor, evidence_file=old)
            uploads = [UploadedFile(file=opened.enter_context(p.open("rb")), name=p.name,
                                    size=p.stat().st_size, content_type="text/csv") for p in paths]
            manufacturer.evidence_upload_many(actor=actor, filing=filing, uploads=uploads,
                                              kind=FileKind.EVIDENCE)
            target = filing.current_version()
            assert target is not None
            audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                         action="plan_apply", reason=f"Planned evidence from version "
                                                     f"{version.number}",
                         data={"from_version": version.number, "to_version": target.number,
                               "rulebook": entry["rulebook_name"], "changes": entry["changes"],
                               "changed_lines": entry["changed"]})
    return target

