"""axe-core on every console page a reviewer or an approver reaches (issue 14): each one, past
the second factor, follows every console link from the console's home page, breadth first, with
filings in each state a review passes through; no page has a serious or critical violation."""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page

from filings.services.review import review_recommend, review_start
from filings.states import State
from portal.accounts.models import Organisation, User
from portal.accounts.services import console_access_sync
from tests.admin.conftest import action_url, filing_in, second_factor_passed
from tests.browser.test_accessibility import AXE, violations
from tests.browser.test_narrow_screens import _flushable  # noqa: F401 (fixture)
from tests.certificates.conftest import approve, issue

pytestmark = pytest.mark.django_db(transaction=True)

CONSOLE = "/admin/"
MOST_PAGES = 120  # a bound, far above what the console has; reaching it fails the test
# Not pages: they end the session, download a file, or change something on a GET-less form.
SKIPPED = ("/admin/logout/", "/download", ".pdf", ".xlsx", ".csv", ".zip", ".json", "/text/")


@pytest.fixture
def filings(manufacturer: Organisation, reviewer: User, approver: User,
            monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A filing in each state the console shows, and the review actions each one opens."""
    monkeypatch.setattr("filings.certificates.services.enqueue_on_commit", lambda *args: None)
    assessed = filing_in(State.ASSESSED, manufacturer)
    in_review = filing_in(State.ASSESSED, manufacturer, model="Crew Cab")
    review_start(actor=reviewer, filing=in_review)
    recommended = filing_in(State.ASSESSED, manufacturer, model="Long Range")
    review_start(actor=reviewer, filing=recommended)
    review_recommend(actor=reviewer, filing=recommended, recommendation="approve",
                     comment="Recommend approval.")
    approved = approve(filing_in(State.ASSESSED, manufacturer, model="Work Truck"), reviewer,
                       approver)
    filing_in(State.INVALID, manufacturer, workbook="mistakes.xlsx")
    issue(approved)  # signing runs its own event loop: before Playwright's starts
    return {"start": action_url(assessed, "start"),
            "recommend": action_url(in_review, "recommend-approve"),
            "request changes": action_url(in_review, "request-changes"),
            "approve": action_url(recommended, "approve"),
            "reject": action_url(recommended, "reject"),
            "revoke": action_url(approved, "revoke-certificate")}


def console_page(browser: Browser, live_server, user: User) -> Page:
    console_access_sync(user=user)
    client = Client()
    client.force_login(user)
    second_factor_passed(client, user)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def crawl(page: Page, base: str, start: list[str]) -> dict[str, list[str]]:
    """Visit `start` and every console page linked from them; axe's findings per page."""
    seen = set(start)
    queue = deque(start)
    found: dict[str, list[str]] = {}
    while queue:
        assert len(seen) <= MOST_PAGES, f"more than {MOST_PAGES} console pages: {sorted(seen)}"
        path = queue.popleft()
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status < 500, (path, response and response.status)
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if problems := violations(page):
            found[path] = problems
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlsplit(urldefrag(href).url)
            if url.netloc != urlsplit(base).netloc or not url.path.startswith(CONSOLE):
                continue
            # One page per path: a list's sort and filter links are the same page re-ordered.
            link = url.path
            if link not in seen and not any(part in link for part in SKIPPED):
                seen.add(link)
                queue.append(link)
    assert len(seen) >= 10, sorted(seen)  # else the crawl did not get into the console
    return found


@pytest.mark.parametrize("role", ["reviewer", "approver"])
def test_no_console_page_a_reviewer_or_approver_reaches_has_a_serious_violation(
        role: str, filings: dict[str, str], browser: Browser, live_server,
        reviewer: User, approver: User):
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run `npm ci` (make test does).")
    user = reviewer if role == "reviewer" else approver
    page = console_page(browser, live_server, user)
    # The action pages open to this role (the others answer 403 with a page of their own).
    start = [CONSOLE, reverse("admin:filings_filing_changelist"), *filings.values()]

    found = crawl(page, live_server.url, start)

    page.context.close()
    assert found == {}, found
