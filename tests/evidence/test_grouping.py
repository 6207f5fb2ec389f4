"""Lines summed by key (`frames.groups`): exact sums, keys in order of first row, and each
key's rows ascending, whatever order the frame holds its rows in."""

from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from filings.evidence.frames import MICRO, PLACES, ROW, groups

_LINE = st.tuples(st.sampled_from(["lithium", "nickel"]), st.sampled_from(["AU", "CN", "JP"]),
                  st.booleans(), st.sampled_from(["Andes Co", "Basin Ltd"]),
                  st.integers(0, 10**12), st.integers(0, 6)).map(
    # micro-units as a reader gives them: no digit past the places the cell was written with
    lambda t: (*t[:4], t[4] - t[4] % 10 ** (6 - t[5]), t[5]))


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=40), order=st.randoms(use_true_random=False))
def test_groups_are_the_lines_summed_by_key_with_their_rows_ascending(lines, order):
    rows = list(range(2, 2 + len(lines)))
    shuffled = rows[:]
    order.shuffle(shuffled)  # the frame's rows in any order
    by_row = dict(zip(rows, lines, strict=True))
    frame = pl.DataFrame({
        ROW: shuffled,
        "mineral": [by_row[r][0] for r in shuffled],
        "country": [by_row[r][1] for r in shuffled],
        "feoc": [by_row[r][2] for r in shuffled],
        "supplier": [by_row[r][3] for r in shuffled],
        "value_usd" + MICRO: [by_row[r][4] for r in shuffled],
        "value_usd" + PLACES: pl.Series([by_row[r][5] for r in shuffled], dtype=pl.Int8),
    })

    keys, sums, starts, grouped_rows = groups(frame, ("mineral", "country", "feoc"), "value_usd")

    expected: dict[tuple[object, ...], list[int]] = {}
    for row in rows:  # in row order: keys in order of their first row
        mineral, country, feoc, supplier, _, _ = by_row[row]
        expected.setdefault((mineral, country, feoc, supplier if feoc else None), []).append(row)
    assert list(zip(*keys, strict=True)) == list(expected)
    assert [grouped_rows[starts[i]:starts[i + 1]] for i in range(len(expected))] == list(expected.values())
    for i, members in enumerate(expected.values()):
        exact = sum(Decimal(by_row[r][4]).scaleb(-6) for r in members)
        assert sums[i] == exact
        places = max(by_row[r][5] for r in members)
        assert sums[i].as_tuple().exponent == -places
