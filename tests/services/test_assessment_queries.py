"""The assessment task makes the queries it needs and no more (issue 13): each transition's
filing update and audit event (the organisation locked once per event, the chain's tail read
from its index), the stored assessment, and no second read of the filing or its organisation."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from filings.services.assessment import assessment_run
from portal.audit.models import AuditEvent
from portal.audit.services import audit_verify
from tests.services.test_filing_services import submitted

# Before issue 13: 19. The two now gone read the filing and its organisation again after the
# finishing update; the evidence files are read once, and the evidence's stored groups come with
# the version. Of the 16: the version (with filing, organisation and the stored evidence the
# check made), the rulebook in force, any stored assessment (a redelivered task), the start's
# update, lock, tail and event, the evidence files, the assessment, the finish's
# update, lock, tail and event, the members to mail, and the rulebooks app's reconcile (the
# rulebook in force, the latest valid assessment).
ASSESSMENT_TASK_QUERIES = 16


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements a task runs (not the savepoints the test's own transaction adds)."""
    return [q["sql"] for q in captured.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_an_assessment_task_makes_the_queries_it_needs(preparer, signer):
    filing = submitted(preparer, signer)
    version = filing.current_version()
    with CaptureQueriesContext(connection) as captured:
        assessment = assessment_run(filing_id=filing.pk, version_id=version.pk)
    assert assessment is not None and assessment.valid
    sql = statements(captured)
    assert len(sql) == ASSESSMENT_TASK_QUERIES, "\n".join(sql)
    organisation_reads = [s for s in sql if s.startswith('SELECT "accounts_organisation"')]
    assert len(organisation_reads) == 2, organisation_reads  # one lock per audit event
    filing_reads = [s for s in sql if s.startswith('SELECT "filings_filing"')]
    assert filing_reads == []
    tails = [s for s in sql if s.startswith('SELECT "filings_auditevent"."hash"')]
    assert len(tails) == 2
    filing.refresh_from_db()
    assert filing.state == "assessed"
    assert list(AuditEvent.objects.filter(filing=filing).values_list("action", flat=True))[-2:] \
        == ["assessment_start", "assessment_finish"]
    assert audit_verify(filing.organisation) is None


def test_the_chain_tail_and_the_lists_have_their_indexes(db):
    with connection.cursor() as cursor:
        audit = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
        filings = connection.introspection.get_constraints(cursor, "filings_filing")
    assert audit["audit_org_id_idx"]["columns"] == ["organisation_id", "id"]
    assert filings["filing_org_created_idx"]["columns"] == ["organisation_id", "created_at", "id"]
    assert filings["filing_org_state_created_idx"]["columns"][:2] == ["organisation_id", "state"]
    assert "filing_submitted_created_idx" in filings


def test_the_assessment_reads_the_groups_the_check_stored_not_the_files(preparer, signer):
    from filings import storage
    from filings.models import EvidenceFile, StoredEvidence

    filing = submitted(preparer, signer)
    version = filing.current_version()
    stored = StoredEvidence.objects.get(version=version)
    for f in EvidenceFile.objects.filter(version=version):
        storage.evidence_discard([f.stored_name])

    assessment = assessment_run(filing_id=filing.pk, version_id=version.pk)

    assert assessment is not None and assessment.valid, assessment and assessment.errors
    assert StoredEvidence.objects.get(version=version).stored_at == stored.stored_at
