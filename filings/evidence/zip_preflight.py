"""The XLSX preflight: check the ZIP container before any workbook parser opens it.

1. The directory: a ZIP with `[Content_Types].xml`, no macros, no unsafe entry names, no
   name twice, at most `max_entries` entries, declared sizes within `max_uncompressed_bytes`
   and no entry compressed more than `max_ratio` times (zip bombs are refused here, unread).
2. Every entry is inflated here, in bounded pieces, never past its declared size, and its
   CRC checked: a file whose headers lie about sizes is refused before a parser trusts them.
   xl/workbook.xml, its relationships and xl/styles.xml go first: once checked, they are
   parsed (defusedxml, streaming) for each sheet part's name, so messages name the sheet,
   and for the cell formats that show percentages.
3. While inflating: XML parts that are not UTF-8 are refused, so that the byte search for
   XML document type declarations (entity expansion), which are refused, is complete; each
   worksheet's used range is measured from its cell references. calamine stores a sheet as
   one dense block of rows x columns, so a few cells in far corners would ask for hundreds of
   GB and abort the process; a sheet with more than `max_rows` rows, or a range over
   `max_cells_per_sheet`, is refused instead, stray cells named as such. Cells without a
   reference (which no spreadsheet program writes) are refused for the same reason.
4. It notes formula and error cells, which the caller then locates and refuses, and where
   numbers formatted as percentages stand, which the caller hands on to be refused.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import struct
import zipfile
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, cast

import defusedxml.ElementTree as SafeElementTree  # type: ignore[import-untyped]
import polars as pl
from zlib_ng import zlib_ng  # zlib's interface, zlib-ng's speed

from filings.evidence.errors import size_text
from filings.evidence.schema import MAX_SHEET_ROWS, too_many_rows
from filings.rules.text import N_, Text, text

_READ_BYTES = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")
_OVERLAP = max(map(len, _DECLARATIONS)) - 1  # bytes kept so a split declaration is found
# Where calamine looks for the list of sheets and for the cell formats.
_WORKBOOK, _WORKBOOK_RELS, _STYLES = "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"
_WORKBOOK_PARTS = frozenset({_WORKBOOK, _WORKBOOK_RELS, _STYLES})
_COLUMN_BITS = 14  # 16,384 columns
_WHOLE_TAG_BYTES = 4096  # a cell's tag is far shorter: a piece this long is scanned as it is
RESAVE = Text(N_("open it in Excel and save it as 'Excel Workbook (.xlsx)'"))
_OLD_EXCEL = N_(
    "%(name)s is an old Excel (.xls) file or a password-protected workbook; remove the password "
    "and save it as 'Excel Workbook (.xlsx)'")
_NOT_ZIP = N_("%(name)s is not an XLSX workbook (an .xlsx file is a ZIP archive); %(resave)s")
_DAMAGED = N_("%(name)s is damaged or truncated (%(error)s); upload it again, or %(resave)s")
_TOO_MANY_ENTRIES = N_(
    "%(name)s holds %(count)s files; a workbook has a few dozen (at most %(limit)s accepted)")
_ENTRY_TWICE = N_(
    "%(name)s holds the entry %(entry)s more than once, which spreadsheet programs never write "
    "(readers may disagree on which one counts); %(resave)s")
_NOT_XLSX = N_(
    "%(name)s is a ZIP archive but not an XLSX workbook (no [Content_Types].xml); %(resave)s")
_MACROS = N_("%(name)s contains macros; save it as 'Excel Workbook (.xlsx)', which has none")
_EXPANDS = N_("%(name)s expands to %(size)s; at most %(limit)s is accepted")
_UNSAFE_PATH = N_("%(name)s contains an entry with an unsafe path (%(entry)s)")
_ENCRYPTED = N_("%(name)s is encrypted; remove the password and save it again")
_COMPRESSION = N_("%(name)s uses an unusual compression method; %(resave)s")
_ZIP_BOMB = N_(
    "%(name)s is refused: an entry expands %(ratio)s times (at most %(limit)s accepted); this is "
    "how zip bombs look")
_DOCTYPE = N_(
    "%(name)s contains an XML document type declaration, which spreadsheet programs never "
    "write; %(resave)s")
_NOT_UTF8 = N_(
    "%(name)s: %(part)s %(found)s; workbook XML must be UTF-8, which is what Excel writes: "
    "%(resave)s")
_BOM = N_("is %(encoding)s text (it starts with a %(encoding)s byte order mark)")
_WIDE_XML = N_("is XML in %(encoding)s")
_OPEN_DECLARATION = N_("starts with an XML declaration that does not end within %(count)s bytes")
_DECLARED = N_("declares the encoding %(encoding)s in its XML declaration")
_UNREFERENCED = N_(
    "%(name)s: %(count)s cells in %(part)s have no plain cell reference, which spreadsheet "
    "programs always write; %(resave)s")
_TOO_MANY_ROWS = N_("%(name)s: %(problem)s")
_TOO_MANY_CELLS = N_(
    "%(name)s: the %(sheet)s sheet has cells in %(rows)s by %(columns)s (%(cells)s cells; at "
    "most %(limit)s are accepted in one sheet): delete the columns that are not part of the "
    "evidence")
_STRAY_CELLS = N_(
    "%(name)s: the %(sheet)s sheet's cells span %(height)s by %(width)s, but only %(rows)s and "
    "%(columns)s hold any: delete the stray cells %(where)s the data (select the empty rows or "
    "columns past it, right-click, Delete) and upload again; a sheet may have at most "
    "%(max_rows)s rows and %(max_cells)s cells")
_FAR_BELOW_OR_RIGHT = N_("far below or to the right of")
_FAR_BELOW = N_("far below")
_FAR_RIGHT = N_("far to the right of")
_ONE_ROW, _ROWS = N_("%(count)s row"), N_("%(count)s rows")
_ONE_COLUMN, _COLUMNS = N_("%(count)s column"), N_("%(count)s columns")
_ENTRY_DAMAGED = N_(
    "%(name)s is damaged (entry %(entry)s does not match its directory record); upload it "
    "again, or %(resave)s")


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Caps on what an XLSX may hold. 100,000 evidence rows take 10-50 MB of XML."""

    max_entries: int = 1_000
    max_uncompressed_bytes: int = 256 * 1024 * 1024
    max_ratio: int = 200
    ratio_applies_above: int = 1024 * 1024
    max_cells_per_sheet: int = 5_000_000


