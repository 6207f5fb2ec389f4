"""A signer logs in, uploads evidence, submits, and watches the status turn to assessed in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.roles import Role
from tests.conftest import DATA
from tests.factories import PASSWORD, OrganisationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_in_upload_submit_and_see_the_assessment_without_reloading(
        page: Page, live_server, celery_worker_process):
    organisation = OrganisationFactory(name="Granite Motor Company")
    member(Role.SIGNER, organisation, email="signer@granite.example")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill("signer@granite.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{live_server.url}/filings/new/")
    page.get_by_label("Make").fill("Granite Motor Company")
    page.get_by_label("Model", exact=True).fill("Ironwood EV")
    page.get_by_label("Model year").fill("2024")
    page.get_by_label("Vehicle class").select_option("pickup")
    page.get_by_label("Coverage start").fill("2024-06-01")
    page.get_by_label("Coverage end").fill("2024-12-31")
    page.get_by_role("button", name="Create the filing").click()
    expect(page).to_have_url(re.compile(r"/filings/[0-9a-f-]{36}/$"))

    page.locator("input[type=file][name=file]").set_input_files(DATA / "us-pickup-japan-minerals.xlsx")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("us-pickup-japan-minerals.xlsx").first).to_be_visible()

    # The worker checks the upload; the page polls and swaps in the result without navigating.
    live = page.locator("#live-status")
    checked: list[str] = []
    page.on("framenavigated", lambda frame: checked.append(frame.url))
    expect(live).to_have_attribute("data-check", "ready", timeout=60_000)
    expect(page.get_by_text("Ready to submit.", exact=True)).to_be_visible()
    expect(page.get_by_text("Preliminary outcome — not an assessment.")).to_be_visible()
    assert checked == []

    page.get_by_label(re.compile("true, correct and complete")).check()
    page.get_by_role("button", name="Attest and submit").click()
    expect(live).to_have_attribute("data-state", re.compile("submitted|assessing"))

    # From here on nothing navigates: the page's own script polls and swaps in the result.
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    expect(live).to_have_attribute("data-state", "assessed", timeout=90_000)
    expect(page.get_by_text("$7,500").first).to_be_visible()
    assert navigations == []
