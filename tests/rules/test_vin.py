"""VIN checks (49 CFR 565.15) and what the engine does with VINs that fail them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filings.rules.inputs import VinEntry
from filings.rules.results import invalid_vin_count
from filings.rules.vin import check_digit, model_year_code, vin_problem

from .builders import (
    PROPERTY_SETTINGS,
    VIN_ALPHABET,
    assess_on,
    evidence,
    expected_check_digit,
    findings_for,
    make_vin,
    vehicle,
    with_check_digit,
)

ON = "2024-06-01"
KNOWN_VALID = ["1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352", "JHMCM56557C404453"]


@pytest.mark.parametrize("vin", KNOWN_VALID)
def test_a_published_valid_vin_passes(vin):
    assert vin_problem(vin) is None
    assert check_digit(vin) == vin[8]


def test_a_check_digit_of_ten_is_written_x():
    assert check_digit("1M8GDM9AXKP042788") == "X"


@PROPERTY_SETTINGS
@given(st.text(alphabet=VIN_ALPHABET, min_size=17, max_size=17))
def test_the_check_digit_follows_the_565_15_weights_and_transliteration(vin):
    assert check_digit(vin) == expected_check_digit(vin)
    assert vin_problem(with_check_digit(vin)) is None


@pytest.mark.parametrize("wrong", [d for d in "0123456789X" if d != "X"])
def test_a_vin_with_a_wrong_check_digit_is_invalid(wrong):
    vin = "1M8GDM9A" + wrong + "KP042788"

    problem = vin_problem(vin)

    assert problem is not None
    assert "check digit" in problem
    assert "'X'" in problem


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP04278", "1M8GDM9AXKP0427888", ""])
def test_a_vin_that_is_not_17_characters_long_is_invalid(vin):
    assert vin_problem(vin) == f"has {len(vin)} characters; a VIN has exactly 17"


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_a_vin_containing_i_o_or_q_is_invalid(letter):
    vin = "1M8GDM9AXKP04278" + letter

    problem = vin_problem(vin)

    assert problem is not None
    assert repr(letter) in problem
    assert "I, O and Q are never used" in problem


def test_a_lower_case_vin_is_invalid_because_the_reader_must_upper_case_it():
    assert vin_problem("1m8gdm9axkp042788") is not None


@pytest.mark.parametrize(
    ("model_year", "code"),
    [
        (1980, "A"),
        (2000, "Y"),
        (2001, "1"),
        (2009, "9"),
        (2010, "A"),
        (2019, "K"),
        (2023, "P"),
        (2024, "R"),
        (2025, "S"),
        (2026, "T"),
        (2030, "Y"),
        (2031, "1"),
    ],
)
def test_the_model_year_code_cycles_every_30_years_without_i_o_q_u_z_or_0(model_year, code):
    assert model_year_code(model_year) == code


# --- VINs in an assessment ---------------------------------------------------------------


def test_an_invalid_vin_fails_final_assembly_and_is_listed_with_its_row():
    bad = "1M8GDM9A1KP042788"
    ev = evidence(vins=[VinEntry(40, make_vin()), VinEntry(41, bad)])

    result = assess_on(ev, ON)

    final_assembly = result.requirements["final_assembly"]
    assert final_assembly.met is False
    assert final_assembly.details["invalid_vins"] == [bad]
    assert not result.eligible
    assert result.credit_usd == 0
    [fail] = findings_for(result, "final_assembly", "fail")
    assert fail.rows == (41,)
    assert bad in fail.message


def test_past_the_first_50_invalid_vins_the_rest_are_one_finding_and_a_count():
    # A sheet of VINs that are all wrong (a shifted column, another scheme) made a finding per
    # VIN: 500,000 of them made a report of 371 MB.
    wrong = [make_vin(serial=f"{i:06d}") for i in range(160)]
    wrong = [vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:] for vin in wrong]
    ev = evidence(vins=[VinEntry(2 + i, vin) for i, vin in enumerate(wrong)])

    result = assess_on(ev, ON)

    details = result.requirements["final_assembly"].details
    assert details["invalid_vin_count"] == 160
    assert details["invalid_vins"] == wrong[:50]
    fails = findings_for(result, "final_assembly", "fail")
    assert [f.rows for f in fails[:50]] == [(2 + i,) for i in range(50)]
    rest = fails[50]
    assert len(fails) == 51
    assert "110 more VIN(s) are not valid; the first 50 are listed above" in rest.message
    assert rest.rows == tuple(range(52, 152))  # the first 100 of the rest's 110 rows
    assert "100 of 110 rows" in rest.message


def test_an_invalid_vin_count_is_read_from_results_stored_before_it_was_kept():
    assert invalid_vin_count({"invalid_vins": ["A", "B"]}) == 2
    assert invalid_vin_count({"invalid_vin_count": 7, "invalid_vins": ["A"]}) == 7
    assert invalid_vin_count({}) == 0


def test_valid_vins_leave_final_assembly_met():
    ev = evidence(vins=[make_vin(serial="000001"), make_vin(serial="000002")])

    result = assess_on(ev, ON)

    assert result.requirements["final_assembly"].met is True
    assert result.requirements["final_assembly"].details["invalid_vins"] == []
    assert result.requirements["final_assembly"].details["vin_count"] == 2
    assert not findings_for(result, "final_assembly")


@pytest.mark.parametrize(("wmi", "assembly"), [("WBA", "US"), ("1AC", "MX"), ("JHM", "CA"), ("2AC", "US")])
def test_a_wmi_from_another_region_than_the_assembly_country_warns_but_still_meets(wmi, assembly):
    ev = evidence(
        vehicle_=vehicle(final_assembly_country=assembly),
        vins=[
            VinEntry(40, make_vin(wmi=wmi, serial="000001")),
            VinEntry(41, make_vin(wmi=wmi, serial="000002")),
        ],
    )

    result = assess_on(ev, ON)

    assert result.requirements["final_assembly"].met is True
    assert result.credit_usd == 7500
    [warning] = findings_for(result, "final_assembly", "warn")
    assert warning.rows == (40, 41)
    assert repr(wmi) in warning.message


@pytest.mark.parametrize(("wmi", "assembly"), [("1AC", "US"), ("5YJ", "US"), ("2AC", "CA"), ("3AC", "MX")])
def test_a_wmi_from_the_assembly_region_raises_no_warning(wmi, assembly):
    ev = evidence(vehicle_=vehicle(final_assembly_country=assembly), vins=[make_vin(wmi=wmi)])

    result = assess_on(ev, ON)

    assert not findings_for(result, "final_assembly")


def test_a_european_wmi_with_assembly_in_europe_fails_on_the_country_not_the_wmi():
    ev = evidence(vehicle_=vehicle(final_assembly_country="DE"), vins=[make_vin(wmi="WBA")])

    result = assess_on(ev, ON)

    assert [f.severity for f in findings_for(result, "final_assembly")] == ["fail"]


def test_a_vin_with_another_model_year_code_warns_but_still_meets():
    ev = evidence(
        vehicle_=vehicle(model_year=2024),
        vins=[VinEntry(40, make_vin(year_code="R")), VinEntry(41, make_vin(year_code="S"))],
    )

    result = assess_on(ev, ON)

    assert result.requirements["final_assembly"].met is True
    [warning] = findings_for(result, "final_assembly", "warn")
    assert warning.rows == (41,)
    assert "'S'" in warning.message
    assert "'R'" in warning.message
