"""The local engine: a pool of processes, each job a whole file in one of them.

    >>> from mstg.batch.local import LocalEngine
    >>> LocalEngine(jobs=4).slots
    4
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue as queues
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .engine import Callbacks, Engine, Record, crashed
from .staging import remove_leftovers
from .worker import run_job_in_pool, worker_init

log = logging.getLogger(__name__)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalEngine(Engine):
    """``jobs`` processes (default: the cores), started fresh (``spawn``: no threads inherited)."""

    name = "local"

    def __init__(self, jobs: int | None = None) -> None:
        super().__init__()
        self.jobs = jobs or default_jobs()
        self._context = multiprocessing.get_context("spawn")
        self._queue: Any = None

    @property
    def slots(self) -> int:
        return self.jobs

    def run(self, jobs: list[Record], callbacks: Callbacks) -> None:
        """Runs the jobs, ``--jobs`` at a time. When a worker process dies the pool breaks and
        every job running in it ends: those are run again one at a time, so that only the job
        that kills its process is recorded as failed."""
        todo = list(reversed(jobs))
        alone: list[Record] = []  # jobs caught in a broken pool, to run again by themselves
        self._queue = self._context.Queue()
        pool = self._pool(len(jobs))
        running: dict[Future[Record], Record] = {}
        solo = broken = False
        lost: list[str] = []  # the files of jobs whose process died: their leftovers go
        try:
            while todo or alone or running:
                if broken and not running:  # a worker died: a fresh pool for the rest
                    pool.shutdown(wait=True)
                    remove_leftovers(lost)  # its processes are gone now, not zombies
                    pool, broken = self._pool(len(todo) + len(alone)), False
                for job, by_itself in self._next(todo, alone, running, broken):
                    solo = by_itself
                    running[pool.submit(run_job_in_pool, job)] = job
                    callbacks.started(job["input"])
                if not running:
                    break
                done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                self._drain(callbacks)
                for future in done:
                    job = running.pop(future)
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if not solo:
                            alone.append(job)
                            continue
                        record = crashed(job, "the worker process died (killed, or a crash in a decoder "
                                              "or transform)")
                        lost.extend(record["outputs"])
                    self._drain(callbacks)
                    callbacks.finished(record)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            remove_leftovers(lost)
            self._queue.close()

    def _next(self, todo: list[Record], alone: list[Record], running: dict[Any, Record],
              broken: bool) -> list[tuple[Record, bool]]:
        """The jobs to start now, each with whether it runs by itself."""
        if broken or self.stopping:
            return []
        if alone:
            return [(alone.pop(0), True)] if not running else []
        count = max(0, min(self.jobs - len(running), len(todo)))
        return [(todo.pop(), False) for _ in range(count)]

    def _pool(self, count: int) -> ProcessPoolExecutor:
        workers = max(1, min(self.jobs, count))
        per_file = max(1, default_jobs() // workers)  # the cores shared out among the files
        return ProcessPoolExecutor(max_workers=workers, mp_context=self._context,
                                   initializer=worker_init, initargs=(self._queue, per_file))

    def _drain(self, callbacks: Callbacks) -> None:
        while True:
            try:
                report = self._queue.get_nowait()
            except (queues.Empty, OSError, ValueError):
                return
            callbacks.progress(report)

    def kill(self) -> None:
        """SIGTERM to every pool process: each removes its job's staged files and exits."""
        self.stopping = True
        for process in multiprocessing.active_children():
            process.terminate()
