"""Assessment, run by the Celery task: read the stored evidence, assess, store the result once."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from filings import signals, storage
from filings.evidence import EvidenceInvalid, read_evidence
from filings.evidence.advice import advise_frames
from filings.evidence.book import group
from filings.evidence.reader import read_frames
from filings.models import (
    Assessment,
    EvidenceFile,
    EvidenceVersion,
    FileKind,
    Filing,
    StoredEvidence,
    outcome_document,
)
from filings.rules import Assessment as AssessedPeriod
from filings.rules import AssessmentInputError, Evidence, Rulebook, Vehicle, assess_period, packed
from filings.rules.advice import AdviceInputError
from filings.services.common import enqueue_on_commit, filing_transition, notify_manufacturer
from filings.services.manufacturer import assessment_enqueue
from filings.states import ASSESSMENT_PENDING, transition
from portal.audit.services import audit_record

if TYPE_CHECKING:
    import polars as pl

logger = logging.getLogger(__name__)


def assessment_rulebook() -> Rulebook:
    """The rules a new assessment runs under, from the function `settings.ASSESSMENT_RULEBOOK`
    names: the rulebooks app's version in force. A setting, not an import, so the lifecycle
    never depends on the app that amends the rules (it depends on the lifecycle)."""
    provider = import_string(settings.ASSESSMENT_RULEBOOK)
    rulebook = provider()
    assert isinstance(rulebook, Rulebook), f"{settings.ASSESSMENT_RULEBOOK} gave no Rulebook"
    return rulebook


def assessment_run(*, filing_id: int, version_id: int) -> Assessment | None:
    """Assess one submitted version. Safe to run twice: the second run stores nothing new."""
    version = EvidenceVersion.objects.select_related(
        "filing__organisation", "stored_evidence").get(pk=version_id)
    if version.filing_id != filing_id:
        # A task handed mismatched ids acts on nothing (tenancy re-check).
        logger.warning("assessment_run: version %s is not of filing %s", version_id, filing_id)
        return None
    rulebook = assessment_rulebook()
    existing = Assessment.objects.filter(version=version, rulebook_id=rulebook.id,
                                         rulebook_version=rulebook.version).first()
    start = transition("assessment_start")
    with transaction.atomic():
        # Not `filing_transition`: a redelivered task finds the filing started already, which
        # is no conflict.
        started = Filing.objects.filter(pk=filing_id, state__in=start.sources).update(
            state=start.target, state_changed_at=timezone.now())
        if started:
            audit_record(organisation=version.filing.organisation, actor=None,
                         filing=version.filing, action=start.event,
                         from_state=start.sources[0], to_state=start.target or "")
    if existing is None:
        existing = _assess_version(version, rulebook)
    _finish_assessment(version.filing, existing)
    # The rulebooks app listens: a version published while this ran may have missed the filing.
    signals.assessment_finished.send(sender=Assessment, filing=version.filing, assessment=existing)
    return existing


def assessment_compute(version: EvidenceVersion, rulebook: Rulebook, *,
                       stored: StoredEvidence | None = None,
                       files: list[EvidenceFile] | None = None,
                       ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Assess a version's evidence under `rulebook`: (result, errors). The files are read only
    when no stored evidence of these very files exists (then it is stored); `stored` and
    `files` are the version's stored evidence and evidence files when the caller has loaded
    them already (the impact preview loads a chunk's at once). Changes nothing but the stored
    evidence; the assessment task, the evidence check, the impact preview and the what-if page
    share it."""
    assessed, errors = _assessed(version, rulebook, stored=stored, files=files)
    return (assessed.to_dict() if assessed is not None else None), errors


def _assessed(version: EvidenceVersion, rulebook: Rulebook, *, stored: StoredEvidence | None,
              files: list[EvidenceFile] | None,
              ) -> tuple[AssessedPeriod | None, list[dict[str, Any]]]:
    """`assessment_compute` with the engine's assessment itself, which the advice reads."""
    filing = version.filing
    try:
        evidence = version_evidence(version, rulebook, stored=stored, files=files)
        disagreements = vehicle_disagreements(filing, evidence.vehicle)
        if disagreements:
            return None, disagreements
        return assess_period(evidence, rulebook=rulebook, start=filing.coverage_start,
                             end=filing.coverage_end), []
    except EvidenceInvalid as exc:
        return None, [e.to_dict() for e in exc.errors]
    except AssessmentInputError as exc:
        return None, [{"sheet": None, "row": None, "column": None, "value": None,
                       "message": str(exc)}]


