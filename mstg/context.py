"""What the pipeline gives each input and output when the run starts: one object, declared.

A component reads what it needs from its context instead of having attributes written onto
it. Components started without a pipeline (in a test, or a program of their own) get the
defaults: not live, nothing to stop, nowhere to report latency, a lock of their own.

>>> context = RunContext(live_source=True)
>>> context.failed.is_set(), context.latencies_ms is None
(False, True)
>>> context.request_stop()  # nothing to stop without a pipeline
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RunContext"]


def _nothing() -> None:
    """No run to stop."""


@dataclass
class RunContext:
    """The pipeline's side of the contract with a component, given at :meth:`start`."""

    #: The tracks come from a live source (camera, microphone, screen, network stream): a
    #: file output chooses a crash-tolerant layout, an input is read as fast as it comes.
    live_source: bool = False
    #: Pace a file input to its timestamps (a live output is among the sinks).
    realtime: bool = False
    #: Ends the whole run cleanly (every output finalized): a window the user closed.
    request_stop: Callable[[], None] = _nothing
    #: Where this output records capture-to-presentation latency in ms (None: nowhere).
    latencies_ms: deque[float] | None = None
    #: Set when the run fails: a file not begun for every track leaves nothing behind.
    failed: threading.Event = field(default_factory=threading.Event)
    #: Held while a frame shared with other outputs is encoded or converted.
    lock: threading.Lock = field(default_factory=threading.Lock)
