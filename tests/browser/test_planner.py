"""The sourcing planner in Chromium with a real Celery worker (issue 15's "done when"): a signer
follows the advice's "Plan this change" link, moves the lithium's processing to Japan, and sees
the outcome the worker computed appear without reloading, under the version that counts Japan
and then under the one before it; downloads the changed lines; and starts the filing's next
evidence version from the plan, which the worker checks. Every planner page passes axe and fits
a phone; the pages' own Content-Security-Policy blocks nothing."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from filings.models import Filing
from filings.rulebooks.selectors import published_versions
from filings.states import State
from tests.browser.test_accessibility import violations
from tests.browser.test_narrow_screens import PHONE, overflow
from tests.celery_worker import _clear_audit_events
from tests.factories import PASSWORD
from tests.rulebooks.conftest import JAPAN, PRE_JAPAN, japan_draft, pre_japan, publish, submitted  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
LITHIUM = "suv-lithium-processed-in-china.xlsx"
SLOW = 60_000  # ms: the worker reads the evidence and assesses it twice


@pytest.fixture(autouse=True)
def _flushable(transactional_db: None) -> Iterator[None]:
    yield
    _clear_audit_events()


def _checked(browser: Browser, url: str, cookies: list[Any], problems: dict[str, list[str]],
             name: str) -> None:
    """axe and a phone's width on `url`, in a context of its own that lets axe in."""
    context = browser.new_context(bypass_csp=True)
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    found = violations(page)
    page.set_viewport_size({"width": PHONE, "height": 900})
    if excess := overflow(page):
        found.append(f"scrolls sideways by {excess} px at {PHONE} px")
    if found:
        problems[name] = found
    context.close()


def test_a_signer_plans_the_lithium_move_in_the_browser_and_starts_a_version_from_it(
        browser: Browser, page: Page, live_server, celery_worker_process, pre_japan,  # noqa: F811 (the fixture imported above)
        manufacturer, preparer, signer, approver, tmp_path: Path):
    publish(approver, japan_draft(approver))
    filing = submitted(manufacturer, preparer, signer, workbook=LITHIUM,
                       start=dt.date(2024, 7, 1), end=dt.date(2025, 9, 30))
    versions = {r.version: r for r in published_versions()}
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_default_timeout(20_000)
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(signer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/filings/{filing.reference}/")
    # The advice under the unmet critical-mineral share links to the planner with its lines.
    share = page.locator("details.advice").filter(has_text="Critical-mineral share: what sourcing")
    share.get_by_role("link", name="Plan this change").click()
    expect(page.get_by_role("heading", level=1, name="Plan a sourcing change")).to_be_visible()
    expect(page.get_by_label("Rows").first).to_have_value("2")
    cookies = page.context.cookies()
    _checked(browser, page.url, cookies, problems, "planner")

    first = page.locator("#plan-change-1")
    first.get_by_label("Step").select_option("processing_country")
    first.get_by_label("Rows").fill("2-4")
    first.get_by_label("New country").fill("jp")
    expect(first.get_by_label("The supplier at the new place is not a foreign entity of "
                              "concern")).to_be_checked()
    page.get_by_label("Rulebook version").select_option(str(versions[JAPAN].pk))
    page.get_by_role("button", name="See the outcome").click()
    # The worker computes it; the page's script shows it without a reload by hand.
    expect(page.locator("#plan-credit-after")).to_have_text("$7,500", timeout=SLOW)
    expect(page.locator(".plan-table tbody tr").nth(1)).to_contain_text("$0")
    expect(page.locator(".plan-table tbody tr").nth(1)).to_contain_text("$7,500")
    outcome_url = page.url
    _checked(browser, outcome_url, cookies, problems, "outcome")
    # `make screenshots` shows the planner in the README.
    folder = Path(os.environ.get("JOURNEY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "en-planner-outcome.png"), full_page=True)

    # The same plan under the rules before Japan counted: only the battery-component half.
    page.get_by_label("Rulebook version").select_option(str(versions[PRE_JAPAN].pk))
    page.get_by_role("button", name="See the outcome").click()
    expect(page.locator("#plan-credit-after")).to_have_text("$3,750 to $7,500", timeout=SLOW)
    expect(page.locator("#plan-outcome")).to_contain_text(f"irc-30d {PRE_JAPAN}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the changed lines (workbook)").click()
    saved = tmp_path / "plan.xlsx"
    download.value.save_as(saved)
    minerals = load_workbook(saved, read_only=True)["critical_minerals"]
    lines = [row[:5] for row in minerals.iter_rows(min_row=2, values_only=True) if row[0]]
    assert [(line[0], line[4]) for line in lines] == [("BL-01", "JP"), ("BL-02", "JP"),
                                                      ("BL-03", "JP")]

    # The authority asked for changes; the signer starts the next version from the plan.
    Filing.objects.filter(pk=filing.pk).update(state=State.CHANGES_REQUESTED)
    page.get_by_role("button", name="Start a new evidence version from this plan").click()
    expect(page.locator("h1")).to_contain_text("Basalt EV")
    expect(page.get_by_text("Version 2 now holds the planned evidence")).to_be_visible()
    # The worker checks the new version; the filing page updates by itself.
    expect(page.get_by_text("Ready to submit.", exact=True)).to_be_visible(timeout=SLOW)
    # The check's preliminary outcome is the plan's: under the version in force (Japan counts).
    expect(page.locator("p.preliminary strong").nth(1)).to_have_text("$7,500")
    filing.refresh_from_db()
    assert filing.state == State.DRAFT
    assert sorted(filing.current_version().files.values_list("original_name", flat=True)) == [
        "battery_components.csv", "critical_minerals.csv", "vehicle.csv", "vins.csv"]

    assert problems == {}, problems
    assert blocked == [], blocked