def files_sha256(files: list[EvidenceFile]) -> str:
    """One hash for a set of evidence files: their names and contents' hashes."""
    listed = sorted(f"{f.original_name}\x00{f.sha256}" for f in files)
    return hashlib.sha256("\x00\x00".join(listed).encode("utf-8")).hexdigest()


def version_evidence(version: EvidenceVersion, rulebook: Rulebook, *,
                     stored: StoredEvidence | None = None,
                     files: list[EvidenceFile] | None = None) -> Evidence:
    """The version's evidence as the rules read it: from its stored evidence when that was read
    from the version's current files, is intact and uses only codes `rulebook` knows; otherwise
    read from the files (EvidenceInvalid listing every problem) and stored for next time."""
    if files is None:
        files = list(version.files.filter(kind=FileKind.EVIDENCE))
    key = files_sha256(files)
    if stored is None:
        stored = StoredEvidence.objects.filter(version=version).first()
    if stored is not None and stored.files_sha256 == key:
        evidence = _unpacked(stored)
        if evidence is not None and _codes_known(evidence, rulebook):
            return evidence
    started = time.perf_counter()
    with evidence_folder(files) as folder:
        evidence = read_evidence([folder], rulebook=rulebook)
    data = packed.pack(evidence)
    StoredEvidence.objects.update_or_create(version=version, defaults={
        "files_sha256": key, "data": data, "data_sha256": packed.sha256(data),
        "mineral_lines": len(evidence.critical_minerals),
        "mineral_groups": len(evidence.critical_minerals.groups()),
        "component_lines": len(evidence.battery_components),
        "read_ms": int((time.perf_counter() - started) * 1000)})
    return evidence


@contextmanager
def evidence_folder(files: list[EvidenceFile]) -> Iterator[Path]:
    """A temporary folder holding a copy of each evidence file, as the readers open them."""
    with tempfile.TemporaryDirectory(prefix="assess-") as folder:
        for f in files:
            # The reader knows CSV sheets by file name (vehicle.csv…, enforced on upload); a
            # workbook gets a name of the portal's own, never the user's.
            name = f.original_name.lower() if f.original_name.lower().endswith(".csv") \
                else "evidence.xlsx"
            storage.evidence_copy(f.stored_name, Path(folder) / name)
        yield Path(folder)


def version_frames(files: list[EvidenceFile], rulebook: Rulebook) -> dict[str, pl.DataFrame]:
    """The evidence files' validated rows, sheet by sheet (`read_frames`, from a temporary copy
    of the files): what the advice and the planner need, which the stored groups do not keep."""
    with evidence_folder(files) as folder:
        return read_frames([folder], rulebook=rulebook)


def has_unmet_requirement(assessed: AssessedPeriod) -> bool:
    """Whether some requirement is not met in some segment: only then is there advice."""
    return any(r.met is False for segment in assessed.segments
               for r in segment.requirements.values())


def assessment_advice(version: EvidenceVersion, rulebook: Rulebook, assessed: AssessedPeriod,
                      *, files: list[EvidenceFile]) -> dict[str, Any] | None:
    """The sourcing advice for an assessment (`filings.rules.advice`, as JSON), read from the
    version's evidence files; None when every requirement is met, so such an assessment reads
    nothing more. Advice is a help, not part of the verdict: when it cannot be made (the files
    cannot be read again, or do not agree with what was assessed) that is logged and None
    returned, and the assessment stands."""
    if not has_unmet_requirement(assessed):
        return None
    try:
        return advise_frames(assessed, version_frames(files, rulebook), rulebook=rulebook).to_dict()
    except (AdviceInputError, EvidenceInvalid, OSError, storage.StorageUnavailable) as exc:
        logger.error("advice for version %s could not be made: %s", version.pk, exc)
        return None


def assessment_advice_later(assessment: Assessment) -> None:
    """Queue the advice of an assessment stored without it (a re-assessment under a newly
    published version reads the stored groups, not the lines the advice needs), once the
    transaction commits; nothing when every requirement is met or the result is invalid."""
    if assessment.advice is not None or not assessment.valid or not _has_unmet(assessment.result):
        return
    from filings.tasks import advise_assessment

    enqueue_on_commit(advise_assessment, assessment.pk)


def _has_unmet(result: dict[str, Any] | None) -> bool:
    if not result:
        return False
    return any(r.get("met") is False for segment in result["segments"]
               for r in segment["requirements"].values())


