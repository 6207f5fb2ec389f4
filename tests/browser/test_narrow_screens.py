"""A manufacturer's pages on a phone (375 px), a tablet (768 px) and a wide screen (1440 px):
no page scrolls sideways, and on a phone the requirements table stacks its rows so that each
requirement's detail and citation are on the screen, labelled with their column's header."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from filings.api.services import api_token_create
from filings.certificates.models import Certificate
from filings.models import Filing
from filings.rules import load_rulebook
from filings.states import State
from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from tests.admin.conftest import INVALID_WORKBOOK, filing_in
from tests.celery_worker import _clear_audit_events
from tests.certificates.conftest import approve, issue
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (375, 768, 1440)
PHONE = 375
LONG_MODEL = "Ironwood EV Crew Cab Long Range Extended Edition"


@pytest.fixture(autouse=True)
def _flushable(transactional_db: None) -> Iterator[None]:
    yield
    _clear_audit_events()  # append-only rows refuse the transactional test's flush on SQLite


@dataclass
class Portfolio:
    """A signer's organisation with filings in several states."""

    signer: User
    assessed: Filing
    invalid: Filing
    draft: Filing
    approved: Filing
    certificate: Certificate


@pytest.fixture
def portfolio(manufacturer: Organisation, reviewer: User, approver: User,
              monkeypatch: pytest.MonkeyPatch) -> Portfolio:
    # The test renders the approved filing's certificate itself (`issue`); nothing is queued.
    monkeypatch.setattr("filings.certificates.services.enqueue_on_commit", lambda *args: None)
    signer = member(Role.SIGNER, manufacturer, email="signer.with.a.long.address@granite.example")
    assessed = filing_in(State.ASSESSED, manufacturer, make=manufacturer.name, model=LONG_MODEL)
    invalid = filing_in(State.INVALID, manufacturer, workbook=INVALID_WORKBOOK)
    draft = filing_in(State.DRAFT, manufacturer, submitted_days_ago=None, workbook=None)
    approved = approve(filing_in(State.ASSESSED, manufacturer), reviewer, approver)
    api_token_create(actor=signer, name="Enterprise resource planning system")
    # Signing runs its own event loop: before Playwright's starts in this thread (tests ask for
    # this fixture before `page`).
    certificate = issue(approved)
    return Portfolio(signer=signer, assessed=assessed, invalid=invalid, draft=draft,
                     approved=approved, certificate=certificate)


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}{reverse('login')}")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def overflow(page: Page) -> int:
    """How many pixels the page is wider than its window (0 when it does not scroll sideways),
    or than a table's box: a table that scrolls inside its box hides columns just the same."""
    return int(page.evaluate("""Math.max(0,
        document.documentElement.scrollWidth - window.innerWidth,
        ...[...document.querySelectorAll('.table-scroll')].map(e => e.scrollWidth - e.clientWidth))
    """))


def filing_url(filing: Filing) -> str:
    return reverse("filings:detail", kwargs={"reference": filing.reference})


@pytest.mark.usefixtures("translations")  # the Japanese pages
def test_no_manufacturer_page_scrolls_sideways_on_a_phone_a_tablet_or_a_wide_screen(
        portfolio: Portfolio, live_server, page: Page):
    certificate = portfolio.certificate
    public = {"login": reverse("login"), "password reset": reverse("password_reset"),
              "certificate verification": reverse("certificates:verify",
                                                  kwargs={"public_id": certificate.public_id}),
              "dossier check": reverse("dossiers:verify"),
              "rules": reverse("rulebooks:history"),
              "rulebook in force": reverse("rulebooks:version",
                                           kwargs={"version": load_rulebook().version})}
    private = {"dashboard": reverse("filings:dashboard"),
               "assessed filing": filing_url(portfolio.assessed),
               "invalid filing": filing_url(portfolio.invalid),
               "draft filing": filing_url(portfolio.draft),
               "approved filing": filing_url(portfolio.approved),
               "new filing": reverse("filings:create"),
               "API tokens": reverse("api_tokens:list"),
               "dossiers": reverse("dossiers:filing",
                                   kwargs={"reference": portfolio.approved.reference}),
               "planner": reverse("rulebooks:plan",
                                  kwargs={"reference": portfolio.assessed.reference})}
    too_wide: list[tuple[str, int, int]] = []

    def visit(pages: dict[str, str], widths: tuple[int, ...] = WIDTHS, note: str = "") -> None:
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in pages.items():
                page.goto(f"{live_server.url}{url}")
                if excess := overflow(page):
                    too_wide.append((name + note, width, excess))

    visit(public)
    log_in(page, live_server.url, portfolio.signer)
    visit(private)
    # On a phone: a new token's key, shown once on the page that made it; then every page in
    # Japanese, whose lines break differently.
    page.set_viewport_size({"width": PHONE, "height": 900})
    page.goto(f"{live_server.url}{reverse('api_tokens:list')}")
    page.get_by_label("Name", exact=True).fill("Warehouse")
    page.get_by_role("button", name="Create a token").click()
    expect(page.locator(".token-key")).to_be_visible()
    if excess := overflow(page):
        too_wide.append(("new token", PHONE, excess))
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    visit({**public, **private}, widths=(PHONE,), note=" (ja)")

    assert too_wide == [], f"wider than the window (page, window width, px too wide): {too_wide}"


def test_on_a_phone_each_requirement_shows_its_detail_and_citation_with_their_labels(
        portfolio: Portfolio, live_server, page: Page):
    page.set_viewport_size({"width": PHONE, "height": 900})
    log_in(page, live_server.url, portfolio.signer)

    page.goto(f"{live_server.url}{filing_url(portfolio.assessed)}")

    rows = page.locator(".requirements-table tbody tr.requirement").all()
    assert len(rows) >= 3
    for row in rows:
        for cell, label in ((row.locator("td.detail"), "Detail"),
                            (row.locator("td.citation"), "Citation")):
            expect(cell).to_be_visible()
            assert cell.inner_text().strip()
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE, \
                (row.get_attribute("id"), label, box)
            shown = cell.evaluate("e => getComputedStyle(e, '::before').content")
            assert shown == f'"{label}"', (row.get_attribute("id"), shown)
    card = page.locator(".version-current").bounding_box()
    bars = page.locator(".share-bar").all()
    assert card is not None and bars
    for bar in bars:
        box = bar.locator("svg").bounding_box()
        assert box is not None
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], \
            (bar.inner_text(), box, card)
