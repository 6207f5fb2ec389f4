"""Making many objects at once without the cycle collector running over them again and again."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cycle collector while evidence is grouped and assessed.

    The collector runs after every few hundred new container objects and, as they survive,
    walks the older ones too: grouping a million varied lines makes hundreds of thousands
    of keys, sums and row lists, and the collector's passes over them took about as long as
    making them (measured: 0.6 s against 0.1 s for 380,000 chain keys). Those objects form
    no reference cycles (tuples of strings and flags, Decimals, lists of ints), so the passes
    find nothing; reference counting frees them as always. The collector is switched back on
    afterwards if it was on (a nested or concurrent pause that found it off leaves it to the
    one that switched it off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