def assessment_advice_run(*, assessment_id: int) -> bool:
    """The worker's part of `assessment_advice_later`: read the version's files again, assess
    them under the assessment's rulebook (which must still be the one in force: the lifecycle
    knows no other) and store the advice if the outcome is the stored one. True when stored.
    Safe to run twice: an assessment that has its advice is left alone."""
    assessment = Assessment.objects.select_related("version__filing").filter(
        pk=assessment_id).first()
    if assessment is None or assessment.advice is not None or not assessment.valid:
        return False
    rulebook = assessment_rulebook()
    if (rulebook.id, rulebook.version) != (assessment.rulebook_id, assessment.rulebook_version):
        logger.warning("advice for assessment %s not made: its rulebook %s %s is no longer in force",
                       assessment.pk, assessment.rulebook_id, assessment.rulebook_version)
        return False
    version, filing = assessment.version, assessment.version.filing
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    try:
        frames = version_frames(files, rulebook)
        assessed = assess_period(group(frames), rulebook=rulebook, start=filing.coverage_start,
                                 end=filing.coverage_end)
        if outcome_document(assessed.to_dict()) != assessment.outcome:
            logger.error("advice for assessment %s not made: its evidence no longer gives its "
                         "outcome", assessment.pk)
            return False
        advice = advise_frames(assessed, frames, rulebook=rulebook).to_dict()
    except (AdviceInputError, AssessmentInputError, EvidenceInvalid, OSError,
            storage.StorageUnavailable) as exc:
        logger.error("advice for assessment %s could not be made: %s", assessment.pk, exc)
        return False
    return bool(Assessment.objects.filter(pk=assessment.pk, advice__isnull=True).update(
        advice=advice))


def _unpacked(stored: StoredEvidence) -> Evidence | None:
    data = bytes(stored.data)
    if packed.sha256(data) != stored.data_sha256:
        logger.error("stored evidence of version %s fails its hash: reading the files again",
                     stored.version_id)
        return None
    try:
        return packed.unpack(data)
    except packed.PackedEvidenceError as exc:
        logger.error("stored evidence of version %s: %s; reading the files again",
                     stored.version_id, exc)
        return None


def _codes_known(evidence: Evidence, rulebook: Rulebook) -> bool:
    """Whether every code the evidence uses is one `rulebook` lists (else the files are read
    again, so the reader names each unknown code where it stands)."""
    minerals = rulebook.critical_minerals.applicable_minerals
    types = rulebook.battery_components.component_types
    return (all(key.mineral in minerals for key in evidence.critical_minerals.group_keys())
            and all(key.component_type in types for key in evidence.battery_components.group_keys()))


# The filing's description and the columns of the evidence's vehicle sheet that must say the same.
_VEHICLE_FIELDS = (("make", "make"), ("model", "model"), ("model_year", "model year"),
                   ("vehicle_class", "vehicle class"))


def _same(field: str, filed: object, evidenced: object) -> bool:
    if field in ("make", "model"):
        # Letter case and runs of spaces are how a name is typed, not which vehicle it is.
        return " ".join(str(filed).split()).casefold() == " ".join(str(evidenced).split()).casefold()
    return str(filed) == str(evidenced)


_DISAGREEMENT = "The filing is for "


def vehicle_corrections(errors: list[dict[str, Any]]) -> dict[str, str | int]:
    """From a check's errors, what the filing's description would become if it took the vehicle
    as its evidence's vehicle sheet describes it: {field: the sheet's value}."""
    fields = {name for name, _ in _VEHICLE_FIELDS}
    return {str(e["column"]): int(e["value"]) if e["column"] == "model_year" else str(e["value"])
            for e in errors
            if e.get("sheet") == "vehicle" and e.get("column") in fields
            and str(e.get("message", "")).startswith(_DISAGREEMENT)}


def vehicle_disagreements(filing: Filing, vehicle: Vehicle) -> list[dict[str, Any]]:
    """One error per field where the filing and the evidence's vehicle sheet name different
    vehicles. The evidence is what is assessed and what a certificate names, so the two must
    agree before anything is assessed (issue 11: one vehicle, one truth)."""
    errors = []
    for field, label in _VEHICLE_FIELDS:
        filed, evidenced = getattr(filing, field), getattr(vehicle, field)
        if not _same(field, filed, evidenced):
            errors.append({
                "sheet": "vehicle", "row": vehicle.row, "column": field, "value": str(evidenced),
                "message": f"{_DISAGREEMENT}{label} \u201c{filed}\u201d but the vehicle sheet "
                           f"says \u201c{evidenced}\u201d. Correct the sheet, or edit the filing "
                           "so that both name the same vehicle."})
    return errors


