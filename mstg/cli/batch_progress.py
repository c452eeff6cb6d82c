"""``mstg batch``'s progress on stderr: one overall bar and a line per running file; a summary.

On a terminal: the bar counts files done and failed, frames and their rate, and the time
left; below it, each running file with its own bar. Off a terminal: a line per failed file
(and per finished file with ``-v``). The summary is printed either way (not with ``-q``).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import click

from .progress import _stderr_is_terminal


class BatchReporter:
    """Shows a batch's :class:`~mstg.batch.runner.BatchSummary` as it changes."""

    def __init__(self, *, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.interactive = not quiet and _stderr_is_terminal()
        self._progress: Any = None
        self._overall: Any = None
        self._tasks: dict[str, Any] = {}
        self._reported = 0
        self._finished = 0
        self._started = time.monotonic()

    def __enter__(self) -> BatchReporter:
        if self.interactive:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                                      console=console, transient=True)
            self._overall = self._progress.add_task("[bold]files", total=None, detail="")
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def note(self, message: str) -> None:
        """A line for the user (above the bars on a terminal)."""
        if self.quiet:
            return
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def update(self, summary: Any) -> None:
        self._report_finished(summary)
        if self._progress is None:
            return
        elapsed = max(1e-6, time.monotonic() - self._started)
        running_frames = sum(r.get("frames", 0) for r in summary.running.values())
        frames = summary.frames + running_frames
        detail = (f"{summary.ok + summary.skipped}/{summary.total} done  {summary.failed} failed  "
                  f"{frames} frames  {frames / elapsed:.0f} fps")
        self._progress.update(self._overall, total=summary.total,
                              completed=summary.finished + summary.skipped, detail=detail)
        self._show_running(summary.running)

    def _show_running(self, running: dict[str, dict[str, Any]]) -> None:
        for name in [n for n in self._tasks if n not in running]:
            self._progress.remove_task(self._tasks.pop(name))
        for name, state in running.items():
            if name not in self._tasks:
                self._tasks[name] = self._progress.add_task(f"  {_short(name)}", total=None, detail="")
            self._progress.update(self._tasks[name], total=state.get("duration_s"),
                                  completed=state.get("position_s") or 0.0,
                                  detail=f"{state.get('frames', 0)} frames")

    def _report_finished(self, summary: Any) -> None:
        """Off a terminal (or with -v): a line per failure (and per finished file with -v)."""
        if self.verbose and summary.last is not None and summary.last["status"] == "ok" \
                and summary.finished > self._finished:
            record = summary.last
            self.note(f"ok: {record['input']} ({record['frames']} frames, {record['events']} events, "
                      f"{record['seconds']:.1f}s)")
        self._finished = summary.finished
        failures = summary.failures
        while self._reported < len(failures):
            record = failures[self._reported]
            self._reported += 1
            self.note(f"failed: {record['input']}: {record['error']}")

    def summary(self, summary: Any, manifest: str) -> None:
        if self.quiet:
            return
        line = (f"mstg batch: {summary.ok} ok, {summary.failed} failed"
                + (f", {summary.skipped} skipped (done before)" if summary.skipped else "")
                + (f", {summary.total - summary.finished - summary.skipped} not started (stopped)"
                   if summary.stopped else "")
                + f", {summary.frames} frames, {summary.events} events, {summary.seconds:.1f}s; "
                f"manifest: {manifest}")
        print(line, file=sys.stderr)


def _short(path: str, width: int = 40) -> str:
    name = os.path.basename(path)
    return name if len(name) <= width else "..." + name[-(width - 3):]
