"""A plain-text report of an assessment, clause by clause, for people at a terminal or in e-mail."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from filings.rules.engine import country_label, money
from filings.rules.inputs import Vehicle
from filings.rules.results import REQUIREMENT_IDS, Assessment, RequirementResult, SegmentResult

_WIDTH = 100


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)):.2f} %"


def _share(d: dict[str, Any]) -> str:
    if d["required_pct"] is None:
        return f"test does not apply on these dates (total value {money(Decimal(d['total_value_usd']))})"
    required = f"at least {_pct(d['required_pct'])}" if d["required_pct"] is not None else "no test"
    return (f"{_pct(d['qualifying_pct'])} qualifies ({money(Decimal(d['qualifying_value_usd']))} "
            f"of {money(Decimal(d['total_value_usd']))}); {required}; "
            f"credit {money(Decimal(d['credit_usd']))}")


_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "credit_window": lambda d: (f"placed in service from {d['placed_in_service_from']}, "
                                f"acquired by {d['acquired_until']}"),
    "final_assembly": lambda d: (f"final assembly in {country_label(d['final_assembly_country'])}; "
                                 f"{d['vin_count']} VIN(s), {len(d['invalid_vins'])} invalid"),
    "msrp_cap": lambda d: (f"MSRP {money(Decimal(d['msrp_usd']))}, cap "
                           f"{money(Decimal(d['cap_usd']))} ({d['vehicle_class']})"),
    "battery_capacity": lambda d: f"{d['battery_capacity_kwh']} kWh, minimum {d['minimum_kwh']} kWh",
    "gvwr": lambda d: f"GVWR {d['gvwr_lb']} lb, must be below {d['below_lb']} lb",
    "feoc_battery_components": lambda d: (f"{d['feoc_components']} FEOC component(s); "
                                          f"applies from {d['applies_from']}"),
    "feoc_critical_minerals": lambda d: (
        f"{d['feoc_lines']} FEOC line(s) counted, {d['excluded_impracticable_to_trace_lines']} "
        f"excluded as impracticable to trace (until {d['impracticable_to_trace_until']}); "
        f"applies from {d['applies_from']}"),
    "critical_minerals": _share,
    "battery_components": _share,
}


def requirement_summary(requirement: str, details: dict[str, Any]) -> str:
    """One line saying what a requirement's result rests on (figures, caps, dates)."""
    return _SUMMARIES[requirement](details)


def _status(result: RequirementResult) -> str:
    if not result.applies:
        return "n/a"
    return {True: "met", False: "NOT MET", None: "n/a"}[result.met]


def _segment(segment: SegmentResult) -> list[str]:
    verdict = "ELIGIBLE" if segment.eligible else "NOT ELIGIBLE"
    method = str(segment.credit_basis["method"]).replace("_", " ")
    lines = [f"Placed in service {segment.start} to {segment.end}: {verdict}, credit "
             f"{money(Decimal(segment.credit_usd))} ({method})", ""]
    for rid in REQUIREMENT_IDS:
        result = segment.requirements[rid]
        lines.append(f"  [{_status(result):>7}] {rid:<24} "
                     f"{requirement_summary(rid, result.to_dict())}")
        lines.extend(textwrap.wrap(f"{result.citation} [{result.confidence}]", _WIDTH,
                                   initial_indent=" " * 36, subsequent_indent=" " * 36))
    if segment.findings:
        lines += ["", "  Findings:"]
    for finding in segment.findings:
        rows = f" (rows {', '.join(map(str, finding.rows))})" if finding.rows else ""
        lines.extend(textwrap.wrap(f"{finding.severity.upper():<4} {finding.requirement}: "
                                   f"{finding.message}{rows}", _WIDTH,
                                   initial_indent="  ", subsequent_indent=" " * 7))
    return lines


def render_text(assessment: Assessment, vehicle: Vehicle | None = None) -> str:
    """The whole assessment as readable text: one block per segment, every requirement cited."""
    acquired = (f"acquired {assessment.acquired}" if assessment.acquired
                else "each acquired on the day it was placed in service")
    lines = [f"Clean vehicle credit assessment (rulebook {assessment.rulebook_id} "
             f"version {assessment.rulebook_version})"]
    if vehicle is not None:
        lines.append(f"Vehicle: {vehicle.make} {vehicle.model}, model year {vehicle.model_year}, "
                     f"{vehicle.vehicle_class}, final assembly "
                     f"{country_label(vehicle.final_assembly_country)}")
    lines.append(f"Vehicles placed in service {assessment.placed_in_service_from} to "
                 f"{assessment.placed_in_service_to}, {acquired}.")
    for segment in assessment.segments:
        lines += ["", *_segment(segment)]
    lines += ["", "Confidence tags: V primary text, S secondary summaries, U unconfirmed reading.",
              "This is the portal's assessment, not an IRS determination."]
    return "\n".join(lines) + "\n"
