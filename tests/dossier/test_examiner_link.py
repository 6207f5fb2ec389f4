"""The examiner link: issued by the authority, works without an account, audited, expires."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings.dossiers import services
from filings.dossiers.models import DossierStatus, ExaminerLink
from filings.services.common import NotAllowed, ServiceError
from portal.audit.models import AuditEvent
from tests.dossier.conftest import zip_of


def _issue(filing, actor):
    link, token = services.examiner_link_issue(actor=actor, filing=filing, note="Examiner A")
    services.dossier_build(dossier_id=link.dossier_id)
    return link, token


def test_the_link_downloads_the_dossier_without_an_account_and_each_use_is_audited(
        examined, reviewer, settings):
    link, token = _issue(examined, reviewer)
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ExaminerLink.objects.values_list().get(pk=link.pk))
    assert link.expires_at - link.issued_at >= dt.timedelta(days=settings.DOSSIER_EXAMINER_LINK_DAYS
                                                            ) - dt.timedelta(seconds=5)
    anonymous = Client()
    page = anonymous.get(reverse("dossiers:examiner", kwargs={"token": token}))
    assert page.status_code == 200
    assert f"{link.expires_at:%Y-%m-%d}" in page.content.decode()
    for _ in range(2):
        response = anonymous.get(reverse("dossiers:examiner_download", kwargs={"token": token}))
        assert response.status_code == 200
        assert "manifest.json.p7s" in zip_of(response).namelist()
    uses = AuditEvent.objects.filter(filing=examined, action="examiner_link_use")
    assert uses.count() == 2 and all(e.actor_id is None for e in uses)
    assert AuditEvent.objects.filter(filing=examined, action="examiner_link_issue").exists()
    link.refresh_from_db()
    assert link.uses == 2 and link.dossier.status == DossierStatus.READY


def test_an_expired_or_revoked_link_is_gone_and_an_unknown_one_not_found(examined, reviewer):
    link, token = _issue(examined, reviewer)
    anonymous = Client()
    ExaminerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    for name in ("dossiers:examiner", "dossiers:examiner_download"):
        response = anonymous.get(reverse(name, kwargs={"token": token}))
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    other, other_token = _issue(examined, reviewer)
    services.examiner_link_revoke(actor=reviewer, link=other)
    response = anonymous.get(reverse("dossiers:examiner_download", kwargs={"token": other_token}))
    assert response.status_code == 410 and "revoked" in response.content.decode()
    missing = anonymous.get(reverse("dossiers:examiner", kwargs={"token": "x" * 43}))
    assert missing.status_code == 404 and examined.make not in missing.content.decode()
    assert not AuditEvent.objects.filter(filing=examined, action="examiner_link_use").exists()


def test_only_the_authority_issues_links_for_submitted_filings(examined, scenario, signer,
                                                               reviewer, approver):
    with pytest.raises(NotAllowed):
        services.examiner_link_issue(actor=signer, filing=examined)
    assert services.examiner_link_issue(actor=approver, filing=examined)[0].pk
    examined.submitted_at = None
    with pytest.raises(ServiceError):
        services.examiner_link_issue(actor=reviewer, filing=examined)


def test_the_console_issues_a_link_and_shows_it_once(examined, reviewer, monkeypatch):
    from portal.accounts.services import console_access_sync

    console_access_sync(user=reviewer)
    monkeypatch.setattr("portal.admin_site.is_verified", lambda user: True, raising=False)
    monkeypatch.setattr("portal.accounts.mfa.is_verified", lambda user: True)
    client = Client()
    client.force_login(reviewer)
    url = reverse("admin:dossiers_examinerlink_issue")
    response = client.post(url, {"filing": str(examined.reference), "note": "Examiner B"})
    assert response.status_code == 200, response.content[:500]
    link = ExaminerLink.objects.get(filing=examined)
    assert "/examiner/" in response.content.decode() and link.note == "Examiner B"
    listing = client.get(reverse("admin:dossiers_examinerlink_changelist"))
    assert listing.status_code == 200 and "Examiner B" in listing.content.decode()
    client.post(reverse("admin:dossiers_examinerlink_changelist"),
                {"action": "revoke_links", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.revoked_at is not None
