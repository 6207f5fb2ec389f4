"""CSV: polars reads a well-formed file; Python's `csv` module reads any other, exactly.

A file is strict UTF-8 (a BOM is allowed). The fast path hands the whole file to polars
(`pl.read_csv`, every column text, no schema inference), which parses it on every core and
gives one row per record, blank records included, so the spreadsheet row number is the
record's position. It is taken only when cheap checks say polars and `csv.reader` over
`open(path, newline="")` read the file alike (a property test holds them to that): the
header is the first line (its cells quoted or not), no NUL byte, no CR but in CRLF line
ends, every quote is part of a whole quoted cell, no cell near the limit on a line's length,
and polars itself finds nothing wrong (it refuses rows longer than the header, bad UTF-8).
The two checks that read the whole file (line ends, quotes) run on a thread of their own,
a piece at a time, while polars parses and the slices are validated, and are waited for
before the reading counts. Anything else (values past the last column, lines before the
header, old Mac line ends, malformed quoting, bad bytes) is read with the `csv` module,
which gives today's precise messages and line numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from filings.evidence.frames import ROW
from filings.evidence.schema import MAX_SHEET_ROWS, too_many_rows
from filings.evidence.sheets import VALIDATE_ROWS, SheetReader, is_blank
from filings.rules.text import N_, Text, text

MAX_LINE_CHARS = 1 << 20

_SNIFFS = (
    ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), N_("is UTF-32 text")),
    ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), N_("is UTF-16 text")),
    ((b"PK\x03\x04",), N_("is a ZIP archive (an XLSX workbook?), not a CSV file")),
    ((b"%PDF-",), N_("is a PDF document, not a CSV file")),
    ((b"\xd0\xcf\x11\xe0",), N_("is an old Excel (.xls) or Office document, not a CSV file")),
)
# Every quote in whole quoted cells, as the csv module (strict) reads them: a quote that opens
# a cell (at the start of the file, or after a comma or a line end), the quotes inside doubled,
# and one that closes it (before a comma, a line end or the end of the file). Polars is more
# lenient (it reads '""a""' or an unclosed '"' at the end of the file), so a file this does
# not match whole goes to the csv module. One match over the file, in C, with no object per
# cell: a file with every cell quoted (R's write.csv, pandas' QUOTE_ALL, many exports) has
# millions of them. Possessive repeats, so nothing is retried.
_WELL_QUOTED_FILE = re.compile(rb'(?:[^"]*+(?<![^,\r\n])"[^"]*+(?:""[^"]*+)*+"(?![^,\r\n]))*+[^"]*+')
# A CR not followed by LF: one search where two counts (CR, CRLF) are two passes.
_LONE_CR = re.compile(rb"\r(?:[^\n]|\Z)")
_SAVE_AS = Text(N_("save the sheet from your spreadsheet program as 'CSV UTF-8 (comma delimited)'"))
_SNIFFED = N_("%(name)s %(what)s; %(save_as)s")
_IN_FILE = N_("%(name)s: %(problem)s")
_NOT_COMMAS = N_(
    "%(name)s: the header row is not separated by commas (semicolons or tabs?); %(save_as)s")
_HEADER_NOT_CSV = N_(
    "%(name)s: the header row (line %(line)s) is not valid CSV; write the column names on one line")
_LINE_NOT_CSV = N_("%(name)s: line %(line)s is not valid CSV: %(reason)s")
_NOT_UTF8 = N_(
    "%(name)s: line %(line)s is not UTF-8 text (byte 0x%(byte)s); the file may be Latin-1 or "
    "Windows-1252 encoded; %(save_as)s")
_NUL_BYTE = N_(
    "%(name)s: line %(line)s contains a NUL byte, so this is not a text CSV file (UTF-16, or a "
    "binary file?); %(save_as)s")
_LINE_TOO_LONG = N_(
    "%(name)s: line %(line)s is longer than %(limit)s characters; a cell this long is not evidence")
_UNCLOSED_QUOTE = N_('a quoted cell is never closed (a " is missing)')
_AFTER_QUOTE = N_(
    'a closing quote must be followed by a comma or the end of the line; write a quote inside a '
    'quoted cell as ""')
_CELL_TOO_LONG = N_("a cell is longer than the limit of 131,072 characters")


class CsvProblem(Exception):
    """The file cannot be read any further; the message says why and how to fix it."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.render())
        self.text = message


