"""Few-valued columns (codes, countries, yes/no): a slice whose cells are all written as the
column's values is checked by a cast to their Enum (`frames._by_canonical_value`); a slice
with any other cell is checked a distinct text at a time (`frames._by_distinct_value`). Both
accept and give exactly what the per-cell rules in `cells.py` accept and give."""

from __future__ import annotations

from typing import Any
from unittest import mock

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filings.evidence import cells, frames
from filings.evidence.frames import COUNTRY_CODES, ROW, validate
from filings.evidence.schema import CRITICAL_MINERALS, SHEETS, YES_NO, Column, Kind
from filings.rules import load_rulebook

RULEBOOK = load_rulebook()
SHEET = CRITICAL_MINERALS
POSITIONS = list(range(len(SHEET.columns)))
FEW = [i for i, c in enumerate(SHEET.columns) if c.kind in frames._FEW_VALUES]
MINERALS = SHEET.columns[1].allowed_codes(RULEBOOK)


def _canonical(column: Column) -> tuple[str, ...]:
    if column.kind is Kind.CODE:
        return column.allowed_codes(RULEBOOK)
    return YES_NO if column.kind is Kind.YES_NO else COUNTRY_CODES


def _variants(value: str) -> st.SearchStrategy[str]:
    """Ways a person writes a value that are not the value itself, valid or not."""
    return st.sampled_from([
        value.upper(), value.lower(), value.title(), f" {value}", f"{value}\t", f"\u00a0{value}",
        f"{value}\u2003", f"{value}\x1f", value[:-1], value + value[-1], f"'{value}", value.replace("i", "\u0131"),
        f"{value}%", "\uff35\uff33",
    ])


_OTHER = st.sampled_from(["", "   ", "\t", "\u00a0", "-", "0", "1", "UK", "uk", "xx", "y", "n", "true",
                          "lithium ore", "rare_earths", "Ni", "é", "ß", "\u212a"])


def _cell(column: Column, canonical_only: bool) -> st.SearchStrategy[str | None]:
    values = st.sampled_from(_canonical(column))
    if canonical_only:
        empty = st.sampled_from([None, ""]) if column.kind is Kind.OPTIONAL_COUNTRY else st.nothing()
        return values | empty
    return values | values.flatmap(_variants) | _OTHER | st.none() | st.text(max_size=4)


def _frame(data: st.DataObject, canonical_only: bool) -> pl.DataFrame:
    height = data.draw(st.integers(1, 40))
    columns: dict[str, Any] = {ROW: pl.Series(range(2, 2 + height), dtype=pl.Int64)}
    for i, column in enumerate(SHEET.columns):
        if column.kind in frames._FEW_VALUES:
            cells_of = data.draw(st.lists(_cell(column, canonical_only), min_size=height, max_size=height))
        elif column.kind is Kind.ID:
            cells_of = [f"CM-{n}" for n in range(height)]
        elif column.kind is Kind.AMOUNT:
            cells_of = ["12.50"] * height
        else:
            cells_of = ["Andes Co"] * height
        columns[f"c{i}"] = pl.Series(cells_of, dtype=pl.String)
    return pl.DataFrame(columns)


def _parse(column: Column, cell: object) -> object:
    if column.kind is Kind.CODE:
        listed = column.allowed_codes(RULEBOOK)
        return cells.parse_code(column, cell, frozenset(listed), listed)
    if column.kind is Kind.YES_NO:
        return cells.parse_yes_no(column, cell)
    if column.kind in (Kind.COUNTRY, Kind.OPTIONAL_COUNTRY):
        return cells.parse_country(column, cell)
    return cells.parse_text(column, cell) if column.kind is not Kind.AMOUNT else None


def _as_the_rules_say(frame: pl.DataFrame) -> tuple[dict[int, list[object]], list[tuple[int, int, str, object, str]]]:
    """Each accepted row's few-valued cells as the per-cell rules give them, and the errors."""
    accepted: dict[int, list[object]] = {}
    errors: list[tuple[int, int, str, object, str]] = []
    for record in frame.iter_rows(named=True):
        values: list[object] = []
        refused = False
        for i in FEW:
            column = SHEET.columns[i]
            cell = record[f"c{i}"]
            cell = "" if cell is None else cell
            try:
                values.append(_parse(column, cell))
            except cells.CellProblem as problem:
                errors.append((record[ROW], i, column.name, cell, problem.text.render()))
                refused = True
        if not refused:
            accepted[record[ROW]] = values
    return accepted, errors


