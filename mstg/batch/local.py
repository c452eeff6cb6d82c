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
        todo = list(reversed(jobs))
        self._queue = self._context.Queue()
        pool = self._pool(len(jobs))
        running: dict[Future[Record], Record] = {}
        try:
            while todo or running:
                while todo and len(running) < self.jobs and not self.stopping:
                    job = todo.pop()
                    running[pool.submit(run_job_in_pool, job)] = job
                    callbacks.started(job["input"])
                if not running:
                    break
                done, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                self._drain(callbacks)
                broken = False
                for future in done:
                    job = running.pop(future)
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        broken = True
                        record = crashed(job, "the worker process died (killed, or a crash in a decoder)")
                    self._drain(callbacks)
                    callbacks.finished(record)
                if broken and not running:
                    pool.shutdown(wait=True)
                    pool = self._pool(len(todo))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self._queue.close()

    def _pool(self, count: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=max(1, min(self.jobs, count)), mp_context=self._context,
                                   initializer=worker_init, initargs=(self._queue,))

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
