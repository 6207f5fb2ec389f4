"""The shortfall search against brute force: the fewest items and the least value are exact,
and past the size limit the answer is a cover with an honest bound."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from filings.rules.advice.shortfall import fewest, least_cover

from .builders import PROPERTY_SETTINGS

_values = st.lists(st.integers(min_value=0, max_value=5_000), min_size=1, max_size=9)


def _subsets(values: list[int]):
    for size in range(len(values) + 1):
        yield from itertools.combinations(range(len(values)), size)


def _least_sum(values: list[int], need: int) -> int | None:
    sums = [sum(values[i] for i in s) for s in _subsets(values)]
    reaching = [s for s in sums if s >= need]
    return min(reaching) if reaching else None


def _fewest_count(values: list[int], need: int) -> int | None:
    sizes = [len(s) for s in _subsets(values) if sum(values[i] for i in s) >= need]
    return min(sizes) if sizes else None


@PROPERTY_SETTINGS
@given(values=_values, data=st.data())
def test_the_largest_first_are_the_fewest_items_that_reach_the_need(values, data):
    need = data.draw(st.integers(min_value=1, max_value=sum(values) + 10))
    ordered = sorted(values, reverse=True)

    assert fewest(ordered, need) == _fewest_count(values, need)


@PROPERTY_SETTINGS
@given(values=_values, data=st.data())
def test_the_least_cover_is_the_least_sum_that_reaches_the_need(values, data):
    need = data.draw(st.integers(min_value=1, max_value=max(1, sum(values))))
    ordered = sorted(values, reverse=True)
    count = fewest(ordered, need)
    if count is None:  # nothing reaches the need: only a zero-sum need could; none drawn
        assert sum(values) < need
        return

    cover = least_cover(ordered, need, range(count))

    assert cover.exact
    assert cover.total == sum(ordered[i] for i in cover.chosen) == _least_sum(ordered, need)
    assert cover.lower_bound == cover.total
    assert len(set(cover.chosen)) == len(cover.chosen)


@PROPERTY_SETTINGS
@given(values=st.lists(st.integers(min_value=1, max_value=5_000), min_size=3, max_size=9),
       data=st.data())
def test_past_the_size_limit_the_answer_is_a_cover_between_the_need_and_the_fewest_answer(values, data):
    need = data.draw(st.integers(min_value=1, max_value=sum(values)))
    ordered = sorted(values, reverse=True)
    count = fewest(ordered, need)
    assert count is not None

    cover = least_cover(ordered, need, range(count), max_bits=0)
    least = _least_sum(ordered, need)

    assert cover.total == sum(ordered[i] for i in cover.chosen) >= need
    assert cover.total <= sum(ordered[:count])
    if cover.exact:  # proven without searching: the cover is the need itself, or nothing is below it
        assert cover.total == least
    else:
        assert cover.lower_bound == need <= least <= cover.total


def test_three_smaller_items_can_cost_less_than_the_two_largest():
    # The fewest are 700 + 600 = 1300; 450 + 350 + 200 reach 1000 exactly.
    values = [700, 600, 450, 350, 200]

    cover = least_cover(values, 1000, range(fewest(values, 1000) or 0))

    assert (cover.total, cover.exact) == (1000, True)
    assert [values[i] for i in cover.chosen] == [450, 350, 200]


def test_the_smallest_single_item_that_covers_the_need_beats_the_largest():
    values = [900, 800, 550, 100]

    cover = least_cover(values, 500, range(fewest(values, 500) or 0))

    assert [values[i] for i in cover.chosen] == [550]
    assert cover.exact


def test_the_least_cover_is_the_same_every_time_among_equal_sums():
    values = [300, 300, 200, 200, 100, 100]

    first = least_cover(values, 500, range(2))
    again = least_cover(list(values), 500, range(2))

    assert first == again
    assert first.total == 500


def test_a_need_met_already_needs_nothing():
    assert fewest([5, 3], 0) == 0
    assert least_cover([5, 3], 0, ()).chosen == ()
