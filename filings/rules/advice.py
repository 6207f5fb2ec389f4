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
  (`shortfall.MAX_SUBSET_SUM_BITS`), otherwise a cover and a bound, said as such.

Taking the largest first is exact for the first two; `filings.rules.shortfall` proves it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Context, Decimal, Inexact, localcontext
from itertools import compress
from operator import attrgetter, not_
from typing import Any, Literal

from filings.rules.engine import (
    ONE_DAY,
    canonical,
    counts_for_mineral,
    display_pct,
    money,
    share_met,
)
from filings.rules.inputs import BatteryComponent, MineralLine
from filings.rules.results import GATING_REQUIREMENTS, Assessment, SegmentResult
from filings.rules.rulebook import Rulebook
from filings.rules.shortfall import Cover, fewest, least_cover

Share = Literal["critical_minerals", "battery_components"]
SHARES: tuple[Share, ...] = ("critical_minerals", "battery_components")
Line = MineralLine | BatteryComponent
_EXACT = Context(prec=80, traps=[Inexact])
_LABEL = {"critical_minerals": "critical-mineral", "battery_components": "battery-component"}


class AdviceInputError(ValueError):
    """The lines or the rulebook given are not the ones the assessment was made from."""


def line_dict(line: Line) -> dict[str, Any]:
    """One line as JSON: where it is now, and its value as a string."""
    if isinstance(line, MineralLine):
        return {"row": line.row, "id": line.line_id, "supplier": line.supplier,
                "mineral": line.mineral, "extraction_country": line.extraction_country,
                "processing_country": line.processing_country,
                "recycling_country": line.recycling_country,
                "value_usd": canonical(line.value_usd), "feoc": line.feoc,
                "impracticable_to_trace": line.impracticable_to_trace}
    return {"row": line.row, "id": line.component_id, "supplier": line.supplier,
            "component_type": line.component_type,
            "manufacturing_country": line.manufacturing_country,
            "value_usd": canonical(line.value_usd), "feoc": line.feoc}


