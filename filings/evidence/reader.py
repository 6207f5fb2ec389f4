"""`read_evidence`: one .xlsx workbook, or the CSV files, in; the engine's Evidence out.

`read_frames` gives each sheet's validated rows as a polars DataFrame (a `row` column holds
the spreadsheet row numbers); `read_evidence` sums them by key into the engine's Evidence.

Pure Python (no Django), so the web app, Celery tasks and the CLI share it. Every problem
becomes an `EvidenceError`; bad input never escapes as an unhandled exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from filings.evidence.book import Book, group
from filings.evidence.csv_source import CsvProblem, read_csv_sheet
from filings.evidence.errors import ErrorLog, EvidenceInvalid, StopReading, size_text
from filings.evidence.frames import with_decimals
from filings.evidence.schema import MAX_SHEET_ROWS, SHEETS, SHEETS_BY_NAME
from filings.evidence.xlsx_source import read_xlsx
from filings.evidence.zip_preflight import XlsxProblem, ZipLimits
from filings.rules.inputs import Evidence
from filings.rules.rulebook import Rulebook, load_rulebook
from filings.rules.text import N_, Text, text

EVIDENCE_MAX_BYTES = 50 * 1024 * 1024
_FORMS = Text(
    N_("upload one .xlsx workbook, or CSV files named %(files)s (vins.csv is optional)"),
    (("files", ", ".join(sheet.name + ".csv" for sheet in SHEETS)),),
)
_UNREADABLE = N_("%(name)s could not be read (%(error)s)")
_TOO_LARGE = N_("%(name)s is %(size)s; at most %(limit)s is accepted per file")
_EMPTY_FOLDER = N_("the folder is empty: %(forms)s")
_NO_FILES = N_("no files given: %(forms)s")
_FOLDER_INSIDE = N_("%(name)s is a folder inside the upload: %(forms)s")
_NO_SUCH_FILE = N_("%(name)s: no such file")
_NEITHER = N_("%(name)s is neither an .xlsx workbook nor a .csv file: %(forms)s")
_MIXED = N_("%(count)s files mix forms or give several workbooks: %(forms)s")


def read_evidence(
    paths: Sequence[Path],
    *,
    rulebook: Rulebook | None = None,
    max_bytes: int = EVIDENCE_MAX_BYTES,
    zip_limits: ZipLimits | None = None,
    max_sheet_rows: int = MAX_SHEET_ROWS,
) -> Evidence:
    """Read and validate evidence from one .xlsx, several .csv files, or a folder of either.

    Raises EvidenceInvalid listing every problem (at most 200, then a summary). Each file may
    be at most `max_bytes` long; `zip_limits` caps what an .xlsx may expand to; each sheet (a
    workbook's or a CSV file's) may have at most `max_sheet_rows` rows, its header included.
    """
    frames = _read(list(paths), rulebook, max_bytes, zip_limits, max_sheet_rows)
    return group(frames)


def read_frames(
    paths: Sequence[Path],
    *,
    rulebook: Rulebook | None = None,
    max_bytes: int = EVIDENCE_MAX_BYTES,
    zip_limits: ZipLimits | None = None,
    max_sheet_rows: int = MAX_SHEET_ROWS,
) -> dict[str, pl.DataFrame]:
    """Each sheet's validated rows by sheet name, as `read_evidence` takes them; the same
    arguments and errors. Amounts come as Decimal(38, 6) columns (with exact micro-units and
    the decimal places as written beside them); an optional sheet not given has no rows."""
    frames = _read(list(paths), rulebook, max_bytes, zip_limits, max_sheet_rows)
    return {name: with_decimals(frame, SHEETS_BY_NAME[name]) for name, frame in frames.items()}


def _read(
    paths: list[Path],
    rulebook: Rulebook | None,
    max_bytes: int,
    zip_limits: ZipLimits | None,
    max_sheet_rows: int,
) -> dict[str, pl.DataFrame]:
    errors = ErrorLog()
    book = Book(rulebook or load_rulebook(), errors)
    files = _files(list(paths), errors)
    if errors:
        raise EvidenceInvalid(errors.errors())
    try:
        for path in files:
            try:
                _read_file(path, book, max_bytes, zip_limits or ZipLimits(), max_sheet_rows)
            except OSError as exc:
                errors.add(None, None, None, None, text(_UNREADABLE, name=path.name, error=str(exc.strerror)))
                raise StopReading from None
    except StopReading:
        raise EvidenceInvalid(errors.errors()) from None
    return book.frames()


def _read_file(path: Path, book: Book, max_bytes: int, zip_limits: ZipLimits, max_rows: int) -> None:
    size = path.stat().st_size
    if size > max_bytes:
        book.errors.add(
            None,
            None,
            None,
            None,
            text(_TOO_LARGE, name=path.name, size=size_text(size), limit=size_text(max_bytes)),
        )
        raise StopReading
    if path.suffix.lower() == ".xlsx":
        try:
            read_xlsx(path, path.name, book, zip_limits, max_rows)
        except XlsxProblem as problem:
            book.errors.add(problem.sheet, None, None, None, problem.text)
            raise StopReading from None
        return
    reader = book.reader_for(path.stem, "file")
    if reader is None:
        return
    reader.seen = True
    try:
        read_csv_sheet(path, path.name, reader, max_rows)
    except CsvProblem as problem:
        book.errors.add(reader.sheet.name, None, None, None, problem.text)
        reader.usable = False


def _files(paths: list[Path], errors: ErrorLog) -> list[Path]:
    """The files to read: one .xlsx, or .csv files; anything else is an error."""
    if len(paths) == 1 and paths[0].is_dir():
        paths = sorted(p for p in paths[0].iterdir() if not p.name.startswith("."))
        if not paths:
            errors.add(None, None, None, None, text(_EMPTY_FOLDER, forms=_FORMS))
    elif not paths:
        errors.add(None, None, None, None, text(_NO_FILES, forms=_FORMS))
    forms: dict[str, list[Path]] = {".xlsx": [], ".csv": []}
    for path in paths:
        suffix = path.suffix.lower()
        if path.is_dir():
            errors.add(None, None, None, None, text(_FOLDER_INSIDE, name=path.name, forms=_FORMS))
        elif not path.is_file():
            errors.add(None, None, None, None, text(_NO_SUCH_FILE, name=path.name))
        elif suffix not in forms:
            errors.add(None, None, None, None, text(_NEITHER, name=path.name, forms=_FORMS))
        else:
            forms[suffix].append(path)
    workbooks, csvs = forms[".xlsx"], forms[".csv"]
    if len(workbooks) > 1 or (workbooks and csvs):
        errors.add(
            None,
            None,
            None,
            None,
            text(_MIXED, count=str(len(workbooks) + len(csvs)), forms=_FORMS),
        )
    return workbooks + csvs