class XlsxProblem(Exception):
    """The workbook cannot be read; the message says why and how to fix it, `sheet` where."""

    def __init__(self, message: Text, sheet: str | None = None) -> None:
        super().__init__(message.render())
        self.text = message
        self.sheet = sheet


@dataclass(frozen=True, slots=True)
class Preflight:
    """What the preflight found that the reader needs to know."""

    has_formulas: bool  # formula or error cells somewhere: the caller locates and refuses them
    # By sheet name: where numbers formatted as percentages stand, as `cell_position` gives them,
    # in ascending order. calamine gives such a cell's number (0.5) with no word of its format.
    percent_cells: dict[str, Sequence[int]]


def cell_position(row: int, column: int) -> int:
    """One number for a cell: `row` as a spreadsheet numbers it, `column` from 0 (A)."""
    return row << _COLUMN_BITS | column


def cell_of(position: int) -> tuple[int, int]:
    """The row and column (from 0) of a `cell_position`."""
    return position >> _COLUMN_BITS, position & (1 << _COLUMN_BITS) - 1


def preflight(path: Path, name: str, limits: ZipLimits, max_rows: int = MAX_SHEET_ROWS) -> Preflight:
    """Check the container without parsing the workbook's cells.

    `max_rows` is the most rows a sheet may have, as a spreadsheet numbers them.
    """
    with path.open("rb") as stream:
        head = stream.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise XlsxProblem(text(_OLD_EXCEL, name=name))
        if not head.startswith(b"PK\x03\x04"):
            raise XlsxProblem(text(_NOT_ZIP, name=name, resave=RESAVE))
        try:
            archive = zipfile.ZipFile(stream)
        except Exception as exc:  # BadZipFile, NotImplementedError (version), EOFError, ...
            raise XlsxProblem(text(_DAMAGED, name=name, error=str(exc), resave=RESAVE)) from None
        entries = archive.infolist()
        _check_directory(entries, name, limits)
        with ThreadPoolExecutor(_MEASURING_THREADS, thread_name_prefix="xlsx-preflight") as pool:
            return _scan_entries(stream, archive, entries, name, limits, max_rows, pool)


_MEASURING_THREADS = 2


