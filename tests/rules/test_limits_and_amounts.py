"""Vehicle limits at their edges, the transitional amount formula and the credit totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .builders import (
    assess_on,
    evidence,
    findings_for,
    share_components,
    share_minerals,
    vehicle,
)

ON = "2024-06-01"


# --- MSRP cap ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vehicle_class", "cap"),
    [
        ("car", "55000"),
        ("suv", "80000"),
        ("van", "80000"),
        ("pickup", "80000"),
    ],
)
def test_an_msrp_exactly_at_the_cap_meets_it(vehicle_class, cap):
    ev = evidence(vehicle_=vehicle(vehicle_class=vehicle_class, msrp_usd=Decimal(cap)))

    result = assess_on(ev, ON)

    assert result.requirements["msrp_cap"].met is True
    assert Decimal(result.requirements["msrp_cap"].details["cap_usd"]) == Decimal(cap)
    assert result.credit_usd == 7500


@pytest.mark.parametrize(
    ("vehicle_class", "cap"),
    [
        ("car", "55000"),
        ("suv", "80000"),
        ("van", "80000"),
        ("pickup", "80000"),
    ],
)
def test_an_msrp_one_cent_over_the_cap_fails_it(vehicle_class, cap):
    ev = evidence(vehicle_=vehicle(vehicle_class=vehicle_class, msrp_usd=Decimal(cap) + Decimal("0.01")))

    result = assess_on(ev, ON)

    assert result.requirements["msrp_cap"].met is False
    assert not result.eligible
    assert result.credit_usd == 0
    [fail] = findings_for(result, "msrp_cap", "fail")
    assert "over by $0.01" in fail.message
    assert fail.rows == (2,)


def test_a_car_priced_at_the_suv_cap_fails_the_car_cap():
    ev = evidence(vehicle_=vehicle(vehicle_class="car", msrp_usd=Decimal("80000")))

    assert assess_on(ev, ON).requirements["msrp_cap"].met is False


# --- battery capacity and weight ---------------------------------------------------------


def test_a_battery_of_exactly_7_kwh_meets_the_minimum():
    result = assess_on(evidence(vehicle_=vehicle(battery_capacity_kwh=Decimal("7"))), ON)

    assert result.requirements["battery_capacity"].met is True
    assert result.credit_usd == 7500


def test_a_battery_of_6_99_kwh_fails_the_minimum():
    result = assess_on(evidence(vehicle_=vehicle(battery_capacity_kwh=Decimal("6.99"))), ON)

    assert result.requirements["battery_capacity"].met is False
    assert not result.eligible
    assert result.credit_usd == 0
    assert findings_for(result, "battery_capacity", "fail")[0].rows == (2,)


@pytest.mark.parametrize("gvwr", ["13999", "13999.99"])
def test_a_gvwr_below_14000_lb_meets_the_limit(gvwr):
    result = assess_on(evidence(vehicle_=vehicle(gvwr_lb=Decimal(gvwr))), ON)

    assert result.requirements["gvwr"].met is True
    assert result.credit_usd == 7500


def test_a_gvwr_of_exactly_14000_lb_fails_the_limit():
    result = assess_on(evidence(vehicle_=vehicle(gvwr_lb=Decimal("14000"))), ON)

    assert result.requirements["gvwr"].met is False
    assert not result.eligible
    assert result.credit_usd == 0
    assert findings_for(result, "gvwr", "fail")


# --- final assembly ----------------------------------------------------------------------


@pytest.mark.parametrize("country", ["US", "CA", "MX"])
def test_final_assembly_in_north_america_meets_the_requirement(country):
    result = assess_on(evidence(vehicle_=vehicle(final_assembly_country=country)), ON)

    assert result.requirements["final_assembly"].met is True
    assert result.credit_usd == 7500


def test_final_assembly_in_germany_fails_the_requirement():
    result = assess_on(evidence(vehicle_=vehicle(final_assembly_country="DE", row=7)), ON)

    assert result.requirements["final_assembly"].met is False
    assert not result.eligible
    assert result.credit_usd == 0
    [fail] = findings_for(result, "final_assembly", "fail")
    assert fail.rows == (7,)
    assert "DE" in fail.message


# --- the transitional amount (placed in service 2023-01-01 to 2023-04-17) ----------------


@pytest.mark.parametrize(
    ("kwh", "amount"),
    [
        ("7", 3751),  # 2500 + 417 + 2 x 417
        ("7.5", 3960),  # battery part 1459.50, total 3959.50 rounds up
        ("8.5", 4377),  # total 4376.50: half-up gives 4377 where half-even would give 4376
        ("10", 5002),  # 2500 + 417 + 5 x 417
        ("12.99", 6249),  # battery part 3748.83
        ("15.99", 7500),  # battery part 4999.83, total 7499.83
        ("16", 7500),  # battery part 5004 capped at 5000
        ("75", 7500),
    ],
)
def test_the_transitional_amount_follows_the_pre_ira_formula(kwh, amount):
    result = assess_on(evidence(vehicle_=vehicle(battery_capacity_kwh=Decimal(kwh))), "2023-02-15")

    assert result.credit_basis["amount_usd"] == amount
    assert result.credit_usd == amount
    assert type(result.credit_usd) is int


@pytest.mark.parametrize(
    ("kwh", "amount"),
    [
        ("4.99", 2500),  # below 5 kWh: no battery part
        ("5", 2917),  # 2500 + 417
        ("6.5", 3543),  # total 3542.50: half-up, not half-even (3542)
    ],
)
def test_the_transitional_amount_is_shown_but_not_paid_for_a_battery_under_7_kwh(kwh, amount):
    result = assess_on(evidence(vehicle_=vehicle(battery_capacity_kwh=Decimal(kwh))), "2023-02-15")

    assert result.credit_basis["amount_usd"] == amount
    assert result.credit_usd == 0


def test_an_ineligible_vehicle_gets_no_transitional_amount():
    ev = evidence(vehicle_=vehicle(final_assembly_country="DE"))

    result = assess_on(ev, "2023-02-15")

    assert result.credit_basis["amount_usd"] == 7500
    assert result.credit_usd == 0


# --- credit totals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minerals", "components", "credit"),
    [
        (("3", "0"), ("3", "0"), 7500),
        (("3", "0"), ("0", "3"), 3750),
        (("0", "3"), ("3", "0"), 3750),
        (("0", "3"), ("0", "3"), 0),
    ],
)
def test_each_half_met_adds_3750_to_the_credit(minerals, components, credit):
    ev = evidence(minerals=share_minerals(*minerals), components=share_components(*components))

    result = assess_on(ev, ON)

    assert result.credit_usd == credit
    halves = [
        result.requirements[r].details["credit_usd"] for r in ("critical_minerals", "battery_components")
    ]
    assert sum(halves) == credit
    assert result.eligible


def test_an_ineligible_vehicle_gets_nothing_even_when_both_halves_are_met():
    result = assess_on(evidence(vehicle_=vehicle(gvwr_lb=Decimal("20000"))), ON)

    assert result.requirements["critical_minerals"].met is True
    assert result.requirements["battery_components"].met is True
    assert result.credit_usd == 0


def test_a_battery_with_no_component_value_fails_the_share_test_rather_than_dividing_by_zero():
    result = assess_on(evidence(components=[]), ON)

    bc = result.requirements["battery_components"]
    assert bc.met is False
    assert bc.details["qualifying_pct"] is None
    assert result.credit_usd == 3750
    [fail] = findings_for(result, "battery_components", "fail")
    assert "$0.00" in fail.message
