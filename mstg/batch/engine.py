"""What a batch engine is: it runs jobs (plain dictionaries) and reports their records.

An engine calls back as jobs start, progress and finish; :meth:`Engine.stop` lets the running
jobs finish and starts no more, :meth:`Engine.kill` stops at once (each job's files staged under
temporary names are removed). The local process pool and Ray implement it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass
class Callbacks:
    """Where an engine reports: a job started (its input), progressed, or finished (its record)."""

    started: Callable[[str], None] = lambda name: None
    progress: Callable[[dict[str, Any]], None] = lambda report: None
    finished: Callable[[Record], None] = lambda record: None


class Engine(ABC):
    """Runs a batch's jobs; :class:`~mstg.batch.local.LocalEngine` and
    :class:`~mstg.batch.ray_engine.RayEngine` are the two kinds.

    >>> from mstg.batch.local import LocalEngine
    >>> isinstance(LocalEngine(jobs=2), Engine)
    True
    """

    #: How the engine is named in messages (``local``, ``ray``).
    name: str = "engine"

    def __init__(self) -> None:
        self.stopping = False

    @abstractmethod
    def run(self, jobs: list[Record], callbacks: Callbacks) -> None:
        """Run every job (fewer after :meth:`stop`); each record goes to ``callbacks.finished``."""

    def stop(self) -> None:
        """Start no more jobs; the running ones finish their files."""
        self.stopping = True

    @abstractmethod
    def kill(self) -> None:
        """Stop at once: running jobs end and their staged files are removed."""

    @property
    def slots(self) -> int:
        """How many jobs run at once."""
        return 1


def crashed(job: Record, message: str) -> Record:
    """The record of a job whose process died or was lost before it could report."""
    from ..errors import ExitStatus
    from .worker import _named_outputs

    return {"input": job["input"], "outputs": _named_outputs(job), "status": "failed", "frames": 0,
            "events": 0, "seconds": 0.0, "error": message, "exit_status": int(ExitStatus.ERROR)}
