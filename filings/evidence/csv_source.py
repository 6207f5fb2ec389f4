"""Streaming CSV: strict UTF-8, in blocks, fast on the common case, exact on every case.

The file is decoded strictly as UTF-8 (a BOM is allowed) in blocks cut at line ends. A block
becomes columns with C-speed string operations: each line break turns into a cell holding a
marker, so one `str.split` gives every cell and slicing gives the columns; the block is
taken only if every line has exactly the header's number of cells, and CRLF's CR is then
taken off each line's last cell (a CR anywhere else is a line break to the csv module).
Quoted cells are unquoted in bulk when simply quoted (a whole cell, no quote or line break
inside); otherwise the block's quoted lines go through one `csv.reader`, and a quoted cell
spanning lines hands the rest of the file to the `csv` module proper. Every way gives
exactly what `csv.reader` gives over `open(path, newline="")` (a property test holds them to
that); the fast ways skip building a list per row, which is most of a csv loop's cost.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, compress, count, islice, repeat
from operator import contains
from pathlib import Path
from typing import BinaryIO

from filings.evidence.schema import MAX_SHEET_ROWS, too_many_rows
from filings.evidence.sheets import SheetReader, is_blank

BLOCK_BYTES = 1 << 16
MAX_LINE_CHARS = 1 << 20
_SLOW_BATCH_ROWS = 1024
_MARKER = "\x01"  # a line break, as a cell of its own (the input has none: it is refused)
_CELL_END = "\x1f"  # ends a cell where quoted cells may hold commas
_QUOTE = "\x02"  # briefly, where a quote was
_STAND_INS = (_MARKER, _CELL_END, _QUOTE)  # blocks holding these take the slow way
_CELL_EDGES = (_CELL_END,)
_AFTER_QUOTES = (_CELL_END, "\r" + _CELL_END + _MARKER + _CELL_END)  # CRLF: CR, then the break


_SNIFFS = (
    ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "is UTF-32 text"),
    ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "is UTF-16 text"),
    ((b"PK\x03\x04",), "is a ZIP archive (an XLSX workbook?), not a CSV file"),
    ((b"%PDF-",), "is a PDF document, not a CSV file"),
    ((b"\xd0\xcf\x11\xe0",), "is an old Excel (.xls) or Office document, not a CSV file"),
)
_SAVE_AS = "save the sheet from your spreadsheet program as 'CSV UTF-8 (comma delimited)'"

Batch = tuple[Sequence[int], Sequence[Sequence[str]]]
Overflow = Callable[[int, int, str], None]


class CsvProblem(Exception):
    """The file cannot be read any further; the message says why and how to fix it."""


def read_csv_sheet(
    path: Path, display_name: str, reader: SheetReader, max_rows: int = MAX_SHEET_ROWS
) -> None:
    """Stream one CSV file into its sheet reader; raises CsvProblem if the file is unreadable.

    A file with more than `max_rows` rows (records, as a spreadsheet numbers them) is refused
    when a batch reaches past it: checked once per batch, not per row.
    """
    with path.open("rb") as stream:
        _sniff(stream.read(8), display_name)
        stream.seek(0)
        tokens = Tokenizer(stream, display_name)
        header = tokens.header()
        if header is None:
            reader.empty()
            return
        row, cells = header
        if len(cells) == 1 and (";" in cells[0] or "\t" in cells[0]):
            raise CsvProblem(
                f"{display_name}: the header row is not separated by commas (semicolons or tabs?); {_SAVE_AS}"
            )
        too_many = CsvProblem(
            f"{display_name}: {too_many_rows(reader.sheet.name, f'more than {max_rows:,}', max_rows)}"
        )
        if row > max_rows:
            raise too_many
        reader.header(row, cells)
        for rows, columns in tokens.batches(len(cells), reader.overflow):
            if rows[-1] > max_rows:
                raise too_many
            reader.chunk(rows, columns, text_only=True)


def _sniff(head: bytes, name: str) -> None:
    for signatures, what in _SNIFFS:
        if head.startswith(signatures):
            raise CsvProblem(f"{name} {what}; {_SAVE_AS}")


def _one_line_record(line: str) -> list[str] | None:
    """The record on a line with quotes, or None if it does not end on this line."""
    try:
        records = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


class Tokenizer:
    """Reads a CSV file record by record: `header()` first, then `batches()` of columns."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self._pending = ""
        self._lines = 0  # physical lines handed out so far
        self._row = 0  # records handed out so far (the spreadsheet row number)
        self._first_block = ""

    # --- decoding -------------------------------------------------------------------------

    def _blocks(self) -> Iterator[str]:
        """Decoded text in blocks that end at a line end (the last block may not)."""
        if self._first_block:
            block, self._first_block = self._first_block, ""
            yield block
        while True:
            data = self._stream.read(BLOCK_BYTES)
            text = self._decode(data, final=not data)
            if "\x00" in text:
                line = self._lines + (self._pending + text[: text.index("\x00")]).count("\n") + 1
                raise CsvProblem(
                    f"{self._name}: line {line} contains a NUL byte, so this is not a "
                    f"text CSV file (UTF-16, or a binary file?); {_SAVE_AS}"
                )
            text = self._pending + text
            if not data:
                self._pending = ""
                if text:
                    yield text
                return
            cut = text.rfind("\n") + 1 or text.rfind("\r", 0, len(text) - 1) + 1  # old Mac: CR only
            if not cut and len(text) > MAX_LINE_CHARS:
                raise CsvProblem(
                    f"{self._name}: line {self._lines + 1} is longer than "
                    f"{MAX_LINE_CHARS:,} characters; a cell this long is not evidence"
                )
            self._pending = text[cut:]
            if cut:
                yield text[:cut]

    def _decode(self, data: bytes, final: bool) -> str:
        try:
            return self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            line = self._lines + self._pending.count("\n") + data[: exc.start].count(b"\n") + 1
            bad = data[exc.start : exc.start + 1].hex().upper()
            raise CsvProblem(
                f"{self._name}: line {line} is not UTF-8 text (byte 0x{bad}); the file "
                f"may be Latin-1 or Windows-1252 encoded; {_SAVE_AS}"
            ) from None

    # --- header ----------------------------------------------------------------------------

    def header(self) -> tuple[int, list[str]] | None:
        """The first non-blank record and its row number; None if the file has none."""
        for block in self._blocks():
            lines = io.StringIO(block, newline="").readlines()
            for index, line in enumerate(lines):
                self._lines += 1
                self._row += 1
                record = _one_line_record(line.rstrip("\r\n"))
                if record is None:
                    raise CsvProblem(
                        f"{self._name}: the header row (line {self._lines}) is not "
                        "valid CSV; write the column names on one line"
                    )
                if not all(map(is_blank, record)):
                    self._first_block = "".join(lines[index + 1 :])
                    return self._row, record
        return None

    # --- rows -------------------------------------------------------------------------------

    def batches(self, width: int, overflow: Overflow) -> Iterator[Batch]:
        blocks = self._blocks()
        for block in blocks:
            batch = self._fast_block(block, width, overflow)
            if batch is None:
                yield from self._csv_module_rest(chain([block], blocks), width, overflow)
                return
            yield batch

    def _fast_block(self, block: str, width: int, overflow: Overflow) -> Batch | None:
        """The block's columns, or None to read from here on with the csv module."""
        text = block[:-1] if block.endswith("\n") else block
        if any(stand_in in text for stand_in in _STAND_INS):
            return None
        count_lines = text.count("\n") + 1
        returns = text.count("\r") if "\r" in text else 0
        separator = ","
        if '"' in text:  # unquote; then cells end at _CELL_END, as quoted cells may hold commas
            separator = _CELL_END
            cells = _simply_quoted(text)
            if cells is None and not returns:
                lines = _with_quoted_lines_parsed(text.replace(",", _CELL_END).split("\n"))
                cells = None if lines is None else _line_break(_CELL_END).join(lines)
            if cells is None:
                return None
        else:
            cells = text.replace("\n", _line_break(","))
        columns = _uniform_columns(cells, count_lines, width, separator)
        if returns:  # CRLF line ends: each line's last cell ends with the CR
            columns = _without_line_end_returns(columns, returns)
            if columns is None:
                return None
        rows = range(self._row + 1, self._row + 1 + count_lines)
        self._row += count_lines
        self._lines += count_lines
        if columns is None:
            lines = cells.split(_line_break(separator))
            return _columns(rows, [line.split(separator) for line in lines], width, overflow)
        return rows, columns

    def _csv_module_rest(self, blocks: Iterable[str], width: int, overflow: Overflow) -> Iterator[Batch]:
        records = csv.reader(self._counted_lines(blocks), strict=True)
        while True:
            try:
                batch = list(islice(records, _SLOW_BATCH_ROWS))
            except csv.Error as exc:
                raise CsvProblem(
                    f"{self._name}: line {self._lines} is not valid CSV: {_explain(str(exc))}"
                ) from None
            if not batch:
                return
            first = self._row + 1
            self._row += len(batch)
            yield _columns(range(first, first + len(batch)), batch, width, overflow)

    def _counted_lines(self, blocks: Iterable[str]) -> Iterator[str]:
        for block in blocks:
            for line in io.StringIO(block, newline=""):
                self._lines += 1
                yield line


