"""The main flow by keyboard alone (issue 14): a signer logs in, creates a filing, uploads the
workbook, attests and submits with Tab, typing, Space and Enter, never the mouse; each control
reached shows where the focus is (an outline)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, FileChooser, Page, expect

from portal.accounts.models import Organisation
from portal.accounts.roles import Role
from tests.conftest import DATA
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db(transaction=True)

TABS = 80  # more than any page here has controls before the one the flow needs


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focus is on the element `selector` names; fail if it never gets
    there or shows no focus outline when it does."""
    for _ in range(TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("", "none"), f"{selector} has the focus but shows no outline"
            return
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"{TABS} presses of Tab never reached {selector}; last: {focused}")


def test_a_signer_creates_uploads_and_submits_by_keyboard_alone(
        browser: Browser, live_server, celery_worker_process, manufacturer: Organisation):
    signer = member(Role.SIGNER, manufacturer, email="signer@granite.example")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    # File choosers intercepted from the start: Playwright turns interception on with a message
    # it does not wait for, so enabling it only when the chooser is awaited can lose the race
    # with the key press that opens it (the native chooser then opens, unseen; once in CI).
    choosers: list[FileChooser] = []
    # (A lambda, not `choosers.append`: Playwright's wrapper cannot take a built-in method.)
    page.on("filechooser", lambda opened: choosers.append(opened))
    page.goto(f"{live_server.url}{reverse('login')}")

    tab_to(page, "input[name=username]")
    page.keyboard.type(signer.email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{reverse('filings:dashboard')}")

    tab_to(page, f"a[href='{reverse('filings:create')}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{reverse('filings:create')}")
    for name, typed in (("make", "Granite Motor Company"), ("model", "Ironwood EV"),
                        ("model_year", "2024")):
        tab_to(page, f"[name={name}]")
        page.keyboard.type(typed)
    tab_to(page, "select[name=vehicle_class]")
    page.keyboard.type("Pickup")  # a select takes the first letters of its option
    for name, typed in (("coverage_start", "06012024"), ("coverage_end", "12312024")):
        tab_to(page, f"input[name={name}]")
        page.keyboard.type(typed)  # mm dd yyyy: the en-US date field's order
    tab_to(page, "button[type=submit]:not(.button-link)")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/filings/[0-9a-f-]{36}/$"))

    tab_to(page, "input[type=file][name=file]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    assert choosers == [chooser.value], "one press of Space opens one file chooser"
    chooser.value.set_files(DATA / "us-pickup-japan-minerals.xlsx")
    tab_to(page, "form[data-upload] button[type=submit]")
    page.keyboard.press("Enter")
    live = page.locator("#live-status")
    expect(live).to_have_attribute("data-check", "ready", timeout=60_000)

    tab_to(page, "input[name=attest]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=attest]")).to_be_checked()
    tab_to(page, ".submit-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(live).to_have_attribute("data-state", "assessed", timeout=90_000)
    expect(page.get_by_text("$7,500").first).to_be_visible()
    context.close()
