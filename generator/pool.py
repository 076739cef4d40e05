"""One way to spread CPU-bound work over processes: chunks of items, one pool.

Normalising cards, drawing thumbnails and shrinking them for the gallery are
each a pure function of a list of items. :func:`map_chunked` cuts the items
into chunks (several per process, so one slow chunk does not leave the other
cores idle at the end) and maps the function over them, in a pool only when
that pays: starting processes and pickling costs more than it saves on a
handful of items.

>>> map_chunked(sorted, [3, 1, 2], jobs=1, min_items=100)
[[1, 2, 3]]
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Chunks per process: enough that the last chunks finish close together.
CHUNKS_PER_JOB = 4


def jobs_or_cores(jobs: int | None) -> int:
    """``jobs``, or every core when it is ``None``; at least 1."""
    return max(1, jobs or os.cpu_count() or 1)


def chunks(items: Sequence[T], *, jobs: int, max_chunk: int | None = None) -> list[list[T]]:
    """``items`` in order, cut into about ``jobs * CHUNKS_PER_JOB`` chunks of at most ``max_chunk``.

    >>> chunks(list(range(5)), jobs=1)
    [[0, 1], [2, 3], [4]]
    """
    size = max(1, math.ceil(len(items) / (jobs * CHUNKS_PER_JOB)))
    if max_chunk:
        size = min(size, max_chunk)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def map_chunked(
    fn: Callable[[list[T]], R],
    items: Sequence[T],
    *,
    jobs: int | None,
    min_items: int,
    max_chunk: int | None = None,
) -> list[R]:
    """``fn`` of each chunk of ``items``, in order: in ``jobs`` processes (default all cores)
    when there are at least ``min_items`` items, else in this process in one call.

    ``fn`` must be a module-level function (it is pickled to the workers) and
    must not depend on how the items are chunked.
    """
    if not items:
        return []
    jobs = jobs_or_cores(jobs)
    if jobs == 1 or len(items) < min_items:
        return [fn(list(items))]
    parts = chunks(items, jobs=jobs, max_chunk=max_chunk)
    if len(parts) == 1:
        return [fn(parts[0])]
    with ProcessPoolExecutor(max_workers=min(jobs, len(parts))) as pool:
        return list(pool.map(fn, parts))
