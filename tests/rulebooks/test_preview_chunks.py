"""The impact preview in chunks (issue 13): the workers share the filings out, the queries per
chunk stay the same whatever its size, a chunk whose worker was lost is done again by the sweep
and nothing is counted twice, and the evidence is read from what was stored, not the files."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filings import storage
from filings.models import EvidenceFile, StoredEvidence
from filings.rulebooks.models import ImpactPreview, ImpactPreviewChunk, JobStatus
from filings.rulebooks.services.preview import (
    rulebook_preview_chunk_run,
    rulebook_preview_in_process,
    rulebook_preview_request,
    rulebook_preview_run,
)
from filings.rulebooks.services.publishing import rulebook_sweep
from tests.rulebooks.conftest import japan_draft, submitted


def _filings(manufacturer, preparer, signer, count):
    return [submitted(manufacturer, preparer, signer) for _ in range(count)]


def test_chunks_of_one_give_the_rows_one_chunk_gives(settings, pre_japan, manufacturer, preparer,
                                                    signer, approver):
    filings = _filings(manufacturer, preparer, signer, 3)
    draft = japan_draft(approver)
    settings.RULEBOOK_PREVIEW_CHUNK_FILINGS = 100
    whole = rulebook_preview_in_process(
        preview_id=rulebook_preview_request(actor=approver, draft=draft).pk)
    settings.RULEBOOK_PREVIEW_CHUNK_FILINGS = 1
    split = rulebook_preview_in_process(
        preview_id=rulebook_preview_request(actor=approver, draft=draft).pk)

    assert split.chunks.count() == 3 and whole.chunks.count() == 1
    assert (split.status, split.done, split.total) == (JobStatus.DONE, 3, 3)
    assert [row["filing"] for row in split.rows] == [f.pk for f in filings]
    assert split.rows == whole.rows and split.counts == whole.counts


def test_a_chunk_costs_the_same_queries_for_one_filing_as_for_four(settings, pre_japan,
                                                                   manufacturer, preparer,
                                                                   signer, approver):
    _filings(manufacturer, preparer, signer, 5)
    draft = japan_draft(approver)

    def queries_for_first_chunk(size):
        settings.RULEBOOK_PREVIEW_CHUNK_FILINGS = size
        preview = rulebook_preview_request(actor=approver, draft=draft)
        rulebook_preview_run(preview_id=preview.pk, enqueue=False)
        rulebook_preview_chunk_run(preview_id=preview.pk, index=0)  # the draft is parsed once
        with CaptureQueriesContext(connection) as queries:
            assert rulebook_preview_chunk_run(preview_id=preview.pk, index=1)
        return len(queries)

    assert queries_for_first_chunk(1) == queries_for_first_chunk(2)


def test_a_lost_chunk_is_sent_again_and_counted_once(settings, pre_japan, manufacturer, preparer,
                                                     signer, approver,
                                                     django_capture_on_commit_callbacks):
    _filings(manufacturer, preparer, signer, 2)
    settings.RULEBOOK_PREVIEW_CHUNK_FILINGS = 1
    preview = rulebook_preview_request(actor=approver, draft=japan_draft(approver))
    rulebook_preview_run(preview_id=preview.pk, enqueue=False)
    assert rulebook_preview_chunk_run(preview_id=preview.pk, index=0)
    # The worker holding chunk 1 was lost: nothing of it was stored.
    ImpactPreview.objects.filter(pk=preview.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.RULEBOOK_JOB_STUCK_AFTER_SECONDS + 1))
    with django_capture_on_commit_callbacks() as sent:
        assert rulebook_sweep()["preview_chunks_resent"] == 1
    assert len(sent) == 1

    assert rulebook_preview_chunk_run(preview_id=preview.pk, index=1)
    assert not rulebook_preview_chunk_run(preview_id=preview.pk, index=1)  # a late redelivery
    assert not rulebook_preview_chunk_run(preview_id=preview.pk, index=0)

    preview.refresh_from_db()
    assert (preview.status, preview.done, preview.total, len(preview.rows)) == (
        JobStatus.DONE, 2, 2, 2)
    assert set(ImpactPreviewChunk.objects.filter(preview=preview).values_list(
        "finished_at", flat=True)) != {None}


def test_the_preview_reads_the_stored_evidence_not_the_files(pre_japan, manufacturer, preparer,
                                                             signer, approver):
    filing = submitted(manufacturer, preparer, signer)
    version = filing.current_version()
    stored = StoredEvidence.objects.get(version=version)
    assert stored.mineral_lines > 0 and stored.mineral_groups > 0
    for f in EvidenceFile.objects.filter(version=version):
        storage.evidence_discard([f.stored_name])  # the files are gone: the stored groups remain

    preview = rulebook_preview_in_process(
        preview_id=rulebook_preview_request(actor=approver, draft=japan_draft(approver)).pk)

    assert preview.status == JobStatus.DONE
    assert [row["credit_after"] for row in preview.rows] == ["$7,500"]


def test_an_assessment_keeps_its_outcome_beside_its_result(pre_japan, manufacturer, preparer,
                                                           signer):
    from filings.models import Assessment
    from filings.rulebooks.impact import outcome_of

    filing = submitted(manufacturer, preparer, signer)
    assessment = Assessment.objects.get(version__filing=filing)

    assert assessment.outcome is not None
    assert all("findings" not in segment for segment in assessment.outcome["segments"])
    assert outcome_of(assessment.outcome) == outcome_of(assessment.result)


def test_publication_reads_a_batch_of_filings_in_the_same_queries_for_one_as_for_three(
        settings, pre_japan, manufacturer, preparer, signer, approver):
    from filings.rulebooks.services.publishing import rulebook_apply
    from tests.rulebooks.conftest import publish

    settings.RULEBOOK_PREVIEW_CHUNK_FILINGS = 10
    first = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    publish(approver, draft)
    assert rulebook_apply(version_id=draft.pk) == {"changed": 1, "unchanged": 0}

    def queries_to_apply_again():
        with CaptureQueriesContext(connection) as queries:
            counts = rulebook_apply(version_id=draft.pk)
        return counts, len(queries)

    one = queries_to_apply_again()
    # Two more filings, assessed under the version now in force: nothing for it to change.
    more = _filings(manufacturer, preparer, signer, 2)
    three = queries_to_apply_again()
    assert one[0] == {"changed": 0, "unchanged": 1}
    assert three[0] == {"changed": 0, "unchanged": 3}
    assert one[1] == three[1]
    assert first.pk not in {f.pk for f in more}
