"""The sourcing advice on the filing page (issue 15): under each unmet requirement, in words,
in the reader's language; nothing when every requirement is met; a stored advice of a shape
the page cannot read shows no advice, never an error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filings.models import Assessment, Filing
from portal.accounts.services import user_language_set
from tests.services.test_assessment_advice import feoc_assessed
from tests.services.test_filing_services import assessed

pytestmark = pytest.mark.usefixtures("translations")

CROSSOVER = "crossover-short-na-components.xlsx"  # battery components short: +$3,750 if met


def _page(client, user, filing: Filing, language: str = "en") -> str:
    user_language_set(user=user, language=language)
    client.force_login(user)
    response = client.get(reverse("filings:detail", kwargs={"reference": filing.reference}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _advice_html(page: str) -> str:
    """The advice part of the page: from its list to the findings after it."""
    assert 'class="advice-list"' in page, "no advice on the page"
    return page.split('class="advice-list"', 1)[1].split('class="findings"', 1)[0]


def test_an_unmet_share_shows_the_lines_to_move_and_the_credit_it_unlocks(client, viewer,
                                                                         preparer, signer):
    filing = assessed(preparer, signer, CROSSOVER)
    share = Assessment.objects.get(version__filing=filing).advice["shares"][0]
    count = len(share["fewest_lines"]["rows"])

    advice = _advice_html(_page(client, viewer, filing))

    assert "Battery-component share: what sourcing would meet it" in advice
    assert count == 1  # one battery cell made in Korea
    assert "Move the manufacturing or assembly of 1 component — $3,890.00 of $10,055.30 —" in advice
    assert "to North America and the battery-component share reaches" in advice
    assert ": +$3,750 a vehicle." in advice
    for row in share["fewest_lines"]["rows"]:
        assert f"Row {row}:" in advice
    for supplier in share["fewest_suppliers"]["suppliers"]:
        assert supplier in advice
    assert "Least value: " in advice and "Manufacturing or assembly counts in: CA, MX, US." in advice
    # The other requirements are met: no advice is shown for them.
    assert "Critical-mineral share: what sourcing" not in advice


def test_assembly_abroad_is_said_not_fixable_by_sourcing_and_where_it_would_have_to_be(
        client, viewer, preparer, signer):
    filing = assessed(preparer, signer, "german-sedan.xlsx")

    advice = _advice_html(_page(client, viewer, filing))

    assert "Final assembly in North America: not fixable by sourcing" in advice
    assert "final assembly in DE would have to be in CA, MX, US." in advice
    # The shares can be advised, but unlock nothing while assembly is in Germany.
    assert "no credit follows while Final assembly in North America is not met" in advice
    assert "Critical-mineral share: what sourcing would meet it" in advice


def test_a_japanese_reader_reads_the_advice_in_japanese(client, viewer, preparer, signer):
    filing = assessed(preparer, signer, CROSSOVER)

    advice = _advice_html(_page(client, viewer, filing, "ja"))

    assert "バッテリー構成部品の割合：調達で満たす方法" in advice
    assert "北米に移すと、バッテリー構成部品の割合は" in advice
    assert "1 台あたり +$3,750" in advice
    assert "Move the manufacturing" not in advice and "Least value" not in advice


def test_every_requirement_met_shows_no_advice(client, viewer, preparer, signer):
    filing = assessed(preparer, signer, "us-pickup-japan-minerals.xlsx")

    page = _page(client, viewer, filing)

    assert 'class="advice-list"' not in page and "what sourcing would meet it" not in page


def test_advice_of_a_shape_the_page_cannot_read_shows_none_and_the_page_still_answers(
        client, viewer, preparer, signer):
    filing = assessed(preparer, signer, CROSSOVER)
    Assessment.objects.filter(version__filing=filing).update(
        advice={"shares": [{"requirement": "battery_components", "from": "2024-06-01",
                            "to": "2024-12-31", "fewest_lines": "not a move"}]})

    page = _page(client, viewer, filing)

    assert 'class="advice-list"' not in page
    assert "Battery-component share" in page  # the requirement itself still shows


def test_foreign_entity_lines_are_listed_with_their_dates(client, viewer, preparer, signer):
    advice = _advice_html(_page(client, viewer, feoc_assessed(preparer, signer)))

    assert "No FEOC critical minerals: what sourcing would meet it" in advice
    assert ("Row 2: graphite from Heilongjiang Carbon Materials, a foreign entity of concern, "
            "disqualifies the vehicle from 2025-01-01. Use a supplier that is not one.") in advice
    assert "left out of the test until 2026-12-31" in advice
    assert "not fixable by sourcing" not in advice  # FEOC is fixed by another supplier
