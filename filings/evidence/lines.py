"""The validated frames as single lines, for what needs each line (the advice: a line's value
and supplier, which the summed ledgers do not keep).

Takes the frames `reader.read_frames` gives and gives the engine's own line types, so the
advice and a re-assessment read the same objects. Values are the exact Decimal of the
frames' micro-units, with six decimal places, as the frames' Decimal(38, 6) column holds
them (made from the integers: polars' own Decimal conversion costs twice as much).
"""

from __future__ import annotations

from decimal import Context, Decimal
from itertools import repeat

import polars as pl

from filings.evidence.frames import MICRO, ROW, python_values
from filings.evidence.schema import MAX_DECIMAL_PLACES
from filings.rules.inputs import BatteryComponent, MineralLine

_MINERAL_COLUMNS = ("line_id", "mineral", "supplier", "extraction_country", "processing_country",
                    "recycling_country")
_MINERAL_FLAGS = ("feoc", "impracticable_to_trace")
_COMPONENT_COLUMNS = ("component_id", "component_type", "supplier", "manufacturing_country")
_COMPONENT_FLAGS = ("feoc",)
_UNITS = "value_usd" + MICRO
_SCALEB = Context(prec=60).scaleb


def mineral_lines(frame: pl.DataFrame) -> list[MineralLine]:
    """The critical_minerals frame's lines, in row order."""
    return list(map(MineralLine, *_columns(frame, _MINERAL_COLUMNS, _MINERAL_FLAGS)))


def component_lines(frame: pl.DataFrame) -> list[BatteryComponent]:
    """The battery_components frame's components, in row order."""
    return list(map(BatteryComponent, *_columns(frame, _COMPONENT_COLUMNS, _COMPONENT_FLAGS)))


def _columns(frame: pl.DataFrame, texts: tuple[str, ...], flags: tuple[str, ...]) -> list[list[object]]:
    """The row, the text columns, the value and the flags, as lists, in row order."""
    ordered = frame.sort(ROW)
    units = ordered.get_column(_UNITS).to_list()
    values = list(map(_SCALEB, map(Decimal, units), repeat(-MAX_DECIMAL_PLACES)))
    return [ordered.get_column(ROW).to_list(),
            *(python_values(ordered.get_column(name)) for name in texts), values,
            *(ordered.get_column(name).to_list() for name in flags)]
