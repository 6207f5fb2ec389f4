"""The CSV reader reads exactly what `csv.reader` reads over `open(path, newline="")`.

The fast path (polars) either declines a file or gives csv.reader's records, one row per
record, numbered as a spreadsheet numbers them; the exact path is the csv module itself.
"""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filings.evidence.csv_source import CsvProblem, read_exactly, read_fast

CELLS = st.text(alphabet=st.sampled_from(list('ab, "\r\n\t;é€\x01\x02\x1f')), max_size=6)
# Column names go on one line (the reader says so when they do not); at least one is named.
HEADER_CELLS = st.text(alphabet=st.sampled_from(list('ab, "\t;é')), min_size=1, max_size=6).filter(str.strip)
PLAIN_HEADER_CELLS = st.text(alphabet=st.sampled_from(list("ab_é")), min_size=1, max_size=6)
BIG = 10**6


def expected_records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), strict=True))


def records_of(parsed: tuple[int, list[str], object]) -> tuple[int, list[str], list[int], list[list[str]]]:
    header_row, header, frame = parsed
    rows = frame.get_column("row").to_list()  # type: ignore[attr-defined]
    cells = [[cell or "" for cell in record[1:]] for record in frame.iter_rows()]  # type: ignore[attr-defined]
    return header_row, header, rows, cells


def written(grid: list[list[str]], terminator: str, quoting: int) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator=terminator, quoting=quoting).writerows(grid)
    return text.getvalue().encode()


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(1, 4),
    data=st.data(),
    terminator=st.sampled_from(["\r\n", "\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    plain_header=st.booleans(),
)
def test_both_paths_read_what_the_csv_module_reads(width, data, terminator, quoting, plain_header):
    header = data.draw(st.lists(PLAIN_HEADER_CELLS if plain_header else HEADER_CELLS, min_size=width,
                                max_size=width))
    body = data.draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=30))
    content = written([header, *body], terminator, quoting)
    expected = expected_records(content)
    padded = [record + [""] * (width - len(record)) for record in expected[1:]]

    fast = read_fast(content, BIG)
    exact = read_exactly(content, "test.csv", BIG, "vins", [])

    for parsed in (fast, exact) if fast is not None else (exact,):
        assert parsed is not None
        assert records_of(parsed) == (1, expected[0], list(range(2, 2 + len(padded))), padded)
    if plain_header and quoting == csv.QUOTE_MINIMAL and terminator != "\r":
        # The common case takes the fast path unless a cell holds a lone CR.
        assert fast is not None or b"\r" in content.replace(b"\r\n", b"")


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab,"\r\n ')), max_size=40))
def test_the_fast_path_declines_what_it_would_read_differently(text):
    content = ("a,b\n" + text).encode()

    fast = read_fast(content, BIG)

    if fast is None:
        return
    try:
        expected = expected_records(content)
    except csv.Error:
        pytest.fail(f"polars read {content!r}, which csv.reader refuses")
    width = len(expected[0])
    if any(cell.strip() for record in expected[1:] for cell in record[width:]):
        pytest.fail(f"polars read {content!r}, which has values past the header's last column")
    # Blank cells past the last column are no error: the csv module's reading drops them too.
    padded = [(record + [""] * (width - len(record)))[:width] for record in expected[1:]]
    assert records_of(fast) == (1, expected[0], list(range(2, 2 + len(padded))), padded)


@pytest.mark.parametrize("terminator", ["\r\n", "\n"])
def test_a_file_with_a_bom_is_read_by_polars_as_the_csv_module_reads_it(terminator):
    # Excel's "CSV UTF-8" starts with a BOM; polars is handed the bytes with it and skips it.
    grid = [["id", "name"], ["\ufeffx", "Co., Ltd."], ["", ""], ["2", 'a "b"']]
    content = codecs.BOM_UTF8 + written(grid, terminator, csv.QUOTE_MINIMAL)

    fast = read_fast(content, BIG)

    assert fast is not None
    assert records_of(fast) == (1, ["id", "name"], [2, 3, 4], expected_records(content)[1:])


def test_a_large_file_is_read_by_polars_with_every_row_numbered():
    lines = [f'id-{i},"{"x" * (i % 50)}, Ltd."' for i in range(200_000)]
    content = ("id,text\r\n" + "\r\n".join(lines) + "\r\n").encode()

    fast = read_fast(content, BIG)

    assert fast is not None
    header_row, header, rows, cells = records_of(fast)
    assert (header_row, header) == (1, ["id", "text"])
    assert rows == list(range(2, 200_002))
    assert cells == expected_records(content)[1:]


@pytest.mark.parametrize(
    "content",
    [
        b'a,b\n"x"y,2\n',  # a closing quote followed by text
        b'a,b\nx,"y\n',  # never closed
        b"a,b\n1,2,3\n",  # longer than the header
        b"a,b\r1,2\r",  # old Mac line ends
        b"\na,b\n1,2\n",  # a blank line before the header
        b'"a\nb",c\n1,2\n',  # a header cell spanning lines
        b'"a"x,b\n1,2\n',  # a header cell with text after its closing quote
        b"a,b\n\xff,2\n",  # not UTF-8
        b"a,b\n1\x00,2\n",  # a NUL byte
    ],
)
def test_the_fast_path_declines_files_the_csv_module_must_read(content):
    assert read_fast(content, BIG) is None


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("terminator", ["\r\n", "\n"])
def test_a_file_with_every_cell_quoted_is_read_by_polars(bom, terminator):
    # R's write.csv, pandas' QUOTE_ALL and many exports quote every cell, the header too.
    grid = [["id", "name, in full"], ["1", 'Co. "A", Ltd.'], ["", ""], ["2", "b"]]
    content = bom + written(grid, terminator, csv.QUOTE_ALL)

    fast = read_fast(content, BIG)

    assert fast is not None
    assert records_of(fast) == (1, ["id", "name, in full"], [2, 3, 4], expected_records(content)[1:])


def test_the_exact_path_numbers_a_record_spanning_lines_as_one_row():
    content = b'a,b\r\n"x\r\ny",1\r\n\r\n2,3\r\n'

    parsed = read_exactly(content, "test.csv", BIG, "vins", [])

    assert parsed is not None
    assert records_of(parsed) == (1, ["a", "b"], [2, 3, 4], [["x\r\ny", "1"], ["", ""], ["2", "3"]])
    assert records_of(read_fast(content, BIG)) == records_of(parsed)


def test_the_exact_path_reports_values_past_the_last_column():
    overflow: list[tuple[int, int, str]] = []

    read_exactly(b"a,b\n1,2,3, \n4,5\n6,7,,8\n", "test.csv", BIG, "vins", overflow)

    assert overflow == [(2, 2, "3"), (4, 3, "8")]


def test_the_exact_path_refuses_malformed_quoting_naming_the_line():
    with pytest.raises(CsvProblem, match="line 3 is not valid CSV: a closing quote must be followed"):
        read_exactly(b'a,b\n1,2\n"3"x,4\n', "test.csv", BIG, "vins", [])
