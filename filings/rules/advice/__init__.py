"""Advice: for every unmet share, the smallest re-sourcing that meets it, and what no sourcing
change can fix.

Pure and deterministic, like the engine: Decimal money, no clock, no I/O. It takes an
assessment the engine made and the lines it was made from (the ledgers sum lines by key and
drop the suppliers that decide nothing, so the advice needs the lines themselves), and checks
that they agree: the lines' totals and qualifying values must be the assessment's.

For each date segment where the critical-mineral or battery-component share is not met it
gives three answers, each re-checked with the engine's own comparison (`share_met`):

- the fewest lines whose non-qualifying step would have to move to a qualifying place;
- the fewest suppliers (all of a supplier's non-qualifying lines move together);
- the least value that must move: exact when the search is small enough
  (`advice.shortfall.MAX_SUBSET_SUM_BITS`), otherwise a cover and a bound, said as such.

Taking the largest first is exact for the first two; `filings.rules.advice.shortfall` proves it.

Speed: the search reads a `Ledger` (`advice.ledger`): the lines outside under a set of
verdicts, in search order, suppliers ranked. `advise` builds the pure-Python one from line
objects, which on 100,000 lines costs about as much as reading them. On the readers' frames,
`filings.evidence.advice.advise_frames` gives the same advice with the per-line work in polars
and line objects built only for the lines an answer names and the FEOC lines. What is left in
Python grows with the size of the answer, not of the evidence: on 100,000 lines
(`bench/advice.py`, 2026-12-01, loaded 2-core machine) it adds 16-17 % to read + assess
where the answers and the FEOC list name up to ~20,000 lines (varied chains; all
qualifying), but 85-113 % where they name 38,000-55,000 (few chains; nothing qualifying)
and the assessment is fast: the issue's 20 % is not met on such evidence. About 3
microseconds of line object per named line is the floor of this design; naming fewer as
objects is the way further (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from filings.rules.advice.ledger import Ledger, LineLedger
from filings.rules.advice.results import (
    SHARE_LABELS,
    SHARES,
    Advice,
    AdviceInputError,
    Destination,
    FeocLine,
    Move,
    NotBySourcing,
    ShareAdvice,
    line_dict,
)
from filings.rules.advice.shares import ShareLines
from filings.rules.engine import ONE_DAY
from filings.rules.inputs import BatteryComponent, MineralLine
from filings.rules.results import Assessment, SegmentResult, invalid_vin_count
from filings.rules.rulebook import Rulebook

__all__ = ["Advice", "AdviceInputError", "Destination", "FeocLine", "Ledger", "LineLedger", "Move",
           "NotBySourcing", "ShareAdvice", "advise", "advise_ledgers", "line_dict"]


def advise(assessment: Assessment, *, rulebook: Rulebook, minerals: Iterable[MineralLine],
           components: Iterable[BatteryComponent]) -> Advice:
    """The advice for an assessment, from the lines it was made from and its rulebook.

    Raises AdviceInputError when the rulebook is not the assessment's, or the lines do not
    sum to what the assessment found."""
    mineral_lines, component_lines = list(minerals), list(components)
    return advise_ledgers(
        assessment, rulebook=rulebook, minerals=LineLedger(mineral_lines),
        components=LineLedger(component_lines),
        feoc_minerals=[m for m in mineral_lines if m.feoc],
        feoc_components=[c for c in component_lines if c.feoc])


def advise_ledgers(assessment: Assessment, *, rulebook: Rulebook, minerals: Ledger,
                   components: Ledger, feoc_minerals: Iterable[MineralLine],
                   feoc_components: Iterable[BatteryComponent]) -> Advice:
    """`advise` on ledgers prepared already (`advice.ledger`; the evidence readers' frames
    give `filings.evidence.advice.FrameLedger`), with the ledgers' FEOC lines (any order).

    The same errors as `advise`."""
    if (rulebook.id, rulebook.version) != (assessment.rulebook_id, assessment.rulebook_version):
        raise AdviceInputError(
            f"the assessment was made under rulebook {assessment.rulebook_id} "
            f"{assessment.rulebook_version}, not {rulebook.id} {rulebook.version}")
    ledgers = {"critical_minerals": ShareLines(minerals, rulebook),
               "battery_components": ShareLines(components, rulebook)}
    shares: list[ShareAdvice] = []
    blocked: list[NotBySourcing] = []
    for segment in assessment.segments:
        for requirement in SHARES:
            result = segment.requirements[requirement]
            if result.met is not False:
                continue
            if Decimal(result.details["total_value_usd"]) == 0:
                blocked.append(NotBySourcing(
                    requirement, segment.start, segment.end,
                    f"The total {SHARE_LABELS[requirement]} value is $0.00, so no share can be "
                    "computed and no line can be moved: report the value of every line."))
                continue
            shares.extend(ledgers[requirement].advise(requirement, segment))
        blocked.extend(_not_by_sourcing(segment, rulebook))
    return Advice(rulebook.id, rulebook.version, tuple(_merged(shares)),
                  _feoc(assessment, rulebook, feoc_minerals, feoc_components),
                  tuple(_merged(blocked)))


def _not_by_sourcing(segment: SegmentResult, rulebook: Rulebook) -> list[NotBySourcing]:
    """The gating requirements unmet on the segment that no sourcing change fixes."""
    found: list[NotBySourcing] = []

    def add(requirement: str, message: str, where: tuple[str, ...] = ()) -> None:
        found.append(NotBySourcing(requirement, segment.start, segment.end, message, where))

    req = segment.requirements
    window = req["credit_window"]
    if window.met is False:
        add("credit_window",
            f"Outside the credit window (placed in service from "
            f"{window.details['placed_in_service_from']}, acquired by "
            f"{window.details['acquired_until']}): no sourcing change helps.")
    assembly = req["final_assembly"]
    if assembly.met is False:
        north_america = tuple(sorted(rulebook.north_america.countries))
        country = assembly.details["final_assembly_country"]
        if country not in north_america:
            add("final_assembly",
                f"Final assembly in {country} is outside North America: it would have to be in "
                f"{', '.join(north_america)}. No sourcing of minerals or components changes this.",
                north_america)
        invalid = invalid_vin_count(assembly.details)
        if invalid:
            add("final_assembly",
                f"{invalid} VIN(s) are not valid: correct or remove "
                "them (a correction of the evidence, not of sourcing).")
    if req["msrp_cap"].met is False:
        d = req["msrp_cap"].details
        add("msrp_cap", f"MSRP ${d['msrp_usd']} is above the ${d['cap_usd']} cap for a "
                        f"{d['vehicle_class']}: a matter of price, not of sourcing.")
    if req["battery_capacity"].met is False:
        d = req["battery_capacity"].details
        add("battery_capacity", f"Battery capacity {d['battery_capacity_kwh']} kWh is below the "
                                f"{d['minimum_kwh']} kWh minimum: a matter of the vehicle's design, "
                                "not of sourcing.")
    if req["gvwr"].met is False:
        d = req["gvwr"].details
        add("gvwr", f"GVWR {d['gvwr_lb']} lb is not below {d['below_lb']} lb: a matter of the "
                    "vehicle's design, not of sourcing.")
    return found


def _feoc(assessment: Assessment, rulebook: Rulebook, minerals: Iterable[MineralLine],
          components: Iterable[BatteryComponent]) -> tuple[FeocLine, ...]:
    """Every FEOC line in row order, components first, and the date from which it disqualifies."""
    feoc = rulebook.feoc
    last = assessment.placed_in_service_to
    found: list[FeocLine] = []
    for part in sorted((c for c in components if c.feoc), key=lambda c: c.row):
        found.append(FeocLine(
            "feoc_battery_components", part, feoc.battery_components_from, None,
            feoc.battery_components_from <= last,
            f"Row {part.row}: {part.component_type} made by {part.supplier}, a foreign entity of "
            f"concern, disqualifies the vehicle from {feoc.battery_components_from}: use a "
            "supplier that is not one."))
    for line in sorted((m for m in minerals if m.feoc), key=lambda m: m.row):
        excluded_until = feoc.impracticable_to_trace_until if line.impracticable_to_trace else None
        start = (max(feoc.critical_minerals_from, excluded_until + ONE_DAY)
                 if excluded_until else feoc.critical_minerals_from)
        why = (f" (impracticable to trace: left out of the test until {excluded_until})"
               if excluded_until else "")
        found.append(FeocLine(
            "feoc_critical_minerals", line, start, excluded_until, start <= last,
            f"Row {line.row}: {line.mineral} from {line.supplier}, a foreign entity of concern, "
            f"disqualifies the vehicle from {start}{why}: use a supplier that is not one."))
    return tuple(found)


def _merged(items: list[Any]) -> list[Any]:
    """Adjacent items alike but for their dates, joined into one spanning both."""
    merged: list[Any] = []
    for item in items:
        for j in range(len(merged) - 1, -1, -1):
            earlier = merged[j]
            if (earlier.end + ONE_DAY == item.start
                    and replace(earlier, start=item.start, end=item.end, message="") ==
                    replace(item, message="")):
                merged[j] = replace(item, start=earlier.start, message=_respan(item, earlier.start))
                break
        else:
            merged.append(item)
    return merged


def _respan(item: Any, start: dt.date) -> str:
    message: str = item.message
    return message.replace(f"{item.start} to {item.end}", f"{start} to {item.end}")