def _simply_quoted(text: str) -> str | None:
    """The text unquoted, cells ending at _CELL_END, if every quoted cell is simply quoted.

    Simply quoted: the quotes enclose a whole cell, which holds no quote and no line break
    (as in "Granite Co., Ltd."). Then splitting on quotes puts the quoted cells at odd
    places; every comma becomes a cell end, except those inside quoted cells.
    Anything else (None) goes to the csv module.
    """
    if '""' in text:
        return None
    parts = text.replace(",", _CELL_END).replace("\n", _line_break(_CELL_END)).split('"')
    if len(parts) % 2 == 0:
        return None
    quoted = _QUOTE.join(parts[1::2])
    outside = parts[0::2]
    after_quotes = outside[1:-1] if outside[-1] in ("", "\r") else outside[1:]
    before_quotes = outside[1:-1] if outside[0] == "" else outside[:-1]
    if _MARKER in quoted or "\r" in quoted:  # a line break inside quotes: the csv module's job
        return None
    if not all(map(str.startswith, after_quotes, repeat(_AFTER_QUOTES))):
        return None
    if not all(map(str.endswith, before_quotes, repeat(_CELL_EDGES))):
        return None
    parts[1::2] = quoted.replace(_CELL_END, ",").split(_QUOTE)
    return "".join(parts)