def _too_many_rows(name: str, sheet: str, max_rows: int) -> CsvProblem:
    return CsvProblem(text(_IN_FILE, name=name, problem=too_many_rows(sheet, max_rows, max_rows, more=True)))


def read_csv_sheet(
    path: Path, display_name: str, reader: SheetReader, max_rows: int = MAX_SHEET_ROWS
) -> None:
    """Read one CSV file into its sheet reader; raises CsvProblem if the file is unreadable.

    A file with more than `max_rows` rows (records, as a spreadsheet numbers them) is refused.
    """
    data = path.read_bytes()
    _sniff(data[:8], display_name)
    too_many = _too_many_rows(display_name, reader.sheet.name, max_rows)
    fast = fast_batches(data, max_rows, VALIDATE_ROWS)
    if fast is not None:
        header_row, header, batches, plain = fast
        _refuse_other_separators(header, display_name)
        # The rows are validated as polars parses them, a slice at a time, so the whole file
        # is never held as text. Should polars refuse a later slice, what the first ones left
        # in the reader is undone and the csv module reads the file from the start.
        state, mark = reader.snapshot(), reader.errors.mark()
        try:
            reader.header(header_row, header)
            for batch in batches:
                if batch.get_column(ROW).max() > max_rows:  # type: ignore[operator]
                    raise too_many if plain() else NotFast
                reader.rows(batch)
            return
        except NotFast:
            reader.restore(state)
            reader.errors.rollback(mark)
    overflow: list[tuple[int, int, str]] = []
    parsed = read_exactly(data, display_name, max_rows, reader.sheet.name, overflow)
    del data
    if parsed is None:
        reader.empty()
        return
    header_row, header, frame = parsed
    _refuse_other_separators(header, display_name)
    if header_row > max_rows or (frame.height and frame.get_column(ROW).max() > max_rows):  # type: ignore[operator]
        raise too_many
    reader.header(header_row, header)
    for where in overflow:
        reader.overflow(*where)
    reader.rows(frame)


def _refuse_other_separators(header: list[str], display_name: str) -> None:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        raise CsvProblem(text(_NOT_COMMAS, name=display_name, save_as=_SAVE_AS))


def _sniff(head: bytes, name: str) -> None:
    for signatures, what in _SNIFFS:
        if head.startswith(signatures):
            raise CsvProblem(text(_SNIFFED, name=name, what=Text(what), save_as=_SAVE_AS))


# --- the fast path: polars ------------------------------------------------------------------


class NotFast(Exception):
    """Polars refused the file part way, or found a cell too long: the csv module reads it."""