def _scan_entries(
    stream: BinaryIO, archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], name: str, limits: ZipLimits,
    max_rows: int, pool: Executor,
) -> Preflight:
    # First the parts that say which part is which sheet and how cells are formatted, so
    # that each sheet's scan can name the sheet and spot cells formatted as percentages.
    first = [entry for entry in entries if entry.filename in _WORKBOOK_PARTS]
    scans = [_scan_entry(stream, entry, _Scan(name, limits, max_rows), pool) for entry in first]
    sheets = sheet_names(archive)
    percent = _percent_styles(archive)
    scans += [
        _scan_entry(stream, entry, _Scan(name, limits, max_rows, sheets.get(entry.filename), percent), pool)
        for entry in entries
        if entry not in first
    ]
    return Preflight(
        has_formulas=any(scan.flagged for scan in scans),
        percent_cells={scan.sheet: scan.percent_cells() for scan in scans if scan.sheet and scan.percent},
    )


def _check_directory(entries: list[zipfile.ZipInfo], name: str, limits: ZipLimits) -> None:
    if len(entries) > limits.max_entries:
        raise XlsxProblem(
            text(_TOO_MANY_ENTRIES, name=name, count=f"{len(entries):,}", limit=f"{limits.max_entries:,}")
        )
    names = {entry.filename for entry in entries}
    if len(names) < len(entries):
        twice = next(e.filename for e in entries if sum(f.filename == e.filename for f in entries) > 1)
        raise XlsxProblem(text(_ENTRY_TWICE, name=name, entry=repr(twice[:80]), resave=RESAVE))
    if "[Content_Types].xml" not in names:
        raise XlsxProblem(text(_NOT_XLSX, name=name, resave=RESAVE))
    if "xl/vbaProject.bin" in names:
        raise XlsxProblem(text(_MACROS, name=name))
    for entry in entries:
        _check_entry(entry, name, limits)
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_uncompressed_bytes:
        raise XlsxProblem(
            text(_EXPANDS, name=name, size=size_text(total), limit=size_text(limits.max_uncompressed_bytes))
        )


def _check_entry(entry: zipfile.ZipInfo, name: str, limits: ZipLimits) -> None:
    parts = PurePosixPath(entry.filename).parts
    if entry.filename.startswith("/") or ".." in parts or "\\" in entry.filename:
        raise XlsxProblem(text(_UNSAFE_PATH, name=name, entry=repr(entry.filename[:80])))
    if entry.flag_bits & 0x1:
        raise XlsxProblem(text(_ENCRYPTED, name=name))
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise XlsxProblem(text(_COMPRESSION, name=name, resave=RESAVE))
    ratio = entry.file_size / max(entry.compress_size, 1)
    if entry.file_size > limits.ratio_applies_above and ratio > limits.max_ratio:
        raise XlsxProblem(text(_ZIP_BOMB, name=name, ratio=f"{ratio:,.0f}", limit=str(limits.max_ratio)))


@dataclass(frozen=True, slots=True)
class _Scan:
    """What one entry's scan needs to know: the upload's name, the limits, the sheet."""

    name: str
    limits: ZipLimits
    max_rows: int
    sheet: str | None = None  # the sheet's name, if the workbook lists the part as one
    percent_styles: frozenset[int] = frozenset()  # style indexes of percentage formats


def _scan_entry(stream: BinaryIO, entry: zipfile.ZipInfo, scan_for: _Scan, pool: Executor) -> _WorksheetScan:
    """Check one entry; what it found if it is a sheet.

    This thread inflates and checks the bytes (`_checked_pieces`); `pool`'s threads measure
    the pieces, a few ahead at most, and their counts are added in order.
    """
    # Every entry is scanned as if it were a worksheet: the workbook's relationships, not
    # the entry's name, say which parts calamine reads as sheets.
    scan = _WorksheetScan(scan_for.name, entry.filename, scan_for.sheet, scan_for.percent_styles)
    measuring: deque[Future[_Piece]] = deque()
    try:
        for piece in _checked_pieces(stream, entry, scan_for.name):
            scan.look_for_percentages(piece)
            measuring.append(pool.submit(_measure, piece))
            if len(measuring) > _PIECES_AHEAD:
                scan.add(measuring.popleft().result())
        while measuring:
            scan.add(measuring.popleft().result())
    finally:
        for left in measuring:  # the entry was refused: what is still queued is not measured
            left.cancel()
    scan.check(scan_for.max_rows, scan_for.limits.max_cells_per_sheet)
    return scan


