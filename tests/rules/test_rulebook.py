"""Loading the rulebook, and rejecting a broken one with a message naming the problem."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from filings.rules import Rulebook, RulebookError, load_rulebook, parse_rulebook
from filings.rules.rulebook import DEFAULT_RULEBOOK_PATH

from .builders import SHIPPED_TOML, edited_toml, rulebook_variant

CM_SECOND_ROW = 'from = 2024-01-01\nuntil = 2024-12-31\nrequired_pct = "50"'
BC_SECOND_ROW = 'from = 2024-01-01\nuntil = 2025-12-31\nrequired_pct = "60"'


def test_the_shipped_rulebook_loads_with_its_id_and_version():
    meta = tomllib.loads(SHIPPED_TOML)["rulebook"]

    rulebook = load_rulebook()

    assert isinstance(rulebook, Rulebook)
    assert rulebook.id == meta["id"] == "us-irc-30d"
    assert rulebook.version == meta["version"]
    assert rulebook.version


def test_loading_the_shipped_file_by_path_gives_the_same_rulebook():
    assert load_rulebook(DEFAULT_RULEBOOK_PATH) == load_rulebook()


def test_the_shipped_rulebook_changes_on_every_cut_over_date():
    changes = set(load_rulebook().change_dates())

    assert {
        dt.date(2023, 1, 1),
        dt.date(2023, 4, 18),
        dt.date(2024, 1, 1),
        dt.date(2025, 1, 1),
        dt.date(2026, 1, 1),
        dt.date(2027, 1, 1),
    } <= changes


def test_a_missing_rulebook_file_is_reported_with_its_path(tmp_path):
    missing = tmp_path / "nowhere.toml"

    with pytest.raises(RulebookError, match=r"nowhere\.toml: cannot read the rulebook"):
        load_rulebook(missing)


def test_a_rulebook_that_is_not_toml_is_rejected():
    with pytest.raises(RulebookError, match="not valid TOML"):
        parse_rulebook(SHIPPED_TOML + "\n[[[broken\n")


# --- schedules -----------------------------------------------------------------------------


def test_a_gap_in_the_critical_mineral_schedule_is_rejected():
    with pytest.raises(
        RulebookError,
        match=r"critical_minerals\.schedule.*contiguous.*"
        r"should start on 2024-01-01, not 2024-01-02",
    ):
        rulebook_variant((CM_SECOND_ROW, CM_SECOND_ROW.replace("2024-01-01", "2024-01-02")))


def test_an_overlap_in_the_critical_mineral_schedule_is_rejected():
    with pytest.raises(
        RulebookError,
        match=r"critical_minerals\.schedule.*contiguous.*"
        r"should start on 2024-01-01, not 2023-12-15",
    ):
        rulebook_variant((CM_SECOND_ROW, CM_SECOND_ROW.replace("2024-01-01", "2023-12-15")))


def test_a_gap_in_the_battery_component_schedule_is_rejected():
    with pytest.raises(RulebookError, match=r"battery_components\.schedule.*contiguous"):
        rulebook_variant((BC_SECOND_ROW, BC_SECOND_ROW.replace("2024-01-01", "2024-02-01")))


def test_an_open_ended_schedule_row_before_the_last_is_rejected():
    with pytest.raises(
        RulebookError,
        match=r"critical_minerals\.schedule.*row 2: only the last row "
        r"may leave 'until' open",
    ):
        rulebook_variant((CM_SECOND_ROW, 'from = 2024-01-01\nrequired_pct = "50"'))


def test_a_schedule_row_ending_before_it_starts_is_rejected():
    with pytest.raises(RulebookError, match=r"'until' 2023-12-31 is before 'from' 2024-01-01"):
        rulebook_variant((CM_SECOND_ROW, CM_SECOND_ROW.replace("until = 2024-12-31", "until = 2023-12-31")))


def test_a_schedule_not_starting_the_day_after_the_transitional_amount_is_rejected():
    with pytest.raises(RulebookError, match=r"schedule must start the day after transitional_amount\.until"):
        rulebook_variant(("until = 2023-04-17", "until = 2023-04-16"))


def test_a_percentage_over_100_is_rejected():
    with pytest.raises(RulebookError, match=r"critical_minerals\.schedule\.1\.required_pct.*percentage"):
        rulebook_variant((CM_SECOND_ROW, CM_SECOND_ROW.replace('"50"', '"150"')))


# --- countries, citations, minerals --------------------------------------------------------


@pytest.mark.parametrize("bad", ["XX", "sg", "SGP"])
def test_an_unknown_fta_country_code_is_rejected(bad):
    with pytest.raises(RulebookError, match=rf"fta_countries\.\d+\.country.*'{bad}' is not an ISO 3166-1"):
        rulebook_variant(('country = "SG"', f'country = "{bad}"'))


def test_an_unknown_north_american_country_code_is_rejected():
    with pytest.raises(RulebookError, match=r"north_america\.countries.*'MEX' is not an ISO 3166-1"):
        rulebook_variant(('countries = ["US", "CA", "MX"]', 'countries = ["US", "CA", "MEX"]'))


def test_a_missing_citation_is_rejected():
    gvwr_citation = 'citation = "IRC §30D(d)(1)(E): gross vehicle weight rating of less than 14,000 pounds"\n'

    with pytest.raises(RulebookError, match=r"gvwr\.citation: Field required"):
        rulebook_variant((gvwr_citation, ""))


def test_an_empty_citation_is_rejected():
    gvwr_citation = 'citation = "IRC §30D(d)(1)(E): gross vehicle weight rating of less than 14,000 pounds"'

    with pytest.raises(RulebookError, match=r"gvwr\.citation"):
        rulebook_variant((gvwr_citation, 'citation = ""'))


def test_an_unknown_mineral_in_an_fta_entry_is_rejected():
    with pytest.raises(RulebookError, match=r"fta_countries JP: unknown minerals \['unobtainium'\]"):
        rulebook_variant(('country = "JP"', 'country = "JP"\nminerals = ["lithium", "unobtainium"]'))


def test_a_country_listed_twice_as_an_fta_country_is_rejected():
    with pytest.raises(RulebookError, match="fta_countries lists AU more than once"):
        rulebook_variant(('country = "BH"', 'country = "AU"'))


def test_an_unknown_key_is_rejected_so_a_typo_cannot_pass_silently():
    with pytest.raises(RulebookError, match=r"gvwr\.below_lbs.*Extra inputs are not permitted"):
        rulebook_variant(('below_lb = "14000"', 'below_lb = "14000"\nbelow_lbs = "15000"'))


def test_an_msrp_cap_missing_a_vehicle_class_is_rejected():
    with pytest.raises(RulebookError, match=r"msrp_cap\.caps_usd.*no cap for vehicle class\(es\) car"):
        rulebook_variant((', car = "55000" }', " }"))


def test_the_error_names_the_source_it_came_from():
    text = edited_toml(('country = "BH"', 'country = "AU"'))

    with pytest.raises(RulebookError, match=r"^amendment-7\.toml: "):
        parse_rulebook(text, source="amendment-7.toml")
