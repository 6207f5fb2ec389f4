"""The assessment engine: normalised evidence and a rulebook in, a result out.

Pure and deterministic: no clock, no I/O, no Django. Money is Decimal and every comparison is
exact (a share equal to the threshold meets it); shares are rounded down to two decimals only
for display, so a printed share never overstates what was met.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, Inexact, localcontext
from typing import Literal

import pycountry

from filings.rules.collection import collector_paused
from filings.rules.inputs import ChainKey, Evidence, Groups, vin_summary, with_vin_summary
from filings.rules.labels import RESULT_WORDS
from filings.rules.results import (
    MAX_NOT_COUNTED_LISTED,
    MAX_ROWS_PER_FINDING,
    MAX_VINS_LISTED,
    Assessment,
    Finding,
    RequirementResult,
    SegmentResult,
    Severity,
)
from filings.rules.rulebook import Rulebook, ScheduleRow
from filings.rules.text import N_, Text, text
from filings.rules.vin import model_year_code, vin_problem_text

# Sums and comparisons run with ample precision and trap any rounding: an inexact result
# would be a wrong answer, so it must fail loudly rather than pass silently.
_EXACT = Context(prec=60, traps=[Inexact])
_CENT = Decimal("0.01")
ONE_DAY = dt.timedelta(days=1)
# A critical-mineral line's mineral and extraction, processing and recycling countries: what
# decides whether it qualifies.
Combination = tuple[str, str, str, str | None]

# What the findings say: English templates, translated by the portal (`filings.rules.text`).
_ROWS_LISTED = N_("%(finding)s (first %(shown)s of %(total)s rows listed)")
_BEFORE_WINDOW = N_(
    "Placed in service before %(date)s: this rulebook covers the credit as amended by the "
    "Inflation Reduction Act, for vehicles placed in service from %(date)s.")
_ACQUIRED_LATE = N_(
    "Acquired after %(date)s: the credit is not allowed for vehicles acquired (written binding "
    "contract and a payment) after that date.")
_ASSEMBLY_OUTSIDE = N_("Final assembly in %(country)s is outside North America (%(countries)s).")
_VIN_INVALID = N_("VIN %(vin)s %(problem)s. Correct it or remove the row.")
_VIN_INVALID_REST = N_(
    "%(count)s more VIN(s) are not valid; the first %(listed)s are listed above, each with its "
    "problem. Correct them or remove the rows.")
_VIN_YEAR = N_(
    "%(count)s VIN(s) carry model-year code %(code)s (10th character) but the vehicle is model "
    "year %(model_year)s (code %(expected)s); check that these VINs belong to this vehicle.")
_VIN_REGION = N_(
    "%(count)s VIN(s) have manufacturer identifier %(wmi)s, assigned in %(region)s, but final "
    "assembly is declared in %(country)s. The WMI names the manufacturer, not the plant: confirm "
    "the plant from the 11th VIN character (the manufacturer's 49 CFR 565 submission) or the "
    "vehicle label.")
_MSRP_OVER = N_(
    "MSRP %(msrp)s is above the %(cap)s cap for a %(vehicle_class)s (over by %(over)s).")
_BATTERY_SMALL = N_("Battery capacity %(kwh)s kWh is below the %(minimum)s kWh minimum.")
_GVWR_HEAVY = N_("Gross vehicle weight rating %(gvwr)s lb is not below %(limit)s lb.")
_FEOC_COMPONENTS = N_(
    "%(count)s battery component(s) made by a foreign entity of concern (%(suppliers)s): for "
    "vehicles placed in service from %(date)s the vehicle is not eligible at all.")
_FEOC_COMPONENTS_SOON = N_(
    "%(count)s battery component(s) made by a foreign entity of concern (%(suppliers)s); allowed "
    "before %(date)s, disqualifying from that date.")
_FEOC_MINERALS = N_(
    "%(count)s critical-mineral line(s) extracted, processed or recycled by a foreign entity of "
    "concern (%(minerals)s): for vehicles placed in service from %(date)s the vehicle is not "
    "eligible at all.")
_FEOC_MINERALS_SOON = N_(
    "%(count)s critical-mineral line(s) from a foreign entity of concern (%(minerals)s); allowed "
    "before %(date)s, disqualifying from that date.")
_FEOC_MINERALS_EXCLUDED = N_(
    "%(count)s FEOC critical-mineral line(s) marked impracticable to trace (%(minerals)s) are "
    "left out of the FEOC test until %(date)s; the manufacturer must report how it will comply "
    "after that date.")
_NO_VALUE = N_(
    "The total %(kind)s value is $0.00, so no share can be computed; report the value of every "
    "line.")
_SHARE = N_(
    "%(pct)s %% of the %(kind)s value qualifies (%(qualifying)s of %(total)s); at least "
    "%(required)s %% is required for vehicles placed in service %(period)s: %(verdict)s.")
# The words of `rulebook.VEHICLE_CLASSES`, which a finding names: marked for translation.
VEHICLE_CLASS_WORDS = (N_("car"), N_("suv"), N_("van"), N_("pickup"))
# The shipped rulebook's applicable minerals, which findings name: marked for translation. A
# mineral an amendment adds is named by its code until it is added here.
MINERAL_WORDS = (
    N_("aluminum"), N_("antimony"), N_("barite"), N_("beryllium"), N_("cerium"), N_("cesium"),
    N_("chromium"), N_("cobalt"), N_("dysprosium"), N_("europium"), N_("fluorspar"),
    N_("gadolinium"), N_("germanium"), N_("graphite"), N_("indium"), N_("lithium"),
    N_("manganese"), N_("neodymium"), N_("nickel"), N_("niobium"), N_("tellurium"), N_("tin"),
    N_("tungsten"), N_("vanadium"), N_("yttrium"), N_("arsenic"), N_("bismuth"), N_("erbium"),
    N_("gallium"), N_("hafnium"), N_("holmium"), N_("iridium"), N_("lanthanum"),
    N_("lutetium"), N_("magnesium"), N_("palladium"), N_("platinum"), N_("praseodymium"),
    N_("rhodium"), N_("rubidium"), N_("ruthenium"), N_("samarium"), N_("scandium"),
    N_("tantalum"), N_("terbium"), N_("thulium"), N_("titanium"), N_("ytterbium"), N_("zinc"),
    N_("zirconium"),
)
_CRITICAL_MINERAL = N_("critical-mineral")
_BATTERY_COMPONENT = N_("battery-component")
_PERIOD = N_("%(start)s to %(end)s")
_PERIOD_OPEN = N_("from %(start)s")
_NOT_COUNTED_REST = N_(
    "Not qualifying either: %(combinations)s more combinations of mineral and countries "
    "(%(value)s in %(lines)s line(s)); the %(listed)s of most value are listed above (first "
    "%(shown)s of %(lines)s rows listed).")
_NOT_COUNTED = N_(
    "Not qualifying: %(mineral)s extracted in %(extraction)s, processed in %(processing)s, "
    "%(recycled)s — neither country is the US or counted as an FTA country for %(mineral)s on "
    "this date (%(value)s in %(lines)s line(s)).")
_RECYCLED_OUTSIDE = N_("recycled in %(country)s (outside North America)")
_NOT_RECYCLED = N_("not recycled")
_NOT_NORTH_AMERICAN = N_(
    "Not North American: %(count)s component(s) made in %(country)s (%(value)s: %(types)s).")
_MINERAL_FROM = N_("%(mineral)s from %(supplier)s")
_LIST_MORE = N_("%(first)s; %(rest)s")
_AND_MORE = N_("%(listed)s; and %(more)s more")


class AssessmentInputError(ValueError):
    """The dates asked for cannot be assessed (for example, acquired after placed in service)."""


def assess(evidence: Evidence, *, rulebook: Rulebook, placed_in_service: dt.date,
           acquired: dt.date | None = None) -> SegmentResult:
    """Assess the vehicle placed in service on one day (acquired that day unless given)."""
    acquired = placed_in_service if acquired is None else acquired
    if acquired > placed_in_service:
        raise AssessmentInputError(
            f"acquired date {acquired} is after the placed-in-service date {placed_in_service}: "
            "a vehicle is acquired (binding contract and payment) before or when it is placed in service"
        )
    with localcontext(_EXACT), collector_paused():
        return _Assessor(evidence, rulebook, placed_in_service, acquired).segment(
            placed_in_service, placed_in_service)


def assess_period(evidence: Evidence, *, rulebook: Rulebook, start: dt.date, end: dt.date,
                  acquired: dt.date | None = None) -> Assessment:
    """Assess every placed-in-service date from `start` to `end` (inclusive).

    The range is split at every date on which a rule changes; each piece is assessed once and
    adjacent pieces with the same outcome are merged. With `acquired` None each vehicle counts
    as acquired on the day it is placed in service, so the acquisition cut-off splits too.
    """
    if end < start:
        raise AssessmentInputError(f"the period ends ({end}) before it starts ({start})")
    cuts = set(rulebook.change_dates())
    if acquired is None:
        cuts.add(rulebook.credit_window.acquired_until + ONE_DAY)
    elif acquired > start:
        raise AssessmentInputError(
            f"acquired date {acquired} is after the first placed-in-service date {start}: "
            "a vehicle is acquired before or when it is placed in service"
        )
    evidence = with_vin_summary(evidence)  # done once, not once per piece
    starts = [start, *sorted(d for d in cuts if start < d <= end)]
    # Each piece ends the day before the next starts; the last at `end` (never `end + 1 day`,
    # which does not exist for the last date a calendar has).
    ends = [following - ONE_DAY for following in starts[1:]] + [end]
    segments: list[SegmentResult] = []
    for first, last in zip(starts, ends, strict=True):
        segment = assess(evidence, rulebook=rulebook, placed_in_service=first,
                         acquired=acquired)
        segment = _with_dates(segment, first, last)
        if segments and segments[-1].same_outcome(segment):
            segment = _with_dates(segment, segments.pop().start, segment.end)
        segments.append(segment)
    vehicle = evidence.vehicle
    described = {"make": vehicle.make, "model": vehicle.model, "model_year": vehicle.model_year,
                 "vehicle_class": vehicle.vehicle_class}
    return Assessment(rulebook.id, rulebook.version, start, end, acquired, tuple(segments),
                      described)


def _with_dates(segment: SegmentResult, start: dt.date, end: dt.date) -> SegmentResult:
    return SegmentResult(start, end, segment.eligible, segment.credit_usd, segment.credit_basis,
                         segment.requirements, segment.findings)


@functools.cache
def country_label(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    return f"{code} ({name})" if name else code


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def canonical(value: Decimal, places: int = 2) -> str:
    """One spelling per number whatever its input form: 7439.8, 7439.80 and 7439.800 -> "7439.80"."""
    normal = value.normalize(Context(prec=60))
    if normal.as_tuple().exponent > -places:  # type: ignore[operator]
        normal = normal.quantize(Decimal(1).scaleb(-places), context=Context(prec=60))
    return format(normal, "f")


def share_met(qualifying: Decimal, total: Decimal, required_pct: Decimal) -> bool:
    """Whether qualifying/total reaches required_pct, exactly (a share equal to it meets it);
    never with nothing to share. The one comparison the engine and the advice both make."""
    with localcontext(_EXACT):
        return total > 0 and qualifying * 100 >= required_pct * total


def counts_for_mineral(rulebook: Rulebook, country: str, mineral: str, on: dt.date) -> bool:
    """Whether extraction or processing in `country` qualifies `mineral` on `on`: the US, or a
    country the rulebook counts as an FTA country for it on that date."""
    return country == "US" or rulebook.fta_treatment(country, mineral, on) is not None


def display_pct(part: Decimal, whole: Decimal) -> Decimal | None:
    """part/whole as a percentage rounded down to 2 decimals; None when whole is zero."""
    if whole == 0:
        return None
    with localcontext(Context(prec=60)):
        return (part * 100 / whole).quantize(_CENT, rounding=ROUND_FLOOR)


def _rows(rows: Iterable[int], message: Text) -> tuple[tuple[int, ...], Text]:
    """Up to MAX_ROWS_PER_FINDING sorted rows, and the message with a note on how many were
    left out."""
    ordered = sorted(rows)
    shown = tuple(ordered[:MAX_ROWS_PER_FINDING])
    if len(ordered) == len(shown):
        return shown, message
    return shown, text(_ROWS_LISTED, finding=message, shown=str(len(shown)),
                       total=str(len(ordered)))


class _Assessor:
    """One placed-in-service date: each `_check_*` method yields one requirement's result."""

    def __init__(self, evidence: Evidence, rulebook: Rulebook, on: dt.date,
                 acquired: dt.date) -> None:
        self.evidence = evidence
        self.rules = rulebook
        self.on = on
        self.acquired = acquired
        self.findings: list[Finding] = []

    def finding(self, requirement: str, severity: Severity, message: Text,
                rows: Iterable[int] = ()) -> None:
        shown, message = _rows(rows, message)
        self.findings.append(Finding.of(requirement, severity, message, shown))

    def segment(self, start: dt.date, end: dt.date) -> SegmentResult:
        gating = [
            self._check_credit_window(),
            self._check_final_assembly(),
            self._check_msrp_cap(),
            self._check_battery_capacity(),
            self._check_gvwr(),
            self._check_feoc_battery_components(),
            self._check_feoc_critical_minerals(),
        ]
        eligible = all(r.met for r in gating if r.applies)
        halves = [self._check_critical_minerals(eligible), self._check_battery_components(eligible)]
        requirements = {r.id: r for r in (*gating, *halves)}
        basis, credit = self._credit(halves, eligible)
        return SegmentResult(start, end, eligible, credit, basis, requirements,
                             tuple(self.findings))

    # --- credit --------------------------------------------------------------------------

    def _credit(self, halves: list[RequirementResult],
                eligible: bool) -> tuple[dict[str, object], int]:
        transitional = self.rules.transitional_amount
        if transitional.from_ <= self.on <= transitional.until:
            amount = self._transitional_amount()
            basis: dict[str, object] = {
                "method": "transitional_amount",
                "citation": transitional.citation,
                "confidence": transitional.confidence,
                "amount_usd": amount,
            }
            return basis, amount if eligible else 0
        basis = {
            "method": "critical_minerals_and_battery_components",
            "citation": f"{self.rules.critical_minerals.citation}; "
                        f"{self.rules.battery_components.citation}",
            "confidence": "V",
        }
        return basis, sum(int(r.details["credit_usd"]) for r in halves)

    def _transitional_amount(self) -> int:
        t = self.rules.transitional_amount
        kwh = self.evidence.vehicle.battery_capacity_kwh
        battery_part = Decimal(0)
        if kwh >= t.battery_threshold_kwh:
            battery_part = (t.battery_at_threshold_usd
                            + t.battery_per_kwh_above_usd * (kwh - t.battery_threshold_kwh))
        total = t.base_usd + min(battery_part, t.battery_part_cap_usd)
        return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=Context(prec=60)))

    # --- gating requirements -------------------------------------------------------------

    def _check_credit_window(self) -> RequirementResult:
        window = self.rules.credit_window
        met = True
        if self.on < window.placed_in_service_from:
            met = False
            self.finding("credit_window", "fail",
                         text(_BEFORE_WINDOW, date=str(window.placed_in_service_from)))
        if self.acquired > window.acquired_until:
            met = False
            self.finding("credit_window", "fail",
                         text(_ACQUIRED_LATE, date=str(window.acquired_until)))
        return RequirementResult(
            "credit_window", True, met,
            f"{window.placed_in_service_from_citation}; {window.acquired_until_citation}",
            _weakest(window.placed_in_service_from_confidence, window.acquired_until_confidence),
            {"placed_in_service_from": window.placed_in_service_from.isoformat(),
             "acquired_until": window.acquired_until.isoformat()},
        )

    def _check_final_assembly(self) -> RequirementResult:
        rule = self.rules.final_assembly
        vehicle = self.evidence.vehicle
        north_america = self.rules.north_america.countries
        country_ok = vehicle.final_assembly_country in north_america
        if not country_ok:
            self.finding("final_assembly", "fail",
                         text(_ASSEMBLY_OUTSIDE,
                              country=country_label(vehicle.final_assembly_country),
                              countries=", ".join(sorted(north_america))),
                         [vehicle.row])
        invalid = self._check_vins()  # (row, VIN, problem), in row order
        applies = self.on >= rule.from_
        return RequirementResult(
            "final_assembly", applies, (country_ok and not invalid) if applies else None,
            f"{rule.citation}; {self.rules.vin.citation}", rule.confidence,
            {"final_assembly_country": vehicle.final_assembly_country,
             "vin_count": len(self.evidence.vins), "invalid_vin_count": len(invalid),
             "invalid_vins": [vin for _, vin, _ in invalid[:MAX_VINS_LISTED]]},
        )

    def _check_vins(self) -> Sequence[tuple[int, str, str]]:
        vehicle = self.evidence.vehicle
        summary = vin_summary(self.evidence)
        for row, vin, problem in summary.invalid[:MAX_VINS_LISTED]:
            self.finding("final_assembly", "fail",
                         text(_VIN_INVALID, vin=repr(vin), problem=_vin_problem(vin, problem)),
                         [row])
        rest = summary.invalid[MAX_VINS_LISTED:]
        if rest:
            self.finding("final_assembly", "fail",
                         text(_VIN_INVALID_REST, count=f"{len(rest):,}", listed=str(MAX_VINS_LISTED)),
                         [row for row, _, _ in rest])
        for wmi, rows in summary.by_wmi:
            self._check_wmi_region(wmi, rows)
        expected_year = model_year_code(vehicle.model_year)
        for code, rows in summary.by_year_code:
            self.finding("final_assembly", "warn",
                         text(_VIN_YEAR, count=str(len(rows)), code=repr(code),
                              model_year=str(vehicle.model_year), expected=repr(expected_year)),
                         rows)
        return summary.invalid

    def _check_wmi_region(self, wmi: str, rows: Sequence[int]) -> None:
        declared = self.evidence.vehicle.final_assembly_country
        region = self.rules.vin.region_of(wmi[0])
        if region is None:
            return
        north_america = self.rules.north_america.countries
        disagrees = (declared not in region.countries if region.countries
                     else declared in north_america)
        if disagrees:
            self.finding("final_assembly", "warn",
                         text(_VIN_REGION, count=str(len(rows)), wmi=repr(wmi),
                              region=region.region, country=country_label(declared)), rows)

    def _check_msrp_cap(self) -> RequirementResult:
        rule = self.rules.msrp_cap
        vehicle = self.evidence.vehicle
        cap = rule.caps_usd[vehicle.vehicle_class]
        applies = self.on >= rule.from_
        met = vehicle.msrp_usd <= cap
        if applies and not met:
            self.finding("msrp_cap", "fail",
                         text(_MSRP_OVER, msrp=money(vehicle.msrp_usd), cap=money(cap),
                              vehicle_class=Text(vehicle.vehicle_class),
                              over=money(vehicle.msrp_usd - cap)),
                         [vehicle.row])
        return RequirementResult("msrp_cap", applies, met if applies else None,
                                 rule.citation, rule.confidence,
                                 {"vehicle_class": vehicle.vehicle_class,
                                  "msrp_usd": canonical(vehicle.msrp_usd),
                                  "cap_usd": canonical(cap)})

    def _check_battery_capacity(self) -> RequirementResult:
        rule = self.rules.battery_capacity
        kwh = self.evidence.vehicle.battery_capacity_kwh
        met = kwh >= rule.minimum_kwh
        if not met:
            self.finding("battery_capacity", "fail",
                         text(_BATTERY_SMALL, kwh=str(kwh), minimum=str(rule.minimum_kwh)),
                         [self.evidence.vehicle.row])
        return RequirementResult("battery_capacity", True, met, rule.citation, rule.confidence,
                                 {"battery_capacity_kwh": canonical(kwh, 0),
                                  "minimum_kwh": canonical(rule.minimum_kwh, 0)})

    def _check_gvwr(self) -> RequirementResult:
        rule = self.rules.gvwr
        gvwr = self.evidence.vehicle.gvwr_lb
        met = gvwr < rule.below_lb
        if not met:
            self.finding("gvwr", "fail",
                         text(_GVWR_HEAVY, gvwr=f"{gvwr:,}", limit=f"{rule.below_lb:,}"),
                         [self.evidence.vehicle.row])
        return RequirementResult("gvwr", True, met, rule.citation, rule.confidence,
                                 {"gvwr_lb": canonical(gvwr, 0), "below_lb": canonical(rule.below_lb, 0)})

    def _check_feoc_battery_components(self) -> RequirementResult:
        feoc = self.rules.feoc
        applies = self.on >= feoc.battery_components_from
        groups = self.evidence.battery_components.groups()
        flagged = [i for i, key in enumerate(groups.keys) if key.feoc]
        count = sum(groups.count(i) for i in flagged)
        if flagged:
            suppliers = ", ".join(sorted({str(groups.keys[i].supplier) for i in flagged}))
            rows = [row for i in flagged for row in groups.rows_of(i)]
            message = text(_FEOC_COMPONENTS if applies else _FEOC_COMPONENTS_SOON,
                           count=str(count), suppliers=suppliers,
                           date=str(feoc.battery_components_from))
            self.finding("feoc_battery_components", "fail" if applies else "warn", message, rows)
        return RequirementResult("feoc_battery_components", applies,
                                 not flagged if applies else None,
                                 feoc.battery_components_citation,
                                 feoc.battery_components_confidence,
                                 {"applies_from": feoc.battery_components_from.isoformat(),
                                  "feoc_components": count})

    def _check_feoc_critical_minerals(self) -> RequirementResult:
        feoc = self.rules.feoc
        applies = self.on >= feoc.critical_minerals_from
        excludable = self.on <= feoc.impracticable_to_trace_until
        groups = self.evidence.critical_minerals.groups()
        counted = list(itertools.compress(range(len(groups)), groups.column("feoc")))
        excluded: list[int] = []
        if excludable:
            untraceable = groups.column("impracticable_to_trace")
            excluded = [i for i in counted if untraceable[i]]
            counted = [i for i in counted if not untraceable[i]]
        self._report_feoc_minerals(groups, counted, excluded, applies)
        return RequirementResult(
            "feoc_critical_minerals", applies, not counted if applies else None,
            f"{feoc.critical_minerals_citation}; {feoc.impracticable_to_trace_citation}",
            _weakest(feoc.critical_minerals_confidence, feoc.impracticable_to_trace_confidence),
            {"applies_from": feoc.critical_minerals_from.isoformat(),
             "impracticable_to_trace_until": feoc.impracticable_to_trace_until.isoformat(),
             "feoc_lines": groups.line_count(counted),
             "excluded_impracticable_to_trace_lines": groups.line_count(excluded)},
        )

    def _report_feoc_minerals(self, groups: Groups[ChainKey], counted: list[int],
                              excluded: list[int], applies: bool) -> None:
        feoc = self.rules.feoc
        if counted:
            rows = groups.rows_of_all(counted)
            message = text(_FEOC_MINERALS if applies else _FEOC_MINERALS_SOON,
                           count=str(len(rows)), minerals=_describe_minerals(groups, counted),
                           date=str(feoc.critical_minerals_from))
            self.finding("feoc_critical_minerals", "fail" if applies else "warn", message, rows)
        if excluded and applies:
            rows = groups.rows_of_all(excluded)
            self.finding("feoc_critical_minerals", "warn",
                         text(_FEOC_MINERALS_EXCLUDED, count=str(len(rows)),
                              minerals=_describe_minerals(groups, excluded),
                              date=str(feoc.impracticable_to_trace_until)), rows)

    # --- the two halves ------------------------------------------------------------------

    def _check_critical_minerals(self, eligible: bool) -> RequirementResult:
        qualifying, total, fta_used = self._critical_mineral_values()
        return self._share_result("critical_minerals", qualifying, total, eligible,
                                  {"fta_countries_counted": fta_used})

    def _check_battery_components(self, eligible: bool) -> RequirementResult:
        qualifying, total = self._battery_component_values()
        return self._share_result("battery_components", qualifying, total, eligible, {})

    def _share_result(self, requirement: Literal["critical_minerals", "battery_components"],
                      qualifying: Decimal, total: Decimal, eligible: bool,
                      extra: dict[str, object]) -> RequirementResult:
        """Compare a value-weighted share with the percentage in force, exactly."""
        rules = getattr(self.rules, requirement)
        row = self.rules.required_pct(requirement, self.on)
        met: bool | None = None
        if row is not None:
            met = share_met(qualifying, total, row.required_pct)
            self._report_share(requirement, row, qualifying, total, met)
        # Before the test applies its share is not reported, so rule-neutral changes (such as
        # an FTA country's start date) do not split a period into identical-looking pieces.
        pct = display_pct(qualifying, total) if row is not None else None
        return RequirementResult(
            requirement, row is not None, met,
            f"{row.citation if row else rules.citation}; {rules.qualifying_rule}",
            _weakest(rules.confidence, row.confidence) if row else rules.confidence,
            {"qualifying_pct": float(pct) if pct is not None else None,
             "required_pct": float(row.required_pct) if row else None,
             "qualifying_value_usd": canonical(qualifying) if row is not None else None,
             "total_value_usd": canonical(total),
             **(extra if row is not None else {key: [] for key in extra}),
             "credit_usd": int(rules.amount_usd) if met and eligible else 0},
        )

    def _report_share(self, requirement: str, row: ScheduleRow, qualifying: Decimal,
                      total: Decimal, met: bool) -> None:
        kind = Text(_CRITICAL_MINERAL if requirement == "critical_minerals" else _BATTERY_COMPONENT)
        period = (text(_PERIOD, start=str(row.from_), end=str(row.until)) if row.until
                  else text(_PERIOD_OPEN, start=str(row.from_)))
        if total == 0:
            self.finding(requirement, "fail", text(_NO_VALUE, kind=kind))
            return
        pct = display_pct(qualifying, total)
        self.finding(requirement, "info" if met else "fail",
                     text(_SHARE, pct=str(pct), kind=kind, qualifying=money(qualifying),
                          total=money(total), required=str(row.required_pct), period=period,
                          verdict=Text(RESULT_WORDS["met" if met else "not met"])))

    def _critical_mineral_values(self) -> tuple[Decimal, Decimal, list[str]]:
        north_america = self.rules.north_america.countries
        groups = self.evidence.critical_minerals.groups()
        values = groups.values
        minerals = groups.column("mineral")
        extraction = groups.column("extraction_country")
        processing = groups.column("processing_country")
        # Whether a group qualifies depends on its mineral and countries: the countries that
        # count for a mineral on this date are worked out once per mineral, and then each
        # column is tested a whole column at a time (map and compress run in C): a varied
        # sheet has a group per line. A group qualifies by its extraction country, else by
        # its processing country, else by recycling in North America.
        counting = {mineral: self._counting_for(mineral) for mineral in set(minerals)}
        countries = list(map(counting.__getitem__, minerals))
        by_extraction = list(map(operator.contains, countries, extraction))
        by_processing = list(map(operator.contains, countries, processing))
        recycled_here = map(north_america.__contains__, groups.column("recycling_country"))
        qualifies = list(map(any, zip(by_extraction, by_processing, recycled_here, strict=True)))
        qualifying = sum(itertools.compress(values, qualifies), Decimal(0))
        total = sum(values, Decimal(0))
        # The FTA countries that made a group qualify: its extraction country, or its
        # processing country where the extraction country did not.
        fta_used = {*itertools.compress(extraction, by_extraction),
                    *itertools.compress(processing, map(operator.gt, by_processing, by_extraction))}
        fta_used.discard("US")
        if self.rules.required_pct("critical_minerals", self.on) is not None:
            not_counted = list(itertools.compress(range(len(values)), map(operator.not_, qualifies)))
            self._report_not_counted_minerals(groups, not_counted)
        return qualifying, total, sorted(fta_used)

    def _counting_for(self, mineral: str) -> frozenset[str]:
        """The countries whose extraction or processing counts for `mineral` on this date:
        the US and the FTA countries the rulebook counts for it (`counts_for_mineral` says
        the same of each)."""
        return frozenset({"US", *(fta.country for fta in self.rules.fta_countries
                                  if counts_for_mineral(self.rules, fta.country, mineral, self.on))})

    def _report_not_counted_minerals(self, groups: Groups[ChainKey], not_counted: list[int]) -> None:
        """One finding per combination of mineral and countries that does not qualify, in the
        order of its first row; past MAX_NOT_COUNTED_LISTED combinations, the ones of most value
        and one finding summing up the rest (a sheet of a million varied lines has 100,000s).

        Groups differ by their flags and FEOC supplier too, so several groups may share a
        combination. Position `j` stands for the group `not_counted[j]`, and a combination
        for the position of its first group; the columns are read with map, in C."""
        values, starts, rows = groups.values, groups.starts, groups.rows
        columns = [groups.column(name) for name in
                   ("mineral", "extraction_country", "processing_country", "recycling_country")]
        combinations: list[Combination] = list(
            zip(*(map(c.__getitem__, not_counted) for c in columns), strict=True))
        first_of: dict[Combination, int] = {}
        owners = list(map(first_of.setdefault, combinations, itertools.count()))
        group_firsts = list(map(rows.__getitem__, map(starts.__getitem__, not_counted)))
        worth = list(map(values.__getitem__, not_counted))
        firsts = group_firsts.copy()
        members: dict[int, list[int]] = {}  # of the combinations of more than one group
        for j in itertools.compress(itertools.count(), map(operator.ne, owners, itertools.count())):
            owner = owners[j]
            worth[owner] += worth[j]
            firsts[owner] = min(firsts[owner], firsts[j])
            if owner not in members:
                members[owner] = [not_counted[owner]]
            members[owner].append(not_counted[j])
        distinct = list(first_of.values())
        listed = distinct
        if len(distinct) > MAX_NOT_COUNTED_LISTED:
            # The most value first, the earlier first row on a tie: the value of the last one
            # listed bounds the candidates, which are few, then ranked as tuples.
            least = heapq.nlargest(MAX_NOT_COUNTED_LISTED, map(worth.__getitem__, distinct))[-1]
            candidates = itertools.compress(distinct, map(least.__le__, map(worth.__getitem__, distinct)))
            listed = [j for _, _, j in heapq.nsmallest(
                MAX_NOT_COUNTED_LISTED, ((-worth[j], firsts[j], j) for j in candidates))]
        listed_lines = 0
        listed_groups: set[int] = set()
        for j in sorted(listed, key=firsts.__getitem__):
            in_combination = members.get(j, [not_counted[j]])
            combination_rows = groups.rows_of_all(in_combination)
            listed_lines += len(combination_rows)
            listed_groups.update(in_combination)
            self._report_not_counted_mineral(combinations[j], combination_rows, worth[j])
        if len(listed) == len(distinct):
            return
        value = (sum(map(values.__getitem__, not_counted), Decimal(0))
                 - sum(map(worth.__getitem__, listed), Decimal(0)))
        lines = groups.line_count(not_counted) - listed_lines
        # The rest's first rows lie in its groups with the earliest first rows: taken from
        # as many more groups as are listed, since the listed ones are left out.
        earliest = [pair for pair in heapq.nsmallest(MAX_ROWS_PER_FINDING + len(listed_groups),
                                                     zip(group_firsts, not_counted, strict=True))
                    if pair[1] not in listed_groups][:MAX_ROWS_PER_FINDING]
        first = heapq.nsmallest(MAX_ROWS_PER_FINDING, groups.rows_of_all([i for _, i in earliest]))
        self.findings.append(Finding.of(
            "critical_minerals", "info",
            text(_NOT_COUNTED_REST, combinations=f"{len(distinct) - len(listed):,}", value=money(value),
                 lines=f"{lines:,}", listed=str(MAX_NOT_COUNTED_LISTED), shown=str(len(first))),
            tuple(first)))

    def _report_not_counted_mineral(self, group: Combination,
                                   rows: list[int], value: Decimal) -> None:
        mineral, extraction, processing, recycling = group
        recycled = (text(_RECYCLED_OUTSIDE, country=country_label(recycling)) if recycling
                    else Text(_NOT_RECYCLED))
        self.finding("critical_minerals", "info",
                     text(_NOT_COUNTED, mineral=Text(mineral), extraction=country_label(extraction),
                          processing=country_label(processing), recycled=recycled,
                          value=money(value), lines=str(len(rows))), rows)

    def _battery_component_values(self) -> tuple[Decimal, Decimal]:
        north_america = self.rules.north_america.countries
        groups = self.evidence.battery_components.groups()
        values = groups.values
        qualifying = total = Decimal(0)
        outside: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(groups.keys):
            total += values[i]
            if key.manufacturing_country in north_america:
                qualifying += values[i]
            else:
                outside[key.manufacturing_country].append(i)
        if self.rules.required_pct("battery_components", self.on) is not None:
            for country, members in sorted(outside.items()):
                value = sum((values[i] for i in members), Decimal(0))
                rows = [row for i in members for row in groups.rows_of(i)]
                types = ", ".join(sorted({groups.keys[i].component_type for i in members}))
                self.finding("battery_components", "info",
                             text(_NOT_NORTH_AMERICAN, count=str(len(rows)),
                                  country=country_label(country), value=money(value), types=types),
                             rows)
        return qualifying, total


