"""Every write and state transition of a filing.

Each service takes keyword-only arguments, checks the actor's role and the filing's state, runs in
one transaction, changes state by compare-and-swap and writes its audit event in that same
transaction. Side effects (queueing, mail) happen after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from filings import storage
from filings.audit import audit_record
from filings.evidence import EvidenceInvalid, read_evidence
from filings.models import (
    REOPENABLE,
    WITHDRAWABLE,
    Assessment,
    EvidenceFile,
    EvidenceVersion,
    FileKind,
    Filing,
    ReviewNote,
    State,
)
from filings.rules import AssessmentInputError, assess_period, load_rulebook
from portal.accounts.models import Membership, User
from portal.accounts.roles import ATTESTATION_STATEMENT, CAPABILITIES, Capability, OrganisationKind, Role

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """A request the service refuses; `message` says what was wrong and what to do."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    status = 403


class StateConflict(ServiceError):
    status = 409


# --- access -------------------------------------------------------------------------------

def _membership(actor: User) -> Membership:
    membership = actor.membership() if actor.is_authenticated else None
    if membership is None:
        raise NotAllowed("Your account does not belong to an organisation.")
    return membership


def _require(actor: User, capability: Capability, filing: Filing | None = None) -> Membership:
    membership = _membership(actor)
    if capability not in CAPABILITIES[Role(membership.role)]:
        raise NotAllowed(f"A {membership.role} cannot do this; ask a colleague with the right role.")
    if filing is not None and capability in (Capability.EDIT_FILINGS, Capability.SUBMIT_FILINGS) \
            and filing.organisation_id != membership.organisation_id:
        raise NotAllowed("This filing belongs to another organisation.")
    return membership


def _transition(filing: Filing, *, actor: User | None, from_states: Iterable[str], to_state: str,
                action: str, reason: str = "", **changes: Any) -> Filing:
    """Compare-and-swap the state, then record the audit event. Call inside a transaction."""
    allowed = tuple(from_states)
    now = timezone.now()
    updated = Filing.objects.filter(pk=filing.pk, state__in=allowed).update(
        state=to_state, state_changed_at=now, **changes)
    if updated != 1:
        current = Filing.objects.values_list("state", flat=True).get(pk=filing.pk)
        raise StateConflict(f"This filing is {State(current).label.lower()} now, so it cannot be "
                            f"{action.replace('_', ' ')}; reload the page to see its state.")
    from_state = filing.state if filing.state in allowed else allowed[0]
    filing.refresh_from_db()
    audit_record(organisation=filing.organisation, actor=actor, filing=filing, action=action,
                 from_state=from_state, to_state=to_state, reason=reason)
    return filing


# --- manufacturer side --------------------------------------------------------------------

@transaction.atomic
def filing_create(*, actor: User, make: str, model: str, model_year: int, vehicle_class: str,
                  coverage_start: dt.date, coverage_end: dt.date) -> Filing:
    membership = _require(actor, Capability.EDIT_FILINGS)
    if coverage_end < coverage_start:
        raise ServiceError("The coverage period ends before it starts; check the two dates.")
    filing = Filing.objects.create(
        organisation=membership.organisation, make=make.strip(), model=model.strip(),
        model_year=model_year, vehicle_class=vehicle_class, coverage_start=coverage_start,
        coverage_end=coverage_end, created_by=actor)
    EvidenceVersion.objects.create(filing=filing, number=1, created_by=actor)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="filing_create", to_state=State.DRAFT)
    return filing


@transaction.atomic
def evidence_upload(*, actor: User, filing: Filing, upload: UploadedFile,
                    kind: FileKind) -> EvidenceFile:
    """Add a file to the filing's draft evidence version."""
    _require(actor, Capability.EDIT_FILINGS, filing)
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
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="evidence_upload", reason=stored.original_name,
                 data={"sha256": stored.sha256, "size": stored.size, "version": version.number})
    return evidence_file


@transaction.atomic
def evidence_remove(*, actor: User, evidence_file: EvidenceFile) -> None:
    filing = evidence_file.version.filing
    _require(actor, Capability.EDIT_FILINGS, filing)
    if evidence_file.version.is_frozen or filing.state != State.DRAFT:
        raise StateConflict("Submitted evidence is kept as it was; start a new version instead.")
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action="evidence_remove", reason=evidence_file.original_name,
                 data={"sha256": evidence_file.sha256})
    evidence_file.delete()


def _check_evidence_set(version: EvidenceVersion) -> None:
    names = [f.original_name.lower() for f in version.files.filter(kind=FileKind.EVIDENCE)]
    workbooks = [n for n in names if n.endswith(".xlsx")]
    csvs = [n for n in names if n.endswith(".csv")]
    if not names:
        raise ServiceError("Upload the evidence workbook (or its CSV files) before submitting.")
    if (workbooks and csvs) or len(workbooks) > 1:
        raise ServiceError("A version holds either one .xlsx workbook or the sheets as CSV files, "
                           "not both; remove the extra files.")
    if len(set(csvs)) != len(csvs):
        raise ServiceError("Two CSV files have the same sheet name; remove one.")