@dataclass(frozen=True, slots=True)
class Move:
    """One way to meet a share: move every one of `lines` (in row order) to a qualifying
    place. `exact` False (least value only): a cover, not proven least; the least costs at
    least `lower_bound_usd`."""

    lines: tuple[Line, ...]
    suppliers: tuple[str, ...]
    value_usd: Decimal
    qualifying_pct_after: Decimal
    exact: bool = True
    lower_bound_usd: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"lines": [line_dict(line) for line in self.lines],
                "rows": [line.row for line in self.lines], "suppliers": list(self.suppliers),
                "value_usd": canonical(self.value_usd),
                "qualifying_pct_after": str(self.qualifying_pct_after), "exact": self.exact,
                "lower_bound_usd": (canonical(self.lower_bound_usd)
                                    if self.lower_bound_usd is not None else None)}


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a step may move to qualify: `countries` on every date of the advice."""

    step: Literal["extraction_or_processing", "recycling", "manufacturing_or_assembly"]
    mineral: str | None
    countries: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "mineral": self.mineral, "countries": list(self.countries)}


@dataclass(frozen=True, slots=True)
class ShareAdvice:
    """An unmet share on the dates start..end (inclusive) and the three ways to meet it.

    `shortfall_usd` is exact: the value that would have to qualify besides what does.
    `credit_usd_if_met` is the engine's credit with this share met and nothing else changed;
    it equals `credit_usd` while a requirement no sourcing of this share fixes (`blocked_by`)
    keeps the vehicle ineligible."""

    requirement: Share
    start: dt.date
    end: dt.date
    required_pct: Decimal
    qualifying_pct: Decimal | None
    qualifying_value_usd: Decimal
    total_value_usd: Decimal
    shortfall_usd: Decimal
    fewest_lines: Move
    fewest_suppliers: Move
    least_value: Move
    destinations: tuple[Destination, ...]
    credit_usd: int
    credit_usd_if_met: int
    blocked_by: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "required_pct": str(self.required_pct),
                "qualifying_pct": str(self.qualifying_pct) if self.qualifying_pct is not None else None,
                "qualifying_value_usd": canonical(self.qualifying_value_usd),
                "total_value_usd": canonical(self.total_value_usd),
                "shortfall_usd": canonical(self.shortfall_usd),
                "fewest_lines": self.fewest_lines.to_dict(),
                "fewest_suppliers": self.fewest_suppliers.to_dict(),
                "least_value": self.least_value.to_dict(),
                "destinations": [d.to_dict() for d in self.destinations],
                "credit_usd": self.credit_usd, "credit_usd_if_met": self.credit_usd_if_met,
                "blocked_by": list(self.blocked_by), "message": self.message}


@dataclass(frozen=True, slots=True)
class FeocLine:
    """A line made, extracted, processed or recycled by a foreign entity of concern: from
    `disqualifies_from` it makes the vehicle ineligible (an impracticable-to-trace mineral is
    left out of the test until `excluded_until`). Moving the step does not help; a supplier
    that is not a FEOC does."""

    requirement: Literal["feoc_critical_minerals", "feoc_battery_components"]
    line: Line
    disqualifies_from: dt.date
    excluded_until: dt.date | None
    disqualifies_in_period: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "line": line_dict(self.line),
                "disqualifies_from": self.disqualifies_from.isoformat(),
                "excluded_until": self.excluded_until.isoformat() if self.excluded_until else None,
                "disqualifies_in_period": self.disqualifies_in_period, "message": self.message}


@dataclass(frozen=True, slots=True)
class NotBySourcing:
    """A requirement unmet on start..end that no change of sourcing fixes; `where`: the
    countries final assembly would have to be in."""

    requirement: str
    start: dt.date
    end: dt.date
    message: str
    where: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "from": self.start.isoformat(),
                "to": self.end.isoformat(), "fixable_by_sourcing": False,
                "message": self.message, "where": list(self.where)}


@dataclass(frozen=True, slots=True)
class Advice:
    rulebook_id: str
    rulebook_version: str
    shares: tuple[ShareAdvice, ...]
    feoc: tuple[FeocLine, ...]
    not_by_sourcing: tuple[NotBySourcing, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rulebook": {"id": self.rulebook_id, "version": self.rulebook_version},
                "shares": [s.to_dict() for s in self.shares],
                "feoc": [f.to_dict() for f in self.feoc],
                "not_by_sourcing": [n.to_dict() for n in self.not_by_sourcing]}


def advise(assessment: Assessment, *, rulebook: Rulebook, minerals: Iterable[MineralLine],
           components: Iterable[BatteryComponent]) -> Advice:
    """The advice for an assessment, from the lines it was made from and its rulebook.

    Raises AdviceInputError when the rulebook is not the assessment's, or the lines do not
    sum to what the assessment found."""
    if (rulebook.id, rulebook.version) != (assessment.rulebook_id, assessment.rulebook_version):
        raise AdviceInputError(
            f"the assessment was made under rulebook {assessment.rulebook_id} "
            f"{assessment.rulebook_version}, not {rulebook.id} {rulebook.version}")
    mineral_lines, component_lines = list(minerals), list(components)
    ledgers = {"critical_minerals": _Lines(mineral_lines, rulebook),
               "battery_components": _Lines(component_lines, rulebook)}
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
                    f"The total {_LABEL[requirement]} value is $0.00, so no share can be "
                    "computed and no line can be moved: report the value of every line."))
                continue
            shares.extend(ledgers[requirement].advise(requirement, segment))
        blocked.extend(_not_by_sourcing(segment, rulebook))
    return Advice(rulebook.id, rulebook.version, tuple(_merged(shares)),
                  _feoc(assessment, rulebook, mineral_lines, component_lines),
                  tuple(_merged(blocked)))


@dataclass(frozen=True, slots=True)
class _Outside:
    """The lines that do not qualify (indices, in search order) and their values; the
    suppliers ranked for the search, their outside values, and each one's outside lines."""

    lines: list[int]
    values: list[int]
    qualifying: int
    suppliers: list[str]
    supplier_values: list[int]
    groups: dict[str, list[int]]


