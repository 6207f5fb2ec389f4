"""Properties over generated evidence: order, monotonicity, splitting, determinism."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from hypothesis import given
from hypothesis import strategies as st

from filings.rules import BatteryComponent, MineralLine, SegmentResult

from .builders import (
    LAST_ACQUISITION,
    PROPERTY_SETTINGS,
    assess_on,
    assess_range,
    component,
    evidence,
    mineral,
)

_values = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
_rarely = st.integers(min_value=0, max_value=5).map(lambda n: n == 0)
_dates = st.sampled_from(
    [
        "2022-12-31",
        "2023-01-01",
        "2023-04-17",
        "2023-04-18",
        "2023-12-31",
        "2024-01-01",
        "2024-12-31",
        "2025-01-01",
        "2025-09-30",
        "2025-10-01",
        "2025-12-31",
        "2026-01-01",
        "2026-12-31",
        "2027-01-01",
    ]
).map(dt.date.fromisoformat) | st.dates(min_value=dt.date(2022, 12, 1), max_value=dt.date(2027, 6, 30))
# The share tests report a share only where they apply (placed in service from 2023-04-18).
_share_dates = st.dates(min_value=dt.date(2023, 4, 18), max_value=dt.date(2027, 6, 30))

SHARES = ("critical_minerals", "battery_components")
T = TypeVar("T", MineralLine, BatteryComponent)


@st.composite
def _components(draw, first_row=10):
    count = draw(st.integers(min_value=1, max_value=6))
    return [
        component(
            first_row + i,
            country=draw(st.sampled_from(["US", "CA", "MX", "KR", "CN", "DE"])),
            value=draw(_values),
            feoc=draw(_rarely),
            component_type=draw(st.sampled_from(["battery_cell", "separator", "battery_module"])),
            supplier=draw(st.sampled_from(["Cell Works", "Sep Co", "Dragon Cells"])),
        )
        for i in range(count)
    ]


@st.composite
def _minerals(draw, first_row=100):
    count = draw(st.integers(min_value=1, max_value=8))
    countries = st.sampled_from(["US", "JP", "AU", "KR", "CN", "ID", "DE"])
    return [
        mineral(
            first_row + i,
            name=draw(st.sampled_from(["lithium", "nickel", "cobalt", "graphite", "aluminum"])),
            extraction=draw(countries),
            processing=draw(countries),
            recycling=draw(st.sampled_from([None, None, "US", "KR"])),
            value=draw(_values),
            feoc=draw(_rarely),
            impracticable_to_trace=draw(st.booleans()),
            supplier=draw(st.sampled_from(["Mine Co", "Refine Co", "Dragon Graphite"])),
        )
        for i in range(count)
    ]


def _acquired(on: dt.date) -> dt.date:
    return min(on, LAST_ACQUISITION)


def _share(result: SegmentResult, requirement: str) -> Fraction:
    details = result.requirements[requirement].details
    return Fraction(Decimal(details["qualifying_value_usd"])) / Fraction(Decimal(details["total_value_usd"]))


def _decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _essentials(result: SegmentResult) -> tuple[Any, ...]:
    """What a split line must not change: eligibility, credit, every met, the shares."""
    share_details = {
        r: {
            key: result.requirements[r].details[key]
            for key in ("qualifying_pct", "required_pct", "credit_usd")
        }
        | {
            "qualifying": _decimal_or_none(result.requirements[r].details["qualifying_value_usd"]),
            "total": Decimal(result.requirements[r].details["total_value_usd"]),
        }
        for r in SHARES
    }
    return (
        result.eligible,
        result.credit_usd,
        {r.id: (r.applies, r.met) for r in result.requirements.values()},
        share_details,
    )


@PROPERTY_SETTINGS
@given(components=_components(), minerals=_minerals(), data=st.data())
def test_the_order_of_components_and_mineral_lines_never_changes_the_result(components, minerals, data):
    shuffled = evidence(
        components=data.draw(st.permutations(components)), minerals=data.draw(st.permutations(minerals))
    )

    original = assess_range(evidence(components=components, minerals=minerals), "2022-12-01", "2027-01-31")
    reordered = assess_range(shuffled, "2022-12-01", "2027-01-31")

    assert reordered.to_dict() == original.to_dict()


@PROPERTY_SETTINGS
@given(
    components=_components(),
    minerals=_minerals(),
    on=_share_dates,
    value=_values,
    country=st.sampled_from(["US", "KR", "AU"]),
)
def test_adding_a_qualifying_mineral_line_never_lowers_the_critical_mineral_share(
    components, minerals, on, value, country
):
    added = mineral(999, extraction=country, processing=country, value=value)
    before = assess_on(evidence(components=components, minerals=minerals), on, acquired=_acquired(on))
    after = assess_on(
        evidence(components=components, minerals=[*minerals, added]), on, acquired=_acquired(on)
    )

    assert _share(after, "critical_minerals") >= _share(before, "critical_minerals")
    cm_before = before.requirements["critical_minerals"]
    cm_after = after.requirements["critical_minerals"]
    assert cm_after.details["qualifying_pct"] >= cm_before.details["qualifying_pct"]
    if cm_before.met:
        assert cm_after.met
    assert after.credit_usd >= before.credit_usd


@PROPERTY_SETTINGS
@given(
    components=_components(),
    minerals=_minerals(),
    on=_share_dates,
    value=_values,
    country=st.sampled_from(["US", "CA", "MX"]),
)
def test_adding_a_north_american_component_never_lowers_the_battery_component_share(
    components, minerals, on, value, country
):
    added = component(99, country=country, value=value)
    before = assess_on(evidence(components=components, minerals=minerals), on, acquired=_acquired(on))
    after = assess_on(
        evidence(components=[*components, added], minerals=minerals), on, acquired=_acquired(on)
    )

    assert _share(after, "battery_components") >= _share(before, "battery_components")
    bc_before = before.requirements["battery_components"]
    bc_after = after.requirements["battery_components"]
    assert bc_after.details["qualifying_pct"] >= bc_before.details["qualifying_pct"]
    if bc_before.met:
        assert bc_after.met
    assert after.credit_usd >= before.credit_usd


def _split(items: list[T], index: int, cents: int, build_part: Callable[[T, int, Decimal], T]) -> list[T]:
    """`items` with items[index] replaced by two parts whose values sum to the original."""
    original = items[index]
    whole = int(original.value_usd * 100)
    first = Decimal(max(1, min(cents, whole - 1))) / 100
    parts = [
        build_part(original, original.row, first),
        build_part(original, 5000, original.value_usd - first),
    ]
    return items[:index] + parts + items[index + 1 :]


def _mineral_part(line: MineralLine, row: int, value: Decimal) -> MineralLine:
    return mineral(
        row,
        name=line.mineral,
        extraction=line.extraction_country,
        processing=line.processing_country,
        recycling=line.recycling_country,
        value=value,
        feoc=line.feoc,
        impracticable_to_trace=line.impracticable_to_trace,
        supplier=line.supplier,
    )


def _component_part(part: BatteryComponent, row: int, value: Decimal) -> BatteryComponent:
    return component(
        row,
        country=part.manufacturing_country,
        value=value,
        feoc=part.feoc,
        component_type=part.component_type,
        supplier=part.supplier,
    )


@PROPERTY_SETTINGS
@given(components=_components(), minerals=_minerals(), on=_dates, data=st.data())
def test_splitting_a_mineral_line_in_two_never_changes_the_outcome(components, minerals, on, data):
    index = data.draw(st.integers(min_value=0, max_value=len(minerals) - 1))
    cents = data.draw(st.integers(min_value=1, max_value=100_000_000))
    minerals = list(minerals)
    if minerals[index].value_usd < Decimal("0.02"):
        minerals[index] = _mineral_part(minerals[index], minerals[index].row, Decimal("0.02"))
    split = _split(minerals, index, cents, _mineral_part)

    whole = assess_on(evidence(components=components, minerals=minerals), on, acquired=_acquired(on))
    parts = assess_on(evidence(components=components, minerals=split), on, acquired=_acquired(on))

    assert _essentials(parts) == _essentials(whole)


@PROPERTY_SETTINGS
@given(components=_components(), minerals=_minerals(), on=_dates, data=st.data())
def test_splitting_a_component_in_two_never_changes_the_outcome(components, minerals, on, data):
    index = data.draw(st.integers(min_value=0, max_value=len(components) - 1))
    cents = data.draw(st.integers(min_value=1, max_value=100_000_000))
    components = list(components)
    if components[index].value_usd < Decimal("0.02"):
        components[index] = _component_part(components[index], components[index].row, Decimal("0.02"))
    split = _split(components, index, cents, _component_part)

    whole = assess_on(evidence(components=components, minerals=minerals), on, acquired=_acquired(on))
    parts = assess_on(evidence(components=split, minerals=minerals), on, acquired=_acquired(on))

    assert _essentials(parts) == _essentials(whole)


@PROPERTY_SETTINGS
@given(components=_components(), minerals=_minerals())
def test_the_result_json_is_deterministic(components, minerals):
    first = assess_range(evidence(components=components, minerals=minerals), "2022-12-01", "2027-01-31")
    again = assess_range(evidence(components=components, minerals=minerals), "2022-12-01", "2027-01-31")

    assert json.dumps(first.to_dict()) == json.dumps(again.to_dict())
    assert json.dumps(first.to_dict()) == json.dumps(first.to_dict())
