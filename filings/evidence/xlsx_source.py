"""XLSX: the ZIP preflight (`zip_preflight`), then python-calamine (Rust) for the cells.

Hidden and very hidden sheets (as calamine reads `<sheet state=...>` in xl/workbook.xml) are
refused, each named, before any sheet is read: what is assessed must be what a reviewer who
opens the workbook sees.

Formula and error cells, which calamine would silently replace by their cached value or by
an empty string, are located with openpyxl (read-only; it uses defusedxml) and refused, so
the values assessed are the values a reviewer sees in the workbook.

calamine notes (python-calamine 0.9): `iter_rows` starts at the sheet's first row even when
the first rows are blank (it pads them), but at the first used *column*; numbers arrive as
float, TRUE/FALSE as bool, date-formatted numbers as date/datetime/time, error cells and
formulas without a cached value as '', and a number formatted as a percentage as the number
(0.5 for a cell that shows 50%): the preflight finds such cells from xl/styles.xml, and they
are handed on as `Percent` to be refused. An empty sheet has `start` None, and `iter_rows` on
it panics, so it is never called there. A sheet is held as one dense block, which is why
the preflight bounds each sheet's used range first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from python_calamine import CalamineSheet, CalamineWorkbook, SheetVisibleEnum

from filings.evidence.book import Book
from filings.evidence.cells import Percent
from filings.evidence.errors import StopReading, format_cell
from filings.evidence.frames import ROW
from filings.evidence.schema import MAX_SHEET_ROWS
from filings.evidence.sheets import SheetReader, column_letter, is_blank
from filings.evidence.zip_preflight import RESAVE, XlsxProblem, ZipLimits, cell_of, preflight


def read_xlsx(
    path: Path, display_name: str, book: Book, limits: ZipLimits, max_rows: int = MAX_SHEET_ROWS
) -> None:
    checked = preflight(path, display_name, limits, max_rows)
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            hidden = _report_hidden_sheets(workbook, book)
            formulas = _report_formula_cells(path, display_name, book) if checked.has_formulas else 0
            if hidden or formulas:
                raise StopReading  # what would be read is not what a reviewer sees
            for name in workbook.sheet_names:
                reader = book.reader_for(name, "sheet")
                if reader is not None:
                    percent = checked.percent_cells.get(name, ())
                    _read_sheet(workbook.get_sheet_by_name(name), reader, percent)
    except BaseException as exc:
        if isinstance(exc, XlsxProblem | StopReading) or not _is_reader_failure(exc):
            raise
        raise XlsxProblem(
            f"{display_name} could not be read as a workbook ({type(exc).__name__}: "
            f"{str(exc)[:200]}); {RESAVE}"
        ) from None


def _is_reader_failure(exc: BaseException) -> bool:
    # calamine raises CalamineError subclasses, and a Rust panic surfaces as pyo3's
    # PanicException, which derives from BaseException; neither may escape as a crash.
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _read_sheet(sheet: CalamineSheet, reader: SheetReader, percent: Sequence[int] = ()) -> None:
    """Hand the sheet to its reader; `percent` says where numbers formatted as percentages stand."""
    start = sheet.start
    if start is None:
        reader.empty()
        return
    reader.first_column = start[1]
    rows = list(sheet.iter_rows())  # from row 1, blank rows above the first padded
    number = 0
    for cells in rows:
        number += 1
        if not all(map(is_blank, cells)):
            reader.header(number, cells)
            break
    else:
        reader.empty()
        return
    typed_frame(reader, rows[number:], number + 1, start[1], percent)


def typed_frame(
    reader: SheetReader, rows: Sequence[Sequence[object]], first_row: int, first_column: int,
    percent: Sequence[int],
) -> None:
    """Rows of typed cells (calamine's) as a frame: a column of text or of numbers stays as it
    is; any other column (TRUE/FALSE, dates, text and numbers mixed) goes as text, every cell
    marked for the per-cell rules, which see the typed cells."""
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
            texts = [None if is_blank(v) else format_cell(v) for v in column]
            data[f"c{index}"] = pl.Series(texts, dtype=pl.String)
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
        if index in mixed:
            return pl.lit(True)
        rows_marked = [row for row, i in marked if i == index]
        return pl.col(ROW).is_in(rows_marked) if rows_marked else pl.lit(False)

    reader.rows(pl.DataFrame(data), typed, always_typed)


def _percent_positions(percent: Sequence[int], first_column: int) -> set[tuple[int, int]]:
    """(row, file column index) of each number formatted as a percentage."""
    marked = set()
    for position in percent:
        row, column = cell_of(position)
        marked.add((row, column - first_column))
    return marked


# --- hidden sheets -----------------------------------------------------------------------


def _report_hidden_sheets(workbook: CalamineWorkbook, book: Book) -> int:
    """Name every hidden or very hidden sheet (Excel's `<sheet state=...>`): none is read."""
    found = 0
    for sheet in workbook.sheets_metadata:
        if sheet.visible == SheetVisibleEnum.Hidden:
            book.errors.add(sheet.name, None, None, None, _HIDDEN)
        elif sheet.visible == SheetVisibleEnum.VeryHidden:
            book.errors.add(sheet.name, None, None, None, _VERY_HIDDEN)
        else:
            continue
        found += 1
    return found


_EVERY_SHEET_SHOWN = "every sheet of the workbook must be visible, so reviewers see all that was uploaded"
_HIDDEN = (
    f"the sheet is hidden; {_EVERY_SHEET_SHOWN}: unhide it in Excel (right-click any sheet "
    "tab, Unhide) or delete it, and upload again"
)
_VERY_HIDDEN = (
    f"the sheet is very hidden (Excel's Unhide does not list it); {_EVERY_SHEET_SHOWN}: copy "
    "the visible sheets into a new workbook (select their tabs, right-click, Move or Copy, "
    "To book: (new book), Create a copy), save it and upload that; or make the sheet visible "
    "in the Visual Basic editor (Alt+F11: select the sheet, set Visible to -1 - "
    "xlSheetVisible) and upload again"
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
            f"{name} has formula cells and could not be read to locate them "
            f"({type(exc).__name__}); paste the values only and save again, or "
            f"{RESAVE}"
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
                    _FORMULA
                    if cell.data_type == "f"
                    else f"shows the Excel error {cell.value}; correct the cell or clear it",
                )
    return found


_FORMULA = (
    "holds a formula; evidence must be plain values: copy the cells and paste them back "
    "with Paste Special > Values"
)
