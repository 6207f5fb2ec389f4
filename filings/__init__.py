"""The portal's domains. Importing the package first configures polars' memory allocator.

Polars allocates with jemalloc, which it configures when it is imported to keep freed pages
for half a second, then for another second as "muzzy" pages, before giving them back to the
system. Reading a sheet of a million lines frees and reallocates hundreds of MB within that
time, so a process kept them all: a worker's peak memory was the sum of every stage's, not
the largest stage's (about 600 MB against 400 MB for a million varied lines, at the same
speed, measured in docs/benchmarks.md). Freed pages are given back after 100 ms here. Every
module that uses polars is inside this package, so this runs before polars is imported; a
value the environment already sets for `_RJEM_MALLOC_CONF` is kept as it is.
"""

import os

os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:100,muzzy_decay_ms:0")