@transaction.atomic
def filing_submit(*, actor: User, filing: Filing, attestation_confirmed: bool) -> Filing:
    """A signer attests and submits the draft; the assessment is queued after commit."""
    _require(actor, Capability.SUBMIT_FILINGS, filing)
    if not attestation_confirmed:
        raise ServiceError(f"Confirm the attestation to submit: \u201c{ATTESTATION_STATEMENT}\u201d")
    version = filing.current_version()
    assert version is not None
    _check_evidence_set(version)
    now = timezone.now()
    filing = _transition(filing, actor=actor, from_states=[State.DRAFT], to_state=State.SUBMITTED,
                         action="filing_submit", submitted_by=actor, submitted_at=now,
                         attestation=ATTESTATION_STATEMENT, assessment_attempts=1,
                         reviewer=None, recommendation="", recommended_by=None)
    EvidenceVersion.objects.filter(pk=version.pk).update(submitted_at=now)
    _enqueue_assessment(filing, version)
    return filing


def _enqueue_assessment(filing: Filing, version: EvidenceVersion) -> None:
    from filings.tasks import assess_filing

    filing_id, version_id = filing.pk, version.pk
    transaction.on_commit(lambda: assess_filing.delay(filing_id, version_id))


@transaction.atomic
def filing_withdraw(*, actor: User, filing: Filing, reason: str) -> Filing:
    _require(actor, Capability.SUBMIT_FILINGS, filing)
    if not reason.strip():
        raise ServiceError("Say why the filing is withdrawn.")
    return _transition(filing, actor=actor, from_states=WITHDRAWABLE, to_state=State.WITHDRAWN,
                       action="filing_withdraw", reason=reason.strip())


@transaction.atomic
def filing_reopen(*, actor: User, filing: Filing) -> Filing:
    """Back to draft after invalid evidence or a change request, with a new empty version."""
    _require(actor, Capability.EDIT_FILINGS, filing)
    filing = _transition(filing, actor=actor, from_states=REOPENABLE,
                         to_state=State.DRAFT, action="filing_reopen")
    latest = filing.current_version()
    EvidenceVersion.objects.create(filing=filing, number=(latest.number if latest else 0) + 1,
                                   created_by=actor)
    return filing


# --- assessment (run by the Celery task) --------------------------------------------------

def assessment_run(*, filing_id: int, version_id: int) -> Assessment | None:
    """Assess one submitted version. Safe to run twice: the second run stores nothing new."""
    version = EvidenceVersion.objects.select_related("filing__organisation").get(pk=version_id)
    if version.filing_id != filing_id:
        # A task handed mismatched ids acts on nothing (tenancy re-check).
        logger.warning("assessment_run: version %s is not of filing %s", version_id, filing_id)
        return None
    rulebook = load_rulebook()
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
    return existing


def _assess_version(version: EvidenceVersion, rulebook: Any) -> Assessment:
    filing = version.filing
    files = list(version.files.filter(kind=FileKind.EVIDENCE))
    started = time.perf_counter()
    result: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="assess-") as folder:
        for f in files:
            # The reader knows sheets by file name; link each stored file under its original name.
            (Path(folder) / f.original_name.lower()).symlink_to(storage.path_of(f.stored_name))
        try:
            evidence = read_evidence([Path(folder)])
            result = assess_period(evidence, rulebook=rulebook, start=filing.coverage_start,
                                   end=filing.coverage_end).to_dict()
        except EvidenceInvalid as exc:
            errors = [e.to_dict() for e in exc.errors]
        except AssessmentInputError as exc:
            errors = [{"sheet": None, "row": None, "column": None, "value": None,
                       "message": str(exc)}]
    credits = [s["credit_usd"] for s in result["segments"]] if result else []
    try:
        with transaction.atomic():
            return Assessment.objects.create(
                version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
                evidence_hashes={f.original_name: f.sha256 for f in files},
                valid=result is not None, result=result, errors=errors,
                credit_min_usd=min(credits) if credits else None,
                credit_max_usd=max(credits) if credits else None,
                duration_ms=int((time.perf_counter() - started) * 1000))
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
    rulebook = load_rulebook()
    Assessment.objects.get_or_create(
        version=version, rulebook_id=rulebook.id, rulebook_version=rulebook.version,
        defaults={"valid": False, "duration_ms": 0, "errors": [{
            "sheet": None, "row": None, "column": None, "value": None,
            "message": "The assessment could not be completed. Reopen the filing and submit "
                       "again; if it happens again, contact the portal's support."}]})


