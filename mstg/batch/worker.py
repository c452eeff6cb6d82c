"""Run one job of a batch: plain data in, a small result record out.

A job is a dictionary (so it crosses process and machine boundaries as it is): ``input``,
``outputs`` (paths, ``null``), ``events`` (a path or None), ``options`` (``mstg run``'s flag
values: codecs, sizes, ``overwrite`` ...) and ``transforms`` (``[spec, params]`` pairs)::

    from mstg.batch.worker import run_job

    record = run_job({"input": "talk.mkv", "outputs": ["out/talk.mp4"], "events": None,
                      "options": {"crf": 28}, "transforms": [["blur:sigma=2", {}]]})
    record["status"], record["frames"]   # ('ok', 250)

A failure is a record too (``status: failed``, ``error``, ``exit_status``), never an
exception. Events go to a staged file that takes its final name when the job succeeds, as the
media outputs do.
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
    from ..cli.events import EventWriter
    from ..cli.spec import build_inputs, build_outputs
    from ..pipeline import Pipeline
    from .staging import JobFiles

    opts = dict(job.get("options") or {})
    transforms = _transforms(job.get("transforms") or [])
    files = JobFiles(_named_outputs(job), overwrite=bool(opts.get("overwrite")))
    files.check()
    media = files.temporary[:len(job["outputs"])]
    opts.update(inputs=[job["input"]], outputs=media, overwrite=True)
    inputs = build_inputs(opts)
    events = None
    try:
        outputs = build_outputs(opts)
        if job.get("events"):
            events = EventWriter.open(files.temporary[-1], overwrite=True)
    except BaseException:
        for source in inputs:
            source.stop()
        raise
    _running.update(outputs=outputs, files=files)
    pipeline = Pipeline(inputs, outputs, transforms, on_event=events.write if events else None,
                        on_error=opts.get("on_error") or "fail", video=not opts.get("no_video"),
                        audio=not opts.get("no_audio"), max_buffer_size=opts.get("max_buffer"))
    try:
        try:
            stats = pipeline.run(progress=progress)
        finally:
            if events is not None:
                events.close()
        files.publish()
    except BaseException:
        files.discard()
        raise
    return stats


def _transforms(steps: list[Any]) -> list[Any]:
    if not steps:
        return []
    from ..transforms.registry import Registry, load_transform

    registry = Registry.discover()
    return [load_transform(spec, params or None, registry=registry) for spec, params in steps]


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


def worker_init(progress_queue: Any = None) -> None:
    """Set up a pool process: Ctrl-C is the batch's to handle (running jobs finish their
    files); SIGTERM stops at once, removing the current job's staged files."""
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
        getattr(out, "discard_partial", lambda: None)()
    files = _running.get("files")
    if files is not None:
        files.discard()
    os._exit(128 + signum)
