"""The assessment task stores the sourcing advice (issue 15) when some requirement is not met:
advice that, applied to the evidence and re-assessed, meets the share; none when all is met;
and an advice that cannot be made leaves the assessment as it would have been."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings import storage
from filings.evidence.lines import component_lines, mineral_lines
from filings.evidence.reader import read_evidence, read_frames
from filings.models import Assessment, FileKind, Filing
from filings.rules import Evidence, assess_period, load_rulebook
from filings.services.assessment import assessment_run
from filings.services.manufacturer import evidence_upload, filing_create, filing_submit
from tests.conftest import DATA, SAMPLE_VEHICLES
from tests.services.test_assessment_queries import ASSESSMENT_TASK_QUERIES, statements
from tests.services.test_filing_services import submitted, upload

CROSSOVER = "crossover-short-na-components.xlsx"  # battery components short of the share
FEOC = "feoc-graphite-2025.xlsx"


def _assessed(preparer, signer, workbook: str) -> Assessment:
    filing = submitted(preparer, signer, workbook)
    assessment = assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
    assert assessment is not None and assessment.valid, assessment and assessment.errors
    assessment.refresh_from_db()  # what was stored, not what the task held
    return assessment


def _moved_components(advice: dict[str, Any], rows: list[int]) -> Evidence:
    """The sample with the components of `rows` made where the advice says they may go."""
    frames = read_frames([DATA / CROSSOVER])
    (place,) = [d for d in advice["destinations"] if d["step"] == "manufacturing_or_assembly"]
    parts = [dataclasses.replace(c, manufacturing_country=place["countries"][0])
             if c.row in rows else c for c in component_lines(frames["battery_components"])]
    vehicle = read_evidence([DATA / CROSSOVER]).vehicle
    return Evidence.from_lines(vehicle, parts, mineral_lines(frames["critical_minerals"]))


def _share_met(advice: dict[str, Any], rows: list[int]) -> bool:
    start = dt.date.fromisoformat(advice["from"])
    result = assess_period(_moved_components(advice, rows), rulebook=load_rulebook(),
                           start=start, end=dt.date.fromisoformat(advice["to"]))
    return all(s.requirements["battery_components"].met is True for s in result.segments)


def test_an_unmet_share_stores_advice_that_meets_it_when_applied(preparer, signer):
    assessment = _assessed(preparer, signer, CROSSOVER)

    assert assessment.advice is not None
    rulebook = load_rulebook()
    assert assessment.advice["rulebook"] == {"id": rulebook.id, "version": rulebook.version}
    (share,) = assessment.advice["shares"]
    assert share["requirement"] == "battery_components"
    assert share["credit_usd_if_met"] > share["credit_usd"]
    for answer in ("fewest_lines", "fewest_suppliers", "least_value"):
        rows = share[answer]["rows"]
        assert rows and _share_met(share, rows), answer
    # One line fewer than the fewest lines never meets the share.
    fewest = share["fewest_lines"]["rows"]
    assert not any(_share_met(share, [r for r in fewest if r != row]) for row in fewest)
    assert Decimal(share["fewest_lines"]["value_usd"]) >= Decimal(share["shortfall_usd"])


def test_a_share_left_unmet_by_the_advice_is_not_met_as_filed(preparer, signer):
    assessment = _assessed(preparer, signer, CROSSOVER)
    (share,) = assessment.advice["shares"]

    assert not _share_met(share, [])


def test_an_assessment_meeting_every_requirement_stores_no_advice(preparer, signer):
    assessment = _assessed(preparer, signer, "us-pickup-japan-minerals.xlsx")

    assert all(r["met"] is not False for s in assessment.result["segments"]
               for r in s["requirements"].values())
    assert assessment.advice is None


def test_assembly_abroad_is_advised_as_not_fixable_by_sourcing(preparer, signer):
    assessment = _assessed(preparer, signer, "german-sedan.xlsx")

    (assembly,) = [n for n in assessment.advice["not_by_sourcing"]
                   if n["requirement"] == "final_assembly"]
    assert assembly["fixable_by_sourcing"] is False and assembly["where"] == ["CA", "MX", "US"]


def test_evidence_files_gone_after_the_check_leave_the_assessment_without_advice(
        preparer, signer, caplog):
    filing = submitted(preparer, signer, CROSSOVER)
    version = filing.current_version()
    storage.evidence_discard([f.stored_name for f in version.files.all()])

    assessment = assessment_run(filing_id=filing.pk, version_id=version.pk)

    assert assessment is not None and assessment.valid  # assessed from the stored groups
    assessment.refresh_from_db()
    assert assessment.advice is None and assessment.credit_max_usd == 3750
    assert "advice for version" in caplog.text


def test_files_that_disagree_with_the_assessed_evidence_give_no_advice(preparer, signer, caplog):
    """The stored groups (the crossover's) are assessed; the file now holds the German sedan's
    lines, whose totals are not the assessment's: the advice refuses them."""
    filing = submitted(preparer, signer, CROSSOVER)
    version = filing.current_version()
    (f,) = version.files.all()
    storage.evidence_discard([f.stored_name])
    storage.evidence_storage().save(storage.evidence_key(f.stored_name),
                                    ContentFile((DATA / "german-sedan.xlsx").read_bytes()))

    assessment = assessment_run(filing_id=filing.pk, version_id=version.pk)

    assert assessment is not None and assessment.valid
    assessment.refresh_from_db()
    assert assessment.advice is None
    assert assessment.result["segments"][0]["requirements"]["battery_components"]["met"] is False
    assert "could not be made" in caplog.text


def feoc_assessed(preparer, signer) -> Filing:
    """The FEOC sample assessed over 2025 to the end of the credit window, when its Chinese graphite disqualifies the vehicle."""
    filing = filing_create(actor=preparer, **SAMPLE_VEHICLES[FEOC],
                           coverage_start=dt.date(2025, 1, 1), coverage_end=dt.date(2025, 9, 30))
    evidence_upload(actor=preparer, filing=filing, upload=upload(DATA / FEOC),
                    kind=FileKind.EVIDENCE)
    filing = filing_submit(actor=signer, filing=filing, attestation_confirmed=True)
    assessment_run(filing_id=filing.pk, version_id=filing.current_version().pk)
    return filing


def test_foreign_entity_lines_are_advised_with_the_date_each_disqualifies_from(preparer, signer):
    filing = feoc_assessed(preparer, signer)
    advice = Assessment.objects.get(version__filing=filing).advice

    by_row = {f["line"]["row"]: f for f in advice["feoc"]}
    assert by_row[2]["line"]["supplier"] == "Heilongjiang Carbon Materials"
    assert by_row[2]["disqualifies_from"] == "2025-01-01" and by_row[2]["disqualifies_in_period"]
    # Impracticable to trace: left out of the test until the end of 2026.
    assert by_row[5]["excluded_until"] == "2026-12-31"
    assert by_row[5]["disqualifies_from"] == "2027-01-01" and not by_row[5]["disqualifies_in_period"]
    assert advice["shares"] == [] and advice["not_by_sourcing"] == []


def test_making_the_advice_costs_the_task_no_query(preparer, signer):
    filing = submitted(preparer, signer, CROSSOVER)
    version = filing.current_version()
    with CaptureQueriesContext(connection) as captured:
        assessment = assessment_run(filing_id=filing.pk, version_id=version.pk)

    assert assessment is not None and assessment.advice is not None
    assert len(statements(captured)) == ASSESSMENT_TASK_QUERIES
