"""The sourcing advice on a phone (375 px), in English and in Japanese: its long supplier names
and country lists wrap, so the filing page still does not scroll sideways, and each unmet
requirement's advice opens and shows its lines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from filings.evidence.advice import advise_frames
from filings.evidence.reader import read_evidence, read_frames
from filings.models import Assessment
from filings.rules import assess_period, load_rulebook
from filings.states import State
from portal.accounts.models import Organisation
from portal.accounts.roles import Role
from portal.accounts.services import user_language_set
from tests.admin.conftest import COVERAGE, filing_in
from tests.browser.test_narrow_screens import PHONE, filing_url, log_in, overflow
from tests.celery_worker import _clear_audit_events
from tests.conftest import DATA
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)
SEDAN = "german-sedan.xlsx"  # assembled in Germany; both shares short; long country lists


@pytest.fixture(autouse=True)
def _flushable(transactional_db: None) -> Iterator[None]:
    yield
    _clear_audit_events()


def _with_advice(organisation: Organisation):
    """An assessed filing of the sedan, its advice made as the assessment task makes it."""
    filing = filing_in(State.ASSESSED, organisation, workbook=SEDAN)
    rulebook = load_rulebook()
    assessed = assess_period(read_evidence([DATA / SEDAN], rulebook=rulebook), rulebook=rulebook,
                             start=COVERAGE[0], end=COVERAGE[1])
    advice = advise_frames(assessed, read_frames([DATA / SEDAN], rulebook=rulebook),
                           rulebook=rulebook).to_dict()
    Assessment.objects.filter(version__filing=filing).update(advice=advice)
    return filing


@pytest.mark.usefixtures("translations")
def test_the_advice_fits_a_phone_in_english_and_japanese(manufacturer, live_server, page: Page):
    filing = _with_advice(manufacturer)
    signer = member(Role.SIGNER, manufacturer)
    page.set_viewport_size({"width": PHONE, "height": 900})
    log_in(page, live_server.url, signer)

    page.goto(f"{live_server.url}{filing_url(filing)}")
    share = page.locator("details.advice").filter(has_text="Critical-mineral share: what sourcing")
    expect(share).to_have_attribute("open", "")
    expect(share.locator(".advice-lines li").first).to_be_visible()
    expect(page.get_by_text("final assembly in DE would have to be in CA, MX, US.")).to_be_hidden()
    page.locator("details.advice summary").filter(has_text="not fixable by sourcing").click()
    expect(page.get_by_text("final assembly in DE would have to be in CA, MX, US.")).to_be_visible()
    assert overflow(page) == 0

    user_language_set(user=signer, language="ja")
    page.goto(f"{live_server.url}{filing_url(filing)}")
    expect(page.locator("details.advice summary").first).to_contain_text("：")
    expect(page.get_by_text("調達で満たす方法").first).to_be_visible()
    assert overflow(page) == 0
