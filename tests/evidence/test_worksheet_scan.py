"""The worksheet scan of the preflight counts exactly what a plain regular-expression scan counts.

`_WorksheetScan` measures references in polars and skips byte tests that cannot match; the
reference here is the straightforward way (a findall per piece, a test per marker), and
both are fed the same generated sheet XML cut into the same pieces, anywhere.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filings.evidence.zip_preflight import XlsxProblem, _WorksheetScan

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ANY_CELL = re.compile(_PREFIX + rb"c[\s/>]")
_ANY_ROW = re.compile(_PREFIX + rb'c r="[A-Z]{1,3}([0-9]{1,7})"')
_ANY_COLUMN = re.compile(_PREFIX + rb'c r="([A-Z]{1,3})[0-9]{1,7}"')
_ANY_FORMULA = re.compile(_PREFIX + rb"f[\s/>]")
# A cell's tag: '<c' and XML white space, '/' or '>' (calamine reads `<c\tr="A1">` as a cell too).
_PLAIN_CELL = re.compile(rb"<c[ \t\r\n/>]")
_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_ERROR_CELL = re.compile(rb"""\st=["']e["']""")


class PlainScan:
    """The scan written plainly: what `_WorksheetScan` must find, piece by piece."""

    def __init__(self) -> None:
        self.is_sheet = False
        self.formulas = False
        self.cells = 0
        self.referenced = 0
        self.rows: list[int] = []
        self.columns: set[bytes] = set()
        self.row_count = 0
        self.last_row = b""

    def feed(self, piece: bytes) -> None:
        self.is_sheet = self.is_sheet or b"sheetData" in piece
        if b":c" in piece or b":f" in piece:
            self.cells += len(_ANY_CELL.findall(piece))
            rows, columns = _ANY_ROW.findall(piece), _ANY_COLUMN.findall(piece)
            self.formulas = self.formulas or _ANY_FORMULA.search(piece) is not None
        else:
            self.cells += len(_PLAIN_CELL.findall(piece))
            rows, columns = _ROW.findall(piece), _COLUMN.findall(piece)
            self.formulas = self.formulas or any(m in piece for m in (b"<f>", b"<f ", b"<f/>"))
        self.formulas = self.formulas or _ERROR_CELL.search(piece) is not None
        self.referenced += len(rows)
        if rows:
            self.row_count += len(set(rows)) - (rows[0] == self.last_row)
            self.last_row = rows[-1]
            self.rows += [min(map(int, rows)), max(map(int, rows))]
            self.columns.update(columns)


def state(scan: _WorksheetScan) -> tuple[object, ...]:
    return (scan.is_sheet, scan._formulas, scan._cells, scan._referenced, scan._rows, scan._columns,
            scan._row_count, scan._last_row)


def plain_state(scan: PlainScan) -> tuple[object, ...]:
    return (scan.is_sheet, scan.formulas, scan.cells, scan.referenced, scan.rows, scan.columns,
            scan.row_count, scan.last_row)


def verdict(scan: _WorksheetScan, max_rows: int, max_cells: int) -> str | None:
    try:
        scan.check(max_rows, max_cells)
    except XlsxProblem as problem:
        return str(problem)
    return None


def compare(xml: bytes, cuts: list[int], max_rows: int = 50, max_cells: int = 400) -> None:
    """Feed both scans the XML cut at `cuts`; they must agree on everything, and in check()."""
    ends = sorted({min(max(cut, 0), len(xml)) for cut in cuts} | {len(xml)})
    pieces = [xml[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    scan, plain = _WorksheetScan("evidence.xlsx", "xl/worksheets/sheet1.xml", "Vehicles"), PlainScan()
    for piece in pieces:
        scan.feed(piece)
        plain.feed(piece)
        assert state(scan) == plain_state(plain), pieces
    reference = _WorksheetScan("evidence.xlsx", "xl/worksheets/sheet1.xml", "Vehicles")
    (reference.is_sheet, reference._formulas, reference._cells, reference._referenced, reference._rows,
     reference._columns, reference._row_count, reference._last_row) = plain_state(plain)  # type: ignore[assignment]
    assert verdict(scan, max_rows, max_cells) == verdict(reference, max_rows, max_cells)


_LETTERS = st.sampled_from(["A", "B", "I", "Z", "AB", "XFD", "ABCD", "a", ""])
_DIGITS = st.one_of(st.sampled_from(["1", "2", "07", "10", "999999", "1048576", "12345678", ""]),
                    st.integers(1, 60).map(str))
_ATTRIBUTES = st.sampled_from(["", ' t="s"', ' t="e"', " t='e'", ' s="1"', ' t="n" s="2"', ' t="str"'])
_CONTENT = st.sampled_from(["<v>1</v>", "<v>0.5</v>", "<f>SUM(A1)</f><v>2</v>", "<f/>", '<is><t>a:c "e"</t></is>',
                            "<v>\u00e9</v>", ""])


@st.composite
def cells(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "", "", "x:", "ns1:"]))
    form = draw(st.sampled_from(["ref", "ref", "ref", "ref", "no-ref", "bare", "closed", "ref-second", "tab"]))
    reference = draw(_LETTERS) + draw(_DIGITS)
    attributes, content = draw(_ATTRIBUTES), draw(_CONTENT)
    if form == "no-ref":
        return f"<{prefix}c{attributes}>{content}</{prefix}c>"
    if form == "bare":
        return f"<{prefix}c>{content}</{prefix}c>"
    if form == "closed":
        return f'<{prefix}c r="{reference}"/>'
    if form == "ref-second":
        return f'<{prefix}c s="1" r="{reference}">{content}</{prefix}c>'
    if form == "tab":
        return f'<{prefix}c\tr="{reference}">{content}</{prefix}c>'
    return f'<{prefix}c r="{reference}"{attributes}>{content}</{prefix}c>'


@st.composite
def sheets(draw: st.DrawFn) -> bytes:
    rows = draw(st.lists(st.lists(cells(), max_size=6), max_size=8))
    body = "".join(f'<row r="{number}">{"".join(row)}</row>' for number, row in enumerate(rows, 1))
    xml = f'<worksheet xmlns="main"><sheetData>{body}</sheetData></worksheet>'.encode()
    if draw(st.booleans()):  # bytes that are not UTF-8 at all
        xml = xml.replace(b"\xc3\xa9", b"\xff")
    return xml


@settings(max_examples=300, deadline=None)
@given(xml=sheets(), cuts=st.lists(st.integers(0, 2000), max_size=6))
def test_the_scan_finds_what_a_plain_findall_finds_wherever_the_pieces_are_cut(xml, cuts):
    compare(xml, cuts)


def ordered_sheet(rows: int, columns: str = "ABCDEFGHI") -> bytes:
    body = "".join(
        f'<row r="{row}">' + "".join(f'<c r="{column}{row}" t="s"><v>{row}</v></c>' for column in columns) + "</row>"
        for row in range(1, rows + 1)
    )
    return f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()


@pytest.mark.parametrize(
    ("xml", "cuts"),
    [
        (ordered_sheet(300), list(range(0, 20_000, 997))),  # rows going on across pieces
        (ordered_sheet(300), [ordered_sheet(300).index(b'<c r="B7"') + k for k in range(1, 9)]),  # inside a reference
        (ordered_sheet(40).replace(b'r="A3"', b'r="A39"').replace(b'r="B3"', b'r="B1"'), [700, 1500]),  # out of order
        (ordered_sheet(20).replace(b'<c r="C5"', b"<c"), [400]),  # a cell without a reference
        (ordered_sheet(20).replace(b'r="D9"', b'r="D900000"'), []),  # a stray cell far below
        (ordered_sheet(20).replace(b'r="D9"', b'r="XFD9"'), [333]),  # a stray cell far to the right
        (ordered_sheet(20).replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>"), [250, 251, 252]),  # prefixed
        (ordered_sheet(20).replace(b"<v>7</v>", b"<f>1+1</f><v>2</v>"), [100]),  # a formula
        (ordered_sheet(20).replace(b'r="E4" t="s"', b'r="E4" t="e"'), [90]),  # an error cell
        (ordered_sheet(20).replace(b'r="E4" t="s"', b"r=\"E4\" t='e'"), []),
        (ordered_sheet(12).replace(b'r="A2"', b'r="A02"'), []),  # the same row written twice over
        (ordered_sheet(60, "AB"), [5_000]),  # more rows than allowed
        (ordered_sheet(45, "ABCDEFGHIJKL"), []),  # more cells than allowed
        (b"", []),
        (b"<worksheet><sheetData/></worksheet>", [3]),
    ],
)
def test_the_scan_finds_what_a_plain_findall_finds_in_chosen_sheets(xml, cuts):
    compare(xml, cuts)
