"""What the share search reads of a ledger's lines: the lines that do not qualify under a set
of verdicts, in search order (value descending, then row), with their suppliers ranked.

Two ledgers give it. `LineLedger`, here, prepares single line objects in pure Python (tests,
small evidence). `filings.evidence.advice.FrameLedger` does the same work column-wise in
polars on the reader's frames, and builds line objects only for the lines an answer names:
on 100,000 lines the per-line Python work is what costs. Both give the same `Outside`, so
the search and its answers are the same (a property test compares them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, localcontext
from itertools import compress
from operator import attrgetter, not_
from typing import Any, Protocol

from filings.rules.advice.results import AdviceInputError, Line
from filings.rules.inputs import MineralLine

_EXACT = Context(prec=80, traps=[Inexact])
# What decides whether a line qualifies: (mineral, extraction, processing, recycling
# country) for a critical-mineral line, (manufacturing country,) for a battery component.
Combination = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Outside:
    """The lines that do not qualify under one set of verdicts.

    `values`: every such line's value in units (10**-places dollars), in search order: value
    descending, then row. Positions below are indices into `values`. `qualifying`: the value
    of the lines that qualify. `suppliers`: the suppliers of those lines, largest outside value
    first, a tie to the one whose largest line comes first; `supplier_values` their values.
    `lines_at(positions)`: the lines at those positions, in row order; `supplier_positions(names)`: the
    positions of those suppliers' lines. `minerals`: the minerals of those lines, sorted.
    """

    values: Sequence[int]
    qualifying: int
    suppliers: Sequence[str]
    supplier_values: Sequence[int]
    lines_at: Callable[[Sequence[int]], Sequence[Line]]
    supplier_positions: Callable[[Sequence[str]], list[int]]
    minerals: tuple[str, ...] = ()


class Ledger(Protocol):
    """One ledger's lines prepared for the search: values in units of 10**-places dollars and
    their total; the (country, mineral) pairs its lines' extraction and processing take (none
    for components); `verdicts`, whether each of its combinations (what decides whether a line
    qualifies, in an order of the ledger's own) qualifies when the pairs `counting` count and
    recycling or manufacturing in `north_america` does; and the lines outside under them."""

    @property
    def places(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def pairs(self) -> Collection[tuple[str, str]]: ...

    def verdicts(self, counting: frozenset[tuple[str, str]],
                 north_america: frozenset[str]) -> tuple[bool, ...]: ...

    def outside(self, verdicts: tuple[bool, ...]) -> Outside: ...


class LineLedger:
    """A `Ledger` of line objects, in pure Python: each line's value as an integer of one unit,
    the lines in search order, and each line's combination."""

    def __init__(self, lines: Sequence[Line]) -> None:
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
        self.combos: list[Combination] = list(dict.fromkeys(of_line))
        self.combo_of = list(map({c: i for i, c in enumerate(self.combos)}.__getitem__, of_line))
        self.pairs = {(c[i], c[0]) for c in self.combos if len(c) == 4 for i in (1, 2)}

    def verdicts(self, counting: frozenset[tuple[str, str]],
                 north_america: frozenset[str]) -> tuple[bool, ...]:
        return tuple((extraction, mineral) in counting or (processing, mineral) in counting
                     or (recycling is not None and recycling in north_america)
                     for mineral, extraction, processing, recycling in self.combos
                     ) if self.pairs else tuple(country in north_america for (country,) in self.combos)

    def outside(self, verdicts: tuple[bool, ...]) -> Outside:
        outside = list(compress(range(len(self.lines)),
                                map(not_, map(verdicts.__getitem__, self.combo_of))))
        values = list(map(self.units.__getitem__, outside))
        groups: defaultdict[str, list[int]] = defaultdict(list)
        worth: defaultdict[str, int] = defaultdict(int)
        suppliers = self.suppliers
        for position, i in enumerate(outside):
            groups[suppliers[i]].append(position)
            worth[suppliers[i]] += values[position]
        # Largest first; a tie goes to the supplier whose largest line comes first (by row).
        ranked = sorted(groups, key=lambda name: (-worth[name], groups[name][0]))
        lines = self.lines

        def lines_at(positions: Sequence[int]) -> list[Line]:
            return sorted((lines[outside[j]] for j in positions), key=_ROW)

        def supplier_positions(names: Sequence[str]) -> list[int]:
            return [j for name in names for j in groups[name]]

        minerals = sorted({self.combos[c][0] for c, ok in enumerate(verdicts)
                           if not ok and len(self.combos[c]) == 4})
        return Outside(values, self.total - sum(values), ranked, [worth[n] for n in ranked],
                       lines_at, supplier_positions, tuple(minerals))


_MINERAL_COMBINATION = attrgetter("mineral", "extraction_country", "processing_country",
                                  "recycling_country")


def _COMPONENT_COMBINATION(line: Any) -> tuple[str]:
    return (line.manufacturing_country,)


_VALUE = attrgetter("value_usd")
_SUPPLIER = attrgetter("supplier")
_ROW = attrgetter("row")

# The unit tried first: the evidence readers keep at most 6 decimal places of a dollar.
MICRO_PLACES = 6


def _units(values: list[Decimal]) -> tuple[int, list[int]]:
    """Every value as an exact integer count of one unit, 10**-places dollars: micro-dollars
    when that is exact (the readers' limit), else the finest the values need."""
    if any(value < 0 for value in values):
        raise AdviceInputError("a line has a negative value; values are never negative")
    with localcontext(_EXACT):  # an inexact step raises rather than rounds
        units = [int(value.scaleb(MICRO_PLACES)) for value in values]
        # int() cuts a fraction off; with no value negative, nothing was cut iff the sums agree.
        if Decimal(sum(units)).scaleb(-MICRO_PLACES) == sum(values, Decimal(0)):
            return MICRO_PLACES, units
    places = max(_places(value) for value in values)
    return places, [int(_EXACT.scaleb(value, places)) for value in values]


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
