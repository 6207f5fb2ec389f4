"""Covering a shortfall: the fewest items, or the least value, whose sum reaches a need.

Pure integer arithmetic (values in the smallest unit the evidence uses), so every answer is
exact. The share advice (`filings.rules.advice.shares`) turns money into these integers and back.

Why taking the largest first is exact for "fewest": let the values be sorted descending,
v1 >= v2 >= ... >= vn, all non-negative. Any k items sum to at most v1 + ... + vk, and
reaching the need depends only on the sum (a larger sum reaches whatever a smaller one does).
So some k items reach the need if and only if the k largest do, and the shortest prefix that
reaches it is the fewest items that can. It follows that no k - 1 items reach it: removing
any one item from the answer leaves a set that falls short. Grouped items (a supplier's lines
move together) are items whose value is the group's sum, so the same argument holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

# The exact least-value search keeps one bitset of reachable sums per item; it runs when
# items x (bits per bitset) is at most this (about 12 MiB of bitsets and well under a second
# on this machine). Beyond it the answer is a bound: at least the need, at most the cheaper of
# the fewest-items answer and the smallest single item that covers the need.
MAX_SUBSET_SUM_BITS = 100_000_000


def fewest(values: Sequence[int], need: int) -> int | None:
    """How many of `values` (sorted descending), taken from the front, first reach `need`;
    None when all of them together fall short."""
    if need <= 0:
        return 0
    reached = 0
    for count, value in enumerate(values, 1):
        reached += value
        if reached >= need:
            return count
    return None


@dataclass(frozen=True, slots=True)
class Cover:
    """Items (indices into the values searched) whose sum `total` reaches the need. `exact`:
    no cheaper cover exists; otherwise the least cover costs at least `lower_bound`."""

    chosen: tuple[int, ...]
    total: int
    exact: bool
    lower_bound: int


def least_cover(values: Sequence[int], need: int, known: Sequence[int], *,
                max_bits: int = MAX_SUBSET_SUM_BITS) -> Cover:
    """The cover of least sum: a subset of `values` (non-negative, sorted descending) whose sum
    is the smallest one at least `need`. `known` is a cover already found (the fewest-items
    answer), the upper bound the search must beat. Ties are broken the same way every time."""
    if need <= 0:
        return Cover((), 0, True, 0)
    best = tuple(known)
    upper = sum(values[i] for i in best)
    covering = _first_below(values, need)  # values[:covering] each cover the need alone
    if covering and values[covering - 1] < upper:
        single = _first_below(values, values[covering - 1] + 1)  # the first of its value
        best, upper = (single,), values[single]
    # Only items below `upper` can be in a cheaper cover (and then all are below `need`).
    first, end = _first_below(values, upper), _first_below(values, 1)
    if upper == need or sum(values[first:end]) < need:
        return Cover(best, upper, True, upper)
    found = _search(list(values[first:end]), need, upper, max_bits)
    if found is None:
        return Cover(best, upper, False, need)
    if not found:  # no cover cheaper than `upper`: the one known is least
        return Cover(best, upper, True, upper)
    chosen = tuple(first + j for j in found)
    total = sum(values[i] for i in chosen)
    return Cover(chosen, total, True, total)


def _first_below(values: Sequence[int], bound: int) -> int:
    """The first index whose value is below `bound`, in values sorted descending."""
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if values[middle] < bound:
            high = middle
        else:
            low = middle + 1
    return low


def _search(values: list[int], need: int, upper: int, max_bits: int) -> list[int] | None:
    """The least subset with need <= sum < upper (indices into `values`); [] when none
    exists; None when the search would exceed `max_bits`."""
    step = gcd(*values)
    # Every sum is a multiple of `step`: search in those multiples.
    values = [v // step for v in values]
    need = -(-need // step)
    below = -(-upper // step) - 1  # the largest multiple count strictly below `upper`
    whole = sum(values)
    if need > below:
        return []
    # Either the sums moved (need..below) or the sums kept (up to whole - need), whichever
    # bitset is shorter: moving a set is keeping its complement.
    if below + 1 <= whole - need + 1:
        if len(values) * (below + 1) > max_bits:
            return None
        table = _reachable(values, below)
        reached = table[-1] >> need
        if not reached:
            return []
        target = need + ((reached & -reached).bit_length() - 1)  # the least reachable sum
        return _subset(values, table, target)
    limit = whole - need
    if len(values) * (limit + 1) > max_bits:
        return None
    table = _reachable(values, limit)
    kept = table[-1].bit_length() - 1  # the most that can stay, so the least that moves
    if whole - kept > below:
        return []
    taken = set(_subset(values, table, kept))
    return [j for j in range(len(values)) if j not in taken]


def _reachable(values: list[int], cap: int) -> list[int]:
    """Bitsets: bit s of table[j] is set when some subset of values[:j] sums to s <= cap."""
    mask = (1 << (cap + 1)) - 1
    table = [1]
    reach = 1
    for value in values:
        reach = (reach | (reach << value)) & mask
        table.append(reach)
    return table


def _subset(values: list[int], table: list[int], target: int) -> list[int]:
    """Indices of a subset of `values` summing to `target` (reachable in table[-1]): the last
    item is left out whenever the others can reach the rest, so the choice is deterministic."""
    chosen: list[int] = []
    for j in range(len(values) - 1, -1, -1):
        if not (table[j] >> target) & 1:
            chosen.append(j)
            target -= values[j]
    assert target == 0
    return sorted(chosen)
