"""The search behind share advice: over one `Ledger` (`advice.ledger`, the lines prepared
once), the lines that do not qualify on a run of dates, and the three answers (fewest lines,
fewest suppliers, least value), each re-checked with the engine's own comparison."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Context, Decimal, Inexact
from typing import Any

from filings.rules.advice.ledger import Ledger, Outside
from filings.rules.advice.results import (
    SHARE_LABELS,
    AdviceInputError,
    Destination,
    Move,
    Share,
    ShareAdvice,
)
from filings.rules.advice.shortfall import Cover, fewest, least_cover
from filings.rules.engine import ONE_DAY, counts_for_mineral, display_pct, money, share_met
from filings.rules.results import GATING_REQUIREMENTS, SegmentResult
from filings.rules.rulebook import Rulebook

_EXACT = Context(prec=80, traps=[Inexact])


class ShareLines:
    """The search over one ledger (`advice.ledger`): the verdicts on each run of dates, the
    lines outside under them (asked of the ledger once per set of verdicts), and the answers."""

    def __init__(self, ledger: Ledger, rulebook: Rulebook) -> None:
        self.rules = rulebook
        self.ledger = ledger
        self.places, self.total = ledger.places, ledger.total
        # The (country, mineral) pairs the verdicts depend on: when they count alike on two
        # dates, every line qualifies alike, and the verdicts are not asked for again.
        self.pairs = sorted(ledger.pairs)
        self._verdicts_by_pairs: dict[tuple[bool, ...], tuple[bool, ...]] = {}
        self._outside_by_verdicts: dict[tuple[bool, ...], Outside] = {}
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
                    f"the {SHARE_LABELS[requirement]} lines given do not sum to what the assessment "
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
        """Whether each of the ledger's combinations qualifies on `on`, as the engine decides
        it: the pairs that count on `on` (the rulebook's answer) are what the ledger is told."""
        signature = tuple(counts_for_mineral(self.rules, country, mineral, on)
                          for country, mineral in self.pairs)
        verdicts = self._verdicts_by_pairs.get(signature)
        if verdicts is None:
            counting = frozenset(pair for pair, ok in zip(self.pairs, signature, strict=True) if ok)
            verdicts = self._verdicts_by_pairs[signature] = self.ledger.verdicts(
                counting, self.rules.north_america.countries)
        return verdicts

    def _outside(self, verdicts: tuple[bool, ...]) -> Outside:
        found = self._outside_by_verdicts.get(verdicts)
        if found is None:
            found = self._outside_by_verdicts[verdicts] = self.ledger.outside(verdicts)
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
        lines = self._move(out, range(count), required)
        by_supplier = fewest(out.supplier_values, need)
        assert by_supplier is not None
        chosen = tuple(out.suppliers[:by_supplier])
        suppliers = self._move(out, out.supplier_positions(chosen), required, suppliers=chosen)
        cover = least_cover(out.values, need, range(count))
        if cover.chosen == tuple(range(count)):  # the fewest lines again (often, past the limit)
            least = replace(lines, exact=cover.exact, lower_bound_usd=None if cover.exact
                            else self._usd(cover.lower_bound))
        else:
            least = self._move(out, cover.chosen, required, cover)
        return lines, suppliers, least, self._usd(qualifying)

    def _usd(self, units: int) -> Decimal:
        return _EXACT.scaleb(Decimal(units), -self.places)

    def _move(self, out: Outside, positions: Sequence[int], required: Decimal,
              cover: Cover | None = None, suppliers: tuple[str, ...] | None = None) -> Move:
        lines = tuple(out.lines_at(positions))
        moved = sum(map(out.values.__getitem__, positions))
        after, total = self._usd(out.qualifying + moved), self._usd(self.total)
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
        minerals = self._outside(verdicts).minerals
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
                   f"{SHARE_LABELS[requirement]} share reaches {fewest_lines.qualifying_pct_after} % "
                   f"(at least {required} % required) for vehicles placed in service {start} "
                   f"to {end}: {gain}.")
        return ShareAdvice(requirement, start, end, required, display_pct(qualifying, total),
                           qualifying, total, shortfall, *moves, destinations,
                           segment.credit_usd, if_met, blocked_by, message)


