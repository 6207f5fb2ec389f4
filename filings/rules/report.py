"""A plain-text report of an assessment, clause by clause, for people at a terminal or in e-mail."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from filings.rules.engine import country_label, money
from filings.rules.inputs import Vehicle
from filings.rules.results import (
    REQUIREMENT_IDS,
    Assessment,
    RequirementResult,
    SegmentResult,
    invalid_vin_count,
)
from filings.rules.text import N_, Text, text

_WIDTH = 100


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)):.2f} %"


def _usd(value: object) -> str:
    return money(Decimal(str(value)))


def _share(d: dict[str, Any]) -> Text:
    if d["required_pct"] is None:
        return text(N_("test does not apply on these dates (total value %(total)s)"),
                    total=_usd(d["total_value_usd"]))
    return text(N_("%(pct)s qualifies (%(qualifying)s of %(total)s); at least %(required)s; "
                   "credit %(credit)s"),
                pct=_pct(d["qualifying_pct"]), qualifying=_usd(d["qualifying_value_usd"]),
                total=_usd(d["total_value_usd"]), required=_pct(d["required_pct"]),
                credit=_usd(d["credit_usd"]))


# One line per requirement: what its result rests on. Templates, so the portal shows them in
# the reader's language (`filings.presentation`); `requirement_summary` gives the English.
_SUMMARIES: dict[str, Callable[[dict[str, Any]], Text]] = {
    "credit_window": lambda d: text(
        N_("placed in service from %(start)s, acquired by %(until)s"),
        start=str(d["placed_in_service_from"]), until=str(d["acquired_until"])),
    "final_assembly": lambda d: text(
        N_("final assembly in %(country)s; %(vins)s VIN(s), %(invalid)s invalid"),
        country=country_label(d["final_assembly_country"]), vins=str(d["vin_count"]),
        invalid=str(invalid_vin_count(d))),
    "msrp_cap": lambda d: text(
        N_("MSRP %(msrp)s, cap %(cap)s (%(vehicle_class)s)"),
        msrp=_usd(d["msrp_usd"]), cap=_usd(d["cap_usd"]),
        vehicle_class=Text(str(d["vehicle_class"]))),
    "battery_capacity": lambda d: text(
        N_("%(kwh)s kWh, minimum %(minimum)s kWh"),
        kwh=str(d["battery_capacity_kwh"]), minimum=str(d["minimum_kwh"])),
    "gvwr": lambda d: text(N_("GVWR %(gvwr)s lb, must be below %(below)s lb"),
                           gvwr=str(d["gvwr_lb"]), below=str(d["below_lb"])),
    "feoc_battery_components": lambda d: text(
        N_("%(count)s FEOC component(s); applies from %(start)s"),
        count=str(d["feoc_components"]), start=str(d["applies_from"])),
    "feoc_critical_minerals": lambda d: text(
        N_("%(count)s FEOC line(s) counted, %(excluded)s excluded as impracticable to trace "
           "(until %(until)s); applies from %(start)s"),
        count=str(d["feoc_lines"]), excluded=str(d["excluded_impracticable_to_trace_lines"]),
        until=str(d["impracticable_to_trace_until"]), start=str(d["applies_from"])),
    "critical_minerals": _share,
    "battery_components": _share,
}


def requirement_summary_text(requirement: str, details: dict[str, Any]) -> Text:
    """What a requirement's result rests on (figures, caps, dates), as a translatable Text."""
    return _SUMMARIES[requirement](details)


def requirement_summary(requirement: str, details: dict[str, Any]) -> str:
    """One line saying what a requirement's result rests on (figures, caps, dates)."""
    return requirement_summary_text(requirement, details).render()


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
