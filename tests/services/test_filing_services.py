"""Every state-changing service: who may call it, from which state, and the audit event it writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from filings.models import Assessment, EvidenceVersion, FileKind, Filing, ReviewNote
from filings.services.assessment import assessment_run, assessment_sweep
from filings.services.common import NotAllowed, ServiceError, StateConflict
from filings.services.manufacturer import (
    evidence_remove,
    evidence_upload,
    filing_create,
    filing_reopen,
    filing_submit,
    filing_withdraw,
)
from filings.services.review import (
    filing_approve,
    review_recommend,
    review_request_changes,
    review_start,
)
from filings.states import State
from portal.audit.models import AuditEvent
from tests.conftest import DATA, SAMPLE_VEHICLES
from tests.storage.upload_samples import pdf


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def draft_with_workbook(preparer, workbook: str = "us-pickup-japan-minerals.xlsx") -> Filing:
    filing = filing_create(actor=preparer, **SAMPLE_VEHICLES[workbook],
                           coverage_start=dt.date(2024, 6, 1), coverage_end=dt.date(2024, 12, 31))
    evidence_upload(actor=preparer, filing=filing, upload=upload(DATA / workbook),
                    kind=FileKind.EVIDENCE)
    return filing


def submitted(preparer, signer, workbook: str = "us-pickup-japan-minerals.xlsx") -> Filing:
    filing = draft_with_workbook(preparer, workbook)
    return filing_submit(actor=signer, filing=filing, attestation_confirmed=True)


def submitted_unchecked(preparer, workbook: str) -> Filing:
    """A submitted filing whose evidence never passed the check on upload, as when a rulebook
    amendment published between the check and the assessment makes the evidence invalid. (A
    signer cannot submit evidence with errors: `filing_submit` refuses it.)"""
    filing = draft_with_workbook(preparer, workbook)
    Filing.objects.filter(pk=filing.pk).update(state=State.SUBMITTED, submitted_at=timezone.now())
    EvidenceVersion.objects.filter(filing=filing).update(submitted_at=timezone.now())
    filing.refresh_from_db()
    return filing


def assessed(preparer, signer, workbook: str = "us-pickup-japan-minerals.xlsx") -> Filing:
    filing = (submitted(preparer, signer, workbook) if workbook != "mistakes.xlsx"
              else submitted_unchecked(preparer, workbook))
    version = filing.current_version()
    assessment_run(filing_id=filing.pk, version_id=version.pk)
    filing.refresh_from_db()
    return filing


def actions(filing: Filing) -> list[str]:
    return list(AuditEvent.objects.filter(filing=filing).values_list("action", flat=True))


class TestFilingCreate:
    def test_a_preparer_creates_a_draft_with_an_empty_first_version(self, preparer):
        filing = draft_with_workbook(preparer)
        assert filing.state == State.DRAFT
        assert filing.organisation == preparer.membership().organisation
        assert filing.current_version().number == 1
        assert actions(filing) == ["filing_create", "evidence_upload"]

    def test_a_viewer_cannot_create_a_filing(self, viewer):
        with pytest.raises(NotAllowed):
            draft_with_workbook(viewer)
        assert not Filing.objects.exists()

    def test_a_coverage_period_that_ends_before_it_starts_is_refused(self, preparer):
        with pytest.raises(ServiceError, match="ends before it starts"):
            filing_create(actor=preparer, make="M", model="X", model_year=2024,
                          vehicle_class="car", coverage_start=dt.date(2024, 6, 1),
                          coverage_end=dt.date(2024, 5, 31))


class TestEvidenceUpload:
    def test_the_upload_is_stored_under_a_generated_name_with_its_hash(self, preparer, settings):
        filing = draft_with_workbook(preparer)
        stored = filing.current_version().files.get()
        assert stored.original_name == "us-pickup-japan-minerals.xlsx"
        assert stored.stored_name != stored.original_name and stored.stored_name.endswith(".xlsx")
        assert len(stored.sha256) == 64
        assert (Path(settings.EVIDENCE_ROOT) / stored.stored_name[:2] / stored.stored_name).is_file()

    def test_an_outsider_cannot_upload_to_another_organisations_filing(self, preparer, outsider):
        filing = draft_with_workbook(preparer)
        with pytest.raises(NotAllowed):
            evidence_upload(actor=outsider, filing=filing,
                            upload=upload(DATA / "german-sedan.xlsx"), kind=FileKind.EVIDENCE)
        assert filing.current_version().files.count() == 1

    @pytest.mark.parametrize(("name", "content", "kind", "needle"), [
        ("evil.exe", b"MZ\x90\x00", FileKind.EVIDENCE, "evil.exe is neither"),
        ("report.pdf", b"MZ\x90\x00 not a pdf", FileKind.SUPPORTING, "not a PDF"),
        ("fake.xlsx", b"PK\x03\x04 not really a zip", FileKind.EVIDENCE, "not an Excel workbook"),
        ("vehicle.csv", "make,model\n".encode("utf-16"), FileKind.EVIDENCE, "NUL bytes"),
        ("vehicle.csv", b"make\n\xff\xfe", FileKind.EVIDENCE, "not UTF-8"),
        ("notes.csv", b"make\n", FileKind.EVIDENCE, "named after their sheet"),
        ("empty.pdf", b"", FileKind.SUPPORTING, "empty"),
    ])
    def test_files_that_are_not_what_they_claim_are_rejected(self, preparer, name, content, kind, needle):
        filing = draft_with_workbook(preparer)
        with pytest.raises(ServiceError, match=needle):
            evidence_upload(actor=preparer, filing=filing,
                            upload=SimpleUploadedFile(name, content), kind=kind)
        assert filing.current_version().files.count() == 1

    def test_a_file_over_the_size_cap_is_rejected(self, preparer, settings):
        settings.SUPPORTING_DOCUMENT_MAX_BYTES = 1024
        filing = draft_with_workbook(preparer)
        with pytest.raises(ServiceError, match="larger than"):
            evidence_upload(actor=preparer, filing=filing,
                            upload=SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 2048),
                            kind=FileKind.SUPPORTING)

    def test_a_path_in_the_file_name_is_kept_as_metadata_only(self, preparer):
        filing = draft_with_workbook(preparer)
        stored = evidence_upload(actor=preparer, filing=filing,
                                 upload=SimpleUploadedFile("../../etc/\u202ereport.pdf", pdf()),
                                 kind=FileKind.SUPPORTING)
        assert stored.original_name == "report.pdf"


class TestSubmit:
    def test_a_signer_submits_with_the_attestation_and_the_assessment_is_queued_on_commit(
            self, preparer, signer, django_capture_on_commit_callbacks):
        filing = draft_with_workbook(preparer)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            filing = filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
        assert filing.state == State.SUBMITTED
        assert filing.submitted_by == signer and "true, correct and complete" in filing.attestation
        assert filing.current_version().is_frozen
        assert len(callbacks) == 1
        assert actions(filing)[-1] == "filing_submit"

    def test_a_preparer_cannot_submit(self, preparer):
        filing = draft_with_workbook(preparer)
        with pytest.raises(NotAllowed):
            filing_submit(actor=preparer, filing=filing, attestation_confirmed=True)

    def test_submitting_without_confirming_the_attestation_is_refused(self, preparer, signer):
        filing = draft_with_workbook(preparer)
        with pytest.raises(ServiceError, match="Confirm the attestation"):
            filing_submit(actor=signer, filing=filing, attestation_confirmed=False)
        filing.refresh_from_db()
        assert filing.state == State.DRAFT

    def test_submitting_twice_is_a_state_conflict(self, preparer, signer):
        filing = submitted(preparer, signer)
        stale = Filing.objects.get(pk=filing.pk)
        with pytest.raises(StateConflict):
            filing_submit(actor=signer, filing=stale, attestation_confirmed=True)

    def test_submitted_evidence_cannot_be_changed(self, preparer, signer):
        filing = submitted(preparer, signer)
        with pytest.raises(StateConflict):
            evidence_upload(actor=preparer, filing=filing,
                            upload=upload(DATA / "german-sedan.xlsx"), kind=FileKind.EVIDENCE)
        with pytest.raises(StateConflict):
            evidence_remove(actor=preparer, evidence_file=filing.current_version().files.get())

    def test_a_workbook_and_csv_files_together_are_refused(self, preparer, signer):
        filing = draft_with_workbook(preparer)
        evidence_upload(actor=preparer, filing=filing,
                        upload=upload(DATA / "us-pickup-japan-minerals-csv" / "vehicle.csv"),
                        kind=FileKind.EVIDENCE)
        with pytest.raises(ServiceError, match="not both"):
            filing_submit(actor=signer, filing=filing, attestation_confirmed=True)


class TestAssessmentRun:
    def test_the_run_stores_the_result_and_moves_the_filing_to_assessed(
            self, preparer, signer, django_capture_on_commit_callbacks):
        filing = submitted(preparer, signer)
        with django_capture_on_commit_callbacks(execute=True):
            assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
        filing.refresh_from_db()
        assert filing.state == State.ASSESSED
        assessment = Assessment.objects.get(version__filing=filing)
        assert assessment.valid and assessment.result["rulebook"]["id"] == "us-irc-30d"
        assert assessment.credit_min_usd == assessment.credit_max_usd == 7500
        assert assessment.evidence_hashes == {
            "us-pickup-japan-minerals.xlsx": filing.current_version().files.get().sha256}
        assert actions(filing)[-2:] == ["assessment_start", "assessment_finish"]
        assert [m.subject for m in mail.outbox] == [
            "[CVC portal] Assessment complete: Granite Motor Company Ironwood EV 2024"]
        assert "$7,500" in mail.outbox[0].body and "preparer@granite.example" in mail.outbox[0].to

    def test_running_twice_stores_one_assessment_and_one_audit_event(self, preparer, signer):
        filing = assessed(preparer, signer)
        version = filing.current_version()
        assessment_run(filing_id=filing.pk, version_id=version.pk)
        assert Assessment.objects.filter(version=version).count() == 1
        assert actions(filing).count("assessment_finish") == 1

    def test_invalid_evidence_moves_the_filing_to_invalid_with_row_errors(self, preparer, signer):
        filing = assessed(preparer, signer, "mistakes.xlsx")
        assert filing.state == State.INVALID
        errors = Assessment.objects.get(version__filing=filing).errors
        assert any(e["sheet"] == "vehicle" and e["column"] == "vehicle_class" for e in errors)

    def test_a_task_handed_another_filings_version_does_nothing(self, preparer, signer):
        first = submitted(preparer, signer)
        second = submitted(preparer, signer, "german-sedan.xlsx")
        assert assessment_run(filing_id=first.pk,
                              version_id=second.current_version().pk) is None
        assert not Assessment.objects.exists()

    def test_an_invalid_filing_reopens_as_a_draft_with_a_new_version(self, preparer, signer):
        filing = assessed(preparer, signer, "mistakes.xlsx")
        filing = filing_reopen(actor=preparer, filing=filing)
        assert filing.state == State.DRAFT
        assert [v.number for v in filing.versions.all()] == [1, 2]
        assert filing.versions.get(number=1).files.count() == 1


class TestSweep:
    def test_a_stuck_filing_is_requeued_then_failed_after_the_last_attempt(
            self, preparer, signer, settings, django_capture_on_commit_callbacks):
        settings.ASSESSMENT_STUCK_AFTER_SECONDS = 0
        settings.ASSESSMENT_MAX_ATTEMPTS = 2
        filing = submitted(preparer, signer)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert assessment_sweep() == 1
        assert len(callbacks) == 1
        filing.refresh_from_db()
        assert filing.assessment_attempts == 2 and filing.state == State.SUBMITTED
        assessment_sweep()
        filing.refresh_from_db()
        assert filing.state == State.INVALID
        assert "could not be completed" in Assessment.objects.get(version__filing=filing).errors[0]["message"]

    def test_a_fresh_submission_is_left_alone(self, preparer, signer, settings):
        settings.ASSESSMENT_STUCK_AFTER_SECONDS = 3600
        submitted(preparer, signer)
        assert assessment_sweep() == 0


class TestReview:
    def test_the_full_review_path_ends_approved_with_notes_and_audit(self, preparer, signer, reviewer, approver):
        filing = assessed(preparer, signer)
        filing = review_start(actor=reviewer, filing=filing)
        assert filing.state == State.IN_REVIEW and filing.reviewer == reviewer
        review_recommend(actor=reviewer, filing=filing, recommendation="approve",
                         comment="Evidence traced; recommend approval.")
        filing = filing_approve(actor=approver, filing=filing, comment="Approved.")
        assert filing.state == State.APPROVED and filing.decided_by == approver
        assert list(filing.review_notes.values_list("kind", flat=True)) == [
            ReviewNote.Kind.RECOMMEND_APPROVE, ReviewNote.Kind.APPROVE]
        assert actions(filing)[-3:] == ["review_start", "review_recommend_approve", "filing_approved"]

    def test_an_approver_cannot_decide_before_a_reviewer_recommends(self, preparer, signer, reviewer, approver):
        filing = review_start(actor=reviewer, filing=assessed(preparer, signer))
        with pytest.raises(StateConflict, match="must recommend"):
            filing_approve(actor=approver, filing=filing, comment="Approved.")

    def test_a_reviewer_cannot_approve(self, preparer, signer, reviewer):
        filing = review_start(actor=reviewer, filing=assessed(preparer, signer))
        with pytest.raises(NotAllowed):
            filing_approve(actor=reviewer, filing=filing, comment="Approved.")

    def test_a_manufacturer_cannot_review_its_own_filing(self, preparer, signer):
        filing = assessed(preparer, signer)
        with pytest.raises(NotAllowed):
            review_start(actor=signer, filing=filing)

    def test_a_decision_needs_a_comment(self, preparer, signer, reviewer):
        filing = review_start(actor=reviewer, filing=assessed(preparer, signer))
        with pytest.raises(ServiceError, match="comment is required"):
            review_request_changes(actor=reviewer, filing=filing, comment="  ")

    def test_requested_changes_go_back_to_the_manufacturer_as_a_new_draft(
            self, preparer, signer, reviewer, django_capture_on_commit_callbacks):
        filing = review_start(actor=reviewer, filing=assessed(preparer, signer))
        with django_capture_on_commit_callbacks(execute=True):
            filing = review_request_changes(actor=reviewer, filing=filing,
                                            comment="Add the cobalt refinery's attestation.")
        assert filing.state == State.CHANGES_REQUESTED
        assert "Changes requested" in mail.outbox[-1].subject
        assert filing_reopen(actor=signer, filing=filing).state == State.DRAFT

    def test_withdrawal_needs_a_reason_and_a_signer(self, preparer, signer):
        filing = assessed(preparer, signer)
        with pytest.raises(NotAllowed):
            filing_withdraw(actor=preparer, filing=filing, reason="Model cancelled")
        with pytest.raises(ServiceError):
            filing_withdraw(actor=signer, filing=filing, reason="")
        assert filing_withdraw(actor=signer, filing=filing,
                               reason="Model cancelled").state == State.WITHDRAWN