def _outcome(checked: frames.Validated) -> tuple[dict[int, list[object]], list[tuple[int, int, str, object, str]]]:
    names = [SHEET.columns[i].name for i in FEW]
    accepted = {record[0]: list(record[1:]) for record in checked.frame.select(ROW, *names).iter_rows()}
    errors = [(row, i, name, value, message.render()) for row, i, name, value, message in checked.errors]
    return accepted, errors


@settings(max_examples=200, deadline=None)
@given(data=st.data(), canonical_only=st.booleans())
def test_few_valued_cells_are_accepted_and_refused_as_the_per_cell_rules_say(data, canonical_only):
    frame = _frame(data, canonical_only)

    checked = validate(SHEET, frame, POSITIONS, RULEBOOK, None)

    assert _outcome(checked) == _as_the_rules_say(frame)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), canonical_only=st.booleans(), typed_rows=st.sets(st.integers(2, 41), max_size=5),
       typed_column=st.sampled_from(FEW))
def test_the_cast_gives_what_the_distinct_value_check_gives(data, canonical_only, typed_rows, typed_column):
    """The same frame, errors and ids, also where an XLSX reader marks cells to read typed."""
    frame = _frame(data, canonical_only)

    def always_typed(index: int) -> pl.Expr:
        return pl.col(ROW).is_in(sorted(typed_rows)) if index == typed_column else pl.lit(False)

    for marked in (None, always_typed):
        fast = validate(SHEET, frame, POSITIONS, RULEBOOK, None, marked)
        with mock.patch.object(frames, "_canonical_enum", return_value=None):
            distinct = validate(SHEET, frame, POSITIONS, RULEBOOK, None, marked)
        assert fast.frame.schema == distinct.frame.schema
        assert fast.frame.to_dicts() == distinct.frame.to_dicts()
        assert fast.errors == distinct.errors
        assert fast.ids is not None and distinct.ids is not None
        assert fast.ids.to_dicts() == distinct.ids.to_dicts()


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_a_slice_written_in_the_columns_values_is_checked_without_a_distinct_value_pass(data):
    frame = _frame(data, canonical_only=True)

    with mock.patch.object(frames, "_by_distinct_value", side_effect=AssertionError("distinct pass")):
        checked = validate(SHEET, frame, POSITIONS, RULEBOOK, None)

    assert checked.frame.height == frame.height


@pytest.mark.parametrize(
    "column", [c for s in SHEETS for c in s.columns if c.kind in frames._FEW_VALUES], ids=lambda c: c.name)
def test_every_few_valued_column_has_its_values_enum(column):
    enum = frames._canonical_enum(column, RULEBOOK)

    assert enum is not None
    assert enum.categories.to_list() == list(_canonical(column))


def test_values_a_cell_check_would_change_have_no_enum():
    shouting = Column("shouting", Kind.CODE, "", "", codes=lambda _: ("LITHIUM", "nickel"))
    padded = Column("padded", Kind.CODE, "", "", codes=lambda _: (" lithium", "nickel"))

    assert frames._canonical_enum(shouting, RULEBOOK) is None
    assert frames._canonical_enum(padded, RULEBOOK) is None
    assert MINERALS  # the rulebook's minerals are the codes the properties draw from


def _written_otherwise(column: Column) -> st.SearchStrategy[str | None]:
    """Valid cells the vectorised check accepts though they are not written as the value."""
    def variants(value: str) -> st.SearchStrategy[str]:
        return st.sampled_from([value.upper(), value.title(), f" {value}", f"{value}\t", f"  {value.upper()} "])

    cell = st.sampled_from(_canonical(column)).flatmap(variants)
    return cell | st.just("  ") if column.kind is Kind.OPTIONAL_COUNTRY else cell


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_valid_cells_not_written_as_the_values_are_not_left_to_the_per_cell_rules(data):
    """A slice with such cells is checked again a distinct text at a time, in polars: none of
    its cells goes to Python's per-cell rules."""
    frame = _frame(data, canonical_only=True)
    column = data.draw(st.sampled_from(FEW))
    changed = data.draw(st.lists(_written_otherwise(SHEET.columns[column]), min_size=frame.height,
                                 max_size=frame.height))
    frame = frame.with_columns(pl.Series(f"c{column}", changed, dtype=pl.String))
    expected = _as_the_rules_say(frame)

    with mock.patch.object(frames, "_parser", return_value=mock.Mock(side_effect=AssertionError("per cell"))):
        checked = validate(SHEET, frame, POSITIONS, RULEBOOK, None)

    assert _outcome(checked) == expected
    assert not expected[1]
