"""Rulebook amendments: canonical data, each amendment and its refusals, and the diff."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filings.rules import RulebookError, load_rulebook, parse_rulebook
from filings.rules.amend import (
    AmendmentError,
    Change,
    amount_set,
    battery_minimum_set,
    credit_window_set,
    data_sha256,
    diff,
    fta_add,
    fta_end,
    gvwr_set,
    msrp_cap_set,
    rulebook_data,
    rulebook_from_data,
    schedule_set_pct,
    with_version,
    without_fta,
)

from .builders import PROPERTY_SETTINGS, day, edited_toml

CITE = "Notice 2099-01 §4"
JAPAN_BASIS = "U.S.-Japan Critical Minerals Agreement (signed and in force 2023-03-28), treated as an FTA"


def shipped() -> dict[str, Any]:
    return rulebook_data(load_rulebook())


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True)


def fta(data: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((e for e in data["fta_countries"] if e["country"] == code), None)


def add_japan(data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"country": "JP", "from_": day("2023-03-28"), "basis": JAPAN_BASIS,
                              "citation": CITE, "confidence": "V"}
    fields.update(overrides)
    return fta_add(data, **fields)


def refused(form_field: str, operation: Callable[..., dict[str, Any]], /, *args: Any, **kwargs: Any) -> str:
    """The message of the AmendmentError `operation` raises, which must name `form_field`."""
    with pytest.raises(AmendmentError) as caught:
        operation(*args, **kwargs)
    assert caught.value.field == form_field, caught.value
    return caught.value.message


# --- canonical data --------------------------------------------------------------------------

def test_the_shipped_rulebook_round_trips_through_its_data():
    rulebook = load_rulebook()

    data = rulebook_data(rulebook)

    assert rulebook_from_data(data) == rulebook
    assert json.loads(json.dumps(data)) == data


def test_data_keeps_the_toml_spelling_of_keys_dates_and_numbers():
    data = shipped()

    assert data["msrp_cap"]["caps_usd"] == {"van": "80000", "suv": "80000", "pickup": "80000",
                                            "car": "55000"}
    assert data["battery_capacity"]["minimum_kwh"] == "7"
    assert data["credit_window"]["acquired_until"] == "2025-09-30"
    assert data["critical_minerals"]["schedule"][0]["from"] == "2023-04-18"
    japan = fta(data, "JP")
    assert japan is not None and japan["from"] == "2023-03-28"
    assert "from_" not in japan and "until" not in japan and "minerals" not in japan


def test_sets_are_sorted_lists_and_ordered_lists_keep_their_order():
    data = shipped()

    assert data["north_america"]["countries"] == ["CA", "MX", "US"]
    minerals = data["critical_minerals"]["applicable_minerals"]
    assert minerals == sorted(minerals) and "zirconium" in minerals
    assert data["battery_components"]["component_types"][:2] == ["cathode_electrode", "anode_electrode"]
    assert [r["first"] for r in data["vin"]["wmi_regions"]][:4] == ["1", "4", "5", "2"]
    assert [e["country"] for e in data["fta_countries"]][:3] == ["AU", "BH", "CA"]


def test_equal_rulebooks_give_the_same_canonical_json_and_hash():
    variant = parse_rulebook(edited_toml(
        ('countries = ["US", "CA", "MX"]', 'countries = ["MX", "US", "CA"]'),
        ('car = "55000"', 'car = "55000.00"'),
        ('minimum_kwh = "7"', 'minimum_kwh = "7.0"'),
    ))
    assert variant == load_rulebook()

    data = rulebook_data(variant)

    assert canonical_json(data) == canonical_json(shipped())
    assert data_sha256(data) == data_sha256(shipped())
    assert data["msrp_cap"]["caps_usd"]["car"] == "55000"


def test_the_hash_is_sha256_of_compact_sorted_json_and_follows_any_change():
    data = shipped()
    expected = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    assert data_sha256(data) == expected
    assert data_sha256(dict(reversed(list(data.items())))) == expected
    assert data_sha256(gvwr_set(data, below_lb=Decimal("14001"), citation=CITE)) != expected


def test_broken_data_names_the_key_as_parse_rulebook_does():
    broken_toml = edited_toml(('car = "55000"', 'car = "-1"'))
    with pytest.raises(RulebookError) as from_toml:
        parse_rulebook(broken_toml, source="v.toml")
    data = shipped()
    data["msrp_cap"]["caps_usd"]["car"] = "-1"

    with pytest.raises(RulebookError) as from_data:
        rulebook_from_data(data, source="v.toml")

    assert str(from_data.value) == str(from_toml.value)
    assert str(from_data.value).startswith("v.toml: msrp_cap.caps_usd.car: ")


def test_unknown_keys_in_stored_data_are_refused():
    data = shipped()
    data["gvwr"]["above_lb"] = "1"

    with pytest.raises(RulebookError, match=r"gvwr\.above_lb"):
        rulebook_from_data(data)


# --- with_version / without_fta --------------------------------------------------------------

def test_with_version_replaces_the_meta_data_only():
    data = shipped()
    before = copy.deepcopy(data)

    new = with_version(data, version="2025.3", title="Amended", note="Japan's agreement ends")

    assert new["rulebook"] == {**before["rulebook"], "version": "2025.3", "title": "Amended",
                               "note": "Japan's agreement ends"}
    assert {k: v for k, v in new.items() if k != "rulebook"} == {
        k: v for k, v in before.items() if k != "rulebook"}
    assert data == before
    assert with_version(data, version="2025.3")["rulebook"]["title"] == before["rulebook"]["title"]


def test_with_version_refuses_a_version_with_spaces():
    assert "version" in refused("version", with_version, shipped(), version="2025 3").lower()


def test_without_fta_removes_one_country_only():
    data = shipped()

    new = without_fta(data, "JP")

    assert fta(new, "JP") is None
    assert len(new["fta_countries"]) == len(data["fta_countries"]) - 1
    assert load_rulebook().fta_treatment("JP", "cobalt", day("2024-01-01")) is not None
    assert rulebook_from_data(new).fta_treatment("JP", "cobalt", day("2024-01-01")) is None


def test_without_fta_refuses_a_country_that_is_not_listed():
    assert "DE" in refused("country", without_fta, shipped(), "DE")


# --- FTA treatment ---------------------------------------------------------------------------

def test_fta_add_lists_the_country_from_its_date():
    data = without_fta(shipped(), "JP")

    new = fta_add(data, country=" jp ", from_=day("2023-03-28"), basis="U.S.-Japan CMA",
                  citation=CITE, confidence="V", minerals=["Lithium", "cobalt", "lithium"],
                  note="five minerals")

    entry = fta(new, "JP")
    assert entry is not None
    assert entry["from"] == "2023-03-28" and entry["minerals"] == ["cobalt", "lithium"]
    assert entry["citation"] == CITE and entry["note"] == "five minerals"
    rulebook = rulebook_from_data(new)
    assert rulebook.fta_treatment("JP", "lithium", day("2023-03-28")) is not None
    assert rulebook.fta_treatment("JP", "lithium", day("2023-03-27")) is None
    assert rulebook.fta_treatment("JP", "nickel", day("2024-01-01")) is None


def test_fta_add_without_minerals_covers_every_mineral_and_appends_the_entry():
    before = without_fta(shipped(), "JP")

    new = add_japan(before, confidence="S")

    assert rulebook_from_data(new).fta_treatment("JP", "nickel", day("2024-01-01")) is not None
    assert new["fta_countries"][:-1] == before["fta_countries"]
    assert new["fta_countries"][-1] == {"country": "JP", "from": "2023-03-28", "basis": JAPAN_BASIS,
                                        "citation": CITE, "confidence": "S", "note": ""}
    assert {k: v for k, v in new.items() if k != "fta_countries"} == {
        k: v for k, v in before.items() if k != "fta_countries"}


@pytest.mark.parametrize("code", ["XX", "JPN", "", "EU"])
def test_fta_add_refuses_an_unknown_country_code(code):
    assert "ISO 3166-1" in refused("country", add_japan, shipped(), country=code)


def test_fta_add_refuses_a_country_with_open_treatment_and_says_to_end_it():
    message = refused("country", add_japan, shipped(), from_=day("2026-01-01"))

    assert "Japan (JP)" in message and "2023-03-28" in message and "end it first" in message


def test_fta_add_refuses_a_period_overlapping_an_ended_treatment():
    ended = fta_end(shipped(), country="JP", until=day("2025-06-30"), citation=CITE)

    message = refused("country", add_japan, ended, from_=day("2025-06-30"))

    assert "overlaps" in message and "2025-06-30" in message


def test_fta_add_refuses_a_second_period_because_the_rulebook_keeps_one_entry_per_country():
    ended = fta_end(shipped(), country="JP", until=day("2025-06-30"), citation=CITE)

    message = refused("country", add_japan, ended, from_=day("2025-07-01"))

    assert "one FTA entry per country" in message


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("minerals", {"minerals": ["cobalt", "kryptonite"]}),
        ("minerals", {"minerals": []}),
        ("confidence", {"confidence": "X"}),
        ("basis", {"basis": "   "}),
        ("citation", {"citation": "  §1  "}),
        ("citation", {"citation": ""}),
    ],
)
def test_fta_add_refuses_bad_fields(field, overrides):
    refused(field, add_japan, without_fta(shipped(), "JP"), **overrides)


def test_fta_end_sets_the_last_day_and_the_citation():
    new = fta_end(shipped(), country="JP", until=day("2025-06-30"), citation=CITE)

    entry = fta(new, "JP")
    assert entry is not None and entry["until"] == "2025-06-30" and entry["citation"] == CITE
    rulebook = rulebook_from_data(new)
    assert rulebook.fta_treatment("JP", "cobalt", day("2025-06-30")) is not None
    assert rulebook.fta_treatment("JP", "cobalt", day("2025-07-01")) is None
    assert day("2025-07-01") in rulebook.change_dates()


def test_fta_end_on_its_first_day_is_allowed_but_not_before():
    assert fta(fta_end(shipped(), country="JP", until=day("2023-03-28"), citation=CITE), "JP")["until"] == "2023-03-28"

    message = refused("until", fta_end, shipped(), country="JP", until=day("2023-03-27"), citation=CITE)

    assert "2023-03-28" in message


def test_fta_end_refuses_an_unlisted_or_already_ended_country():
    refused("country", fta_end, shipped(), country="DE", until=day("2025-01-01"), citation=CITE)
    refused("country", fta_end, shipped(), country="ZZ", until=day("2025-01-01"), citation=CITE)
    ended = fta_end(shipped(), country="JP", until=day("2025-06-30"), citation=CITE)

    assert "2025-06-30" in refused("country", fta_end, ended, country="JP", until=day("2025-12-31"),
                                   citation=CITE)


def test_fta_end_requires_a_citation():
    refused("citation", fta_end, shipped(), country="JP", until=day("2025-06-30"), citation="IRC")


# --- schedules, caps, amounts, limits ---------------------------------------------------------

def test_schedule_set_pct_changes_one_row_and_its_citation():
    data = shipped()

    new = schedule_set_pct(data, requirement="critical_minerals", row_from=day("2024-01-01"),
                           required_pct=Decimal("55.50"), citation=CITE)

    row = new["critical_minerals"]["schedule"][1]
    assert row["required_pct"] == "55.5" and row["citation"] == CITE
    assert new["critical_minerals"]["schedule"][2] == data["critical_minerals"]["schedule"][2]
    assert new["battery_components"] == data["battery_components"]
    found = rulebook_from_data(new).required_pct("critical_minerals", day("2024-06-01"))
    assert found is not None and found.required_pct == Decimal("55.5")


def test_schedule_set_pct_names_the_valid_row_starts_when_none_matches():
    message = refused("row_from", schedule_set_pct, shipped(), requirement="battery_components",
                      row_from=day("2025-01-01"), required_pct=Decimal("60"), citation=CITE)

    assert "2023-04-18, 2024-01-01, 2026-01-01" in message


@pytest.mark.parametrize("pct", [Decimal("100.01"), Decimal("-1"), Decimal("NaN"), "abc"])
def test_schedule_set_pct_refuses_a_share_outside_0_to_100(pct):
    refused("required_pct", schedule_set_pct, shipped(), requirement="critical_minerals",
            row_from=day("2024-01-01"), required_pct=pct, citation=CITE)


def test_schedule_set_pct_refuses_an_unknown_requirement():
    refused("requirement", schedule_set_pct, shipped(), requirement="feoc",
            row_from=day("2024-01-01"), required_pct=Decimal("50"), citation=CITE)


def test_msrp_cap_set_changes_one_class_and_the_citation():
    data = shipped()

    new = msrp_cap_set(data, vehicle_class="car", cap_usd=Decimal("60000.00"), citation=CITE)

    assert new["msrp_cap"]["caps_usd"] == {**data["msrp_cap"]["caps_usd"], "car": "60000"}
    assert new["msrp_cap"]["citation"] == CITE
    assert rulebook_from_data(new).msrp_cap.caps_usd["car"] == Decimal("60000")


@pytest.mark.parametrize("cap", [Decimal("-1"), Decimal("Infinity"), Decimal("sNaN"), "1e16"])
def test_msrp_cap_set_refuses_a_negative_or_non_finite_cap(cap):
    refused("cap_usd", msrp_cap_set, shipped(), vehicle_class="car", cap_usd=cap, citation=CITE)


def test_msrp_cap_set_refuses_an_unknown_vehicle_class():
    refused("vehicle_class", msrp_cap_set, shipped(), vehicle_class="truck",
            cap_usd=Decimal("1"), citation=CITE)


def test_amount_set_changes_the_requirements_amount_and_citation():
    new = amount_set(shipped(), requirement="battery_components", amount_usd=Decimal("4000"),
                     citation=CITE)

    assert new["battery_components"]["amount_usd"] == "4000"
    assert new["battery_components"]["citation"] == CITE
    assert new["critical_minerals"] == shipped()["critical_minerals"]
    refused("amount_usd", amount_set, shipped(), requirement="critical_minerals",
            amount_usd=Decimal("-0.01"), citation=CITE)


def test_battery_minimum_and_gvwr_setters_change_their_limit_and_citation():
    battery = battery_minimum_set(shipped(), minimum_kwh=Decimal("7.5"), citation=CITE)
    weight = gvwr_set(shipped(), below_lb=14500, citation=CITE)

    assert battery["battery_capacity"] == {"minimum_kwh": "7.5", "citation": CITE, "confidence": "V"}
    assert weight["gvwr"] == {"below_lb": "14500", "citation": CITE, "confidence": "V"}
    refused("minimum_kwh", battery_minimum_set, shipped(), minimum_kwh=Decimal("-7"), citation=CITE)
    refused("citation", gvwr_set, shipped(), below_lb=Decimal("1"), citation="1234")


def test_credit_window_set_moves_the_last_acquisition_date():
    new = credit_window_set(shipped(), field="acquired_until", on=day("2025-12-31"), citation=CITE)

    assert new["credit_window"]["acquired_until"] == "2025-12-31"
    assert new["credit_window"]["acquired_until_citation"] == CITE
    assert rulebook_from_data(new).credit_window.acquired_until == dt.date(2025, 12, 31)


def test_credit_window_set_cannot_move_the_first_date_away_from_the_transitional_amount():
    data = shipped()

    message = refused("on", credit_window_set, data, field="placed_in_service_from",
                      on=day("2023-02-01"), citation=CITE)

    assert "transitional" in message and "2023-01-01" in message
    same_day = credit_window_set(data, field="placed_in_service_from", on=day("2023-01-01"),
                                 citation=CITE)
    assert same_day["credit_window"]["placed_in_service_from_citation"] == CITE
    assert same_day["transitional_amount"] == data["transitional_amount"]


def test_credit_window_set_refuses_an_unknown_field():
    refused("field", credit_window_set, shipped(), field="acquired_from", on=day("2025-01-01"),
            citation=CITE)


def test_an_amendment_of_invalid_stored_data_is_a_whole_form_error():
    data = shipped()
    data["gvwr"]["below_lb"] = "heavy"

    assert "gvwr.below_lb" in refused("", gvwr_set, data, below_lb=Decimal("1"), citation=CITE)


AMENDMENTS: list[tuple[Callable[..., dict[str, Any]], dict[str, Any]]] = [
    (with_version, {"version": "2025.3", "note": "n"}),
    (fta_end, {"country": "JP", "until": day("2025-06-30"), "citation": CITE}),
    (fta_add, {"country": "DE", "from_": day("2025-01-01"), "basis": "Hypothetical agreement",
               "citation": CITE, "confidence": "U", "minerals": ["lithium"]}),
    (schedule_set_pct, {"requirement": "battery_components", "row_from": day("2026-01-01"),
                        "required_pct": Decimal("80"), "citation": CITE}),
    (msrp_cap_set, {"vehicle_class": "suv", "cap_usd": Decimal("85000"), "citation": CITE}),
    (amount_set, {"requirement": "critical_minerals", "amount_usd": Decimal("0"), "citation": CITE}),
    (battery_minimum_set, {"minimum_kwh": Decimal("10"), "citation": CITE}),
    (gvwr_set, {"below_lb": Decimal("15000"), "citation": CITE}),
    (credit_window_set, {"field": "acquired_until", "on": day("2026-06-30"), "citation": CITE}),
]


@pytest.mark.parametrize(("operation", "kwargs"), AMENDMENTS, ids=[op.__name__ for op, _ in AMENDMENTS])
def test_amendments_return_new_valid_data_and_leave_their_input_alone(operation, kwargs):
    data = shipped()
    before = copy.deepcopy(data)

    new = operation(data, **kwargs)

    assert data == before
    assert new != data
    assert rulebook_from_data(new) != load_rulebook()
    assert rulebook_data(rulebook_from_data(new)) == new  # canonical already
    json.dumps(new, allow_nan=False)
    for section in new:  # no section object shared with the input
        assert new[section] is not data[section]


def test_amendment_error_is_a_value_error_with_field_and_message():
    error = AmendmentError("cap_usd", "Must be a finite number, zero or more.")

    assert isinstance(error, ValueError)
    assert (error.field, error.message) == ("cap_usd", "Must be a finite number, zero or more.")
    assert str(AmendmentError("", "whole form")) == "whole form"


# --- diff -----------------------------------------------------------------------------------

def test_identical_data_has_no_diff():
    assert diff(shipped(), shipped()) == []


def test_adding_japan_back_is_one_added_change():
    before = without_fta(shipped(), "JP")

    changes = diff(before, shipped())

    assert len(changes) == 1
    (change,) = changes
    assert change.kind == "added" and change.before is None
    assert change.path == "fta_countries.JP"
    assert change.label == "FTA treatment of Japan (JP)"
    assert change.after is not None
    assert change.after.startswith(f"from 2023-03-28, {JAPAN_BASIS}, all minerals")


def test_removing_a_country_is_one_removed_change_with_its_minerals():
    limited = add_japan(without_fta(shipped(), "JP"), minerals=["nickel", "cobalt"])

    (change,) = diff(limited, without_fta(limited, "JP"))

    assert change.kind == "removed" and change.after is None
    assert change.before is not None and "only cobalt, nickel" in change.before


def test_a_cap_change_is_one_changed_change():
    data = shipped()
    new = msrp_cap_set(data, vehicle_class="car", cap_usd=Decimal("60000"),
                       citation=data["msrp_cap"]["citation"])

    assert diff(data, new) == [Change(path="msrp_cap.caps_usd.car", label="MSRP cap, car (USD)",
                                      before="55000", after="60000")]
    assert diff(data, new)[0].kind == "changed"


def test_ending_a_treatment_shows_its_new_last_day_and_citation():
    data = shipped()

    changes = diff(data, fta_end(data, country="JP", until=day("2025-06-30"), citation=CITE))

    assert [(c.path, c.label, c.kind, c.after) for c in changes] == [
        ("fta_countries.JP.citation", "FTA treatment of Japan (JP): citation", "changed", CITE),
        ("fta_countries.JP.until", "FTA treatment of Japan (JP): until", "added", "2025-06-30"),
    ]


def test_schedule_rows_are_matched_by_their_first_day():
    data = shipped()
    new = schedule_set_pct(data, requirement="critical_minerals", row_from=day("2024-01-01"),
                           required_pct=Decimal("45"), citation=data["critical_minerals"]["schedule"][1]["citation"])

    assert diff(data, new) == [Change(
        path="critical_minerals.schedule[2024-01-01].required_pct",
        label="Critical minerals, required share from 2024-01-01 (%)", before="50", after="45")]


def test_a_removed_schedule_row_is_one_change_keyed_by_its_date():
    data = shipped()
    shorter = copy.deepcopy(data)
    rows = shorter["critical_minerals"]["schedule"]
    rows[-2].pop("until")
    rows.pop()

    changes = diff(data, shorter)

    assert [(c.path, c.kind) for c in changes] == [
        ("critical_minerals.schedule[2025-01-01].until", "removed"),
        ("critical_minerals.schedule[2026-01-01]", "removed"),
    ]
    assert changes[1].before is not None and "70 %" in changes[1].before


def test_sets_show_as_sorted_comma_separated_lists_and_wmi_regions_go_by_first_character():
    data = shipped()
    new = copy.deepcopy(data)
    new["north_america"]["countries"] = ["CA", "US"]
    new["vin"]["wmi_regions"] = list(reversed(new["vin"]["wmi_regions"]))
    new["vin"]["wmi_regions"][-1]["countries"] = ["CA", "US"]  # the region for first character 1

    assert [(c.path, c.label, c.before, c.after) for c in diff(data, new)] == [
        ("north_america.countries", "North America, countries", "CA, MX, US", "CA, US"),
        ("vin.wmi_regions[1].countries", "VIN, WMI region 1: countries", "US", "CA, US"),
    ]


def test_changes_come_in_rulebook_section_order_with_the_meta_data_first():
    data = shipped()
    new = without_fta(data, "KR")
    new = gvwr_set(new, below_lb=Decimal("15000"), citation=CITE)
    new = credit_window_set(new, field="acquired_until", on=day("2025-12-31"), citation=CITE)
    new = with_version(new, version="2025.3")

    paths = [c.path for c in diff(data, new)]

    assert paths == [
        "rulebook.version",
        "credit_window.acquired_until",
        "credit_window.acquired_until_citation",
        "gvwr.below_lb",
        "gvwr.citation",
        "fta_countries.KR",
    ]
    assert diff(data, new)[-1].label == "FTA treatment of South Korea (KR)"
    assert diff(data, new)[0].label == "Rulebook, version"


def test_reordering_fta_entries_is_no_change():
    data = shipped()
    reordered = copy.deepcopy(data)
    reordered["fta_countries"].reverse()

    assert diff(data, reordered) == []


def test_change_kind():
    assert Change("p", "l", None, "1").kind == "added"
    assert Change("p", "l", "1", None).kind == "removed"
    assert Change("p", "l", "1", "2").kind == "changed"


# --- properties ----------------------------------------------------------------------------

_money = st.decimals(min_value=0, max_value=Decimal("1000000"), places=2)
_shares = st.decimals(min_value=0, max_value=100, places=1)
_classes = st.sampled_from(["car", "suv", "van", "pickup"])
_rows = st.sampled_from([("critical_minerals", "2023-04-18"), ("critical_minerals", "2025-01-01"),
                         ("battery_components", "2024-01-01"), ("battery_components", "2026-01-01")])


@PROPERTY_SETTINGS
@given(vehicle_class=_classes, cap=_money)
def test_a_cap_amendment_diffs_as_exactly_that_cap(vehicle_class, cap):
    data = shipped()

    changes = diff(data, msrp_cap_set(data, vehicle_class=vehicle_class, cap_usd=cap,
                                      citation=data["msrp_cap"]["citation"]))

    if cap == Decimal(data["msrp_cap"]["caps_usd"][vehicle_class]):
        assert changes == []
    else:
        (change,) = changes
        assert change.path == f"msrp_cap.caps_usd.{vehicle_class}"
        assert change.label == f"MSRP cap, {vehicle_class} (USD)"
        assert change.before == data["msrp_cap"]["caps_usd"][vehicle_class]
        assert change.after is not None and Decimal(change.after) == cap
        assert "E" not in change.after and not change.after.endswith(".0")


@PROPERTY_SETTINGS
@given(row=_rows, pct=_shares, citation=st.text(min_size=5, max_size=40).filter(lambda t: t.strip() == t))
def test_a_share_amendment_diffs_as_exactly_that_share_and_citation(row, pct, citation):
    requirement, row_from = row
    data = shipped()
    old = next(r for r in data[requirement]["schedule"] if r["from"] == row_from)

    changes = diff(data, schedule_set_pct(data, requirement=requirement, row_from=day(row_from),
                                          required_pct=pct, citation=citation))

    expected = {}
    if pct != Decimal(old["required_pct"]):
        expected[f"{requirement}.schedule[{row_from}].required_pct"] = (old["required_pct"], pct)
    if citation != old["citation"]:
        expected[f"{requirement}.schedule[{row_from}].citation"] = (old["citation"], citation)
    assert {c.path for c in changes} == set(expected)
    for change in changes:
        before, after = expected[change.path]
        assert change.kind == "changed" and change.before == before and change.after is not None
        if change.path.endswith("citation"):
            assert change.after == after
        else:
            assert Decimal(change.after) == after
