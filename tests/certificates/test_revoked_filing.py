"""After an approver revokes a certificate, the filing says so and the manufacturer has a way
forward: reopen it as a draft with new evidence, or withdraw it (issue 12, no dead ends)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.certificates.models import CertificateStatus
from filings.certificates.services import certificate_revoke
from filings.models import Filing
from filings.rulebooks.services.preview import affected_filings
from filings.services.common import StateConflict
from filings.states import State
from portal.accounts.services import console_access_sync
from portal.audit.models import AuditEvent
from tests.admin.conftest import action_url, change_url, client_for
from tests.certificates.conftest import approve, issue
from tests.certificates.test_verify import verdict

REASON = "Supplier declaration withdrawn by the cathode supplier."


def _page(filing: Filing) -> str:
    return reverse("filings:detail", kwargs={"reference": filing.reference})


@pytest.fixture(autouse=True)
def _console(approver, reviewer):
    console_access_sync(user=approver)
    console_access_sync(user=reviewer)


@pytest.fixture
def revoked(approved, approver):
    """The approved filing's certificate, issued, then revoked by the approver in the console."""
    certificate = issue(approved)
    response = client_for(approver).post(action_url(approved, "revoke-certificate"),
                                         {"comment": REASON})
    assert response.status_code == 302
    certificate.refresh_from_db()
    approved.refresh_from_db()
    return certificate


def test_revoking_moves_the_filing_to_certificate_revoked_and_audits_it(revoked, approved,
                                                                         approver):
    assert approved.state == State.CERTIFICATE_REVOKED
    assert revoked.status == CertificateStatus.REVOKED
    event = AuditEvent.objects.filter(filing=approved, action="certificate_revoke").get()
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        approver, State.APPROVED, State.CERTIFICATE_REVOKED, REASON)
    assert event.data == {"serial": revoked.serial}


def test_the_console_shows_the_new_state_and_filters_by_it(revoked, approved, approver):
    client = client_for(approver)
    page = client.get(change_url(approved)).content.decode()
    assert "Certificate revoked" in page
    assert "revoke-certificate" not in page  # nothing valid left to revoke

    listed = client.get(reverse("admin:filings_filing_changelist"),
                        {"state": State.CERTIFICATE_REVOKED})
    assert list(listed.context["cl"].result_list) == [approved]
    assert "Certificate revoked" in listed.content.decode()


def test_the_filing_page_shows_the_revocation_and_the_way_forward(revoked, approved, signer):
    page = client_for(signer).get(_page(approved)).content.decode()

    assert "Certificate revoked" in page
    assert REASON in page
    assert f"{revoked.revoked_at:%Y-%m-%d} at {revoked.revoked_at:%H:%M} UTC" in page
    assert "reopens the filing as a draft" in page and "withdraws the filing" in page
    assert "Reopen as a draft" in page
    assert "Withdraw the filing" in page


def test_the_dashboard_shows_the_new_state(revoked, approved, signer):
    page = client_for(signer).get(reverse("filings:dashboard")).content.decode()
    assert "Certificate revoked" in page


def test_the_manufacturer_reopens_it_as_a_draft_with_a_new_empty_version(revoked, approved,
                                                                         preparer, client):
    response = client_for(preparer).post(reverse("filings:reopen",
                                                 kwargs={"reference": approved.reference}))

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == State.DRAFT
    version = approved.current_version()
    assert version is not None and version.number == 2 and not version.files.exists()
    assert AuditEvent.objects.filter(filing=approved, action="filing_reopen",
                                     from_state=State.CERTIFICATE_REVOKED,
                                     to_state=State.DRAFT).exists()
    # The certificate stays revoked: its public page still says so.
    body = client.get(reverse("certificates:verify",
                              kwargs={"public_id": revoked.public_id})).content.decode()
    assert verdict(body)[0] == "revoked" and REASON in body


def test_the_manufacturer_withdraws_it(revoked, approved, signer):
    response = client_for(signer).post(
        reverse("filings:withdraw", kwargs={"reference": approved.reference}),
        {"reason": "The model is discontinued."})

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == State.WITHDRAWN
    assert AuditEvent.objects.filter(filing=approved, action="filing_withdraw",
                                     from_state=State.CERTIFICATE_REVOKED).exists()


def test_a_second_revocation_is_refused_with_a_reason(revoked, approved, approver):
    response = client_for(approver).post(action_url(approved, "revoke-certificate"),
                                         {"comment": "Again."})

    assert response.status_code == 409
    assert "certificate revoked" in response.content.decode()
    assert AuditEvent.objects.filter(filing=approved, action="certificate_revoke").count() == 1


def test_a_certificate_being_replaced_is_not_revoked(approved, approver, reviewer):
    """A re-approval's new certificate is rendering: revoking the old one now would leave the
    new one issued on a revoked filing, so the approver waits for it."""
    old = issue(approved)
    Filing.objects.filter(pk=approved.pk).update(state=State.ASSESSED, recommended_by=None)
    approve(approved, reviewer, approver)
    with pytest.raises(StateConflict, match="being rendered"):
        certificate_revoke(actor=approver, filing=approved, reason=REASON)
    old.refresh_from_db()
    approved.refresh_from_db()
    assert (old.status, approved.state) == (CertificateStatus.ISSUED, State.APPROVED)


def test_an_amendment_leaves_a_revoked_filing_alone(revoked, approved):
    """It holds no decision an amendment could change: its new evidence is assessed under the
    rules in force when it is submitted again, so it is never sent to review again."""
    assert approved not in list(affected_filings())
