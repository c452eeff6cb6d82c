"""Run a batch: jobs through an engine, each record into the manifest as it arrives, totals.

    from mstg.batch import LocalEngine, plan_jobs, run_batch
    from mstg.job import RunConfig

    summary = run_batch(plan_jobs(["clips/"], RunConfig(outputs=["out/{stem}.mp4"])),
                        LocalEngine(jobs=4), manifest="out/batch.jsonl")
    summary.ok, summary.failed     # (12, 1)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .engine import Callbacks, Engine, Record
from .manifest import Manifest

log = logging.getLogger(__name__)


@dataclass
class BatchSummary:
    """What a batch did: files done, failed and skipped (by ``--resume``), frames, events, time."""

    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    frames: int = 0
    events: int = 0
    seconds: float = 0.0
    stopped: bool = False
    running: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Record] = field(default_factory=list)
    #: The record of the file that finished last.
    last: Record | None = None

    @property
    def finished(self) -> int:
        return self.ok + self.failed

    @property
    def all_ok(self) -> bool:
        return self.failed == 0 and not self.stopped and self.finished + self.skipped == self.total


def run_batch(jobs: list[dict[str, Any]], engine: Engine, manifest: str, *, skipped: int = 0,
              on_update: Callable[[BatchSummary], None] | None = None,
              summary: BatchSummary | None = None) -> BatchSummary:
    """Run ``jobs`` on ``engine``; every record is appended to ``manifest`` as its job ends.

    ``on_update`` sees the summary after every change (a job started, progressed, ended).
    """
    summary = summary or BatchSummary()
    summary.total, summary.skipped = len(jobs) + skipped, skipped
    started = time.monotonic()
    notify = on_update or (lambda s: None)

    with Manifest(manifest) as book:
        def on_start(name: str) -> None:
            summary.running[name] = {"input": name, "frames": 0, "position_s": 0.0,
                                     "duration_s": None, "since": time.monotonic()}
            notify(summary)

        def on_progress(report: dict[str, Any]) -> None:
            if report["input"] in summary.running:
                summary.running[report["input"]].update(report)
            notify(summary)

        def on_finish(record: Record) -> None:
            book.write(record)
            summary.last = record
            summary.running.pop(record["input"], None)
            if record["status"] == "ok":
                summary.ok += 1
            else:
                summary.failed += 1
                summary.failures.append(record)
                log.info("failed: %s: %s", record["input"], record["error"])
            summary.frames += record.get("frames", 0)
            summary.events += record.get("events", 0)
            summary.seconds = time.monotonic() - started
            notify(summary)

        engine.run(jobs, Callbacks(started=on_start, progress=on_progress, finished=on_finish))
    summary.stopped = engine.stopping and summary.finished < len(jobs)
    summary.seconds = time.monotonic() - started
    return summary
