"""The fast path's byte checks (`csv_source.fast_batches`) decide as they did by counting:
a lone CR is one the CR and CRLF counts would find, and a file's quotes are all in whole
quoted cells exactly when the well-quoted cells hold every quote."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from filings.evidence import csv_source

BYTES = st.lists(st.sampled_from([b"a", b",", b'"', b'""', b"\r", b"\n", b"\r\n", b" "]), max_size=40).map(b"".join)


def _counted_lone_cr(data: bytes) -> bool:
    return data.count(b"\r") != data.count(b"\r\n")


def _counted_whole_cells(data: bytes) -> bool:
    """Every quote in a whole quoted cell, as the checks counted it before."""
    quotes = data.count(b'"')
    if not quotes:
        return True
    cells: list[bytes] = csv_source._WELL_QUOTED.findall(data)
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
@given(data=BYTES)
@example(data=b'"a""b",c\n')
@example(data=b'"a""b"c\n')
@example(data=b'"""",""\n"')
def test_quotes_are_in_whole_cells_where_counting_says_so(data):
    assert csv_source._quotes_in_whole_cells(data) == _counted_whole_cells(data)
