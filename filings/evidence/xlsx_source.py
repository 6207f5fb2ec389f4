"""XLSX: the ZIP preflight (`zip_preflight`), then fastexcel (Arrow, into polars) for the cells.

Hidden and very hidden sheets (`<sheet state=...>` in xl/workbook.xml, read as calamine reads
it) are refused, each named, before any sheet is read: what is assessed must be what a
reviewer who opens the workbook sees.

Formula and error cells, which calamine would silently replace by their cached value or by
an empty string, are located with openpyxl (read-only; it uses defusedxml) and refused, so
the values assessed are the values a reviewer sees in the workbook.

Each evidence sheet: its header row (the first row with a non-blank cell) is found by
streaming the worksheet XML up to it; then fastexcel loads every row below it at once, with
`dtype_coercion="strict"` over all rows, so each column comes either all text or all
numbers (Float64) - never a number turned into text, nor TRUE/FALSE turned into 1.0. A
column of another type (all TRUE/FALSE, all dates) is handed on with every cell marked for
the per-cell rules, and a sheet whose columns mix types is read as calamine types its cells
(`_read_typed_sheet`, a slice of rows at a time): a mixed column as the type most of its
cells have, its other cells marked for the per-cell rules. The few cells the per-cell rules
must see as typed values (failing cells, numbers formatted as percentages, which the
preflight finds from xl/styles.xml) are looked up with python-calamine, parsing the sheet
again only then.

fastexcel notes (0.21): `header_row=None, skip_rows=N` numbers rows from the sheet's row 1
(blank rows kept), starting at the first used column (`absolute_index`); strict coercion
raises `UnsupportedColumnTypeCombinationError` on mixed columns. calamine notes (python-
calamine 0.9): `iter_rows` starts at the sheet's first row even when the first rows are
blank (it pads them), but at the first used *column*; an empty sheet has `start` None.
"""

from __future__ import annotations

import itertools
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree  # type: ignore[import-untyped]
import fastexcel
import polars as pl
from python_calamine import CalamineSheet, CalamineWorkbook, SheetVisibleEnum

from filings.evidence.book import Book
from filings.evidence.cells import Percent
from filings.evidence.errors import StopReading, format_cell
from filings.evidence.frames import ROW
from filings.evidence.schema import MAX_SHEET_ROWS
from filings.evidence.sheets import VALIDATE_ROWS, SheetReader, column_letter, is_blank
from filings.evidence.zip_preflight import (
    _UNPARSED,
    _WORKBOOK,
    _WORKBOOK_RELS,
    RESAVE,
    XlsxProblem,
    ZipLimits,
    _column_number,
    _elements,
    _part_path,
    cell_of,
    preflight,
    sheet_names,
)
from filings.rules.text import N_, Text, text


class _EmptyColumnsAreText(logging.Filter):
    """fastexcel warns, once per column, that a column with no value in it (an optional one
    left empty, such as recycling_country) has no type to find and is read as text: what the
    reader wants, so the warning is dropped instead of filling the worker's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Could not determine dtype")


logging.getLogger("fastexcel.types.dtype").addFilter(_EmptyColumnsAreText())


def read_xlsx(
    path: Path, display_name: str, book: Book, limits: ZipLimits, max_rows: int = MAX_SHEET_ROWS
) -> None:
    checked = preflight(path, display_name, limits, max_rows)
    try:
        with zipfile.ZipFile(path) as archive:
            layout = _Layout.of(archive)
            if layout.states is None:  # the list of sheets is unreadable here: calamine's word
                with CalamineWorkbook.from_path(str(path)) as calamine:
                    hidden = _report_hidden_sheets(_calamine_states(calamine), book)
            else:
                hidden = _report_hidden_sheets(layout.states, book)
            formulas = _report_formula_cells(path, display_name, book) if checked.has_formulas else 0
            if hidden or formulas:
                raise StopReading  # what would be read is not what a reviewer sees
            workbook = fastexcel.read_excel(path)
            for name in workbook.sheet_names:
                reader = book.reader_for(name, "sheet")
                if reader is not None:
                    percent = checked.percent_cells.get(name, ())
                    _read_sheet(path, archive, layout, workbook, name, reader, percent)
    except BaseException as exc:
        if isinstance(exc, XlsxProblem | StopReading) or not _is_reader_failure(exc):
            raise
        raise XlsxProblem(
            text(_UNREADABLE, name=display_name, error=f"{type(exc).__name__}: {str(exc)[:200]}",
                 resave=RESAVE)
        ) from None


def _is_reader_failure(exc: BaseException) -> bool:
    # calamine raises CalamineError subclasses, and a Rust panic surfaces as pyo3's
    # PanicException, which derives from BaseException; neither may escape as a crash.
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


@dataclass
class _Layout:
    """What xl/workbook.xml and its relationships say: each sheet's state and part."""

    states: list[tuple[str, str]] | None  # (name, state) in order; None if unreadable here
    parts: dict[str, str]  # sheet name -> worksheet part
    shared_strings: str

    @classmethod
    def of(cls, archive: zipfile.ZipFile) -> _Layout:
        try:
            sheets = _elements(archive, _WORKBOOK, "sheet")
            relationships = _elements(archive, _WORKBOOK_RELS, "Relationship")
        except _UNPARSED:
            return cls(None, {}, _SHARED_STRINGS)
        strings = next(
            (
                _part_path(r.get("Target", ""))
                for r in relationships
                if r.get("Type", "").endswith("/sharedStrings")
            ),
            _SHARED_STRINGS,
        )
        states = [(e["name"], e.get("state", "visible")) for e in sheets if e.get("name")]
        parts = {name: part for part, name in sheet_names(archive).items()}
        return cls(states or None, parts, strings)


