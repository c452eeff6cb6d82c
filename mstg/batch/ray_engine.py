"""The Ray engine: the same jobs as Ray tasks, on a cluster or on this machine.

Ray places the tasks, retries those whose worker or node died (``retries``) and carries each
job's record back; mstg only describes the jobs and collects the records. Every node must see
the inputs and outputs at the same paths (a shared file system) and have mstg installed::

    from mstg.batch.ray_engine import RayEngine

    engine = RayEngine(address="127.0.0.1:6380")   # or RAY_ADDRESS; None starts Ray here
"""

from __future__ import annotations

import logging
import os
from typing import Any

from ..errors import MstgError, UsageError
from .engine import Callbacks, Engine, Record, crashed
from .worker import run_job

log = logging.getLogger(__name__)


class RayMissingError(MstgError, ImportError):
    """Ray is not installed: it is the optional extra ``mstg[ray]``."""

    exit_status = UsageError.exit_status
    hint = "pip install 'mstg[ray]'"


def import_ray() -> Any:
    """The ``ray`` module, or :class:`RayMissingError` naming the extra."""
    try:
        import ray
    except ImportError as exc:
        raise RayMissingError("--engine ray needs Ray, the optional extra mstg[ray]") from exc
    return ray


def _remote_job(job: dict[str, Any]) -> dict[str, Any]:
    from ..transforms.readahead import THREADS_ENV

    os.environ[THREADS_ENV] = "1"  # the task asked Ray for one CPU
    return run_job(job)


def _check_reachable(address: str | None, timeout: float = 5.0) -> None:
    """A ``HOST:PORT`` that nothing answers on is an error now (Ray itself retries for a
    minute or more)."""
    import socket

    if not address or "://" in address or address == "auto" or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except ValueError as exc:
        raise UsageError(f"--address {address} is not HOST:PORT") from exc
    except OSError as exc:
        raise UsageError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}",
                         hint="start one with 'ray start --head', or check --address / RAY_ADDRESS") from exc


class RayEngine(Engine):
    """Jobs as Ray tasks (one CPU each) on the cluster at ``address`` (or ``RAY_ADDRESS``)."""

    name = "ray"

    def __init__(self, address: str | None = None, *, jobs: int | None = None, retries: int = 2) -> None:
        super().__init__()
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.jobs = jobs
        self.retries = retries
        self._ray = import_ray()
        self._running: dict[Any, Record] = {}

    @property
    def slots(self) -> int:
        return self.jobs or 1

    def connect(self) -> None:
        """Join the cluster (or start Ray here when no address is given)."""
        ray = self._ray
        if not ray.is_initialized():
            _check_reachable(self.address)
            try:
                ray.init(address=self.address, log_to_driver=False, logging_level=logging.WARNING,
                         configure_logging=False)
            except ConnectionError as exc:
                raise UsageError(f"cannot reach the Ray cluster at {self.address}: {exc}",
                                 hint="start one with 'ray start --head', or check --address") from exc
        if self.jobs is None:
            self.jobs = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def run(self, jobs: list[Record], callbacks: Callbacks) -> None:
        ray = self._ray
        self.connect()
        task = ray.remote(num_cpus=1, max_retries=self.retries)(_remote_job)
        todo = list(reversed(jobs))
        running = self._running
        while todo or running:
            while todo and len(running) < self.slots and not self.stopping:
                job = todo.pop()
                running[task.remote(job)] = job
                callbacks.started(job["input"])
            if not running:
                break
            done, _ = ray.wait(list(running), num_returns=1, timeout=0.25)
            for ref in done:
                job = running.pop(ref)
                try:
                    record = ray.get(ref)
                except (ray.exceptions.RayError, ConnectionError) as exc:
                    record = crashed(job, f"Ray lost the job: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                callbacks.finished(record)

    def kill(self) -> None:
        """Cancel the running tasks at once (their staged files may stay on the nodes as
        ``.NAME.mstg-PID.part``; never under a final name)."""
        self.stopping = True
        for ref in list(self._running):
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - stopping anyway
                log.debug("cancel failed", exc_info=True)
