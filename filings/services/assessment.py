"""Assessment, run by the Celery task: read the stored evidence, assess, store the result once."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from filings import storage
from filings.audit import audit_record
from filings.evidence import EvidenceInvalid, read_evidence
from filings.models import (
    Assessment,
    EvidenceVersion,
    FileKind,
    Filing,
    State,
)
from filings.rulebooks import rulebook_current, rulebook_of
from filings.rules import AssessmentInputError, Rulebook, assess_period
from filings.services.common import _notify_manufacturer, _transition
from filings.services.manufacturer import _enqueue_assessment

logger = logging.getLogger(__name__)


def assessment_run(*, filing_id: int, version_id: int) -> Assessment | None:
    """Assess one submitted version. Safe to run twice: the second run stores nothing new."""
    version = EvidenceVersion.objects.select_related("filing__organisation").get(pk=version_id)
    if version.filing_id != filing_id:
        # A task handed mismatched ids acts on nothing (tenancy re-check).
        logger.warning("assessment_run: version %s is not of filing %s", version_id, filing_id)
        return None
    rulebook = rulebook_of(rulebook_current())
    existing = Assessment.objects.filter(version=version, rulebook_id=rulebook.id,
                                         rulebook_version=rulebook.version).first()
    with transaction.atomic():
        started = Filing.objects.filter(pk=filing_id, state=State.SUBMITTED).update(
            state=State.ASSESSING, state_changed_at=timezone.now())
        if started:
            audit_record(organisation=version.filing.organisation, actor=None,
                         filing=version.filing, action="assessment_start",
                         from_state=State.SUBMITTED, to_state=State.ASSESSING)
    if existing is None:
        existing = _assess_version(version, rulebook)
    _finish_assessment(version.filing, existing)
    if existing.valid:
        # A version published while this ran: its apply run may have missed this filing.
        from filings.services.rulebooks import rulebook_reconcile

        rulebook_reconcile(filing=version.filing)
    return existing


def assessment_compute(version: EvidenceVersion, rulebook: Rulebook
                       ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Read a version's stored evidence and assess it under `rulebook`: (result, errors).
    Writes nothing; the assessment task, the impact preview and the what-if page share it."""
    filing = version.filing
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    with tempfile.TemporaryDirectory(prefix="assess-") as folder:
        for f in files:
            # The reader knows sheets by file name; copy each stored file under its original name.
            storage.evidence_copy(f.stored_name, Path(folder) / f.original_name.lower())
        try:
            evidence = read_evidence([Path(folder)], rulebook=rulebook)
            return assess_period(evidence, rulebook=rulebook, start=filing.coverage_start,
                                 end=filing.coverage_end).to_dict(), []
        except EvidenceInvalid as exc:
            return None, [e.to_dict() for e in exc.errors]
        except AssessmentInputError as exc:
            return None, [{"sheet": None, "row": None, "column": None, "value": None,
                           "message": str(exc)}]


def _assess_version(version: EvidenceVersion, rulebook: Rulebook) -> Assessment:
    started = time.perf_counter()
    result, errors = assessment_compute(version, rulebook)
    return assessment_store(version, rulebook, result, errors,
                            duration_ms=int((time.perf_counter() - started) * 1000))


def assessment_store(version: EvidenceVersion, rulebook: Rulebook, result: dict[str, Any] | None,
                     errors: list[dict[str, Any]], *, duration_ms: int) -> Assessment:
    """Store an assessment once per (version, rulebook version); a second store returns the
    first one."""
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    credits = [s["credit_usd"] for s in result["segments"]] if result else []
    try:
        with transaction.atomic():
            return Assessment.objects.create(
                version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
                evidence_hashes={f.original_name: f.sha256 for f in files},
                valid=result is not None, result=result, errors=errors,
                credit_min_usd=min(credits) if credits else None,
                credit_max_usd=max(credits) if credits else None,
                duration_ms=duration_ms)
    except IntegrityError:
        # Another run stored it first: use that one.
        return Assessment.objects.get(version=version, rulebook_id=rulebook.id,
                                      rulebook_version=rulebook.version)


def _finish_assessment(filing: Filing, assessment: Assessment) -> None:
    to_state = State.ASSESSED if assessment.valid else State.INVALID
    with transaction.atomic():
        done = Filing.objects.filter(pk=filing.pk, state=State.ASSESSING).update(
            state=to_state, state_changed_at=timezone.now())
        if not done:
            return
        filing.refresh_from_db()
        audit_record(organisation=filing.organisation, actor=None, filing=filing,
                     action="assessment_finish", from_state=State.ASSESSING, to_state=to_state,
                     data={"assessment": assessment.pk,
                           "rulebook": f"{assessment.rulebook_id} {assessment.rulebook_version}"})
        _notify_manufacturer(filing, f"Assessment {'complete' if assessment.valid else 'failed'}",
                             _assessment_mail_body(filing, assessment))


def _assessment_mail_body(filing: Filing, assessment: Assessment) -> str:
    if not assessment.valid:
        return (f"The evidence for {filing} could not be assessed: {len(assessment.errors)} "
                "problem(s) were found. Open the filing to see each one and upload a corrected "
                "version.")
    low, high = assessment.credit_min_usd, assessment.credit_max_usd
    credit = f"${low:,}" if low == high else f"${low:,} to ${high:,}"
    return (f"The evidence for {filing} was assessed under rulebook {assessment.rulebook_id} "
            f"{assessment.rulebook_version}: credit {credit} per vehicle over the coverage period.")


def assessment_sweep() -> int:
    """Re-enqueue filings stuck in submitted/assessing; fail them after the last attempt."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.ASSESSMENT_STUCK_AFTER_SECONDS)
    count = 0
    stuck = Filing.objects.filter(state__in=[State.SUBMITTED, State.ASSESSING],
                                  state_changed_at__lt=cutoff)
    for filing in stuck.select_related("organisation"):
        version = filing.current_version()
        if version is None:
            continue
        with transaction.atomic():
            if filing.assessment_attempts >= settings.ASSESSMENT_MAX_ATTEMPTS:
                _give_up_assessment(filing)
            else:
                bumped = Filing.objects.filter(pk=filing.pk, state=filing.state,
                                               state_changed_at=filing.state_changed_at).update(
                    assessment_attempts=F("assessment_attempts") + 1,
                    state_changed_at=timezone.now())
                if bumped:
                    audit_record(organisation=filing.organisation, actor=None, filing=filing,
                                 action="assessment_requeue", from_state=filing.state,
                                 to_state=filing.state,
                                 data={"attempt": filing.assessment_attempts + 1})
                    _enqueue_assessment(filing, version)
        count += 1
    return count


def _give_up_assessment(filing: Filing) -> None:
    _transition(filing, actor=None, from_states=[filing.state], to_state=State.INVALID,
                action="assessment_give_up",
                reason=f"The assessment did not complete after {filing.assessment_attempts} "
                       "attempts.")
    version = filing.current_version()
    assert version is not None
    rulebook = rulebook_of(rulebook_current())
    Assessment.objects.get_or_create(
        version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
        defaults={"valid": False, "duration_ms": 0, "errors": [{
            "sheet": None, "row": None, "column": None, "value": None,
            "message": "The assessment could not be completed. Reopen the filing and submit "
                       "again; if it happens again, contact the portal's support."}]})