_SHARED_STRINGS = "xl/sharedStrings.xml"


def _read_sheet(
    path: Path,
    archive: zipfile.ZipFile,
    layout: _Layout,
    workbook: fastexcel.ExcelReader,
    name: str,
    reader: SheetReader,
    percent: Sequence[int],
) -> None:
    """One sheet through fastexcel: its header row found in the XML, then every row below it
    loaded at once, each column typed strictly (all text, or all numbers); a sheet fastexcel
    cannot type that way is read as calamine types its cells (`_read_typed_sheet`)."""
    part = layout.parts.get(name)
    if part is None or part not in archive.NameToInfo:
        _read_with_calamine(path, name, reader, percent)
        return
    found = _header_row(archive, part)
    if found is None:
        reader.empty()
        return
    header_row, header_cells = found
    try:
        sheet = workbook.load_sheet(
            name, header_row=header_row - 1, dtype_coercion="strict", schema_sample_rows=None
        )
        loaded = sheet.to_polars()
        # Every column is selected (no use_columns), so these are the available ones, without
        # `available_columns()`, which types every column over every row again (0.6-0.9 s at
        # a million rows).
        columns = sheet.selected_columns
    except fastexcel.UnsupportedColumnTypeCombinationError:
        _read_with_calamine(path, name, reader, percent)
        return
    if not _resolve_shared(header_cells, columns, archive, layout.shared_strings):
        _read_with_calamine(path, name, reader, percent)  # the header row is blank after all
        return
    first_column = columns[0].absolute_index if columns else min(header_cells)
    header_cells = {column: "" if isinstance(v, _Shared) else v for column, v in header_cells.items()}
    width = max(len(columns), max(header_cells) - first_column + 1)
    reader.first_column = first_column
    reader.header(header_row, [header_cells.get(first_column + i, "") for i in range(width)])
    frame, untyped = _as_cells(loaded, header_row + 1)
    marked = _percent_positions(percent, first_column)
    typed = _CalamineCells(path, name, marked, first_column)

    def always_typed(index: int, column: object) -> pl.Expr:
        if index in untyped:
            return pl.lit(True)
        rows_marked = [row for row, i in marked if i == index]
        return pl.col(ROW).is_in(rows_marked) if rows_marked else pl.lit(False)

    reader.rows(frame, typed, always_typed)


def _as_cells(loaded: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, set[int]]:
    """fastexcel's columns as c0, c1, ... (text or Float64) and `row`; the indexes of columns
    of another type (TRUE/FALSE, dates), whose cells the per-cell rules must see typed."""
    untyped: set[int] = set()
    columns: list[pl.Expr] = []
    for index, (name, dtype) in enumerate(loaded.schema.items()):
        if dtype == pl.String:
            expression = pl.col(name)
        elif dtype.is_numeric():
            expression = pl.col(name).cast(pl.Float64)
        else:
            untyped.add(index)
            expression = pl.col(name).cast(pl.String)
        columns.append(expression.alias(f"c{index}"))
    frame = loaded.select(columns).with_row_index(ROW, offset=first_row)
    return frame.with_columns(pl.col(ROW).cast(pl.Int64)), untyped


