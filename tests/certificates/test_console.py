"""The reviewer console: an approver revokes a certificate or retries a failed one."""

from __future__ import annotations

from filings.certificates.models import CertificateStatus
from filings.states import State
from tests.admin.conftest import action_url, change_url, client_for
from tests.certificates.conftest import issue


def test_an_approver_revokes_from_the_console_with_a_reason(approved, approver):
    from portal.accounts.services import console_access_sync

    console_access_sync(user=approver)
    certificate = issue(approved)
    client = client_for(approver)
    assert "revoke-certificate" in client.get(change_url(approved)).content.decode()

    response = client.post(action_url(approved, "revoke-certificate"),
                           {"comment": "Evidence found to be misstated."})

    certificate.refresh_from_db()
    assert response.status_code == 302
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_reason == "Evidence found to be misstated."
    assert certificate.revoked_by == approver


def test_a_revocation_without_a_reason_is_refused(approved, approver):
    from portal.accounts.services import console_access_sync

    console_access_sync(user=approver)
    certificate = issue(approved)

    response = client_for(approver).post(action_url(approved, "revoke-certificate"),
                                         {"comment": ""})

    certificate.refresh_from_db()
    assert response.status_code == 400
    assert certificate.status == CertificateStatus.ISSUED


def test_an_approver_retries_a_failed_certificate_from_the_console(approved, approver, settings,
                                                                  tmp_path, signing_material):
    from portal.accounts.services import console_access_sync

    console_access_sync(user=approver)
    settings.CERTIFICATE_SIGNING_KEY = tmp_path / "missing.pem"
    failed = issue(approved)
    approved.refresh_from_db()
    assert approved.state == State.CERTIFICATE_FAILED
    client = client_for(approver)
    page = client.get(change_url(approved)).content.decode()
    assert "retry-certificate" in page and failed.serial in page

    response = client.post(action_url(approved, "retry-certificate"))

    failed.refresh_from_db()
    approved.refresh_from_db()
    assert response.status_code == 302
    assert (failed.status, approved.state) == (CertificateStatus.PENDING, State.APPROVED)