def _assess_version(version: EvidenceVersion, rulebook: Rulebook) -> Assessment:
    started = time.perf_counter()
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    # Loaded with the version (`assessment_run`): the groups the evidence check stored.
    stored = getattr(version, "stored_evidence", None)
    assessed, errors = _assessed(version, rulebook, stored=stored, files=files)
    advice = (assessment_advice(version, rulebook, assessed, files=files)
              if assessed is not None else None)
    return assessment_store(version, rulebook, assessed.to_dict() if assessed else None, errors,
                            files=files, advice=advice,
                            duration_ms=int((time.perf_counter() - started) * 1000))


def assessment_store(version: EvidenceVersion, rulebook: Rulebook, result: dict[str, Any] | None,
                     errors: list[dict[str, Any]], *, duration_ms: int,
                     files: list[EvidenceFile] | None = None,
                     advice: dict[str, Any] | None = None) -> Assessment:
    """Store an assessment once per (version, rulebook version); a second store returns the
    first one. `files` are the version's evidence files, when loaded already; `advice` the
    sourcing advice (`assessment_advice`), when some requirement is not met."""
    if files is None:
        files = list(version.files.filter(kind=FileKind.EVIDENCE))
    credits = [s["credit_usd"] for s in result["segments"]] if result else []
    try:
        with transaction.atomic():
            return Assessment.objects.create(
                version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
                evidence_hashes={f.original_name: f.sha256 for f in files},
                valid=result is not None, result=result, outcome=outcome_document(result),
                errors=errors,
                credit_min_usd=min(credits) if credits else None,
                credit_max_usd=max(credits) if credits else None,
                advice=advice, duration_ms=duration_ms)
    except IntegrityError:
        # Another run stored it first: use that one.
        return Assessment.objects.get(version=version, rulebook_id=rulebook.id,
                                      rulebook_version=rulebook.version)


def _finish_assessment(filing: Filing, assessment: Assessment) -> None:
    finish = transition("assessment_finish" if assessment.valid else "assessment_invalid")
    to_state = finish.target or ""
    with transaction.atomic():
        changed_at = timezone.now()
        done = Filing.objects.filter(pk=filing.pk, state__in=finish.sources).update(
            state=to_state, state_changed_at=changed_at)
        if not done:
            return
        # What the update wrote, without reading the filing and its organisation again (the
        # task read both moments ago; the audit event and the mail need nothing else).
        filing.state, filing.state_changed_at = to_state, changed_at
        audit_record(organisation=filing.organisation, actor=None, filing=filing,
                     action=finish.event, from_state=finish.sources[0], to_state=to_state,
                     data={"assessment": assessment.pk,
                           "rulebook": f"{assessment.rulebook_id} {assessment.rulebook_version}"})
        subject, body, names = _assessment_mail(filing, assessment)
        notify_manufacturer(filing, subject, body, **names)


def _assessment_mail(filing: Filing, assessment: Assessment) -> tuple[str, str, dict[str, object]]:
    """Subject, body and their values: catalogue messages, sent in each recipient's language."""
    if not assessment.valid:
        return (gettext_noop("Assessment failed"),
                gettext_noop("The evidence for %(filing)s could not be assessed: %(count)s "
                             "problem(s) were found. Open the filing to see each one and upload "
                             "a corrected version."),
                {"filing": filing, "count": len(assessment.errors)})
    low, high = assessment.credit_min_usd, assessment.credit_max_usd
    credit = f"${low:,}" if low == high else f"${low:,}–${high:,}"
    return (gettext_noop("Assessment complete"),
            gettext_noop("The evidence for %(filing)s was assessed under rulebook %(rulebook)s: "
                         "credit %(credit)s per vehicle over the coverage period."),
            {"filing": filing, "credit": credit,
             "rulebook": f"{assessment.rulebook_id} {assessment.rulebook_version}"})


def assessment_sweep() -> int:
    """Re-enqueue filings stuck in submitted/assessing; fail them after the last attempt."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.ASSESSMENT_STUCK_AFTER_SECONDS)
    count = 0
    stuck = Filing.objects.filter(state__in=ASSESSMENT_PENDING, state_changed_at__lt=cutoff)
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
                    assessment_enqueue(filing, version)
        count += 1
    return count


def _give_up_assessment(filing: Filing) -> None:
    filing_transition(filing, actor=None, action="assessment_give_up",
                      reason=f"The assessment did not complete after {filing.assessment_attempts} "
                             "attempts.")
    version = filing.current_version()
    assert version is not None
    rulebook = assessment_rulebook()
    Assessment.objects.get_or_create(
        version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
        defaults={"valid": False, "duration_ms": 0, "errors": [{
            "sheet": None, "row": None, "column": None, "value": None,
            "message": "The assessment could not be completed. Reopen the filing and submit "
                       "again; if it happens again, contact the portal's support."}]})