def fast_batches(
    data: bytes, max_rows: int, batch_rows: int
) -> tuple[int, list[str], Iterator[pl.DataFrame], Callable[[], bool]] | None:
    """(header row, header cells, the data rows in slices of at most `batch_rows` as c0, c1,
    ... and `row`, `plain`), or None when the file is not plainly well formed (then the csv
    module reads it). The slices come as polars parses the file; taking one raises NotFast
    when polars finds what only the csv module reports exactly, and so does the end of the
    slices when the line-end and quote checks, still running as they come, find the file is
    not plain. `plain()` waits for those checks: whether the slices taken so far count."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    end = data.find(b"\n", start)
    first = (data[start:] if end < 0 else data[start:end]).rstrip(b"\r")
    if not first or b"\r" in first or b"\x00" in data:
        return None  # the header is taken before the checks end: one line, or the csv module
    try:
        header = _header(first.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if header is None:
        return None
    if all(map(is_blank, header)):
        return None
    # Each check is a pass in C over the whole file, holding the GIL a piece at a time (see
    # _PIECE), while polars parses and validates without it: on a thread of their own, they
    # take little time of the reading's.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-checks")
    plain = pool.submit(_plain, data, start).result
    pool.shutdown(wait=False)  # the thread ends with the checks
    names = [f"c{i}" for i in range(len(header))]
    # Polars skips a UTF-8 BOM itself, so the bytes go to it whole, not copied without it
    # (Excel's "CSV UTF-8" starts with one).
    return 1, header, _batches(data, names, max_rows, batch_rows, plain), plain


def _header(line: str) -> list[str] | None:
    """The cells of a first line that is the whole header record: a plain line, or one whose
    every quote is in a whole quoted cell (so no cell goes on past the line end), as the csv
    module reads it. None where the csv module must read it."""
    if '"' not in line:
        return line.split(",")
    if _WELL_QUOTED_FILE.fullmatch(line.encode("utf-8")) is None:
        return None
    return next(csv.reader([line], strict=True))


def _plain(data: bytes, start: int = 0) -> bool:
    """No CR but in CRLF line ends (a CR alone is a line end to the csv module, text to
    polars), and every quote after `start` (past a BOM) part of a whole quoted cell: other
    quoting the csv module (strict) refuses or reads otherwise than polars."""
    if b"\r" in data and any(_LONE_CR.search(data, pos, end) for pos, end in _pieces(data, start)):
        return False
    return _quotes_in_whole_cells(data, start)


# The checks go over the file a piece at a time: a regular expression holds the GIL until it
# returns, and between pieces the thread reading the file gets it back (for a file with every
# cell quoted, the quote check is 0.4 s per million lines, which it would otherwise wait).
_PIECE = 1 << 20


def _line_end(data: bytes, at: int) -> int:
    """The position just past the first LF at or after `at`, or the end of `data`."""
    found = data.find(b"\n", at)
    return len(data) if found < 0 else found + 1


def _pieces(data: bytes, start: int) -> Iterator[tuple[int, int]]:
    """`data[start:]` as (start, end) pieces of about _PIECE bytes, each ending just past an
    LF or at the end: so a piece never ends on a CR or a closing quote, whose meaning the
    next byte decides."""
    while start < len(data):
        end = _line_end(data, start + _PIECE)
        yield start, end
        start = end


def _quotes_in_whole_cells(data: bytes, start: int = 0) -> bool:
    """True if every quote in `data[start:]` is part of a whole quoted cell (`_WELL_QUOTED_FILE`),
    matched a piece at a time: a piece's match ends at its end, or at a quote whose cell the
    piece does not close, and the next piece starts at that quote, twice as long each time
    it does not get past it (a cell spanning lines, or a quote that opens no cell)."""
    if data.find(b'"', start) < 0:
        return True
    view = memoryview(data)[start:]  # a view, not a copy; the look-behind sees nothing before it
    size, pos, piece = len(view), 0, _PIECE
    while pos < size:
        end = _line_end(data, start + pos + piece) - start
        # The pattern matches the empty string too, so there is always a match.
        matched = _WELL_QUOTED_FILE.match(view, pos, end).end()  # type: ignore[union-attr]
        if matched == end:
            pos, piece = end, _PIECE
        elif end == size:
            return False
        else:
            piece = piece * 2 if matched == pos else _PIECE
            pos = matched
    return True


def _batches(
    body: bytes, names: list[str], max_rows: int, batch_rows: int, plain: Callable[[], bool]
) -> Iterator[pl.DataFrame]:
    scanned = pl.scan_csv(
        body,
        has_header=False,
        schema=dict.fromkeys(names, pl.String),
        infer_schema=False,
        quote_char='"',
        encoding="utf8",
        n_rows=max_rows + 1,
        raise_if_empty=False,
    ).with_row_index(ROW, offset=1)
    batches = scanned.select(pl.col(ROW).cast(pl.Int64), *names).collect_batches(chunk_size=batch_rows)
    header = True
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            if not plain():
                raise NotFast from None
            return
        except Exception:  # polars' errors: ragged rows, malformed quotes, bad UTF-8...
            raise NotFast from None
        if header:  # the first record is the header row, read already
            batch, header = batch.slice(1), False
        if batch.width != len(names) + 1:
            raise NotFast
        longest = batch.select(pl.max_horizontal(pl.col(names).str.len_bytes().max())).item()
        if longest is not None and longest > MAX_LINE_CHARS:
            raise NotFast  # maybe a line too long to be evidence: the exact path says which
        if batch.height:
            yield batch


def read_fast(data: bytes, max_rows: int) -> tuple[int, list[str], pl.DataFrame] | None:
    """`fast_batches`' rows in one frame, or None where it declines the file or polars
    refuses it (tests compare this with the csv module's reading)."""
    fast = fast_batches(data, max_rows, VALIDATE_ROWS)
    if fast is None:
        return None
    header_row, header, batches, _ = fast
    try:
        frames = list(batches)
    except NotFast:
        return None
    names = [f"c{i}" for i in range(len(header))]
    empty = pl.DataFrame(schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)})
    return header_row, header, pl.concat([empty, *frames])


