"""Builders for rule-engine tests: evidence that passes everything unless told otherwise.

Every builder takes keyword overrides, so a test states only what matters to it. The VIN
check digit is computed here independently of `filings.rules.vin`, so the VIN tests can fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from hypothesis import settings

from filings.rules import (
    Assessment,
    BatteryComponent,
    Evidence,
    MineralLine,
    Rulebook,
    SegmentResult,
    Vehicle,
    VinEntry,
    assess,
    assess_period,
    load_rulebook,
    parse_rulebook,
)
from filings.rules.rulebook import DEFAULT_RULEBOOK_PATH

SHIPPED_TOML = DEFAULT_RULEBOOK_PATH.read_text(encoding="utf-8")

# Property tests stay quick: a few dozen examples each, no per-example deadline.
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)

# The last day a vehicle can be acquired and still get the credit.
LAST_ACQUISITION = dt.date(2025, 9, 30)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def shipped() -> Rulebook:
    return load_rulebook()


def edited_toml(*edits: tuple[str, str]) -> str:
    """The shipped TOML with each (old, new) edit applied; each `old` must occur exactly once."""
    text = SHIPPED_TOML
    for old, new in edits:
        count = text.count(old)
        assert count == 1, f"the edit target {old!r} occurs {count} times in the shipped rulebook"
        text = text.replace(old, new)
    return text


def rulebook_variant(*edits: tuple[str, str]) -> Rulebook:
    return parse_rulebook(edited_toml(*edits), source="variant.toml")


def vehicle(**overrides: Any) -> Vehicle:
    fields: dict[str, Any] = {
        "make": "Acme",
        "model": "Volt",
        "model_year": 2024,
        "vehicle_class": "car",
        "msrp_usd": Decimal("45000"),
        "battery_capacity_kwh": Decimal("75"),
        "gvwr_lb": Decimal("5000"),
        "final_assembly_country": "US",
        "row": 2,
    }
    fields.update(overrides)
    return Vehicle(**fields)


def component(
    row: int,
    *,
    country: str = "US",
    value: str | Decimal = "100",
    feoc: bool = False,
    component_type: str = "battery_cell",
    supplier: str = "Cell Works",
) -> BatteryComponent:
    return BatteryComponent(
        row=row,
        component_id=f"C{row}",
        component_type=component_type,
        supplier=supplier,
        manufacturing_country=country,
        value_usd=Decimal(value),
        feoc=feoc,
    )


def mineral(
    row: int,
    *,
    name: str = "lithium",
    extraction: str = "US",
    processing: str = "US",
    recycling: str | None = None,
    value: str | Decimal = "100",
    feoc: bool = False,
    impracticable_to_trace: bool = False,
    supplier: str = "Mine Co",
) -> MineralLine:
    return MineralLine(
        row=row,
        line_id=f"M{row}",
        mineral=name,
        supplier=supplier,
        extraction_country=extraction,
        processing_country=processing,
        recycling_country=recycling,
        value_usd=Decimal(value),
        feoc=feoc,
        impracticable_to_trace=impracticable_to_trace,
    )


def evidence(
    *,
    vehicle_: Vehicle | None = None,
    components: Iterable[BatteryComponent] | None = None,
    minerals: Iterable[MineralLine] | None = None,
    vins: Iterable[str | VinEntry] = (),
) -> Evidence:
    """Evidence for a vehicle that passes every requirement, with whatever is overridden."""
    components = [component(10)] if components is None else list(components)
    minerals = [mineral(100)] if minerals is None else list(minerals)
    entries = tuple(
        v if isinstance(v, VinEntry) else VinEntry(row=1000 + i, vin=v) for i, v in enumerate(vins)
    )
    return Evidence.from_lines(vehicle_ or vehicle(), components, minerals, entries)


def share_minerals(qualifying: str, not_qualifying: str, *, first_row: int = 100) -> list[MineralLine]:
    """Mineral lines whose qualifying share is qualifying / (qualifying + not_qualifying).

    Each value is split over three lines so the totals are sums, not single numbers.
    """
    return [
        *_thirds(qualifying, lambda row, value: mineral(row, value=value), first_row),
        *_thirds(
            not_qualifying,
            lambda row, value: mineral(row, extraction="CN", processing="CN", value=value),
            first_row + 3,
        ),
    ]


def share_components(qualifying: str, not_qualifying: str, *, first_row: int = 10) -> list[BatteryComponent]:
    """Battery components whose North American share is qualifying / (qualifying + not_qualifying)."""
    return [
        *_thirds(qualifying, lambda row, value: component(row, country="CA", value=value), first_row),
        *_thirds(not_qualifying, lambda row, value: component(row, country="KR", value=value), first_row + 3),
    ]


def _thirds(total: str, build: Any, first_row: int) -> list[Any]:
    """Three items whose values add up to `total` exactly (cents spread over the parts)."""
    cents = int(Decimal(total) * 100)
    parts = [cents // 3, cents // 3, cents - 2 * (cents // 3)]
    return [build(first_row + i, Decimal(part) / 100) for i, part in enumerate(parts) if part]


def assess_on(
    ev: Evidence,
    on: str | dt.date,
    *,
    acquired: str | dt.date | None = None,
    rulebook: Rulebook | None = None,
) -> SegmentResult:
    on = day(on) if isinstance(on, str) else on
    acquired = day(acquired) if isinstance(acquired, str) else acquired
    return assess(ev, rulebook=rulebook or shipped(), placed_in_service=on, acquired=acquired)


def assess_range(
    ev: Evidence, start: str, end: str, *, acquired: str | None = None, rulebook: Rulebook | None = None
) -> Assessment:
    return assess_period(
        ev,
        rulebook=rulebook or shipped(),
        start=day(start),
        end=day(end),
        acquired=day(acquired) if acquired else None,
    )


def spans(assessment: Assessment) -> list[tuple[str, str]]:
    return [(s.start.isoformat(), s.end.isoformat()) for s in assessment.segments]


def findings_for(result: SegmentResult, requirement: str, severity: str | None = None) -> list[Any]:
    return [
        f
        for f in result.findings
        if f.requirement == requirement and (severity is None or f.severity == severity)
    ]


# --- VINs, computed from 49 CFR 565.15(c) independently of the engine ------------------

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_ALPHABET = "".join(sorted(_VALUES))


def expected_check_digit(vin: str) -> str:
    remainder = sum(_VALUES[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def with_check_digit(vin: str) -> str:
    """`vin` with position 9 replaced by the correct check digit."""
    return vin[:8] + expected_check_digit(vin) + vin[9:]


def make_vin(*, wmi: str = "1AC", year_code: str = "R", serial: str = "123456") -> str:
    """A valid 17-character VIN; the default year code R is model year 2024."""
    return with_check_digit(f"{wmi}EV1B20{year_code}A{serial}")