class _CalamineCells:
    """Cells as calamine types them, for the few the per-cell rules must see: the sheet is
    parsed again only when one is asked for."""

    def __init__(self, path: Path, name: str, percent: set[tuple[int, int]], first_column: int) -> None:
        self._path = path
        self._name = name
        self._percent = percent
        self._first_column = first_column

    def __call__(self, positions: Sequence[tuple[int, int]]) -> dict[tuple[int, int], object]:
        wanted = set(positions)
        found: dict[tuple[int, int], object] = {}
        with CalamineWorkbook.from_path(str(self._path)) as workbook:
            sheet = workbook.get_sheet_by_name(self._name)
            start = sheet.start
            if start is None:
                return found
            shift = self._first_column - start[1]
            last = max(row for row, _ in wanted)
            by_row: dict[int, list[int]] = {}
            for row, index in wanted:
                by_row.setdefault(row, []).append(index)
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                if number > last:
                    break
                for index in by_row.get(number, ()):
                    at = index + shift
                    value: object = cells[at] if 0 <= at < len(cells) else ""
                    if (number, index) in self._percent and isinstance(value, float | int) and not isinstance(
                        value, bool
                    ):
                        value = Percent(value, f"{column_letter(index + self._first_column)}{number}")
                    found[number, index] = value
        return found


def _read_with_calamine(path: Path, name: str, reader: SheetReader, percent: Sequence[int]) -> None:
    with CalamineWorkbook.from_path(str(path)) as workbook:
        _read_typed_sheet(workbook.get_sheet_by_name(name), reader, percent)


@dataclass(frozen=True)
class _Shared:
    """A header cell holding shared string `index` (looked up later)."""

    index: int


def _resolve_shared(
    cells: dict[int, object], columns: Sequence[Any], archive: zipfile.ZipFile, part: str
) -> bool:
    """Put each shared string's text in the header cells; False if the row is blank.

    fastexcel has looked them up as the column names; where it may have renamed one (two
    header cells alike get "name" and "name_1") the shared strings part is read instead,
    as far as the row needs (a workbook's last sheet may need most of it).
    """
    shared = {column: cell.index for column, cell in cells.items() if isinstance(cell, _Shared)}
    if not shared:
        return any(not is_blank(v) for v in cells.values())
    names = {c.absolute_index: c.name for c in columns if c.column_name_from == "looked_up"}
    found = [names.get(column) for column in shared]
    known = set(names.values())
    renamed = any(
        name is None or (name.rpartition("_")[2].isdigit() and name.rpartition("_")[0] in known)
        for name in found
    )
    if renamed or len(set(shared.values())) < len(shared):
        strings = _shared_strings(archive, part, max(shared.values()))
        cells.update({column: strings.get(index, "") for column, index in shared.items()})
    else:
        cells.update({column: names[column] for column in shared})
    return any(not is_blank(v) for v in cells.values())


def _header_row(archive: zipfile.ZipFile, part: str) -> tuple[int, dict[int, object]] | None:
    """The sheet's first row holding a non-blank cell, as (row number, {column: value}).

    Streamed from the worksheet XML (defusedxml), stopping at that row. Values are what
    calamine gives: text, numbers as float, TRUE/FALSE as bool; a shared string is left as
    `_Shared` (any shared string counts as non-blank here; `_resolve_shared` checks).
    """
    number = 0
    with archive.open(part) as xml:
        cells: dict[int, object] = {}
        for _, element in SafeElementTree.iterparse(xml, events=("end",)):
            tag = element.tag.rpartition("}")[2]
            if tag == "c":
                reference = element.get("r", "")
                letters = reference.rstrip("0123456789")
                column = _column_number(letters.encode()) - 1
                kind = element.get("t", "n")
                value: object = None
                if kind == "inlineStr":
                    value = "".join(
                        t.text or "" for t in element.iter() if t.tag.rpartition("}")[2] == "t"
                    )
                else:
                    v = next((c for c in element if c.tag.rpartition("}")[2] == "v"), None)
                    text = None if v is None else v.text
                    if text is not None:
                        if kind == "s":
                            value = _Shared(int(text))
                        elif kind == "b":
                            value = text.strip() == "1"
                        elif kind in ("str", "e", "d"):
                            value = text
                        else:
                            try:
                                value = float(text)
                            except ValueError:
                                value = text
                if value is not None:
                    cells[column] = value
            elif tag == "row":
                number = int(element.get("r") or number + 1)
                if any(isinstance(v, _Shared) or not is_blank(v) for v in cells.values()):
                    return number, cells
                cells = {}
                element.clear()
    return None


