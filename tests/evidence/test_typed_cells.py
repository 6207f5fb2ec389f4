"""A sheet fastexcel cannot type (text and numbers mixed in a column, TRUE/FALSE or dates
among them) is read from calamine's typed cells. Each mixed column is read as the type most
of its cells have, and only the cells of another type go to the per-cell rules typed: the
rows kept, their values and every error are what they were when every cell of such a column
went to the per-cell rules (`typed_frame_before`, the reading this replaced)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from filings.evidence import xlsx_source
from filings.evidence.errors import ErrorLog, format_cell
from filings.evidence.frames import ROW
from filings.evidence.schema import SHEETS_BY_NAME
from filings.evidence.sheets import SheetReader, is_blank
from filings.rules import load_rulebook
from tests.evidence.factories import EvidenceFiles, errors_of

RULEBOOK = load_rulebook()
SHEET = SHEETS_BY_NAME["critical_minerals"]

TEXTS = st.sampled_from([
    "CM-1", "CM-2", "lithium", "Nickel", "cobalt ", "US", "ca", " JP", "yes", "No", "NO",
    "12.50", "0012", " 3.1 ", "1,234", "", "  ", "abc", "Co., Ltd.", "x\u200by", "1001", "-5",
])  # fmt: skip
NUMBERS = st.sampled_from([
    0.0, 1.0, 1001.0, 12.5, 0.1, 2.675, 1e20, 123456789012.3456, 0.30000000000000004, -5.0,
    2024.0, 1e-7, 3, 1001, 0,
])  # fmt: skip
CELLS = st.one_of(
    TEXTS, NUMBERS, st.booleans(), st.none(),
    st.dates(dt.date(1999, 1, 1), dt.date(2030, 12, 31)),
    st.datetimes(dt.datetime(1999, 1, 1), dt.datetime(2030, 12, 31)),
)  # fmt: skip


def typed_frame_before(reader: SheetReader, rows: Sequence[Sequence[object]], first_row: int) -> None:
    """The reading before: every cell of a mixed column as its text, all marked typed."""
    width = max((len(r) for r in rows), default=0)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    data: dict[str, pl.Series] = {ROW: pl.Series(range(first_row, first_row + len(rows)), dtype=pl.Int64)}
    mixed: set[int] = set()
    for index, column in enumerate(columns):
        types = set(map(type, column)) - {type(None)}
        if types <= {str}:
            data[f"c{index}"] = pl.Series(column, dtype=pl.String)
        elif types <= {float, int}:
            data[f"c{index}"] = pl.Series([None if v is None else float(v) for v in column], dtype=pl.Float64)
        else:
            mixed.add(index)
            data[f"c{index}"] = pl.Series([None if is_blank(v) else format_cell(v) for v in column],
                                          dtype=pl.String)

    def typed(positions: Sequence[tuple[int, int]]) -> dict[tuple[int, int], object]:
        return {(row, index): columns[index][row - first_row] for row, index in positions}

    def always_typed(index: int, column: object) -> pl.Expr:
        return pl.lit(index in mixed)

    reader.rows(pl.DataFrame(data), typed, always_typed)


def read(rows: list[list[object]], how: str) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    errors = ErrorLog()
    reader = SheetReader(SHEET, RULEBOOK, errors)
    reader.header(1, list(SHEET.column_names))
    if how == "now":
        xlsx_source.typed_frame(reader, rows, 2, 0, ())
    else:
        typed_frame_before(reader, rows, 2)
    reader.finish()
    return reader.validated(), [error.to_dict() for error in errors.errors()]


# A column: mostly one kind of cell, or any mix.
COLUMN = st.one_of(
    st.lists(st.one_of(TEXTS, TEXTS, TEXTS, CELLS), min_size=1, max_size=12),
    st.lists(st.one_of(NUMBERS, NUMBERS, NUMBERS, CELLS), min_size=1, max_size=12),
    st.lists(CELLS, min_size=1, max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(columns=st.lists(COLUMN, min_size=len(SHEET.columns), max_size=len(SHEET.columns)))
@example(columns=[["CM-1", 1001.0]] + [["lithium", True]] + [["A", None]] * 4
         + [[12.5, "12.50"]] + [["no", dt.date(2024, 1, 1)]] * 2)
def test_mixed_columns_read_as_every_cell_typed_read_them(columns):
    height = max(map(len, columns))
    rows = [[column[i] if i < len(column) else None for column in columns] for i in range(height)]

    now_frame, now_errors = read(rows, "now")
    before_frame, before_errors = read(rows, "before")

    assert now_errors == before_errors
    assert_frame_equal(now_frame, before_frame)


def test_a_mixed_sheet_is_read_in_slices_as_it_is_read_whole(tmp_path, monkeypatch):
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 3, "value_usd", "1,234.50")  # text among the amounts
    files.set("critical_minerals", 2, "line_id", 1001)  # a number among the ids
    files.set("critical_minerals", 4, "feoc", True)
    path = files.write_xlsx(tmp_path / "evidence.xlsx")
    whole = errors_of([path])

    monkeypatch.setattr(xlsx_source, "VALIDATE_ROWS", 1)

    assert errors_of([path]) == whole
    assert [(e["row"], e["column"]) for e in whole] == [(3, "value_usd"), (4, "feoc")]


def test_cells_equal_in_python_but_not_in_type_are_judged_each_as_itself(tmp_path):
    # The per-cell rules judge each distinct cell once; True == 1 == 1.0 in Python, but a
    # TRUE/FALSE cell is refused where the number 1 is text "1".
    files = EvidenceFiles.valid()
    files.set("critical_minerals", 2, "supplier", True)
    files.set("critical_minerals", 3, "supplier", 1)

    errors = errors_of([files.write_xlsx(tmp_path / "evidence.xlsx")])

    assert [(e["row"], e["column"]) for e in errors] == [(2, "supplier")]
    assert "TRUE/FALSE" in errors[0]["message"]
