"""The CSV fast path reads exactly what the csv module reads."""

from __future__ import annotations

import csv
import io
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from filings.evidence.csv_source import BLOCK_BYTES, Tokenizer

CELLS = st.text(alphabet=st.sampled_from(list('ab, "\r\n\t;é€\x01\x02\x1f')), max_size=6)
# Column names go on one line (the reader says so when they do not); at least one is named.
HEADER_CELLS = st.text(alphabet=st.sampled_from(list('ab, "\t;é')), min_size=1, max_size=6).filter(str.strip)


def tokenised(data: bytes, width: int) -> tuple[tuple[int, list[str]] | None, list[list[str]]]:
    tokens = Tokenizer(io.BytesIO(data), "test.csv")
    header = tokens.header()
    if header is None:
        return None, []
    rows: list[list[str]] = []
    for numbers, columns in tokens.batches(width, lambda *_: None):
        assert list(numbers) == list(
            range(header[0] + 1 + len(rows), header[0] + 1 + len(rows) + len(numbers))
        )
        rows.extend(list(record) for record in zip(*columns, strict=True))
    return header, rows


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(1, 4),
    data=st.data(),
    terminator=st.sampled_from(["\r\n", "\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    block_bytes=st.sampled_from([BLOCK_BYTES, 7, 64]),
)
def test_the_fast_path_reads_what_the_csv_module_reads(width, data, terminator, quoting, block_bytes):
    header = data.draw(st.lists(HEADER_CELLS, min_size=width, max_size=width))
    body = data.draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=30))
    grid = [header, *body]
    text = io.StringIO()
    csv.writer(text, lineterminator=terminator, quoting=quoting).writerows(grid)
    expected = list(csv.reader(io.StringIO(text.getvalue(), newline="")))  # as open(newline="")

    with mock.patch("filings.evidence.csv_source.BLOCK_BYTES", block_bytes):  # many block ends
        header, rows = tokenised(text.getvalue().encode(), width)

    assert header == (1, expected[0])
    assert rows == [record + [""] * (width - len(record)) for record in expected[1:]]  # padded


def test_blocks_are_cut_at_line_ends_without_losing_rows():
    lines = [f"id-{i},{'x' * (i % 50)}" for i in range(3 * BLOCK_BYTES // 20)]
    data = ("id,text\r\n" + "\r\n".join(lines) + "\r\n").encode()

    header, rows = tokenised(data, 2)

    assert header == (1, ["id", "text"])
    assert rows == [line.split(",") for line in lines]