# --- the exact path: the csv module -----------------------------------------------------------


def read_exactly(
    data: bytes, name: str, max_rows: int, sheet: str, overflow: list[tuple[int, int, str]]
) -> tuple[int, list[str], pl.DataFrame] | None:
    """The file read by `csv.reader` (strict), with today's messages for what it refuses;
    non-blank values past the header's last column go to `overflow` (row, index, cell)."""
    decoded = _decoded(data, name)
    lines = _Lines(io.StringIO(decoded, newline=""), name)
    row = 0
    header: list[str] | None = None
    for line in lines:
        row += 1
        record = _one_line_record(line.rstrip("\r\n"))
        if record is None:
            raise CsvProblem(text(_HEADER_NOT_CSV, name=name, line=str(lines.count)))
        if not all(map(is_blank, record)):
            header = record
            break
    if header is None:
        return None
    width = len(header)
    header_row = row
    columns: list[list[str]] = [[] for _ in range(width)]
    records = csv.reader(lines, strict=True)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvProblem(
                text(_LINE_NOT_CSV, name=name, line=str(lines.count), reason=_explain(str(exc)))
            ) from None
        row += 1
        if row > max_rows:
            break
        if len(record) > width:
            overflow.extend((row, index, cell) for index, cell in enumerate(record[width:], start=width)
                            if not is_blank(cell))
        for index in range(width):
            columns[index].append(record[index] if index < len(record) else "")
    if row > max_rows:
        raise _too_many_rows(name, sheet, max_rows)
    frame = pl.DataFrame(
        {ROW: pl.Series(range(header_row + 1, row + 1), dtype=pl.Int64)}
        | {f"c{i}": pl.Series(column, dtype=pl.String) for i, column in enumerate(columns)}
    )
    return header_row, header, frame


def _decoded(data: bytes, name: str) -> str:
    """The text, strictly UTF-8; NUL bytes refused (UTF-16 or binary files)."""
    nul = data.find(b"\x00")
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if nul < 0 or nul > exc.start:
            line = data[: exc.start].count(b"\n") + 1
            bad = data[exc.start : exc.start + 1].hex().upper()
            raise CsvProblem(
                text(_NOT_UTF8, name=name, line=str(line), byte=bad, save_as=_SAVE_AS)
            ) from None
        decoded = ""
    if nul >= 0:
        line = data[:nul].count(b"\n") + 1
        raise CsvProblem(text(_NUL_BYTE, name=name, line=str(line), save_as=_SAVE_AS))
    return decoded


class _Lines:
    """The file's physical lines, counted, each at most MAX_LINE_CHARS long."""

    def __init__(self, lines: Iterable[str], name: str) -> None:
        self._lines: Iterator[str] = iter(lines)
        self._name = name
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        if len(line) > MAX_LINE_CHARS:
            raise CsvProblem(
                text(_LINE_TOO_LONG, name=self._name, line=str(self.count), limit=f"{MAX_LINE_CHARS:,}")
            )
        return line


def _one_line_record(line: str) -> list[str] | None:
    """The record on a line, or None if it does not end on this line."""
    try:
        records = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    if not records:
        return []
    return records[0] if len(records) == 1 else None


def _explain(message: str) -> Text | str:
    """The csv module's complaint in words a person can act on (as it is, if unforeseen)."""
    if "unexpected end of data" in message:
        return Text(_UNCLOSED_QUOTE)
    if "expected after" in message:
        return Text(_AFTER_QUOTE)
    if "field larger than field limit" in message:
        return Text(_CELL_TOO_LONG)
    return message