# --- authority side -----------------------------------------------------------------------

def _require_authority(actor: User, capability: Capability) -> Membership:
    membership = _require(actor, capability)
    if membership.organisation.kind != OrganisationKind.AUTHORITY:
        raise NotAllowed("Only the reviewing authority can do this.")
    return membership


def _comment_required(comment: str) -> str:
    if not comment.strip():
        raise ServiceError("A comment is required: say what you decided and why.")
    return comment.strip()


@transaction.atomic
def review_start(*, actor: User, filing: Filing) -> Filing:
    _require_authority(actor, Capability.RECOMMEND)
    return _transition(filing, actor=actor, from_states=[State.ASSESSED], to_state=State.IN_REVIEW,
                       action="review_start", reviewer=actor)


@transaction.atomic
def review_recommend(*, actor: User, filing: Filing, recommendation: str, comment: str) -> Filing:
    _require_authority(actor, Capability.RECOMMEND)
    text = _comment_required(comment)
    if recommendation not in ("approve", "reject"):
        raise ServiceError("Recommend either approve or reject.")
    updated = Filing.objects.filter(pk=filing.pk, state=State.IN_REVIEW).update(
        recommendation=recommendation, recommended_by=actor, reviewer=actor)
    if not updated:
        raise StateConflict("Only a filing in review can be recommended; reload the page.")
    filing.refresh_from_db()
    kind = (ReviewNote.Kind.RECOMMEND_APPROVE if recommendation == "approve"
            else ReviewNote.Kind.RECOMMEND_REJECT)
    ReviewNote.objects.create(filing=filing, author=actor, kind=kind, text=text)
    audit_record(organisation=filing.organisation, actor=actor, filing=filing,
                 action=f"review_recommend_{recommendation}", from_state=State.IN_REVIEW,
                 to_state=State.IN_REVIEW, reason=text)
    return filing


@transaction.atomic
def review_request_changes(*, actor: User, filing: Filing, comment: str) -> Filing:
    _require_authority(actor, Capability.REVIEW_FILINGS)
    text = _comment_required(comment)
    filing = _transition(filing, actor=actor, from_states=[State.IN_REVIEW],
                         to_state=State.CHANGES_REQUESTED, action="review_request_changes",
                         reason=text)
    ReviewNote.objects.create(filing=filing, author=actor, kind=ReviewNote.Kind.REQUEST_CHANGES,
                              text=text)
    _notify_manufacturer(filing, "Changes requested", f"The reviewer asked for changes to "
                         f"{filing}:\n\n{text}")
    return filing


def _decide(actor: User, filing: Filing, comment: str, to_state: State,
            kind: ReviewNote.Kind) -> Filing:
    _require_authority(actor, Capability.DECIDE)
    text = _comment_required(comment)
    current = Filing.objects.select_for_update().get(pk=filing.pk)
    if not current.recommended_by_id:
        raise StateConflict("A reviewer must recommend a decision before an approver decides.")
    if actor.pk in (current.recommended_by_id, current.reviewer_id):
        raise NotAllowed("Four eyes: the approver cannot be the reviewer who recommended it.")
    filing = _transition(current, actor=actor, from_states=[State.IN_REVIEW], to_state=to_state,
                         action=f"filing_{to_state}", reason=text, decided_by=actor,
                         decided_at=timezone.now())
    ReviewNote.objects.create(filing=filing, author=actor, kind=kind, text=text)
    _notify_manufacturer(filing, f"Filing {to_state}", f"{filing} was {to_state}:\n\n{text}")
    return filing


@transaction.atomic
def filing_approve(*, actor: User, filing: Filing, comment: str) -> Filing:
    return _decide(actor, filing, comment, State.APPROVED, ReviewNote.Kind.APPROVE)


@transaction.atomic
def filing_reject(*, actor: User, filing: Filing, comment: str) -> Filing:
    return _decide(actor, filing, comment, State.REJECTED, ReviewNote.Kind.REJECT)


# --- notifications ------------------------------------------------------------------------

def _notify_manufacturer(filing: Filing, subject: str, body: str) -> None:
    """Mail the manufacturer's members after commit (never inside the transaction)."""
    recipients = list(User.objects.filter(memberships__organisation=filing.organisation,
                                          is_active=True).values_list("email", flat=True))
    link = f"{settings.PORTAL_BASE_URL}/filings/{filing.reference}/"
    send: Callable[[], object] = lambda: send_mail(  # noqa: E731
        f"[CVC portal] {subject}: {filing}", f"{body}\n\n{link}\n", settings.DEFAULT_FROM_EMAIL,
        recipients, fail_silently=True)
    if recipients:
        transaction.on_commit(send)
