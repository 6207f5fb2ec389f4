"""Which countries count for the critical-mineral test, and from when (rulebook variants)."""

from __future__ import annotations

import pytest

from filings.rules import Evidence, SegmentResult

from .builders import (
    assess_on,
    assess_range,
    evidence,
    mineral,
    rulebook_variant,
    shipped,
    spans,
)

# The 20 comprehensive FTA partners plus Japan (domain reference, section 5).
FTA_COUNTRIES = {
    "AU",
    "BH",
    "CA",
    "CL",
    "CO",
    "CR",
    "DO",
    "SV",
    "GT",
    "HN",
    "IL",
    "JO",
    "KR",
    "MX",
    "MA",
    "NI",
    "OM",
    "PA",
    "PE",
    "SG",
    "JP",
}

JAPAN_FROM = 'country = "JP"\nfrom = 2023-03-28'
NEXT_SECTION = "# WMI (VIN positions 1-3) regions"


def _sourced_from(country: str, name: str = "lithium") -> Evidence:
    """Evidence whose only critical mineral is extracted and processed in `country`."""
    return evidence(minerals=[mineral(100, name=name, extraction=country, processing=country)])


def _counts(result: SegmentResult) -> bool:
    return result.requirements["critical_minerals"].met is True


def test_the_shipped_fta_list_is_the_20_fta_partners_and_japan():
    assert {fta.country for fta in shipped().fta_countries} == FTA_COUNTRIES


@pytest.mark.parametrize("country", sorted(FTA_COUNTRIES))
def test_minerals_from_an_fta_country_count_from_the_first_day_of_the_test(country):
    result = assess_on(_sourced_from(country), "2023-04-18")

    assert _counts(result)
    assert result.requirements["critical_minerals"].details["fta_countries_counted"] == [country]


@pytest.mark.parametrize("country", ["CN", "DE", "ID", "RU"])
def test_minerals_from_a_country_without_an_fta_do_not_count(country):
    result = assess_on(_sourced_from(country), "2024-06-01")

    assert not _counts(result)
    assert result.credit_usd == 3750


def test_a_mineral_processed_in_an_fta_country_counts_whatever_its_extraction_country():
    ev = evidence(minerals=[mineral(100, extraction="CN", processing="KR")])

    assert _counts(assess_on(ev, "2024-06-01"))


def test_a_mineral_recycled_in_north_america_counts():
    ev = evidence(minerals=[mineral(100, extraction="CN", processing="CN", recycling="CA")])

    assert _counts(assess_on(ev, "2024-06-01"))


def test_a_mineral_recycled_in_an_fta_country_outside_north_america_does_not_count():
    ev = evidence(minerals=[mineral(100, extraction="CN", processing="CN", recycling="KR")])

    assert not _counts(assess_on(ev, "2024-06-01"))


# --- variants: a later start, a limit to some minerals, an end date, a new country --------


def test_an_fta_country_counts_from_its_from_date_and_not_the_day_before():
    rulebook = rulebook_variant((JAPAN_FROM, 'country = "JP"\nfrom = 2024-07-01'))
    ev = _sourced_from("JP")

    before = assess_on(ev, "2024-06-30", rulebook=rulebook)
    after = assess_on(ev, "2024-07-01", rulebook=rulebook)

    assert (_counts(before), _counts(after)) == (False, True)
    assert (before.credit_usd, after.credit_usd) == (3750, 7500)


def test_a_later_fta_from_date_splits_an_assessment_period():
    rulebook = rulebook_variant((JAPAN_FROM, 'country = "JP"\nfrom = 2024-07-01'))

    assessment = assess_range(_sourced_from("JP"), "2024-01-01", "2024-12-31", rulebook=rulebook)

    assert spans(assessment) == [("2024-01-01", "2024-06-30"), ("2024-07-01", "2024-12-31")]
    assert [s.credit_usd for s in assessment.segments] == [3750, 7500]


def test_an_fta_country_limited_to_some_minerals_counts_only_for_those():
    rulebook = rulebook_variant(
        (JAPAN_FROM, JAPAN_FROM + '\nminerals = ["cobalt", "graphite", "lithium", "manganese", "nickel"]')
    )

    lithium = assess_on(_sourced_from("JP", "lithium"), "2024-06-01", rulebook=rulebook)
    aluminum = assess_on(_sourced_from("JP", "aluminum"), "2024-06-01", rulebook=rulebook)

    assert _counts(lithium)
    assert not _counts(aluminum)


def test_an_fta_country_with_an_until_date_stops_counting_the_day_after():
    rulebook = rulebook_variant((JAPAN_FROM, JAPAN_FROM + "\nuntil = 2024-06-30"))
    ev = _sourced_from("JP")

    assert _counts(assess_on(ev, "2024-06-30", rulebook=rulebook))
    assert not _counts(assess_on(ev, "2024-07-01", rulebook=rulebook))


def test_an_fta_until_date_splits_an_assessment_period():
    rulebook = rulebook_variant((JAPAN_FROM, JAPAN_FROM + "\nuntil = 2024-06-30"))

    assessment = assess_range(_sourced_from("JP"), "2024-01-01", "2024-12-31", rulebook=rulebook)

    assert spans(assessment) == [("2024-01-01", "2024-06-30"), ("2024-07-01", "2024-12-31")]
    assert [s.credit_usd for s in assessment.segments] == [7500, 3750]


def test_a_country_added_later_splits_an_assessment_period():
    indonesia = (
        '[[fta_countries]]\ncountry = "ID"\nfrom = 2025-03-01\n'
        'basis = "hypothetical critical minerals agreement"\n'
        'citation = "a test-only amendment"\nconfidence = "U"\n\n'
    )
    rulebook = rulebook_variant((NEXT_SECTION, indonesia + NEXT_SECTION))

    assessment = assess_range(_sourced_from("ID", "nickel"), "2025-01-01", "2025-06-30", rulebook=rulebook)

    assert spans(assessment) == [("2025-01-01", "2025-02-28"), ("2025-03-01", "2025-06-30")]
    assert [s.credit_usd for s in assessment.segments] == [3750, 7500]


def test_without_the_added_country_the_same_period_is_one_segment():
    assessment = assess_range(_sourced_from("ID", "nickel"), "2025-01-01", "2025-06-30")

    assert spans(assessment) == [("2025-01-01", "2025-06-30")]
    assert assessment.segments[0].credit_usd == 3750
