"""Every date on which a rule changes, tested on the day before and the day it changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from filings.rules import AssessmentInputError, Evidence

from .builders import (
    LAST_ACQUISITION,
    assess_on,
    component,
    day,
    evidence,
    findings_for,
    mineral,
    share_components,
    share_minerals,
    vehicle,
)


def _acquired_by_deadline(on: str) -> str:
    """Acquired on the placed-in-service day, or on the last day allowed if that is later."""
    return min(day(on), LAST_ACQUISITION).isoformat()


# --- credit window -----------------------------------------------------------------------


def test_a_vehicle_placed_in_service_on_2022_12_31_is_outside_the_credit_window():
    result = assess_on(evidence(), "2022-12-31")

    assert result.requirements["credit_window"].met is False
    assert not result.eligible
    assert result.credit_usd == 0
    assert findings_for(result, "credit_window", "fail")


def test_a_vehicle_placed_in_service_on_2023_01_01_is_inside_the_credit_window():
    result = assess_on(evidence(), "2023-01-01")

    assert result.requirements["credit_window"].met is True
    assert result.eligible
    assert result.credit_usd == 7500
    assert not findings_for(result, "credit_window")


def test_a_vehicle_acquired_on_2025_09_30_keeps_the_credit_when_placed_in_service_later():
    result = assess_on(evidence(), "2025-10-01", acquired="2025-09-30")

    assert result.requirements["credit_window"].met is True
    assert result.eligible
    assert result.credit_usd == 7500


def test_a_vehicle_acquired_on_2025_10_01_gets_no_credit():
    result = assess_on(evidence(), "2025-10-01", acquired="2025-10-01")

    assert result.requirements["credit_window"].met is False
    assert not result.eligible
    assert result.credit_usd == 0
    assert result.requirements["critical_minerals"].details["credit_usd"] == 0
    assert result.requirements["battery_components"].details["credit_usd"] == 0
    [fail] = findings_for(result, "credit_window", "fail")
    assert "2025-09-30" in fail.message


def test_without_an_acquired_date_the_vehicle_counts_as_acquired_when_placed_in_service():
    assert assess_on(evidence(), "2025-09-30").credit_usd == 7500
    assert assess_on(evidence(), "2025-10-01").credit_usd == 0


def test_a_vehicle_cannot_be_acquired_after_it_is_placed_in_service():
    with pytest.raises(
        AssessmentInputError, match="2024-06-02 is after the placed-in-service date 2024-06-01"
    ):
        assess_on(evidence(), "2024-06-01", acquired="2024-06-02")


# --- transitional amount, then the two percentage tests ----------------------------------


@pytest.mark.parametrize("on", ["2023-01-01", "2023-04-17"])
def test_the_transitional_amount_applies_until_2023_04_17(on):
    # No qualifying minerals or components at all: the percentage tests are not yet in force.
    ev = evidence(
        vehicle_=vehicle(battery_capacity_kwh=Decimal("7")),
        components=share_components("0", "3"),
        minerals=share_minerals("0", "3"),
    )

    result = assess_on(ev, on)

    assert result.credit_basis["method"] == "transitional_amount"
    assert result.credit_usd == 3751
    for requirement in ("critical_minerals", "battery_components"):
        assert result.requirements[requirement].applies is False
        assert result.requirements[requirement].met is None
        assert result.requirements[requirement].details["required_pct"] is None


def test_the_percentage_tests_replace_the_transitional_amount_on_2023_04_18():
    ev = evidence(
        vehicle_=vehicle(battery_capacity_kwh=Decimal("7")),
        components=share_components("0", "3"),
        minerals=share_minerals("0", "3"),
    )

    result = assess_on(ev, "2023-04-18")

    assert result.credit_basis["method"] == "critical_minerals_and_battery_components"
    assert result.credit_usd == 0
    assert result.requirements["critical_minerals"].met is False
    assert result.requirements["battery_components"].met is False


def test_a_7_kwh_vehicle_meeting_both_tests_gets_7500_from_2023_04_18_not_the_transitional_3751():
    ev = evidence(vehicle_=vehicle(battery_capacity_kwh=Decimal("7")))

    assert assess_on(ev, "2023-04-17").credit_usd == 3751
    assert assess_on(ev, "2023-04-18").credit_usd == 7500


# --- critical-mineral and battery-component percentages ----------------------------------

CRITICAL_MINERAL_STEPS = [
    ("2023-04-18", 40),
    ("2023-12-31", 40),
    ("2024-01-01", 50),
    ("2024-12-31", 50),
    ("2025-01-01", 60),
    ("2025-12-31", 60),
    ("2026-01-01", 70),
    ("2026-12-31", 70),
    ("2027-01-01", 70),
]
BATTERY_COMPONENT_STEPS = [
    ("2023-04-18", 50),
    ("2023-12-31", 50),
    ("2024-01-01", 60),
    ("2024-12-31", 60),
    ("2025-01-01", 60),
    ("2025-12-31", 60),
    ("2026-01-01", 70),
    ("2027-01-01", 70),
]


def _at_pct(pct: int, *, short_by_a_cent: bool = False) -> tuple[str, str]:
    """(qualifying, not qualifying) values totalling $3.00 with the given share."""
    qualifying = Decimal(3) * pct / 100 - (Decimal("0.01") if short_by_a_cent else 0)
    return f"{qualifying:.2f}", f"{Decimal(3) - qualifying:.2f}"


@pytest.mark.parametrize(("on", "pct"), CRITICAL_MINERAL_STEPS)
def test_a_critical_mineral_share_exactly_at_the_percentage_in_force_meets_it(on, pct):
    result = assess_on(
        evidence(minerals=share_minerals(*_at_pct(pct))), on, acquired=_acquired_by_deadline(on)
    )

    cm = result.requirements["critical_minerals"]
    assert cm.details["required_pct"] == pct
    assert cm.met is True
    assert cm.details["qualifying_pct"] == pct
    assert cm.details["credit_usd"] == 3750
    assert result.credit_usd == 7500


@pytest.mark.parametrize(("on", "pct"), CRITICAL_MINERAL_STEPS)
def test_a_critical_mineral_share_one_cent_below_the_percentage_in_force_fails(on, pct):
    minerals = share_minerals(*_at_pct(pct, short_by_a_cent=True))
    result = assess_on(evidence(minerals=minerals), on, acquired=_acquired_by_deadline(on))

    cm = result.requirements["critical_minerals"]
    assert cm.met is False
    assert cm.details["credit_usd"] == 0
    assert result.eligible
    assert result.credit_usd == 3750
    assert findings_for(result, "critical_minerals", "fail")


@pytest.mark.parametrize(("on", "pct"), BATTERY_COMPONENT_STEPS)
def test_a_battery_component_share_exactly_at_the_percentage_in_force_meets_it(on, pct):
    result = assess_on(
        evidence(components=share_components(*_at_pct(pct))), on, acquired=_acquired_by_deadline(on)
    )

    bc = result.requirements["battery_components"]
    assert bc.details["required_pct"] == pct
    assert bc.met is True
    assert bc.details["qualifying_pct"] == pct
    assert bc.details["credit_usd"] == 3750
    assert result.credit_usd == 7500


@pytest.mark.parametrize(("on", "pct"), BATTERY_COMPONENT_STEPS)
def test_a_battery_component_share_one_cent_below_the_percentage_in_force_fails(on, pct):
    components = share_components(*_at_pct(pct, short_by_a_cent=True))
    result = assess_on(evidence(components=components), on, acquired=_acquired_by_deadline(on))

    bc = result.requirements["battery_components"]
    assert bc.met is False
    assert bc.details["credit_usd"] == 0
    assert result.credit_usd == 3750
    assert findings_for(result, "battery_components", "fail")


@pytest.mark.parametrize(
    ("last_day", "first_day", "old_pct"),
    [
        ("2023-12-31", "2024-01-01", 40),
        ("2024-12-31", "2025-01-01", 50),
        ("2025-12-31", "2026-01-01", 60),
    ],
)
def test_a_critical_mineral_share_at_the_old_percentage_fails_when_the_next_step_starts(
    last_day, first_day, old_pct
):
    ev = evidence(minerals=share_minerals(*_at_pct(old_pct)))

    before = assess_on(ev, last_day, acquired=_acquired_by_deadline(last_day))
    after = assess_on(ev, first_day, acquired=_acquired_by_deadline(first_day))

    assert before.requirements["critical_minerals"].met is True
    assert after.requirements["critical_minerals"].met is False
    assert (before.credit_usd, after.credit_usd) == (7500, 3750)


@pytest.mark.parametrize(
    ("last_day", "first_day", "old_pct"),
    [
        ("2023-12-31", "2024-01-01", 50),
        ("2025-12-31", "2026-01-01", 60),
    ],
)
def test_a_battery_component_share_at_the_old_percentage_fails_when_the_next_step_starts(
    last_day, first_day, old_pct
):
    ev = evidence(components=share_components(*_at_pct(old_pct)))

    before = assess_on(ev, last_day, acquired=_acquired_by_deadline(last_day))
    after = assess_on(ev, first_day, acquired=_acquired_by_deadline(first_day))

    assert before.requirements["battery_components"].met is True
    assert after.requirements["battery_components"].met is False
    assert (before.credit_usd, after.credit_usd) == (7500, 3750)


def test_the_battery_component_percentage_stays_at_60_across_new_year_2025():
    ev = evidence(components=share_components(*_at_pct(60)))

    assert assess_on(ev, "2024-12-31").requirements["battery_components"].met is True
    assert assess_on(ev, "2025-01-01").requirements["battery_components"].met is True


# --- foreign entities of concern ---------------------------------------------------------


def _feoc_component_evidence() -> Evidence:
    return evidence(
        components=[
            component(10, value="900"),
            component(11, value="100", feoc=True, supplier="Dragon Cells"),
        ]
    )


def test_a_feoc_battery_component_is_allowed_with_a_warning_on_2023_12_31():
    result = assess_on(_feoc_component_evidence(), "2023-12-31")

    feoc = result.requirements["feoc_battery_components"]
    assert feoc.applies is False
    assert feoc.met is None
    assert result.eligible
    assert result.credit_usd == 7500
    [warning] = findings_for(result, "feoc_battery_components", "warn")
    assert warning.rows == (11,)
    assert "Dragon Cells" in warning.message


def test_a_feoc_battery_component_makes_the_vehicle_ineligible_from_2024_01_01():
    result = assess_on(_feoc_component_evidence(), "2024-01-01")

    feoc = result.requirements["feoc_battery_components"]
    assert feoc.applies is True
    assert feoc.met is False
    assert not result.eligible
    assert result.credit_usd == 0
    # Both halves are met on their own, yet neither pays: the vehicle is not a clean vehicle.
    assert result.requirements["critical_minerals"].met is True
    assert result.requirements["battery_components"].met is True
    assert result.requirements["critical_minerals"].details["credit_usd"] == 0
    assert result.requirements["battery_components"].details["credit_usd"] == 0
    [fail] = findings_for(result, "feoc_battery_components", "fail")
    assert fail.rows == (11,)


def _feoc_mineral_evidence(*, impracticable_to_trace: bool = False) -> Evidence:
    return evidence(
        minerals=[
            mineral(100, value="900"),
            mineral(
                101,
                name="graphite",
                extraction="CN",
                processing="CN",
                value="100",
                feoc=True,
                impracticable_to_trace=impracticable_to_trace,
                supplier="Dragon Graphite",
            ),
        ]
    )


def test_a_feoc_critical_mineral_is_allowed_with_a_warning_on_2024_12_31():
    result = assess_on(_feoc_mineral_evidence(), "2024-12-31")

    feoc = result.requirements["feoc_critical_minerals"]
    assert (feoc.applies, feoc.met) == (False, None)
    assert result.eligible
    assert result.credit_usd == 7500
    [warning] = findings_for(result, "feoc_critical_minerals", "warn")
    assert warning.rows == (101,)


def test_a_feoc_critical_mineral_makes_the_vehicle_ineligible_from_2025_01_01():
    result = assess_on(_feoc_mineral_evidence(), "2025-01-01")

    feoc = result.requirements["feoc_critical_minerals"]
    assert (feoc.applies, feoc.met) == (True, False)
    assert not result.eligible
    assert result.credit_usd == 0
    [fail] = findings_for(result, "feoc_critical_minerals", "fail")
    assert fail.rows == (101,)
    assert "Dragon Graphite" in fail.message


def test_an_impracticable_to_trace_feoc_mineral_is_excluded_through_2026_12_31():
    result = assess_on(
        _feoc_mineral_evidence(impracticable_to_trace=True), "2026-12-31", acquired="2025-09-30"
    )

    feoc = result.requirements["feoc_critical_minerals"]
    assert feoc.met is True
    assert feoc.details["excluded_impracticable_to_trace_lines"] == 1
    assert result.eligible
    assert result.credit_usd == 7500
    [warning] = findings_for(result, "feoc_critical_minerals", "warn")
    assert warning.rows == (101,)
    assert "impracticable to trace" in warning.message


def test_an_impracticable_to_trace_feoc_mineral_disqualifies_from_2027_01_01():
    result = assess_on(
        _feoc_mineral_evidence(impracticable_to_trace=True), "2027-01-01", acquired="2025-09-30"
    )

    feoc = result.requirements["feoc_critical_minerals"]
    assert feoc.met is False
    assert feoc.details["excluded_impracticable_to_trace_lines"] == 0
    assert not result.eligible
    assert result.credit_usd == 0
    [fail] = findings_for(result, "feoc_critical_minerals", "fail")
    assert fail.rows == (101,)


def test_the_impracticable_to_trace_exclusion_needs_the_line_to_be_marked():
    result = assess_on(
        _feoc_mineral_evidence(impracticable_to_trace=False), "2026-12-31", acquired="2025-09-30"
    )

    assert result.requirements["feoc_critical_minerals"].met is False
    assert result.credit_usd == 0
