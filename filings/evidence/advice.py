"""Advice on the frames `reader.read_frames` gives: the per-line work done column-wise.

`filings.rules.advice` searches a ledger's lines for the fewest lines, fewest suppliers and
least value that would meet an unmet share. On 100,000 lines, building a line object for each
and sorting and grouping them in Python costs more than the assessment. Here polars does
that work: each line's combination (what decides whether it qualifies) as a dense integer,
the lines sorted once (value descending, then row), and per set of verdicts (which the pure
side computes from the rulebook, per combination) the lines outside filtered, their suppliers
summed and ranked. Line objects are built only for the lines an answer names, and for the
FEOC lines, which the advice lists one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import polars as pl

from filings.evidence.frames import MICRO, ROW
from filings.evidence.lines import component_lines, mineral_lines
from filings.rules.advice import Advice, AdviceInputError, advise_ledgers
from filings.rules.advice.ledger import MICRO_PLACES, Outside
from filings.rules.collection import collector_paused
from filings.rules.inputs import BatteryComponent, MineralLine
from filings.rules.results import Assessment
from filings.rules.rulebook import Rulebook

MINERAL_COMBINATION = ("mineral", "extraction_country", "processing_country", "recycling_country")
COMPONENT_COMBINATION = ("manufacturing_country",)
_UNITS = "value_usd" + MICRO  # exact micro-dollars: the readers keep at most 6 places
_COMBO, _POSITION, _WORTH, _FIRST = "__combo", "__position", "__worth", "__first"
L = TypeVar("L", MineralLine, BatteryComponent)


def advise_frames(assessment: Assessment, frames: dict[str, pl.DataFrame], *,
                  rulebook: Rulebook) -> Advice:
    """`filings.rules.advice.advise` on the frames the assessment's evidence was read from
    (`read_frames`), with the same answers and errors."""
    minerals = FrameLedger(frames["critical_minerals"], MINERAL_COMBINATION, mineral_lines)
    components = FrameLedger(frames["battery_components"], COMPONENT_COMBINATION, component_lines)
    with collector_paused():  # it may name tens of thousands of lines, each an object
        return advise_ledgers(assessment, rulebook=rulebook, minerals=minerals,
                              components=components,
                              feoc_minerals=minerals.lines_where(pl.col("feoc")),
                              feoc_components=components.lines_where(pl.col("feoc")))


class FrameLedger(Generic[L]):
    """A `filings.rules.advice.ledger.Ledger` of one sheet's frame: values in micro-dollars,
    the lines in search order, and line objects built (by `make_lines`) only when named."""

    places = MICRO_PLACES

    def __init__(self, frame: pl.DataFrame, combination: Sequence[str],
                 make_lines: Callable[[pl.DataFrame], Sequence[L]]) -> None:
        units = frame.get_column(_UNITS)
        if units.null_count():
            raise AdviceInputError("a line has no value: advise on the frames read_frames gives")
        if units.len() and units.min() < 0:  # type: ignore[operator]
            raise AdviceInputError("a line has a negative value; values are never negative")
        self.total: int = frame.select(pl.col(_UNITS).cast(pl.Int128).sum()).item() or 0
        combo = (pl.struct(*combination).rank("dense").cast(pl.Int64) - 1).alias(_COMBO)
        keyed = frame.select(ROW, "supplier", _UNITS, combo, *combination)
        # One row per combination, in the order of its number; countries and minerals as text.
        self._combos = keyed.unique(_COMBO).sort(_COMBO).select(
            _COMBO, *(pl.col(name).cast(pl.String) for name in combination))
        self.pairs: set[tuple[str, str]] = set()
        if len(combination) == 4:
            self.pairs = {pair for step in ("extraction_country", "processing_country")
                          for pair in self._combos.select(step, "mineral").unique().iter_rows()}
        self._sorted = keyed.select(ROW, "supplier", _UNITS, _COMBO).sort(
            [_UNITS, ROW], descending=[True, False])
        self._frame = frame
        self._make_lines: Callable[[pl.DataFrame], Sequence[L]] = make_lines
        self._built: dict[int, L] = {}

    def verdicts(self, counting: frozenset[tuple[str, str]],
                 north_america: frozenset[str]) -> tuple[bool, ...]:
        combos = self._combos
        if "mineral" not in combos.columns:
            return tuple(combos.get_column("manufacturing_country").is_in(sorted(north_america)))
        pairs = [f"{country}|{mineral}" for country, mineral in sorted(counting)]
        mineral = pl.col("mineral")
        qualifies = combos.select(
            (pl.col("extraction_country") + "|" + mineral).is_in(pairs)
            | (pl.col("processing_country") + "|" + mineral).is_in(pairs)
            | pl.col("recycling_country").is_in(sorted(north_america)).fill_null(False))
        return tuple(qualifies.to_series().to_list())

    def outside(self, verdicts: tuple[bool, ...]) -> Outside:
        outside_combo = ~pl.Series(verdicts, dtype=pl.Boolean)
        out = self._sorted.filter(outside_combo.gather(self._sorted.get_column(_COMBO))
                                  ).with_row_index(_POSITION)
        values: list[int] = out.get_column(_UNITS).to_list()
        # Largest first; a tie goes to the supplier whose largest line comes first (by row).
        ranked = out.group_by("supplier").agg(
            pl.col(_UNITS).cast(pl.Int128).sum().alias(_WORTH),
            pl.col(_POSITION).min().alias(_FIRST),
        ).sort([_WORTH, _FIRST], descending=[True, False])
        rows = out.get_column(ROW)

        def lines_at(positions: Sequence[int]) -> list[L]:
            return self._lines(rows.gather(list(positions)).sort().to_list())

        def supplier_positions(names: Sequence[str]) -> list[int]:
            chosen = out.filter(pl.col("supplier").is_in(list(names)))
            return list(chosen.get_column(_POSITION).to_list())

        minerals: tuple[str, ...] = ()
        if "mineral" in self._combos.columns:
            outside = self._combos.filter(outside_combo)
            minerals = tuple(sorted(outside.get_column("mineral").unique().to_list()))
        return Outside(values, self.total - sum(values), ranked.get_column("supplier").to_list(),
                       ranked.get_column(_WORTH).to_list(), lines_at, supplier_positions, minerals)

    def lines_where(self, predicate: pl.Expr) -> list[L]:
        """The lines for which `predicate` holds, in row order (the FEOC lines, say)."""
        return self._lines(self._frame.filter(predicate).get_column(ROW).sort().to_list())

    def _lines(self, rows: list[int]) -> list[L]:
        """The lines of these rows, each built once however many answers name it."""
        built = self._built
        missing = [row for row in rows if row not in built]
        if missing:
            for line in self._make_lines(self._frame.filter(pl.col(ROW).is_in(missing))):
                built[line.row] = line
        return list(map(built.__getitem__, rows))
