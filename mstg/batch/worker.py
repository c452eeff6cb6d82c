"""Run one job of a batch: plain data in, a small result record out.

A job is a dictionary (so it crosses process and machine boundaries as it is): ``input``,
``outputs`` and ``events`` (the final paths of its files), ``overwrite`` (one flag per file)
and ``config``, the whole ``mstg run`` job for that file as :meth:`mstg.job.RunConfig.to_dict`
data::

    from mstg.batch.worker import run_job
    from mstg.job import RunConfig

    config = RunConfig(["talk.mkv"], ["blur:sigma=2"], ["out/talk.mp4"])
    record = run_job({"input": "talk.mkv", "outputs": ["out/talk.mp4"], "events": None,
                      "overwrite": [False], "config": config.to_dict()})
    record["status"], record["frames"]   # ('ok', 250)

A failure is a record too (``status: failed``, ``error``, ``exit_status``), never an
exception. Every file is written under a temporary name and takes its final name when the job
succeeds (:mod:`mstg.batch.staging`).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from ..errors import ExitStatus, MstgError

log = logging.getLogger(__name__)

#: What a job reports while it runs: ``{"input", "frames", "position_s", "duration_s"}``.
JobProgress = Callable[[dict[str, Any]], None]
#: Seconds between two progress reports of one job.
PROGRESS_INTERVAL_S = 0.5

#: The job this process runs now (its outputs and staged events), for an abrupt stop.
_running: dict[str, Any] = {}


def run_job(job: dict[str, Any], progress: JobProgress | None = None) -> dict[str, Any]:
    """Run ``job`` to its end; returns its record for the manifest (see the module's doc)."""
    started = time.monotonic()
    record: dict[str, Any] = {"input": job["input"], "outputs": _named_outputs(job), "status": "failed",
                              "frames": 0, "events": 0, "seconds": 0.0, "error": None,
                              "exit_status": int(ExitStatus.ERROR)}
    try:
        stats = _run(job, _throttled(job["input"], progress))
        record.update(status="ok", frames=stats.frames_in["video"], events=stats.events,
                      exit_status=int(ExitStatus.OK), audio_frames=stats.frames_in["audio"])
        if stats.decode_errors:
            record["decode_errors"] = stats.decode_errors
    except Exception as exc:  # noqa: BLE001 - every failure becomes the job's record
        record.update(error=_message(exc), exit_status=int(_status(exc)))
        log.debug("job %s failed", job["input"], exc_info=True)
    finally:
        _running.clear()
    record["seconds"] = round(time.monotonic() - started, 3)
    return record


def _run(job: dict[str, Any], progress: Callable[[Any], None]) -> Any:
    from ..job import RunConfig
    from ..pipeline import Pipeline
    from .staging import JobFiles

    config = RunConfig.from_dict(job["config"])
    files = JobFiles(_named_outputs(job), overwrite=job.get("overwrite") or False)
    files.check()
    for output, temporary in zip(config.outputs, files.temporary):
        output.spec, output.overwrite = temporary, True
    if job.get("events"):
        config.events, config.overwrite = files.temporary[-1], True
    pipeline = Pipeline.from_config(config)
    _running.update(outputs=pipeline.outputs, files=files)
    try:
        stats = pipeline.run(progress=progress)
        files.publish()
    except BaseException:
        files.discard()
        raise
    return stats


def _throttled(name: str, progress: JobProgress | None) -> Callable[[Any], None]:
    last = [0.0]

    def report(stats: Any) -> None:
        now = time.monotonic()
        if progress is None or now - last[0] < PROGRESS_INTERVAL_S:
            return
        last[0] = now
        progress({"input": name, "frames": stats.frames_in["video"], "position_s": stats.position_us / 1e6,
                  "duration_s": stats.duration_us / 1e6 if stats.duration_us else None})

    return report


def _named_outputs(job: dict[str, Any]) -> list[str]:
    return [*job["outputs"], *([job["events"]] if job.get("events") else [])]


def _status(exc: BaseException) -> ExitStatus:
    if isinstance(exc, MstgError):
        return exc.exit_status
    if isinstance(exc, FileNotFoundError):
        return ExitStatus.INPUT_NOT_FOUND
    return ExitStatus.ERROR


def _message(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, MstgError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def worker_init(progress_queue: Any = None, threads: int | None = None) -> None:
    """Set up a pool process: Ctrl-C is the batch's to handle (running jobs finish their
    files); SIGTERM stops at once, removing the current job's staged files; its transforms
    use at most ``threads`` cores (``barcode:threads=0``), its share of the machine."""
    if threads:
        from ..transforms.readahead import THREADS_ENV

        os.environ[THREADS_ENV] = str(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_at_once)
    global _queue
    _queue = progress_queue


_queue: Any = None


def run_job_in_pool(job: dict[str, Any]) -> dict[str, Any]:
    """:func:`run_job` in a pool process, its progress sent to the batch through a queue."""
    queue = _queue
    return run_job(job, queue.put if queue is not None else None)


def _stop_at_once(signum: int, _frame: Any) -> None:
    for out in _running.get("outputs", ()):
        out.discard_partial()
    files = _running.get("files")
    if files is not None:
        files.discard()
    os._exit(128 + signum)
