"""The check on upload (issue 11): every change to a draft's evidence, or to the vehicle it
describes, is checked by the worker's service before anyone attests; a signer cannot submit
evidence with errors; the filing and the evidence name one vehicle."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from filings.models import Assessment, EvidenceCheck, FileKind, Filing
from filings.services.assessment import assessment_run
from filings.services.checking import evidence_check_run, evidence_check_sweep
from filings.services.common import ServiceError, StateConflict
from filings.services.manufacturer import (
    evidence_remove,
    evidence_upload,
    filing_create,
    filing_submit,
    filing_update,
)
from filings.states import State
from tests.conftest import DATA, SAMPLE_VEHICLES
from tests.factories import run_queued_check
from tests.storage.upload_samples import image

PICKUP = "us-pickup-japan-minerals.xlsx"


def new_filing(preparer, **overrides) -> Filing:
    fields = {**SAMPLE_VEHICLES[PICKUP], "coverage_start": dt.date(2024, 6, 1),
              "coverage_end": dt.date(2024, 12, 31), **overrides}
    return filing_create(actor=preparer, **fields)


def upload(preparer, filing: Filing, name: str = PICKUP, content: bytes | None = None):
    data = content if content is not None else (DATA / name).read_bytes()
    return evidence_upload(actor=preparer, filing=filing, upload=SimpleUploadedFile(name, data),
                           kind=FileKind.EVIDENCE)


def check_of(filing: Filing) -> EvidenceCheck:
    return EvidenceCheck.objects.get(version=filing.current_version())


def workbook_with_vehicle(**cells: object) -> bytes:
    """The pickup sample with vehicle-sheet cells changed (column name -> new value)."""
    book = load_workbook(DATA / PICKUP)
    sheet = book["vehicle"]
    header = [c.value for c in sheet[1]]
    for column, value in cells.items():
        sheet.cell(row=2, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestCheckOnUpload:
    def test_an_upload_is_queued_for_checking_and_the_worker_finds_it_ready_with_a_preliminary_outcome(
            self, preparer, django_capture_on_commit_callbacks):
        filing = new_filing(preparer)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            upload(preparer, filing)
        assert len(queued) == 1
        assert check_of(filing).status == EvidenceCheck.Status.CHECKING

        check = run_queued_check(filing)
        assert check.status == EvidenceCheck.Status.READY
        assert check.errors == [] and check.checked_at is not None
        assert (check.credit_min_usd, check.credit_max_usd) == (7500, 7500)
        assert check.result["vehicle"]["model"] == "Ironwood EV"
        assert check.rulebook_version
        # A check is never an assessment.
        assert not Assessment.objects.filter(version__filing=filing).exists()

    def test_the_sample_with_mistakes_lists_every_row_error_before_anyone_attests(self, preparer):
        filing = new_filing(preparer)
        upload(preparer, filing, "mistakes.xlsx")
        check = run_queued_check(filing)
        assert check.status == EvidenceCheck.Status.ERRORS
        assert len(check.errors) == 19
        assert {e["sheet"] for e in check.errors} >= {"vehicle", "battery_components"}
        assert check.result is None

    def test_a_late_answer_for_a_superseded_check_is_not_stored(self, preparer):
        filing = new_filing(preparer)
        upload(preparer, filing)
        first = check_of(filing)
        stale_token = str(first.token)
        evidence_remove(actor=preparer, evidence_file=filing.current_version().files.get())
        upload(preparer, filing, "mistakes.xlsx")
        assert evidence_check_run(version_id=first.version_id, token=stale_token) is None
        assert check_of(filing).status == EvidenceCheck.Status.CHECKING
        assert run_queued_check(filing).status == EvidenceCheck.Status.ERRORS

    def test_a_second_run_of_the_same_check_changes_nothing(self, preparer):
        filing = new_filing(preparer)
        upload(preparer, filing)
        check = run_queued_check(filing)
        assert evidence_check_run(version_id=check.version_id, token=str(check.token)) is None
        assert check_of(filing).checked_at == check.checked_at

    def test_removing_the_evidence_leaves_nothing_to_check(self, preparer):
        filing = new_filing(preparer)
        stored = upload(preparer, filing)
        run_queued_check(filing)
        evidence_remove(actor=preparer, evidence_file=stored)
        assert check_of(filing).status == EvidenceCheck.Status.EMPTY

    def test_a_supporting_document_does_not_start_a_check(self, preparer):
        filing = new_filing(preparer)
        upload(preparer, filing)
        run_queued_check(filing)
        evidence_upload(actor=preparer, filing=filing, kind=FileKind.SUPPORTING,
                        upload=SimpleUploadedFile("letter.png", image("PNG")))
        assert check_of(filing).status == EvidenceCheck.Status.READY

    def test_a_workbook_and_its_csv_sheets_together_are_an_error_of_the_check(self, preparer):
        filing = new_filing(preparer)
        upload(preparer, filing)
        upload(preparer, filing, "vehicle.csv",
               (DATA / "us-pickup-japan-minerals-csv" / "vehicle.csv").read_bytes())
        check = run_queued_check(filing)
        assert check.status == EvidenceCheck.Status.ERRORS
        assert "either one .xlsx workbook or the sheets as CSV files" in check.errors[0]["message"]

    def test_the_sweep_queues_again_a_check_the_worker_never_answered(
            self, preparer, settings, django_capture_on_commit_callbacks):
        settings.EVIDENCE_CHECK_STUCK_AFTER_SECONDS = 0
        filing = new_filing(preparer)
        upload(preparer, filing)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert evidence_check_sweep() == 1
        assert len(queued) == 1
        run_queued_check(filing)
        assert evidence_check_sweep() == 0


class TestSubmission:
    def test_evidence_with_errors_cannot_be_submitted_and_nothing_changes(
            self, preparer, signer, django_capture_on_commit_callbacks):
        filing = new_filing(preparer)
        upload(preparer, filing, "mistakes.xlsx")
        run_queued_check(filing)
        with django_capture_on_commit_callbacks(execute=False) as queued, \
                pytest.raises(ServiceError, match="The evidence has 19 problems"):
            filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
        assert not queued
        filing.refresh_from_db()
        assert (filing.state, filing.submitted_at) == (State.DRAFT, None)
        assert filing.current_version().submitted_at is None

    def test_a_check_the_worker_has_not_answered_yet_is_made_at_submission(self, preparer,
                                                                           signer):
        filing = new_filing(preparer)
        upload(preparer, filing, "mistakes.xlsx")
        assert check_of(filing).status == EvidenceCheck.Status.CHECKING
        with pytest.raises(ServiceError, match="19 problems"):
            filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
        # The answer is kept for the draft's page although the submission was refused.
        assert check_of(filing).status == EvidenceCheck.Status.ERRORS

        clean = new_filing(preparer)
        upload(preparer, clean)
        submitted = filing_submit(actor=signer, filing=clean, attestation_confirmed=True)
        assert submitted.state == State.SUBMITTED
        assert check_of(submitted).status == EvidenceCheck.Status.READY

    def test_evidence_changed_after_its_check_is_a_conflict(self, preparer, signer):
        filing = new_filing(preparer)
        upload(preparer, filing)
        ready = run_queued_check(filing)
        EvidenceCheck.objects.filter(pk=ready.pk).update(token=ready.token.hex[::-1])
        from filings.services.manufacturer import _submit

        with pytest.raises(StateConflict, match="changed while it was being submitted"):
            _submit(actor=signer, filing=filing, version=filing.current_version(),
                    checked=ready.token)
        assert Filing.objects.get(pk=filing.pk).state == State.DRAFT


class TestOneVehicle:
    @pytest.mark.parametrize(("field", "filed", "label"), [
        ("model", "Ironwood EV Crew Cab", "model"),
        ("make", "Granite Motors", "make"),
        ("model_year", 2030, "model year"),
        ("vehicle_class", "suv", "vehicle class"),
    ])
    def test_a_filing_that_names_another_vehicle_than_its_evidence_is_an_error_naming_both(
            self, preparer, signer, field, filed, label):
        filing = new_filing(preparer, **{field: filed})
        upload(preparer, filing)
        check = run_queued_check(filing)
        assert check.status == EvidenceCheck.Status.ERRORS
        [error] = check.errors
        evidenced = str(SAMPLE_VEHICLES[PICKUP][field])
        assert (error["sheet"], error["row"], error["column"], error["value"]) == (
            "vehicle", 2, field, evidenced)
        assert f"The filing is for {label} \u201c{filed}\u201d" in error["message"]
        assert f"the vehicle sheet says \u201c{evidenced}\u201d" in error["message"]
        with pytest.raises(ServiceError, match="1 problem "):
            filing_submit(actor=signer, filing=filing, attestation_confirmed=True)

    def test_editing_the_filing_to_match_checks_again_and_makes_it_ready(self, preparer):
        filing = new_filing(preparer, model="Ironwood EV Crew Cab")
        upload(preparer, filing)
        assert run_queued_check(filing).status == EvidenceCheck.Status.ERRORS
        filing_update(actor=preparer, filing=filing, model="Ironwood EV")
        assert check_of(filing).status == EvidenceCheck.Status.CHECKING
        assert run_queued_check(filing).status == EvidenceCheck.Status.READY

    def test_letter_case_and_spacing_of_make_and_model_are_not_a_different_vehicle(self, preparer):
        filing = new_filing(preparer, make="GRANITE  motor company", model="ironwood ev")
        upload(preparer, filing)
        assert run_queued_check(filing).status == EvidenceCheck.Status.READY

    def test_an_assessment_of_mismatched_evidence_is_invalid_never_assessed(self, preparer):
        # Evidence that reached the assessment without a check (submitted before checks
        # existed) is compared too: a mismatched vehicle is never assessed, so never certified.
        filing = new_filing(preparer, model_year=2025)
        upload(preparer, filing)
        Filing.objects.filter(pk=filing.pk).update(state=State.SUBMITTED)
        assessment = assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
        assert assessment is not None and not assessment.valid
        assert assessment.errors[0]["column"] == "model_year"
        assert Filing.objects.get(pk=filing.pk).state == State.INVALID

    def test_vins_whose_model_year_code_disagrees_with_the_filing_are_findings(self, preparer):
        book = load_workbook(io.BytesIO(workbook_with_vehicle()))
        vins = book["vins"]
        vin = str(vins.cell(row=2, column=1).value)
        # Position 10 is the model-year code: "R" is 2024, "S" 2025 (49 CFR 565.15).
        wrong_year = vin[:9] + "S" + vin[10:]
        from filings.rules.vin import check_digit

        wrong_year = wrong_year[:8] + check_digit(wrong_year) + wrong_year[9:]
        vins.cell(row=2, column=1, value=wrong_year)
        out = io.BytesIO()
        book.save(out)
        filing = new_filing(preparer)
        upload(preparer, filing, PICKUP, out.getvalue())
        check = run_queued_check(filing)
        assert check.status == EvidenceCheck.Status.READY
        findings = [f for s in check.result["segments"] for f in s["findings"]]
        assert any("model year 2024" in f["message"] and 2 in f["rows"] for f in findings), findings


class TestCoverageBounds:
    @pytest.mark.parametrize(("start", "end", "needle"), [
        (dt.date(2022, 12, 31), dt.date(2024, 12, 31), "before 2023-01-01"),
        (dt.date(2024, 1, 1), dt.date(9999, 12, 31), "after 2025-09-30"),
        (dt.date(1, 1, 1), dt.date(2024, 12, 31), "before 2023-01-01"),
        (dt.date(2024, 1, 1), dt.date(2025, 10, 1), "End the coverage on or before 2025-09-30"),
    ])
    def test_a_coverage_outside_what_the_credit_can_cover_is_refused_and_nothing_is_stored(
            self, preparer, start, end, needle):
        with pytest.raises(ServiceError, match=needle):
            new_filing(preparer, coverage_start=start, coverage_end=end)
        assert not Filing.objects.exists()

    def test_an_edit_outside_the_bounds_is_refused_and_the_filing_kept(self, preparer):
        filing = new_filing(preparer)
        with pytest.raises(ServiceError, match="after 2025-09-30"):
            filing_update(actor=preparer, filing=filing, coverage_end=dt.date(9999, 12, 31))
        assert Filing.objects.get(pk=filing.pk).coverage_end == dt.date(2024, 12, 31)

    def test_the_widest_coverage_accepted_is_checked_and_assessed_without_overflow(
            self, preparer, signer):
        filing = new_filing(preparer, coverage_start=dt.date(2023, 1, 1),
                            coverage_end=dt.date(2025, 9, 30))
        upload(preparer, filing)
        check = run_queued_check(filing)
        assert check.status == EvidenceCheck.Status.READY
        segments = check.result["segments"]
        assert (segments[0]["from"], segments[-1]["to"]) == ("2023-01-01", "2025-09-30")
        filing = filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
        assessment = assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
        assert assessment is not None and assessment.valid

