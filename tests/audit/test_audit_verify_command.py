"""`manage.py audit_verify` checks every organisation's chain and names the first altered row."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.audit.models import AuditEvent
from tests.audit.test_trail import _without_triggers
from tests.services.test_filing_services import assessed


def test_it_reports_an_intact_trail_with_the_number_of_events(preparer, signer, capsys):
    assessed(preparer, signer)
    call_command("audit_verify")
    assert f"intact: {AuditEvent.objects.count()} event(s) checked" in capsys.readouterr().out


def test_it_names_the_first_altered_event_and_fails(preparer, signer, capsys):
    filing = assessed(preparer, signer)
    target = AuditEvent.objects.filter(organisation=filing.organisation).order_by("pk")[1]
    with connection.cursor() as cursor:
        _without_triggers(cursor, f"UPDATE filings_auditevent SET reason = 'forged' WHERE id = {target.pk}")
    with pytest.raises(CommandError, match="1 organisation"):
        call_command("audit_verify")
    assert f"breaks at event {target.pk} ({target.action}" in capsys.readouterr().err
