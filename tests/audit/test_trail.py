"""The audit trail is append-only in the model and the database, and hash-chained."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit.models import AuditEvent
from portal.audit.services import GENESIS_HASH, audit_verify
from tests.services.test_filing_services import assessed


def test_every_event_chains_onto_the_previous_one_of_its_organisation(preparer, signer):
    filing = assessed(preparer, signer)
    events = list(AuditEvent.objects.filter(organisation=filing.organisation).order_by("pk"))
    assert events[0].previous_hash == GENESIS_HASH
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(events))
    assert audit_verify(filing.organisation) is None


def test_the_model_refuses_to_change_or_delete_an_event(preparer, signer):
    assessed(preparer, signer)
    event = AuditEvent.objects.first()
    event.reason = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize("statement", [
    "UPDATE filings_auditevent SET reason = 'rewritten'",
    "DELETE FROM filings_auditevent",
])
def test_the_database_refuses_to_change_or_delete_an_event(preparer, signer, statement):
    assessed(preparer, signer)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.exclude(reason="rewritten").count() == AuditEvent.objects.count() > 0


def test_the_verifier_finds_the_first_altered_row(preparer, signer):
    filing = assessed(preparer, signer)
    events = list(AuditEvent.objects.filter(organisation=filing.organisation).order_by("pk"))
    target = events[2]
    with connection.cursor() as cursor:
        _without_triggers(cursor, f"UPDATE filings_auditevent SET reason = 'forged' WHERE id = {target.pk}")
    assert audit_verify(filing.organisation) == target


def _without_triggers(cursor, statement: str) -> None:
    """Tamper the way an attacker with database access would: around the triggers."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
        cursor.execute(statement)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    else:
        cursor.execute("DROP TRIGGER filings_auditevent_no_update")
        cursor.execute(statement)
        cursor.execute("""CREATE TRIGGER filings_auditevent_no_update BEFORE UPDATE ON filings_auditevent
                          BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""")