def _shared_strings(archive: zipfile.ZipFile, part: str, last: int) -> dict[int, str]:
    """The shared strings 0 to `last` (each `<si>`'s text runs, without phonetic ones)."""
    found: dict[int, str] = {}
    if part not in archive.NameToInfo:
        return found
    index = 0
    with archive.open(part) as xml:
        for _, element in SafeElementTree.iterparse(xml, events=("end",)):
            if element.tag.rpartition("}")[2] != "si":
                continue
            texts = []
            for child in element:
                local = child.tag.rpartition("}")[2]
                if local == "t":
                    texts.append(child.text or "")
                elif local == "r":
                    texts.extend(t.text or "" for t in child if t.tag.rpartition("}")[2] == "t")
            found[index] = "".join(texts)
            element.clear()
            index += 1
            if index > last:
                break
    return found


def _read_typed_sheet(sheet: CalamineSheet, reader: SheetReader, percent: Sequence[int] = ()) -> None:
    """The sheet as calamine types its cells, every cell a Python value: the way for sheets
    whose columns fastexcel cannot type (text and numbers mixed in a column, TRUE/FALSE...).
    The rows are taken from calamine's iterator a slice at a time, so that only a slice's
    cells exist as Python objects at once."""
    start = sheet.start
    if start is None:
        reader.empty()
        return
    reader.first_column = start[1]
    rows = iter(sheet.iter_rows())  # from row 1, blank rows above the first padded
    number = 0
    for cells in rows:
        number += 1
        if not all(map(is_blank, cells)):
            reader.header(number, cells)
            break
    else:
        reader.empty()
        return
    first_row = number + 1
    while piece := list(itertools.islice(rows, VALIDATE_ROWS)):
        typed_frame(reader, piece, first_row, start[1], percent)
        first_row += len(piece)


def typed_frame(
    reader: SheetReader, rows: Sequence[Sequence[object]], first_row: int, first_column: int,
    percent: Sequence[int],
) -> None:
    """Rows of typed cells (calamine's) as a frame: a column of text or of numbers stays as it
    is. A column that mixes them (numbers among text ids, text among amounts, TRUE/FALSE or
    dates anywhere) is read as the type most of its cells have, numbers or text, and each
    cell of another type stands in it as a placeholder (NaN among numbers, its text among
    text), marked for the per-cell rules, which see the typed cell. Only those cells go to
    Python one by one: the vectorised checks take text as text and numbers as numbers alike
    in any column. Blank cells stay blank."""
    width = max((len(r) for r in rows), default=0)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    data: dict[str, pl.Series] = {ROW: pl.Series(range(first_row, first_row + len(rows)), dtype=pl.Int64)}
    others: dict[int, list[int]] = {}  # column index -> rows of the cells marked as typed
    for index, column in enumerate(columns):
        types = set(map(type, column)) - {type(None)}
        if types <= {str}:
            data[f"c{index}"] = pl.Series(column, dtype=pl.String)
        elif types <= {float, int}:
            data[f"c{index}"] = pl.Series([None if v is None else float(v) for v in column], dtype=pl.Float64)
        else:
            data[f"c{index}"], others[index] = _mixed_column(column, first_row)
    marked = _percent_positions(percent, first_column)

    def typed(positions: Sequence[tuple[int, int]]) -> dict[tuple[int, int], object]:
        found: dict[tuple[int, int], object] = {}
        for row, index in positions:
            value = columns[index][row - first_row]
            if (row, index) in marked and isinstance(value, float | int) and not isinstance(value, bool):
                value = Percent(value, f"{column_letter(index + first_column)}{row}")
            found[row, index] = value
        return found

    def always_typed(index: int, column: object) -> pl.Expr:
        rows_marked = [row for row, i in marked if i == index] + others.get(index, [])
        return pl.col(ROW).is_in(rows_marked) if rows_marked else pl.lit(False)

    reader.rows(pl.DataFrame(data), typed, always_typed)


def _is_number(value: object) -> bool:
    return type(value) is float or type(value) is int  # not bool, which is an int too


