"""The manufacturer's side: create, upload, submit, withdraw, reopen."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from filings import storage
from filings.models import EvidenceCheck, EvidenceFile, EvidenceVersion, FileKind, Filing
from filings.services import checking
from filings.services.common import (
    ServiceError,
    StateConflict,
    enqueue_on_commit,
    filing_transition,
    plain_text,
    require_capability,
)
from filings.states import State
from portal.accounts.models import User
from portal.accounts.roles import ATTESTATION_STATEMENT, Capability
from portal.audit.services import audit_record


@transaction.atomic
def filing_create(*, actor: User, make: str, model: str, model_year: int, vehicle_class: str,
                  coverage_start: dt.date, coverage_end: dt.date) -> Filing:
    membership = require_capability(actor, Capability.EDIT_FILINGS)
    _check_coverage(coverage_start, coverage_end)
    filing = Filing.objects.create(
        organisation=membership.organisation, make=plain_text(make, what="The make"),
        model=plain_text(model, what="The model"),
        model_year=model_year, vehicle_class=vehicle_class, coverage_start=coverage_start,
        coverage_end=coverage_end, created_by=actor)
    EvidenceVersion.objects.create(filing=filing, number=1, created_by=actor)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="filing_create", to_state=State.DRAFT)
    return filing


@transaction.atomic
def filing_update(*, actor: User, filing: Filing, **fields: object) -> Filing:
    """Change a draft's description (make, model, model year, class, coverage period)."""
    require_capability(actor, Capability.EDIT_FILINGS, filing)
    unknown = fields.keys() - _UPDATABLE
    if unknown:
        raise ServiceError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.state != State.DRAFT:
        raise StateConflict("A filing can only be changed while it is a draft.")
    changed = {name: plain_text(value, what=f"The {name.replace('_', ' ')}")
               if isinstance(value, str) else value for name, value in fields.items()}
    for name, value in changed.items():
        setattr(filing, name, value)
    _check_coverage(filing.coverage_start, filing.coverage_end)
    filing.save(update_fields=list(changed))
    if changed.keys() & _DESCRIBES_EVIDENCE:
        checking.evidence_check_request(_draft_version(filing))
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="filing_update", data={"fields": sorted(changed)})
    return filing


def filing_take_vehicle_from_evidence(*, actor: User, filing: Filing) -> Filing:
    """Correct a draft's description to the vehicle its evidence describes, where the check found
    them different (make, model, model year, class); the evidence is checked again."""
    from filings.services.assessment import vehicle_corrections

    require_capability(actor, Capability.EDIT_FILINGS, filing)
    if filing.state != State.DRAFT:
        raise StateConflict("A filing can only be changed while it is a draft.")
    check = EvidenceCheck.objects.filter(version=_draft_version(filing)).first()
    corrections = vehicle_corrections(check.errors) if check else {}
    if not corrections:
        raise ServiceError("The filing already names the vehicle its evidence describes; nothing "
                           "was changed.")
    return filing_update(actor=actor, filing=filing, **corrections)


def _check_coverage(start: dt.date, end: dt.date) -> None:
    """The coverage period must lie within what the credit can cover under the rules in force:
    from the first placed-in-service date the rulebook knows to the last acquisition date that
    earns a credit (the assessment counts a vehicle as acquired when it is placed in service)."""
    from filings.services.assessment import assessment_rulebook

    if end < start:
        raise ServiceError("The coverage period ends before it starts; check the two dates.")
    window = assessment_rulebook().credit_window
    first, last = window.placed_in_service_from, window.acquired_until
    if start < first:
        raise ServiceError(f"The coverage starts {start:%Y-%m-%d}, before {first:%Y-%m-%d}, the "
                           "first placed-in-service date the portal assesses "
                           f"({window.placed_in_service_from_citation}). Start the coverage on "
                           f"or after {first:%Y-%m-%d}.")
    if end > last:
        raise ServiceError(f"The coverage ends {end:%Y-%m-%d}, after {last:%Y-%m-%d}. No credit "
                           f"is allowed for a vehicle acquired later ({window.acquired_until_citation}),"
                           " and the portal assesses each vehicle as acquired on the day it is "
                           f"placed in service. End the coverage on or before {last:%Y-%m-%d}.")


_UPDATABLE = frozenset({"make", "model", "model_year", "vehicle_class", "coverage_start",
                        "coverage_end"})
# What the evidence check compares with the evidence, or assesses over: a change checks again.
_DESCRIBES_EVIDENCE = _UPDATABLE


def _draft_version(filing: Filing) -> EvidenceVersion:
    version = filing.current_version()
    assert version is not None
    assert not version.is_frozen
    return version


