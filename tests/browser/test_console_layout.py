"""The reviewer console in a real browser at 1280 px: the queue is readable with the columns a
reviewer sorts by, nothing overlaps the filing's title, outcome words are legible (WCAG AA,
4.5:1) and breadcrumb links are told from the text around them without colour (axe's
`link-in-text-block`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page

from filings.states import State
from portal.accounts.models import User
from portal.accounts.services import console_access_sync
from tests.admin.conftest import change_url, filing_in, second_factor_passed

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 1280
QUEUE = "/admin/filings/filing/"
LONG_MODEL = "Ironwood EV Crew Cab Long Range"
# The outcome of each segment and each requirement's status on the filing page.
MARKERS = ("//*[@id='assessment']//*[starts-with(@class, 'outcome') or "
           "starts-with(@class, 'status-')]")


@pytest.fixture
def reviewer_page(browser: Browser, live_server, reviewer: User) -> Iterator[Page]:
    """A 1280 × 800 page logged in as a reviewer past the second factor."""
    console_access_sync(user=reviewer)
    client = Client()
    client.force_login(reviewer)
    second_factor_passed(client, reviewer)
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css))


def contrast(page: Page, selector: str) -> float:
    """The contrast ratio of the element's text against the first opaque background behind it."""
    colours = page.eval_on_selector(selector, """element => {
        let node = element, background = 'rgb(255, 255, 255)';
        while (node) {
            const bg = getComputedStyle(node).backgroundColor;
            if (bg && bg !== 'transparent' && !bg.startsWith('rgba(0, 0, 0, 0)')) {
                background = bg; break;
            }
            node = node.parentElement;
        }
        return [getComputedStyle(element).color, background];
    }""")
    light, dark = sorted((_luminance(_rgb(c)) for c in colours), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_queue_fits_1280_px_with_every_column_and_names_on_two_lines(
        reviewer_page: Page, live_server, manufacturer):
    for _ in range(3):
        filing_in(State.ASSESSED, manufacturer, make=manufacturer.name, model=LONG_MODEL)
    page = reviewer_page

    page.goto(f"{live_server.url}{QUEUE}")

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    for column in ("reviewer", "recommendation", "credit", "submitted"):
        header = page.locator(f"#result_list thead th:has-text('{column}')").first
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH, column
    names = page.locator("#result_list .field-vehicle a").all()
    assert len(names) == 3
    for name in names:
        lines = name.evaluate("e => e.getClientRects().length")
        assert lines <= 2, (name.inner_text(), lines)


def test_the_action_buttons_do_not_overlap_the_filings_title(reviewer_page: Page, live_server,
                                                             manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer, model=LONG_MODEL)
    page = reviewer_page

    page.goto(f"{live_server.url}{change_url(filing)}")

    tools = page.locator(".object-tools").bounding_box()
    assert tools is not None
    for title in page.locator("#content h1, #content h2").all()[:2]:
        box = title.bounding_box()
        assert box is not None
        apart = (box["x"] + box["width"] <= tools["x"] or tools["x"] + tools["width"] <= box["x"]
                 or box["y"] + box["height"] <= tools["y"]
                 or tools["y"] + tools["height"] <= box["y"])
        assert apart, (title.inner_text(), box, tools)


def test_outcomes_and_requirement_statuses_are_legible(reviewer_page: Page, live_server,
                                                       manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    page = reviewer_page

    page.goto(f"{live_server.url}{change_url(filing)}")

    markers = page.locator(f"xpath={MARKERS}").all()
    assert markers
    for index, marker in enumerate(markers, start=1):
        ratio = contrast(page, f"xpath=({MARKERS})[{index}]")
        assert ratio >= 4.5, (marker.inner_text(), ratio)


def test_breadcrumb_links_are_underlined(reviewer_page: Page, live_server, manufacturer):
    filing = filing_in(State.ASSESSED, manufacturer)
    page = reviewer_page

    page.goto(f"{live_server.url}{change_url(filing)}")

    links = page.locator(".breadcrumbs a").all()
    assert links
    for link in links:
        decoration = link.evaluate("e => getComputedStyle(e).textDecorationLine")
        assert "underline" in decoration, link.inner_text()
