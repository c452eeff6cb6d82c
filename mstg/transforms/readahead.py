"""Reading ahead: a costly, pure per-frame step run on the next frames on other cores while
the frames before them are finished in order.

A file's frames do not wait for the clock, so a transform whose cost is one pure function of
the picture (the barcode reader: zxing-cpp lets go of the GIL while it reads) can start that
function on frame N+1, N+2... in worker threads while frame N is finished on the transform's
own thread: events and drawing stay in frame order, identical to reading each frame in turn.
The frames waiting for their reads are held as :meth:`~mstg.frames.VideoFrame.clone` handles
(no copy of the pixels), at most ``depth`` of them.

>>> ahead = ReadAhead(lambda n: n * n, threads=2)
>>> ahead.add("a", 3), ahead.add("b", 4), ahead.add("c", 5)
([], [], [('a', 9)])
>>> ahead.drain()
[('b', 16), ('c', 25)]
>>> ahead.close()
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Generic, TypeVar

Item = TypeVar("Item")

#: Most worker threads ``threads=0`` (one per core) starts.
MAX_AUTO_THREADS = 4


#: The environment variable that caps the cores one run's transforms use: ``mstg batch``
#: sets it in each of its workers (the cores divided among the files running at once).
THREADS_ENV = "MSTG_THREADS"


def auto_threads() -> int:
    """One per core this process may use, at most :data:`MAX_AUTO_THREADS`, and at most
    :data:`THREADS_ENV` when that is set."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    pinned = os.environ.get(THREADS_ENV, "").strip()
    if pinned.isdigit() and int(pinned) >= 1:
        cores = min(cores, int(pinned))
    return max(1, min(cores, MAX_AUTO_THREADS))


class ReadAhead(Generic[Item]):
    """Runs ``step(*args)`` for each added item on ``threads`` workers; gives the items back
    in the order they were added, each with its result, once ``depth`` (``threads``) items
    are waiting behind it (:meth:`add`) or at the end (:meth:`drain`)."""

    def __init__(self, step: Callable[..., Any], threads: int) -> None:
        self.step = step
        self.depth = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="read-ahead")
        self._waiting: deque[tuple[Item, Future[Any] | None]] = deque()

    def add(self, item: Item, *args: Any, run: bool = True) -> list[tuple[Item, Any]]:
        """Queue ``item`` (its step started now, unless ``run`` is False: its result is None);
        the items now finished, oldest first."""
        self._waiting.append((item, self._pool.submit(self.step, *args) if run else None))
        out = []
        while len(self._waiting) > self.depth:
            out.append(self._finish())
        return out

    def drain(self) -> list[tuple[Item, Any]]:
        """Every item still waiting, oldest first, with its result."""
        return [self._finish() for _ in range(len(self._waiting))]

    def __len__(self) -> int:
        return len(self._waiting)

    def close(self) -> None:
        """Stop the workers (reads under way end first); items still waiting are dropped."""
        self._waiting.clear()
        self._pool.shutdown(wait=True)

    def _finish(self) -> tuple[Item, Any]:
        item, future = self._waiting.popleft()
        return item, None if future is None else future.result()
