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

from bisect import bisect_left
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from python_calamine import CalamineSheet, CalamineWorkbook, SheetVisibleEnum

from filings.evidence.book import Book
from filings.evidence.cells import Percent
from filings.evidence.errors import StopReading
from filings.evidence.schema import MAX_SHEET_ROWS
from filings.evidence.sheets import SheetReader, column_letter, is_blank
from filings.evidence.zip_preflight import RESAVE, XlsxProblem, ZipLimits, cell_of, cell_position, preflight

CHUNK_ROWS = 1024


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
    rows = iter(sheet.iter_rows())
    number = 0
    for cells in rows:
        number += 1
        if not all(map(is_blank, cells)):
            reader.header(number, cells)
            break
    else:
        reader.empty()
        return
    while chunk := list(islice(rows, CHUNK_ROWS)):
        numbers = range(number + 1, number + 1 + len(chunk))
        columns: list[Sequence[object]] = list(zip(*chunk, strict=True))
        if percent:
            _mark_percentages(columns, numbers, start[1], percent)
        reader.chunk(numbers, columns, text_only=False)
        number += len(chunk)


def _mark_percentages(
    columns: list[Sequence[object]], rows: range, first_column: int, percent: Sequence[int]
) -> None:
    """Put `Percent` in place of each number formatted as a percentage in the chunk's cells.

    The readers then refuse it, each in its column's terms; `percent` is in ascending order.
    """
    low = bisect_left(percent, cell_position(rows.start, 0))
    high = bisect_left(percent, cell_position(rows.stop, 0))
    for position in percent[low:high]:
        row, column = cell_of(position)
        index = column - first_column
        if not 0 <= index < len(columns):
            continue
        value = columns[index][row - rows.start]
        if isinstance(value, float | int) and not isinstance(value, bool):  # calamine read a number
            cells = columns[index] = list(columns[index])
            cells[row - rows.start] = Percent(value, f"{column_letter(column)}{row}")


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
