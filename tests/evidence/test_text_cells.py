"""Text, year and amount cells of a CSV (all text) are accepted and refused by `validate`
exactly as the per-cell rules in `cells.py` say, with their values: each column's text is
stripped once before the checks that take it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from filings.evidence import cells
from filings.evidence.frames import MICRO, PLACES, ROW, amount_of, validate
from filings.evidence.schema import VEHICLE, Kind
from filings.rules import load_rulebook

RULEBOOK = load_rulebook()
SHEET = VEHICLE
POSITIONS = list(range(len(SHEET.columns)))
PARSERS: dict[Kind, Any] = {Kind.TEXT: cells.parse_text, Kind.YEAR: cells.parse_year, Kind.AMOUNT: cells.parse_amount}
CHECKED = [i for i, c in enumerate(SHEET.columns) if c.kind in PARSERS]

_PADDING = st.sampled_from(["", " ", "\t", "\u00a0", "\u2003", "\x1f", "\n"])
_TEXT = st.sampled_from(["Acme", "Roadrunner EV", "é", "a\u200bb", "x" * 200, "x" * 201, "", "0", "1e5"])
_YEAR = st.sampled_from(["2024", "1980", "2100", "1979", "2101", "02024", "024", "20 24", "2024.0", "", "-2024", "٢٠٢٤"])
_AMOUNT = st.sampled_from(["0", "54990.00", "1.5", ".5", "5.", "007", "1.1234567", "1.1000000", "999999999999",
                           "1000000000000", "1,000", "$5", "-1", "1e3", "", "NaN", "12.000000", "0.000001"])


def _cell(kind: Kind) -> st.SearchStrategy[str | None]:
    core = {Kind.TEXT: _TEXT, Kind.YEAR: _YEAR, Kind.AMOUNT: _AMOUNT}[kind]
    padded = st.tuples(_PADDING, core | st.text(max_size=5), _PADDING).map("".join)
    return core | padded | st.none()


def _frame(data: st.DataObject) -> pl.DataFrame:
    height = data.draw(st.integers(1, 30))
    columns: dict[str, Any] = {ROW: pl.Series(range(2, 2 + height), dtype=pl.Int64)}
    for i, column in enumerate(SHEET.columns):
        if column.kind in PARSERS:
            values = data.draw(st.lists(_cell(column.kind), min_size=height, max_size=height))
        else:
            values = [column.example] * height
        columns[f"c{i}"] = pl.Series(values, dtype=pl.String)
    return pl.DataFrame(columns)


def _value(record: dict[str, Any], i: int) -> object:
    column = SHEET.columns[i]
    if column.kind is Kind.AMOUNT:
        micro, places = record[column.name + MICRO], record[column.name + PLACES]
        value = amount_of(micro, places)
        return (value, value.as_tuple().exponent)
    return record[column.name]


def _parsed(i: int, cell: str) -> object:
    column = SHEET.columns[i]
    value = PARSERS[column.kind](column, cell)
    return (value, value.as_tuple().exponent) if isinstance(value, Decimal) else value


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_text_year_and_amount_cells_are_read_as_the_per_cell_rules_say(data):
    frame = _frame(data)

    checked = validate(SHEET, frame, POSITIONS, RULEBOOK, None)

    expected_rows: dict[int, list[object]] = {}
    expected_errors: list[tuple[int, int, str, object, str]] = []
    for record in frame.iter_rows(named=True):
        values: list[object] = []
        for i in CHECKED:
            cell = record[f"c{i}"] or ""
            try:
                values.append(_parsed(i, cell))
            except cells.CellProblem as problem:
                expected_errors.append((record[ROW], i, SHEET.columns[i].name, cell, problem.text.render()))
        if len(values) == len(CHECKED):
            expected_rows[record[ROW]] = values
    rows = {record[ROW]: [_value(record, i) for i in CHECKED] for record in checked.frame.iter_rows(named=True)}
    errors = [(row, i, name, value, message.render()) for row, i, name, value, message in checked.errors]
    assert rows == expected_rows
    assert errors == expected_errors