class _Lines:
    """One ledger's lines, prepared once: values as integers of one unit, the lines in the
    order the search takes them (value descending, then row), and each line's combination of
    what decides whether it qualifies (mineral and countries, or manufacturing country)."""

    def __init__(self, lines: Sequence[Line], rulebook: Rulebook) -> None:
        self.rules = rulebook
        self.places, units = _units(list(map(_VALUE, lines)))
        self.total = sum(units)
        rows = list(map(_ROW, lines))
        top_row = max(rows, default=0) + 1
        # One integer key per line sorts as (value descending, row ascending).
        keys = [top_row * -unit + row for unit, row in zip(units, rows, strict=True)]
        order = sorted(range(len(lines)), key=keys.__getitem__)
        self.lines = [lines[i] for i in order]
        self.units = [units[i] for i in order]
        self.suppliers = list(map(_SUPPLIER, self.lines))
        combination = _MINERAL_COMBINATION if self.lines and isinstance(
            self.lines[0], MineralLine) else _COMPONENT_COMBINATION
        of_line = list(map(combination, self.lines))
        self.combos = list(dict.fromkeys(of_line))
        self.combo_of = list(map({c: i for i, c in enumerate(self.combos)}.__getitem__, of_line))
        # The (country, mineral) pairs the verdicts depend on: when they count alike on two
        # dates, every line qualifies alike, and the verdicts are not computed again.
        self.pairs = sorted({(c[i], c[0]) for c in self.combos if len(c) == 4 for i in (1, 2)})
        self._verdicts_by_pairs: dict[tuple[bool, ...], tuple[bool, ...]] = {}
        self._outside_by_verdicts: dict[tuple[bool, ...], _Outside] = {}
        self._solved: dict[tuple[Any, ...], tuple[Move, Move, Move, Decimal]] = {}

    def advise(self, requirement: Share, segment: SegmentResult) -> list[ShareAdvice]:
        """Advice for the share on the segment: one per run of dates on which the same lines
        qualify (within a merged segment they do unless a rule change left the sum alike)."""
        result = segment.requirements[requirement]
        required = self._required(requirement, segment.start)
        found: list[ShareAdvice] = []
        for start, end, verdicts, dates in self._runs(requirement, segment.start, segment.end):
            key = (requirement, verdicts, required)
            if key not in self._solved:
                self._solved[key] = self._solve(verdicts, required)
            fewest_lines, fewest_suppliers, least, qualifying = self._solved[key]
            if qualifying != Decimal(result.details["qualifying_value_usd"]) or (
                    self._usd(self.total) != Decimal(result.details["total_value_usd"])):
                raise AdviceInputError(
                    f"the {_LABEL[requirement]} lines given do not sum to what the assessment "
                    f"found for {start}..{end}: advise on the lines the assessment was made from")
            found.append(self._share_advice(requirement, segment, start, end, required,
                                            (fewest_lines, fewest_suppliers, least), qualifying,
                                            self._destinations(requirement, verdicts, dates)))
        return found

    def _required(self, requirement: Share, on: dt.date) -> Decimal:
        row = self.rules.required_pct(requirement, on)
        assert row is not None  # an unmet share is one that applies
        return row.required_pct

    def _runs(self, requirement: Share, start: dt.date,
              end: dt.date) -> list[tuple[dt.date, dt.date, tuple[bool, ...], list[dt.date]]]:
        """The dates start..end split where the rulebook changes and the verdicts with it."""
        firsts = [start, *sorted(d for d in self.rules.change_dates() if start < d <= end)]
        runs: list[tuple[dt.date, dt.date, tuple[bool, ...], list[dt.date]]] = []
        for i, first in enumerate(firsts):
            last = firsts[i + 1] - ONE_DAY if i + 1 < len(firsts) else end
            verdicts = self._verdicts(requirement, first)
            if runs and runs[-1][2] == verdicts:
                runs[-1] = (runs[-1][0], last, verdicts, [*runs[-1][3], first])
            else:
                runs.append((first, last, verdicts, [first]))
        return runs

    def _verdicts(self, requirement: Share, on: dt.date) -> tuple[bool, ...]:
        """Whether each combination qualifies on `on`, as the engine decides it."""
        north_america = self.rules.north_america.countries
        if requirement == "battery_components":
            return tuple(country in north_america for (country,) in self.combos)
        signature = tuple(counts_for_mineral(self.rules, country, mineral, on)
                          for country, mineral in self.pairs)
        verdicts = self._verdicts_by_pairs.get(signature)
        if verdicts is None:
            counts = dict(zip(self.pairs, signature, strict=True))
            verdicts = self._verdicts_by_pairs[signature] = tuple(
                counts[extraction, mineral] or counts[processing, mineral]
                or (recycling is not None and recycling in north_america)
                for mineral, extraction, processing, recycling in self.combos)
        return verdicts

    def _outside(self, verdicts: tuple[bool, ...]) -> _Outside:
        """The lines that do not qualify under `verdicts`, in search order, and by supplier."""
        found = self._outside_by_verdicts.get(verdicts)
        if found is not None:
            return found
        outside = list(compress(range(len(self.lines)),
                                map(not_, map(verdicts.__getitem__, self.combo_of))))
        values = list(map(self.units.__getitem__, outside))
        groups: defaultdict[str, list[int]] = defaultdict(list)
        worth: defaultdict[str, int] = defaultdict(int)
        suppliers, units = self.suppliers, self.units
        for i in outside:
            groups[suppliers[i]].append(i)
            worth[suppliers[i]] += units[i]
        # Largest first; a tie goes to the supplier whose largest line comes first (by row).
        ranked = sorted(groups, key=lambda name: (-worth[name], groups[name][0]))
        found = self._outside_by_verdicts[verdicts] = _Outside(
            outside, values, self.total - sum(values), ranked, [worth[n] for n in ranked], groups)
        return found

    def _solve(self, verdicts: tuple[bool, ...], required: Decimal) -> tuple[Move, Move, Move, Decimal]:
        """The three answers, and the qualifying value, when `verdicts` say what qualifies."""
        out = self._outside(verdicts)
        qualifying = out.qualifying
        numerator, denominator = required.as_integer_ratio()
        # The least qualifying value that meets the share: q * 100 >= required * total.
        need = -(-numerator * self.total // (100 * denominator)) - qualifying
        count = fewest(out.values, need)
        assert count is not None  # moving every outside line gives 100 %
        lines = self._move(out.lines[:count], qualifying, required)
        by_supplier = fewest(out.supplier_values, need)
        assert by_supplier is not None
        chosen = out.suppliers[:by_supplier]
        suppliers = self._move([i for name in chosen for i in out.groups[name]], qualifying,
                               required, suppliers=tuple(chosen))
        cover = least_cover(out.values, need, range(count))
        least = self._move([out.lines[j] for j in cover.chosen], qualifying, required, cover)
        return lines, suppliers, least, self._usd(qualifying)

    def _usd(self, units: int) -> Decimal:
        return _EXACT.scaleb(Decimal(units), -self.places)

    def _move(self, chosen: Sequence[int], qualifying: int, required: Decimal,
              cover: Cover | None = None, suppliers: tuple[str, ...] | None = None) -> Move:
        lines = tuple(sorted((self.lines[i] for i in chosen), key=lambda line: line.row))
        moved = sum(self.units[i] for i in chosen)
        after, total = self._usd(qualifying + moved), self._usd(self.total)
        if not share_met(after, total, required):  # the engine's own comparison
            raise AssertionError(f"advice that does not meet the share: {after} of {total}")
        pct = display_pct(after, total)
        assert pct is not None
        exact = cover is None or cover.exact
        return Move(lines, suppliers or tuple(sorted({line.supplier for line in lines})),
                    self._usd(moved), pct, exact,
                    None if exact or cover is None else self._usd(cover.lower_bound))

    def _destinations(self, requirement: Share, verdicts: tuple[bool, ...],
                      dates: list[dt.date]) -> tuple[Destination, ...]:
        north_america = tuple(sorted(self.rules.north_america.countries))
        if requirement == "battery_components":
            return (Destination("manufacturing_or_assembly", None, north_america),)
        minerals = sorted({self.combos[c][0] for c, ok in enumerate(verdicts) if not ok})
        countries = sorted({"US", *(fta.country for fta in self.rules.fta_countries)})
        found = [Destination("extraction_or_processing", mineral, tuple(
            c for c in countries
            if all(counts_for_mineral(self.rules, c, mineral, on) for on in dates)))
            for mineral in minerals]
        return (*found, Destination("recycling", None, north_america))

    def _share_advice(self, requirement: Share, segment: SegmentResult, start: dt.date,
                      end: dt.date, required: Decimal, moves: tuple[Move, Move, Move],
                      qualifying: Decimal, destinations: tuple[Destination, ...]) -> ShareAdvice:
        total = self._usd(self.total)
        shortfall = _EXACT.subtract(_EXACT.divide(_EXACT.multiply(required, total), 100), qualifying)
        amount = int(getattr(self.rules, requirement).amount_usd)
        blocked_by = tuple(rid for rid in GATING_REQUIREMENTS
                           if segment.requirements[rid].met is False)
        if_met = segment.credit_usd + (0 if blocked_by else amount)
        fewest_lines = moves[0]
        step = ("processing or extraction" if requirement == "critical_minerals"
                else "manufacturing or assembly")
        place = ("the US or a country counted as an FTA country for the mineral (or recycle in "
                 "North America)" if requirement == "critical_minerals" else "North America")
        gain = (f"+${amount:,} a vehicle" if not blocked_by else
                f"no credit while {', '.join(blocked_by)} {'is' if len(blocked_by) == 1 else 'are'} not met")
        message = (f"Move the {step} of {len(fewest_lines.lines)} line(s) — "
                   f"{money(fewest_lines.value_usd)} of {money(total)} — to {place} and the "
                   f"{_LABEL[requirement]} share reaches {fewest_lines.qualifying_pct_after} % "
                   f"(at least {required} % required) for vehicles placed in service {start} "
                   f"to {end}: {gain}.")
        return ShareAdvice(requirement, start, end, required, display_pct(qualifying, total),
                           qualifying, total, shortfall, *moves, destinations,
                           segment.credit_usd, if_met, blocked_by, message)


# What decides whether a line qualifies: its mineral and countries, or where it was made.
_MINERAL_COMBINATION = attrgetter("mineral", "extraction_country", "processing_country",
                                  "recycling_country")


def _COMPONENT_COMBINATION(line: Any) -> tuple[str]:
    return (line.manufacturing_country,)


_VALUE = attrgetter("value_usd")
_SUPPLIER = attrgetter("supplier")
_ROW = attrgetter("row")


# The unit tried first: the evidence readers keep at most 6 decimal places of a dollar.
_MICRO_PLACES = 6


def _units(values: list[Decimal]) -> tuple[int, list[int]]:
    """Every value as an exact integer count of one unit, 10**-places dollars: micro-dollars
    when that is exact (the readers' limit), else the finest the values need."""
    if any(value < 0 for value in values):
        raise AdviceInputError("a line has a negative value; values are never negative")
    with localcontext(_EXACT):  # an inexact step raises rather than rounds
        units = [int(value.scaleb(_MICRO_PLACES)) for value in values]
        # int() cuts a fraction off; with no value negative, nothing was cut iff the sums agree.
        if Decimal(sum(units)).scaleb(-_MICRO_PLACES) == sum(values, Decimal(0)):
            return _MICRO_PLACES, units
    places = max(_places(value) for value in values)
    return places, [int(_EXACT.scaleb(value, places)) for value in values]


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


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
        if assembly.details["invalid_vins"]:
            add("final_assembly",
                f"{len(assembly.details['invalid_vins'])} VIN(s) are not valid: correct or remove "
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


def _feoc(assessment: Assessment, rulebook: Rulebook, minerals: list[MineralLine],
          components: list[BatteryComponent]) -> tuple[FeocLine, ...]:
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
