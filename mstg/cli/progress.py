"""Progress on stderr while a run goes, and a one-line summary at the end."""

from __future__ import annotations

import os
import sys
from typing import Any


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


class Reporter:
    """A rich progress bar on a terminal; nothing when stderr is not one or with ``--quiet``."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.interactive = enabled and _stderr_is_terminal()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Reporter:
        if self.interactive:
            from rich.console import Console
            from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                                       TimeRemainingColumn)

            console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                console=console, transient=True)
            self._task = self._progress.add_task("mstg", total=None, detail="")
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, stats: Any) -> None:
        if self._progress is None:
            return
        detail = f"{stats.fps:5.1f} fps  {stats.speed:4.2f}x"
        if stats.live:
            p50, p95 = stats.latency_percentile(50), stats.latency_percentile(95)
            if p50 is not None:
                detail += f"  latency {p50:.0f}/{p95:.0f} ms"
        if stats.dropped:
            detail += f"  dropped {stats.dropped}"
        if stats.events:
            detail += f"  events {stats.events}"
        total = stats.duration_us / 1e6 if stats.duration_us else None
        self._progress.update(self._task, total=total, completed=stats.position_us / 1e6,
                              detail=detail)

    def summary(self, stats: Any, outputs: list[Any]) -> None:
        if not self.enabled or not sys.stderr.isatty():
            return
        line = (f"mstg: {stats.frames_in['video']} video / {stats.frames_in['audio']} audio frames in, "
                f"{stats.frames_out['video']} / {stats.frames_out['audio']} out, "
                f"{stats.dropped} dropped, {stats.wall_s:.2f}s ({stats.speed:.2f}x realtime)")
        if stats.events:
            line += f", {stats.events} events"
        if stats.decode_errors:
            line += f", {stats.decode_errors} corrupt packets skipped"
        print(line, file=sys.stderr)