def _with_quoted_lines_parsed(lines: list[str]) -> list[str] | None:
    """Lines whose cells end at _CELL_END, the quoted ones parsed by the csv module.

    All quoted lines go through one csv reader; if any of them does not end its record (a
    line break inside quotes), the reader makes fewer records than lines: None is returned.
    """
    quoted = list(compress(count(), map(contains, lines, repeat('"'))))
    originals = [lines[i].replace(_CELL_END, ",") for i in quoted]
    try:
        records = list(csv.reader(originals, strict=True))
    except csv.Error:
        return None
    if len(records) != len(quoted):
        return None
    for i, line in zip(quoted, map(_CELL_END.join, records), strict=True):
        lines[i] = line
    return lines


def _without_line_end_returns(
    columns: list[Sequence[str]] | None, returns: int
) -> list[Sequence[str]] | None:
    """The columns with CRLF's CR taken off each last cell; None if a CR stands elsewhere.

    (A CR anywhere else is a line break of its own to the csv module: the slow way.)
    """
    if columns is None:
        return None
    last = "\n".join(columns[-1])  # no cell of the fast way holds a line break
    ending = last.endswith("\r")
    if last.count("\r\n") + ending != returns:
        return None
    return [*columns[:-1], last.replace("\r", "").split("\n")]


def _line_break(separator: str) -> str:
    """A line break as a cell of its own, holding a marker."""
    return separator + _MARKER + separator


def _uniform_columns(
    cells_text: str, count_lines: int, width: int, separator: str
) -> list[Sequence[str]] | None:
    """The columns of the lines if every line has `width` cells, else None.

    Each line break is a cell of its own holding a marker (`_line_break`). The lines all
    have `width` cells exactly when every (width + 1)-th cell is a marker, as the text has
    no other markers.
    """
    cells = cells_text.split(separator)
    stride = width + 1
    if len(cells) != count_lines * stride - 1:
        return None
    if "".join(cells[width::stride]) != _MARKER * (count_lines - 1):
        return None
    return [cells[i::stride] for i in range(width)]


def _columns(rows: Sequence[int], records: list[list[str]], width: int, overflow: Overflow) -> Batch:
    """Records of any length as `width` columns: short ones padded, extra cells reported."""
    for row, record in zip(rows, records, strict=True):
        if len(record) > width:
            for index, cell in enumerate(record[width:], start=width):
                if not is_blank(cell):
                    overflow(row, index, cell)
            del record[width:]
        elif len(record) < width:
            record.extend(repeat("", width - len(record)))
    return rows, list(zip(*records, strict=True))


def _explain(message: str) -> str:
    if "unexpected end of data" in message:
        return 'a quoted cell is never closed (a " is missing)'
    if "expected after" in message:
        return (
            "a closing quote must be followed by a comma or the end of the line; write a quote "
            'inside a quoted cell as ""'
        )
    if "field larger than field limit" in message:
        return "a cell is longer than the limit of 131,072 characters"
    return message