@transaction.atomic
def evidence_upload(*, actor: User, filing: Filing, upload: UploadedFile,
                    kind: FileKind) -> EvidenceFile:
    """Add a file to the filing's draft evidence version."""
    require_capability(actor, Capability.EDIT_FILINGS, filing)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.state != State.DRAFT:
        raise StateConflict("Evidence can only be added while the filing is a draft.")
    version = filing.current_version()
    assert version is not None
    assert not version.is_frozen
    if version.files.count() >= settings.EVIDENCE_MAX_FILES_PER_VERSION:
        raise ServiceError(f"A version holds at most {settings.EVIDENCE_MAX_FILES_PER_VERSION} "
                           "files; remove one first.")
    try:
        stored = storage.store_upload(upload, kind)
    except storage.UploadRejected as exc:
        raise ServiceError(str(exc)) from None
    evidence_file = EvidenceFile.objects.create(
        version=version, kind=kind, stored_name=stored.stored_name,
        original_name=stored.original_name, content_type=stored.content_type, size=stored.size,
        sha256=stored.sha256, uploaded_by=actor)
    if kind == FileKind.EVIDENCE:
        checking.evidence_check_request(version)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="evidence_upload", reason=stored.original_name,
                 data={"sha256": stored.sha256, "size": stored.size, "version": version.number})
    return evidence_file


def evidence_upload_many(*, actor: User, filing: Filing, uploads: list[UploadedFile],
                         kind: FileKind) -> list[EvidenceFile]:
    """The files of one upload (the four CSV sheets at once), stored all or none: one
    transaction for their rows and audit events, and what was stored before a refusal is
    deleted again."""
    stored: list[EvidenceFile] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                stored.append(evidence_upload(actor=actor, filing=filing, upload=upload,
                                              kind=kind))
    except BaseException as exc:
        storage.evidence_discard([f.stored_name for f in stored])
        if isinstance(exc, ServiceError) and len(uploads) > 1:
            raise type(exc)(f"{exc.message} None of the {len(uploads)} files of this upload "
                            "was stored.") from None
        raise
    return stored


@transaction.atomic
def evidence_remove(*, actor: User, evidence_file: EvidenceFile) -> None:
    filing = evidence_file.version.filing
    require_capability(actor, Capability.EDIT_FILINGS, filing)
    if evidence_file.version.is_frozen or filing.state != State.DRAFT:
        raise StateConflict("Submitted evidence is kept as it was; start a new version instead.")
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="evidence_remove", reason=evidence_file.original_name,
                 data={"sha256": evidence_file.sha256})
    version, kind = evidence_file.version, evidence_file.kind
    evidence_file.delete()
    if kind == FileKind.EVIDENCE:
        checking.evidence_check_request(version)


def filing_submit(*, actor: User, filing: Filing, attestation_confirmed: bool) -> Filing:
    """A signer attests and submits the draft; the assessment is queued after commit. Refused
    while the draft's evidence has errors (its check runs here if the worker has not answered)."""
    require_capability(actor, Capability.SUBMIT_FILINGS, filing)
    if not attestation_confirmed:
        raise ServiceError(f"Confirm the attestation to submit: \u201c{ATTESTATION_STATEMENT}\u201d")
    if filing.state != State.DRAFT:
        raise StateConflict(f"This filing is {State(filing.state).label.lower()} now, so it "
                            "cannot be submitted; reload the page to see its state.")
    version = filing.current_version()
    assert version is not None
    check = checking.evidence_check_for_submission(version)
    return _submit(actor=actor, filing=filing, version=version, checked=check.token)


@transaction.atomic
def _submit(*, actor: User, filing: Filing, version: EvidenceVersion,
            checked: uuid.UUID) -> Filing:
    Filing.objects.select_for_update().filter(pk=filing.pk).first()
    if not EvidenceCheck.objects.filter(version=version, token=checked,
                                        status=EvidenceCheck.Status.READY).exists():
        # The evidence changed between the check and this submission.
        raise StateConflict("The evidence changed while it was being submitted; reload the page, "
                            "wait for the check and submit again.")
    now = timezone.now()
    filing = filing_transition(filing, actor=actor, action="filing_submit", submitted_by=actor,
                               submitted_at=now, attestation=ATTESTATION_STATEMENT,
                               assessment_attempts=1, reviewer=None, recommendation="",
                               recommended_by=None)
    EvidenceVersion.objects.filter(pk=version.pk).update(submitted_at=now)
    assessment_enqueue(filing, version)
    return filing


def assessment_enqueue(filing: Filing, version: EvidenceVersion) -> None:
    """Queue the version's assessment once the transaction commits."""
    from filings.tasks import assess_filing

    enqueue_on_commit(assess_filing, filing.pk, version.pk)


@transaction.atomic
def filing_withdraw(*, actor: User, filing: Filing, reason: str) -> Filing:
    require_capability(actor, Capability.SUBMIT_FILINGS, filing)
    reason = plain_text(reason, what="The reason", multiline=True)
    if not reason:
        raise ServiceError("Say why the filing is withdrawn.")
    return filing_transition(filing, actor=actor, action="filing_withdraw", reason=reason)


@transaction.atomic
def filing_reopen(*, actor: User, filing: Filing) -> Filing:
    """Back to draft after invalid evidence or a change request, with a new empty version."""
    require_capability(actor, Capability.EDIT_FILINGS, filing)
    filing = filing_transition(filing, actor=actor, action="filing_reopen")
    latest = filing.current_version()
    EvidenceVersion.objects.create(filing=filing, number=(latest.number if latest else 0) + 1,
                                   created_by=actor)
    return filing