def _checked_pieces(stream: BinaryIO, entry: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The entry's bytes, checked (encoding, no declarations), in pieces of whole tags."""
    encoding = _EncodingCheck(name, entry.filename)
    carry = overlap = b""
    for data in _inflate(stream, entry, name):
        encoding.feed(data)
        # Declarations are looked for in the bytes as they come, each piece with the end of
        # the one before it, so one split between two pieces is found too.
        overlap = _refuse_declarations(overlap, data, name)
        # Whole tags only: cut each piece before its last '<' and carry the rest; a short
        # piece with no '<' after its first byte may end inside a tag, so it waits for more.
        piece = carry + data
        cut = piece.rfind(b"<")
        if cut <= 0 and len(piece) < _WHOLE_TAG_BYTES:
            carry = piece
            continue
        piece, carry = (piece[:cut], piece[cut:]) if cut > 0 else (piece, b"")
        yield piece
    encoding.check()
    yield carry


_PIECES_AHEAD = 3  # pieces inflated but not yet added: a few MB held, both cores kept busy


# --- the parts read here: which part is which sheet, which styles are percentages -------------
# Each has been scanned (sizes, CRC, encoding, no declarations) before it is parsed, with
# defusedxml, streaming. They serve messages and the percentage check; a part that cannot be
# parsed here is left for calamine to report.


def sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet part's sheet name, from xl/workbook.xml and its relationships.

    The paths are resolved as calamine resolves them. A workbook whose list cannot be read
    here gets messages that name parts instead.
    """
    try:
        targets = {
            element.get("Id"): element.get("Target", "")
            for element in _elements(archive, _WORKBOOK_RELS, "Relationship")
        }
        names: dict[str, str] = {}
        for element in _elements(archive, _WORKBOOK, "sheet"):
            ids = [value for key, value in element.items() if key.endswith("}id")]
            target = targets.get(ids[0]) if ids else None
            if target and element.get("name"):
                names[_part_path(target)] = element["name"]
        return names
    except _UNPARSED:
        return {}


def _percent_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """The indexes of xl/styles.xml's cell formats (`<c s="...">`) that show percentages.

    A number format is a percentage if it is built in as one (numFmtId 9 "0%" and 10
    "0.00%") or its format code has a % outside quotes and escapes (Excel multiplies by 100).
    """
    try:
        codes: dict[str, str] = {}
        formats: list[str] = []
        for tag, path, element in _walk(archive, _STYLES):
            if tag == "numFmt":
                codes[_format_id(element.get("numFmtId", ""))] = element.get("formatCode", "")
            elif tag == "xf" and path.endswith("/cellXfs/xf"):
                formats.append(_format_id(element.get("numFmtId", "0")))
    except _UNPARSED:
        return frozenset()
    percent = {number for number in set(formats) if number in codes and _is_percent(codes[number])}
    percent |= {number for number in ("9", "10") if number not in codes}
    return frozenset(index for index, number in enumerate(formats) if number in percent)


def _format_id(text: str) -> str:
    return text.strip().lstrip("0") or "0"


def _is_percent(code: str) -> bool:
    """True if an Excel number format code shows numbers as percentages."""
    skip = None
    escaped = False
    for character in code:
        if escaped:  # the character after \, _ or * is shown (or spaced) as it is
            escaped = False
        elif skip:
            skip = None if character == skip else skip
        elif character in "\\_*":
            escaped = True
        elif character == '"':
            skip = '"'
        elif character == "[":  # [Red], [>=100], [$-409]: not shown
            skip = "]"
        elif character == "%":
            return True
    return False


def _walk(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[str, str, Any]]:
    """(local name, path of local names, element) for each element of `part` as it ends."""
    if part not in archive.NameToInfo:
        return
    path: list[str] = []
    with archive.open(part) as xml:
        for event, element in SafeElementTree.iterparse(xml, events=("start", "end")):
            if event == "start":
                path.append(element.tag.rpartition("}")[2])
                continue
            yield path[-1], "/" + "/".join(path), element
            path.pop()
            element.clear()


def _elements(archive: zipfile.ZipFile, part: str, local_name: str) -> list[dict[str, str]]:
    """The attributes of each element of `part` with that local name."""
    return [dict(element.attrib) for tag, _, element in _walk(archive, part) if tag == local_name]


_UNPARSED = (SyntaxError, ValueError, KeyError, zipfile.BadZipFile)  # ParseError, defusedxml's refusals


def _part_path(target: str) -> str:
    """A workbook relationship's target as an entry name: '/xl/a.xml' and 'a.xml' are 'xl/a.xml'."""
    if target.startswith("/"):
        target = target[1:]
    elif not target.startswith("xl/"):
        target = "xl/" + target
    return posixpath.normpath(target)


def _refuse_declarations(before: bytes, data: bytes, name: str) -> bytes:
    """Refuse a declaration in `data` or across its start; `before` ends the bytes before it.

    Returns what `before` is for the next piece: the last bytes so far.
    """
    seam = before + data[:_OVERLAP]  # a declaration begun in `before` ends here
    # Both declarations start "<!"; a search for the rare "!" alone is a memchr, where one for
    # "<!" stops at every '<' of the markup.
    if any(declaration in seam for declaration in _DECLARATIONS) or (
        b"!" in data and any(declaration in data for declaration in _DECLARATIONS)
    ):
        raise XlsxProblem(text(_DOCTYPE, name=name, resave=RESAVE))
    return (seam if len(data) < _OVERLAP else data)[-_OVERLAP:]


class _EncodingCheck:
    """Refuses an XML part that is not UTF-8, judged from its first bytes.

    The declaration scan searches bytes for ASCII text, which is complete only for UTF-8
    (and ASCII): in UTF-16 or UTF-32 a declaration's bytes differ, and a parser that honours
    the byte order mark or the XML declaration would still read it. Excel and every other
    spreadsheet program write UTF-8, so any other encoding is refused: a byte order mark of
    UTF-16 or UTF-32, their patterns without one (`<` beside NUL bytes), or an XML
    declaration naming another encoding. Parts under customXml/ (metadata that document
    management systems add, sometimes in UTF-16) are left alone: neither calamine nor
    openpyxl opens them.
    """

    HEAD_BYTES = 1024

    def __init__(self, name: str, part: str) -> None:
        self.name = name
        self.part = part
        self._head = b""
        self._checked = part.startswith("customXml/")

    def feed(self, data: bytes) -> None:
        if self._checked:
            return
        self._head += data[: self.HEAD_BYTES - len(self._head)]
        if len(self._head) >= self.HEAD_BYTES:
            self.check()

    def check(self) -> None:
        if self._checked:
            return
        self._checked = True
        found = _other_encoding(self._head)
        if found:
            raise XlsxProblem(text(_NOT_UTF8, name=self.name, part=self.part, found=found, resave=RESAVE))


def _other_encoding(head: bytes) -> Text | None:
    """What shows that an XML part is not UTF-8, or None."""
    for bom, wide in _BYTE_ORDER_MARKS:
        if head.startswith(bom):
            return text(_BOM, encoding=wide)
    if b"\0" in head[:4]:
        narrow = head.replace(b"\0", b"")
        if narrow.lstrip(_XML_SPACE).startswith(b"<") or (narrow and not narrow.strip(_XML_SPACE)):
            return text(_WIDE_XML, encoding=_wide_encoding(head))
    start = head.removeprefix(codecs.BOM_UTF8).lstrip(_XML_SPACE)
    if start.startswith(b"<?xml"):
        declaration = _XML_DECLARATION.match(start)
        if declaration is None:
            return text(_OPEN_DECLARATION, count=f"{len(head):,}")
        encoding = _DECLARED_ENCODING.search(declaration.group(1))
        if encoding and encoding.group(2).strip().lower() != b"utf-8":
            declared = encoding.group(2).decode("ascii", "replace")[:40]
            return text(_DECLARED, encoding=repr(declared))
    return None


def _wide_encoding(head: bytes) -> str:
    """UTF-16 or UTF-32, and which byte order, from where the NUL bytes stand."""
    if head[:3] == b"\0\0\0":
        return "UTF-32 (big-endian)"
    if head[1:4] == b"\0\0\0":
        return "UTF-32 (little-endian)"
    return "UTF-16 (big-endian)" if head[:1] == b"\0" else "UTF-16 (little-endian)"


_BYTE_ORDER_MARKS = (  # UTF-32 LE first: its mark starts with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_XML_SPACE = b" \t\r\n"
_XML_DECLARATION = re.compile(rb"<\?xml\s(.*?)\?>", re.DOTALL)
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*(["'])(.*?)\1""", re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Piece:
    """What one piece of a part holds, as `_measure` finds it."""

    is_sheet: bool  # it mentions <sheetData>
    formulas: bool  # formula or error cells
    cells: int
    # The plain references' row numbers as text ("07" is not "7", as the general way counts
    # them): how many, how many distinct, the first and the last; and the range and columns.
    referenced: int = 0
    distinct_rows: int = 0
    first_row: bytes = b""
    last_row: bytes = b""
    rows: tuple[int, int] = (0, 0)  # lowest and highest row number
    columns: frozenset[bytes] = frozenset()


def _measure(piece: bytes) -> _Piece:
    """Count a piece's cells and measure their references; spot formulas. Touches no state,
    so pieces are measured on the preflight's threads (polars does the work without the GIL).

    Spreadsheet programs write `<c r="B7" ...>` with the reference first; that form is
    counted in polars, without a Python object per cell. A piece that may use namespace
    prefixes (`<x:c ...>`) goes through the slower general expressions.
    """
    is_sheet = b"sheetData" in piece
    # The piece as text for polars: latin-1 maps each byte to one character, so any bytes
    # decode, and the ASCII patterns here match the text where they match the bytes.
    series = pl.Series((piece.decode("latin-1"),))
    # One search for all the rare markers that the byte tests below look for; in an
    # ordinary sheet it finds none, and those tests (a pass over the piece each) are skipped.
    marked = bool(series.str.contains(_MARKERS).item())
    errors = marked and (b"'e'" in piece or b'"e"' in piece) and _ERROR_CELL.search(piece) is not None
    if marked and (b":c" in piece or b":f" in piece):  # maybe namespace-prefixed cells
        formulas = errors or _ANY_FORMULA.search(piece) is not None
        rows = _ANY_ROW.findall(piece)
        if not rows:
            return _Piece(is_sheet, formulas, len(_ANY_CELL.findall(piece)))
        distinct = set(rows)  # a row's cells share its number: few distinct
        numbers = list(map(int, distinct))
        return _Piece(
            is_sheet, formulas, len(_ANY_CELL.findall(piece)), len(rows), len(distinct), rows[0], rows[-1],
            (min(numbers), max(numbers)), frozenset(_ANY_COLUMN.findall(piece)),
        )
    formulas = errors or (marked and b"<f" in piece and any(m in piece for m in _FORMULA_MARKERS))
    return _measure_plain(series, is_sheet, formulas)


def _measure_plain(series: pl.Series, is_sheet: bool, formulas: bool) -> _Piece:
    """Count the cells and the `<c r="B7"` references of a piece without prefixes.

    polars (Rust) cuts the piece after each `<c`, up to the next. A text that starts with
    XML white space, '/' or '>' is a cell (`<c>`, `<c/>`, `<c r=...`, but also `<c` and a
    tab or a line break, which calamine reads as well); a reference is such a text that
    starts with ` r="`, the column's letters, the row's digits and a quote - the form every
    spreadsheet program writes; a cell in another form counts as unreferenced. That is what
    `_ANY_CELL` and `_ANY_ROW` find without a prefix, since neither holds a '<'. Only the
    start of each text is looked at.
    """
    after = series.str.split("<c").explode().slice(1)
    found = (
        pl.LazyFrame({"after": after})
        .select(pl.col("after").str.head(_REFERENCE_CHARS))
        .select(
            cell=pl.col("after").str.contains(_CELL_START),
            reference=pl.col("after").str.extract_groups(_REFERENCE_TEXT),
        )
        .unnest("reference")
        .collect()
    )
    cells = int(found.get_column("cell").sum())
    references = found.select("1", "2").drop_nulls()
    if not len(references):
        return _Piece(is_sheet, formulas, cells)
    letters, digits = references.get_column("1"), references.get_column("2")
    distinct = digits.unique()
    numbers = distinct.cast(pl.Int64)
    return _Piece(
        is_sheet, formulas, cells, len(digits), len(distinct), digits[0].encode(), digits[-1].encode(),
        (int(numbers.min()), int(numbers.max())),  # type: ignore[arg-type]
        frozenset(column.encode() for column in letters.unique()),
    )


class _WorksheetScan:
    """Adds up, in order, what each piece of a part holds (`_measure`): the cells, the range
    their references span, formulas; and finds the numbers formatted as percentages."""

    def __init__(
        self, name: str, part: str, sheet: str | None = None, percent_styles: frozenset[int] = frozenset()
    ) -> None:
        self.name = name
        self.part = part
        self.sheet = sheet
        # Numbers formatted as percentages, looked for only in a listed sheet of a workbook
        # with such formats, and then only in pieces that may hold one (`_PercentCells`).
        self._percent = _PercentCells(percent_styles) if sheet and percent_styles else None
        self.is_sheet = False  # only a part with <sheetData> holds cells calamine reads
        self._formulas = False
        self._cells = 0
        self._referenced = 0
        self._rows: list[int] = []
        self._columns: set[bytes] = set()
        # Rows holding cells: each piece's distinct row numbers, less a row that goes on from
        # the piece before (exact when rows come in order, as spreadsheet programs write them).
        self._row_count = 0
        self._last_row = b""

    def feed(self, piece: bytes) -> None:
        """Measure a piece here and add it (the pieces of a part in order)."""
        self.look_for_percentages(piece)
        self.add(_measure(piece))

    def look_for_percentages(self, piece: bytes) -> None:
        if self._percent is not None:
            self._percent.feed(piece)

    def add(self, piece: _Piece) -> None:
        """Add what the next piece holds."""
        self.is_sheet = self.is_sheet or piece.is_sheet
        self._formulas = self._formulas or piece.formulas
        self._cells += piece.cells
        if not piece.referenced:
            return
        self._referenced += piece.referenced
        self._row_count += piece.distinct_rows - (piece.first_row == self._last_row)
        self._last_row = piece.last_row
        self._rows.extend(piece.rows)
        self._columns.update(piece.columns)

    @property
    def percent(self) -> bool:
        """True if a number formatted as a percentage was found."""
        return self._percent is not None and bool(self._percent.positions)

    def percent_cells(self) -> Sequence[int]:
        """Where the numbers formatted as percentages stand (`cell_position`), in order."""
        return self._percent.in_order() if self._percent is not None else ()

    @property
    def flagged(self) -> bool:
        """True if the sheet has formula or error cells."""
        return self.is_sheet and self._formulas

    def check(self, max_rows: int, max_cells: int) -> None:
        if not self.is_sheet:
            return
        if self._cells != self._referenced:
            raise XlsxProblem(
                text(_UNREFERENCED, name=self.name, count=f"{self._cells - self._referenced:,}",
                     part=self.part, resave=RESAVE),
                sheet=self.sheet,
            )
        if not self._rows:
            return
        rows, columns = self._row_count, len(self._columns)
        numbers = [_column_number(c) for c in self._columns]
        height = max(self._rows) - min(self._rows) + 1
        width = max(numbers) - min(numbers) + 1
        sheet = self.sheet or self.part
        if rows > max_rows:
            raise XlsxProblem(
                text(_TOO_MANY_ROWS, name=self.name, problem=too_many_rows(sheet, rows, max_rows)),
                sheet=self.sheet,
            )
        if max(self._rows) <= max_rows and height * width <= max_cells:
            return
        if rows * columns > max_cells:  # the cells themselves are too many: columns to spare
            raise XlsxProblem(
                text(_TOO_MANY_CELLS, name=self.name, sheet=sheet, rows=_rows(rows),
                     columns=_columns(columns), cells=f"{height * width:,}", limit=f"{max_cells:,}"),
                sheet=self.sheet,
            )
        # The cells span far more than the rows and columns that hold them: stray cells.
        below, right = height > rows, width > columns
        stray = _FAR_BELOW_OR_RIGHT if below and right else _FAR_BELOW if below else _FAR_RIGHT
        raise XlsxProblem(
            text(_STRAY_CELLS, name=self.name, sheet=sheet, height=_rows(height), width=_columns(width),
                 rows=_rows(rows), columns=_columns(columns), where=Text(stray),
                 max_rows=f"{max_rows:,}", max_cells=f"{max_cells:,}"),
            sheet=self.sheet,
        )


class _PercentCells:
    """Finds the numeric cells whose style index is one of the percentage formats.

    A piece is searched cell by cell only if it holds one of those `s="..."` attributes;
    with style 0 a percentage, cells without an `s` are percentages too, and every piece is.
    """

    def __init__(self, styles: frozenset[int]) -> None:
        numbers = "|".join(map(str, sorted(styles)))
        style = rf"""\ss\s*=\s*["']0*(?:{numbers})["']""".encode()
        self._style = re.compile(style)
        styled = rb"(?=[^>]*" + style + rb")"
        if 0 in styles:
            styled = rb"(?:" + styled + rb"|(?![^>]*\ss\s*=))"
        self._cell = re.compile(
            _PREFIX
            + rb'c r="([A-Z]{1,3})([0-9]{1,7})"'
            + styled
            # A number: no t attribute, or t="n"; and a value, so not a self-closed empty cell.
            + rb"""(?![^>]*\st\s*=\s*["'][^n])[^>]*(?<!/)>"""
        )
        self._always = 0 in styles
        self.positions = array("q")
        self._ordered = True

    def feed(self, piece: bytes) -> None:
        if not self._always and self._style.search(piece) is None:
            return
        positions = self.positions
        for match in self._cell.finditer(piece):
            position = cell_position(int(match.group(2)), _column_number(match.group(1)) - 1)
            if positions and position <= positions[-1]:
                self._ordered = False
            positions.append(position)

    def in_order(self) -> Sequence[int]:
        return self.positions if self._ordered else array("q", sorted(set(self.positions)))


# Any of the byte tests' markers: a prefixed cell or formula, a formula, an error type.
_MARKERS = ":c|:f|<f|'e'|\"e\""
# What follows `<c` in a cell: XML white space, '/' or '>'; in a reference, ` r="`, the
# column's letters, the row's digits and a quote (at most 15 characters: ` r="XFD1048576"`).
_CELL_START = r"^[ \t\r\n/>]"
_REFERENCE_TEXT = r'^ r="([A-Z]{1,3})([0-9]{1,7})"'
_REFERENCE_CHARS = 15


def _rows(number: int) -> Text:
    return text(_ONE_ROW if number == 1 else _ROWS, count=f"{number:,}")


def _columns(number: int) -> Text:
    return text(_ONE_COLUMN if number == 1 else _COLUMNS, count=f"{number:,}")


_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ANY_CELL = re.compile(_PREFIX + rb"c[\s/>]")
_ANY_ROW = re.compile(_PREFIX + rb'c r="[A-Z]{1,3}([0-9]{1,7})"')
_ANY_COLUMN = re.compile(_PREFIX + rb'c r="([A-Z]{1,3})[0-9]{1,7}"')
_ANY_FORMULA = re.compile(_PREFIX + rb"f[\s/>]")
_FORMULA_MARKERS = (b"<f>", b"<f ", b"<f/>")
_ERROR_CELL = re.compile(rb"""\st=["']e["']""")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# zlib-ng's stub declares `error` as an instance of Exception; it is the class.
_INFLATE_ERROR = cast("type[Exception]", zlib_ng.error)


def _inflate(stream: BinaryIO, entry: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The entry's bytes in pieces; XlsxProblem if they disagree with its directory record."""
    damaged = XlsxProblem(text(_ENTRY_DAMAGED, name=name, entry=repr(entry.filename[:80]), resave=RESAVE))
    stream.seek(entry.header_offset)
    header = stream.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        raise damaged
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise damaged
    stream.seek(entry.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    inflater = zlib_ng.decompressobj(-zlib_ng.MAX_WBITS) if entry.compress_type else None
    produced, crc = 0, 0
    try:
        for out in _inflated(stream, entry.compress_size, inflater, damaged):
            produced += len(out)
            if produced > entry.file_size:
                raise damaged
            crc = zlib_ng.crc32(out, crc)
            yield out
    except _INFLATE_ERROR:
        raise damaged from None
    if produced != entry.file_size or crc != entry.CRC or (inflater and not inflater.eof):
        raise damaged


def _inflated(stream: BinaryIO, left: int, inflater: Any, damaged: XlsxProblem) -> Iterator[bytes]:
    """The next `left` bytes of `stream`, read and inflated in pieces of at most _READ_BYTES."""
    while left:
        data = stream.read(min(left, _READ_BYTES))
        if not data:
            raise damaged
        left -= len(data)
        while data:
            out = inflater.decompress(data, _READ_BYTES) if inflater else data
            data = inflater.unconsumed_tail if inflater else b""
            if out:
                yield out
    # Output may still wait inside the inflater: the last call stopped at _READ_BYTES.
    while inflater and not inflater.eof and (out := inflater.decompress(b"", _READ_BYTES)):
        yield out