def _mixed_column(column: Sequence[object], first_row: int) -> tuple[pl.Series, list[int]]:
    """A column of cells of several types as numbers or as text, whichever most of its
    non-blank cells are; the rows of the cells of the other types, which stand in it as NaN
    (among numbers) or as their text (among text), for the per-cell rules to see typed."""
    numbers = sum(map(_is_number, column))
    filled = sum(1 for v in column if not is_blank(v))
    rows: list[int] = []
    if numbers * 2 >= filled:
        values: list[float | None] = []
        for row, value in enumerate(column, start=first_row):
            if _is_number(value):
                values.append(float(value))  # type: ignore[arg-type]
            elif is_blank(value):
                values.append(None)
            else:
                values.append(float("nan"))
                rows.append(row)
        return pl.Series(values, dtype=pl.Float64), rows
    texts: list[str | None] = []
    for row, value in enumerate(column, start=first_row):
        if isinstance(value, str):
            texts.append(value)
        elif value is None:
            texts.append(None)
        else:
            texts.append(format_cell(value))
            rows.append(row)
    return pl.Series(texts, dtype=pl.String), rows


def _percent_positions(percent: Sequence[int], first_column: int) -> set[tuple[int, int]]:
    """(row, file column index) of each number formatted as a percentage."""
    marked = set()
    for position in percent:
        row, column = cell_of(position)
        marked.add((row, column - first_column))
    return marked


# --- hidden sheets -----------------------------------------------------------------------


def _report_hidden_sheets(states: Sequence[tuple[str, str]], book: Book) -> int:
    """Name every hidden or very hidden sheet (Excel's `<sheet state=...>`): none is read."""
    found = 0
    for name, state in states:
        if state == "hidden":
            book.errors.add(name, None, None, None, Text(_HIDDEN))
        elif state == "veryHidden":
            book.errors.add(name, None, None, None, Text(_VERY_HIDDEN))
        else:
            continue
        found += 1
    return found


def _calamine_states(workbook: CalamineWorkbook) -> list[tuple[str, str]]:
    states = {SheetVisibleEnum.Hidden: "hidden", SheetVisibleEnum.VeryHidden: "veryHidden"}
    return [(sheet.name, states.get(sheet.visible, "visible")) for sheet in workbook.sheets_metadata]


_UNREADABLE = N_("%(name)s could not be read as a workbook (%(error)s); %(resave)s")
_HIDDEN = N_(
    "the sheet is hidden; every sheet of the workbook must be visible, so reviewers see all that "
    "was uploaded: unhide it in Excel (right-click any sheet tab, Unhide) or delete it, and "
    "upload again"
)
_VERY_HIDDEN = N_(
    "the sheet is very hidden (Excel's Unhide does not list it); every sheet of the workbook "
    "must be visible, so reviewers see all that was uploaded: copy the visible sheets into a new "
    "workbook (select their tabs, right-click, Move or Copy, To book: (new book), Create a copy), "
    "save it and upload that; or make the sheet visible in the Visual Basic editor (Alt+F11: "
    "select the sheet, set Visible to -1 - xlSheetVisible) and upload again"
)


# --- formula and error cells -------------------------------------------------------------


def _report_formula_cells(path: Path, name: str, book: Book) -> int:
    """Name every formula or error cell in the evidence sheets (openpyxl, read-only)."""
    import openpyxl  # only needed on this rare path

    workbook = None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
        return sum(
            _formula_cells_of(worksheet, book)
            for worksheet in workbook.worksheets
            if book.is_evidence_sheet(str(worksheet.title))
        )
    except Exception as exc:
        raise XlsxProblem(
            text(_FORMULAS_UNREADABLE, name=name, error=type(exc).__name__, resave=RESAVE)
        ) from None
    finally:
        if workbook is not None:
            workbook.close()


def _formula_cells_of(worksheet: Any, book: Book) -> int:
    found = 0
    names: dict[int, str] = {}
    for row in worksheet.iter_rows():
        cells = [cell for cell in row if getattr(cell, "value", None) is not None]
        if not names and cells:
            names = {cell.column: str(cell.value).strip() for cell in cells}
        for cell in cells:
            if cell.data_type in ("f", "e"):
                found += 1
                column = names.get(cell.column) or cell.column_letter
                book.errors.add(
                    str(worksheet.title),
                    cell.row,
                    column,
                    str(cell.value),
                    Text(_FORMULA)
                    if cell.data_type == "f"
                    else text(_EXCEL_ERROR, error=str(cell.value)),
                )
    return found


_FORMULAS_UNREADABLE = N_(
    "%(name)s has formula cells and could not be read to locate them (%(error)s); paste the "
    "values only and save again, or %(resave)s")
_FORMULA = N_(
    "holds a formula; evidence must be plain values: copy the cells and paste them back "
    "with Paste Special > Values"
)
_EXCEL_ERROR = N_("shows the Excel error %(error)s; correct the cell or clear it")
