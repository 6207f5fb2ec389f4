"""Submitting, withdrawing and reopening a filing from its page."""

from __future__ import annotations

from django.urls import reverse

from filings.models import EvidenceFile, Filing
from filings.states import State
from portal.accounts.roles import ATTESTATION_STATEMENT
from tests.web.routes import workbook_upload


def url(name: str, filing: Filing) -> str:
    return reverse(f"filings:{name}", kwargs={"reference": filing.reference})


def test_a_signer_uploads_the_sample_and_submits_and_an_assessment_is_queued_on_commit(
        client, signer, filing, django_capture_on_commit_callbacks):
    client.force_login(signer)
    client.post(url("evidence_upload", filing), {"kind": "evidence", "file": workbook_upload()})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("submit", filing), {"attest": "on"}, follow=True)
    filing.refresh_from_db()
    assert filing.state == State.SUBMITTED
    assert (filing.submitted_by, filing.attestation) == (signer, ATTESTATION_STATEMENT)
    assert "being assessed" in response.content.decode()
    # Registered, not run: running it would publish to the broker.
    assert len(callbacks) == 1
    assert filing.current_version().submitted_at is not None


def test_nothing_is_queued_when_the_submission_is_refused(client, signer, filing,
                                                          django_capture_on_commit_callbacks):
    client.force_login(signer)
    client.post(url("evidence_upload", filing), {"kind": "evidence", "file": workbook_upload()})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("submit", filing), {})
    assert callbacks == []


def test_submitting_without_the_attestation_is_refused_with_the_statement(client, signer, scenario):
    client.force_login(signer)
    response = client.post(url("submit", scenario.filing), {})
    assert response.status_code == 400
    assert "Confirm the attestation" in response.content.decode()
    assert scenario.refresh().state == State.DRAFT


def test_submitting_without_evidence_says_what_to_upload(client, signer, filing):
    client.force_login(signer)
    response = client.post(url("submit", filing), {"attest": "on"})
    assert response.status_code == 400
    assert "Upload the evidence workbook" in response.content.decode()


def test_a_preparer_cannot_submit(client, preparer, scenario):
    client.force_login(preparer)
    response = client.post(url("submit", scenario.filing), {"attest": "on"})
    assert response.status_code == 403
    assert scenario.refresh().state == State.DRAFT


def test_submitting_twice_is_a_conflict_not_an_error(client, signer, scenario):
    client.force_login(signer)
    client.post(url("submit", scenario.filing), {"attest": "on"})
    response = client.post(url("submit", scenario.filing), {"attest": "on"})
    assert response.status_code == 409
    assert "reload the page" in response.content.decode()


def test_a_get_does_not_change_anything(client, signer, scenario):
    client.force_login(signer)
    for name in ("submit", "withdraw", "reopen", "evidence_upload"):
        assert client.get(url(name, scenario.filing)).status_code == 405
    assert scenario.refresh().state == State.DRAFT


def test_withdrawing_needs_a_reason(client, signer, scenario):
    client.force_login(signer)
    response = client.post(url("withdraw", scenario.filing), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why the filing is withdrawn." in response.content.decode()
    assert scenario.refresh().state == State.DRAFT


def test_a_withdrawn_filing_cannot_be_withdrawn_again(client, signer, scenario):
    scenario.put_in(State.WITHDRAWN)
    client.force_login(signer)
    response = client.post(url("withdraw", scenario.filing), {"reason": "again"})
    assert response.status_code == 409


def test_reopening_after_invalid_evidence_starts_an_empty_version(client, preparer, scenario):
    scenario.put_in(State.INVALID)
    client.force_login(preparer)
    response = client.post(url("reopen", scenario.filing), follow=True)
    filing = scenario.refresh()
    assert filing.state == State.DRAFT
    assert filing.current_version().number == 2
    assert "empty version 2" in response.content.decode()
    assert EvidenceFile.objects.filter(version__number=1).count() == 1


def test_a_draft_cannot_be_reopened(client, preparer, scenario):
    client.force_login(preparer)
    assert client.post(url("reopen", scenario.filing)).status_code == 409


def test_the_state_changes_are_protected_against_cross_site_requests(signer, scenario):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(signer)
    assert client.post(url("submit", scenario.filing), {"attest": "on"}).status_code == 403
    assert scenario.refresh().state == State.DRAFT
