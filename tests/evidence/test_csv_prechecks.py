"""The fast path's byte checks (`csv_source.fast_batches`) decide as they did by counting:
a lone CR is one the CR and CRLF counts would find, and a file's quotes are all in whole
quoted cells exactly when the well-quoted cells, found one by one, hold every quote."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import example, given, settings
from hypothesis import strategies as st

from filings.evidence import csv_source


@contextmanager
def pieces_of(size: int) -> Iterator[None]:
    """The checks' pieces this many bytes long (a megabyte in use), so that a few bytes cut
    at every place a piece may end."""
    kept = csv_source._PIECE
    csv_source._PIECE = size
    try:
        yield
    finally:
        csv_source._PIECE = kept


BYTES = st.lists(st.sampled_from([b"a", b",", b'"', b'""', b"\r", b"\n", b"\r\n", b" "]), max_size=40).map(b"".join)


def _counted_lone_cr(data: bytes) -> bool:
    return data.count(b"\r") != data.count(b"\r\n")


# One quoted cell as the csv module (strict) reads it, as the checks found them before one
# match over the whole file replaced the list of every cell.
_WELL_QUOTED = re.compile(rb'"(?<![^,\r\n]")[^"]*+(?:""[^"]*+)*+"(?=[,\r\n]|\Z)')


def _counted_whole_cells(data: bytes) -> bool:
    """Every quote in a whole quoted cell, as the checks counted it before."""
    quotes = data.count(b'"')
    if not quotes:
        return True
    cells: list[bytes] = _WELL_QUOTED.findall(data)
    if b'""' not in data:
        return quotes == 2 * len(cells)
    return quotes == sum(cell.count(b'"') for cell in cells)


@settings(max_examples=1000, deadline=None)
@given(data=BYTES)
@example(data=b"a\r")
@example(data=b"a\r\r\n")
@example(data=b"\n\r")
def test_a_lone_cr_is_found_where_counting_finds_one(data):
    assert (csv_source._LONE_CR.search(data) is not None) == _counted_lone_cr(data)


@settings(max_examples=1000, deadline=None)
@given(data=BYTES, piece=st.integers(1, 12))
@example(data=b"a\r\n\r", piece=1)
def test_the_checks_decide_alike_whatever_the_pieces(data, piece):
    with pieces_of(piece):
        assert csv_source._plain(data) == (not _counted_lone_cr(data) and _counted_whole_cells(data))


@settings(max_examples=1000, deadline=None)
@given(data=BYTES)
@example(data=b'"a""b",c\n')
@example(data=b'"a""b"c\n')
@example(data=b'"""",""\n"')
def test_quotes_are_in_whole_cells_where_counting_says_so(data):
    assert csv_source._quotes_in_whole_cells(data) == _counted_whole_cells(data)


@settings(max_examples=1000, deadline=None)
@given(data=BYTES, piece=st.integers(1, 12))
@example(data=b'"a\nb\nc",d\n', piece=1)  # a cell spanning the pieces
@example(data=b'a\n"b\n"x\n', piece=1)  # a closing quote followed by text, past a piece
def test_quotes_are_found_whole_across_pieces(data, piece):
    with pieces_of(piece):
        assert csv_source._quotes_in_whole_cells(data) == _counted_whole_cells(data)


@settings(max_examples=300, deadline=None)
@given(data=BYTES)
def test_a_bom_is_not_what_opens_the_first_cell(data):
    # The checks start past a BOM, as polars and the csv module (utf-8-sig) read the file.
    with_bom = codecs.BOM_UTF8 + data
    assert csv_source._quotes_in_whole_cells(with_bom, len(codecs.BOM_UTF8)) == _counted_whole_cells(data)
