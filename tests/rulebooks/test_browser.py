"""An approver runs the impact preview in Chromium: the page shows the queued preview, its script
polls the status, and the changed filings appear without a manual reload, under the portal's CSP.

The preview is run by the test (the same service the worker's task calls) once the page shows it
queued, so the polling path is exercised every time; `test_worker.py` covers the worker itself."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from filings.rulebooks.services.preview import rulebook_preview_in_process
from portal.accounts.services import console_access_sync
from tests.celery_worker import _clear_audit_events
from tests.factories import PASSWORD
from tests.rulebooks.conftest import japan_draft, submitted

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _flushable(transactional_db):
    """Let the flush after the test empty the append-only tables on SQLite."""
    yield
    _clear_audit_events()


def test_the_preview_progress_is_followed_in_the_page(
        page: Page, live_server, pre_japan, manufacturer, preparer, signer, approver):
    console_access_sync(user=approver)
    filing = submitted(manufacturer, preparer, signer)
    draft = japan_draft(approver)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(approver.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/")
    device = TOTPDevice.objects.create(user=approver, name="Phone", confirmed=True)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    page.get_by_label("Six-digit code").fill(f"{code:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/admin/rulebooks/rulebookversion/{draft.pk}/change/")
    page.get_by_role("link", name="Impact preview").click()
    page.get_by_role("button", name="Run the impact preview").click()

    expect(page.locator("#preview-status")).to_have_text("queued")
    expect(page.locator("#preview")).to_have_attribute("data-status-url", re.compile("status"))
    rulebook_preview_in_process(preview_id=draft.previews.get().pk)

    # No reload by hand: the script sees the preview finish and reloads the page.
    expect(page.locator("#changed-filings")).to_be_visible(timeout=30_000)
    expect(page.locator("#preview-status")).to_have_text("done")
    expect(page.locator("#preview-progress")).to_have_attribute("value", "1")
    row = page.locator("#changed-filings .filing-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(str(filing))
    expect(row).to_contain_text("$3,750 → $7,500")
    assert blocked == []
