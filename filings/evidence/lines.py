"""The validated frames as single lines, for what needs each line (the advice: a line's value
and supplier, which the summed ledgers do not keep).

Takes the frames `reader.read_frames` gives (amounts as exact Decimal columns) and gives the
engine's own line types, so the advice and a re-assessment read the same objects.
"""

from __future__ import annotations

import polars as pl

from filings.evidence.frames import ROW
from filings.rules.inputs import BatteryComponent, MineralLine

_MINERAL_COLUMNS = ("line_id", "mineral", "supplier", "extraction_country", "processing_country",
                    "recycling_country", "value_usd", "feoc", "impracticable_to_trace")
_COMPONENT_COLUMNS = ("component_id", "component_type", "supplier", "manufacturing_country",
                      "value_usd", "feoc")


def mineral_lines(frame: pl.DataFrame) -> list[MineralLine]:
    """The critical_minerals frame's lines, in row order."""
    columns = frame.sort(ROW).select(ROW, *_MINERAL_COLUMNS).get_columns()
    return list(map(MineralLine, *(column.to_list() for column in columns)))


def component_lines(frame: pl.DataFrame) -> list[BatteryComponent]:
    """The battery_components frame's components, in row order."""
    columns = frame.sort(ROW).select(ROW, *_COMPONENT_COLUMNS).get_columns()
    return list(map(BatteryComponent, *(column.to_list() for column in columns)))
