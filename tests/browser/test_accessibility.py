"""axe-core (npm, `make` installs it into node_modules) on every manufacturer page and the public
pages, in English and in Japanese: no serious or critical violation (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from filings.rules import load_rulebook
from tests.browser.test_narrow_screens import (  # noqa: F401 (fixtures)
    Portfolio,
    _flushable,
    filing_url,
    log_in,
    portfolio,
)

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
_RUN = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)"""


def violations(page: Page) -> list[str]:
    # Injected as the page's own script would be refused by its Content-Security-Policy; the
    # test's context bypasses it for axe alone (the pages' policy is tested elsewhere).
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(_RUN))


@pytest.fixture
def axe_page(browser: Browser) -> Iterator[Page]:
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run `npm ci` (make test does). Tests fail rather than skip.")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_axe_finds_a_known_fault_so_a_clean_page_means_something(axe_page: Page):
    axe_page.set_content('<html lang="en"><title>t</title><body><main><h1>t</h1>'
                         '<img src="x.png"></main></body></html>')
    assert any(v.startswith("image-alt") for v in violations(axe_page))


@pytest.mark.usefixtures("translations")  # the Japanese pages
def test_no_manufacturer_or_public_page_has_a_serious_or_critical_violation(
        portfolio: Portfolio, live_server, axe_page: Page):  # noqa: F811
    page = axe_page
    public = [reverse("login"), reverse("password_reset"),
              reverse("certificates:verify", kwargs={"public_id": portfolio.certificate.public_id}),
              reverse("dossiers:verify"), reverse("rulebooks:history"),
              reverse("rulebooks:version", kwargs={"version": load_rulebook().version})]
    private = [reverse("filings:dashboard"), filing_url(portfolio.assessed),
               filing_url(portfolio.invalid), filing_url(portfolio.draft),
               filing_url(portfolio.approved), reverse("filings:create"),
               reverse("api_tokens:list"),
               reverse("dossiers:filing", kwargs={"reference": portfolio.approved.reference}),
               reverse("rulebooks:plan", kwargs={"reference": portfolio.assessed.reference})]
    found: dict[str, list[str]] = {}

    def audit(urls: list[str], note: str) -> None:
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            if problems := violations(page):
                found[url + note] = problems

    audit(public, "")
    log_in(page, live_server.url, portfolio.signer)
    audit(private, "")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    audit(public + private, " (ja)")

    assert found == {}, found