def _describe_minerals(groups: Groups[ChainKey], indices: list[int]) -> Text:
    """'lithium from A; nickel from B; and 3 more': of these groups' pairs of mineral and
    supplier, the first five in English order ("lithium from A" before "nickel from B")."""
    minerals, suppliers = groups.column("mineral"), groups.column("supplier")
    pairs = list(set(zip(map(minerals.__getitem__, indices), map(str, map(suppliers.__getitem__, indices)),
                         strict=True)))
    first = [pair for _, pair in heapq.nsmallest(5, zip(map(" from ".join, pairs), pairs, strict=True))]
    listed = [text(_MINERAL_FROM, mineral=Text(mineral), supplier=supplier)
              for mineral, supplier in first]
    shown = listed[-1]
    for item in reversed(listed[:-1]):
        shown = text(_LIST_MORE, first=item, rest=shown)
    return text(_AND_MORE, listed=shown, more=str(len(pairs) - 5)) if len(pairs) > 5 else shown


def _vin_problem(vin: str, stored: str) -> Text | str:
    """Why the VIN is invalid, as a Text; the stored words should they differ (evidence
    packed by another version of the checks)."""
    problem = vin_problem_text(vin)
    return problem if problem is not None and problem.render() == stored else stored


def _weakest(*confidences: str) -> str:
    """The least certain of several confidence tags (U < S < V)."""
    return min(confidences, key="USV".index)
