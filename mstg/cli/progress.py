"""Progress on stderr while a run goes, and a summary at the end.

A file run shows a progress bar; a live run (camera, microphone, screen, network stream)
shows a small panel: frames per second in and out, frames dropped, latency from capture
to output (median and 95th percentile of the last second or so), events so far. Nothing
is shown when stderr is not a terminal or with ``--quiet``.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Sequence
from itertools import islice
from typing import Any

#: How many recent frames the live latency figures describe.
RECENT_FRAMES = 90
#: The span of the frame rates shown live (seconds).
RATE_WINDOW_S = 1.0


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile of ``values`` (nearest rank), or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Rates:
    """Frames per second in and out over the last :data:`RATE_WINDOW_S` seconds."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int, int]] = deque()

    def add(self, now: float, frames_in: int, frames_out: int) -> tuple[float, float]:
        samples = self._samples
        samples.append((now, frames_in, frames_out))
        while len(samples) > 2 and now - samples[1][0] >= RATE_WINDOW_S:
            samples.popleft()
        first = samples[0]
        span = now - first[0]
        if span <= 0:
            return 0.0, 0.0
        return (frames_in - first[1]) / span, (frames_out - first[2]) / span


def live_line(stats: Any, fps_in: float, fps_out: float) -> str:
    """The live figures as one line of text (rich markup)."""
    recent = list(islice(reversed(stats.latencies_ms), RECENT_FRAMES))
    p50, p95 = percentile(recent, 50), percentile(recent, 95)
    parts = [f"in [bold]{fps_in:4.1f}[/] fps", f"out [bold]{fps_out:4.1f}[/] fps",
             f"dropped [bold]{stats.dropped}[/]"]
    if p50 is not None and p95 is not None:
        parts.append(f"latency [bold]{p50:.0f}[/] ms (p95 [bold]{p95:.0f}[/])")
    parts.append(f"events [bold]{stats.events}[/]")
    if stats.reconnects:
        parts.append(f"reconnects [bold]{stats.reconnects}[/]")
    minutes, seconds = divmod(int(stats.wall_s), 60)
    parts.append(f"elapsed [bold]{minutes}:{seconds:02d}[/]")
    return "  ".join(parts)


class Reporter:
    """A progress bar (files) or a live panel (live sources) on a terminal; nothing when
    stderr is not one or with ``--quiet``."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.interactive = enabled and _stderr_is_terminal()
        self._console: Any = None
        self._progress: Any = None
        self._task: Any = None
        self._live: Any = None
        self._rates = Rates()

    def __enter__(self) -> Reporter:
        if self.interactive:
            from rich.console import Console

            self._console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
        if self._live is not None:
            self._live.stop()

    def update(self, stats: Any) -> None:
        if self._console is None:
            return
        if stats.live:
            self._update_live(stats)
        else:
            self._update_progress(stats)

    def _update_live(self, stats: Any) -> None:
        from rich.live import Live
        from rich.panel import Panel

        fps_in, fps_out = self._rates.add(time.monotonic(), stats.frames_in["video"],
                                          stats.frames_out["video"])
        panel = Panel(live_line(stats, fps_in, fps_out), title="mstg live", title_align="left",
                      expand=False)
        if self._live is None:
            self._live = Live(panel, console=self._console, transient=True, auto_refresh=False)
            self._live.start()
        else:
            self._live.update(panel, refresh=True)

    def _update_progress(self, stats: Any) -> None:
        if self._progress is None:
            from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[detail]}"), TextColumn("elapsed"), TimeElapsedColumn(),
                TextColumn("left"), TimeRemainingColumn(), console=self._console, transient=True)
            self._task = self._progress.add_task("mstg", total=None, detail="")
            self._progress.start()
        detail = f"{stats.fps:5.1f} fps  {stats.speed:4.2f}x"
        if stats.dropped:
            detail += f"  dropped {stats.dropped}"
        if stats.events:
            detail += f"  events {stats.events}"
        total = stats.duration_us / 1e6 if stats.duration_us else None
        self._progress.update(self._task, total=total, completed=stats.position_us / 1e6,
                              detail=detail)

    def summary(self, stats: Any, outputs: list[Any], signals: Sequence[int] = ()) -> None:
        if not self.enabled or not sys.stderr.isatty():
            return
        print(summary_line(stats, signals), file=sys.stderr)


#: How the summary says why a run stopped early, by exit status (130: SIGINT, 143: SIGTERM).
STOPPED_BY = {130: "interrupted (Ctrl-C)", 143: "terminated (SIGTERM)"}


def summary_line(stats: Any, signals: Sequence[int] = ()) -> str:
    """What a run did, in one line: frames, drops, time, and latency for a live run; a run a
    signal stopped (``signals``: the exit statuses received) says so first."""
    stopped = f"{STOPPED_BY.get(int(signals[0]), 'stopped')}, " if signals else ""
    line = (f"mstg: {stopped}{stats.frames_in['video']} video / {stats.frames_in['audio']} audio frames in, "
            f"{stats.frames_out['video']} / {stats.frames_out['audio']} out, "
            f"{stats.dropped} dropped, {stats.wall_s:.2f}s ({stats.speed:.2f}x realtime)")
    p50, p95 = percentile(stats.latencies_ms, 50), percentile(stats.latencies_ms, 95)
    if stats.live and p50 is not None and p95 is not None:
        line += f", latency {p50:.0f} ms p50 / {p95:.0f} ms p95"
    if stats.events:
        line += f", {stats.events} events"
    if stats.decode_errors:
        line += f", {stats.decode_errors} corrupt packets skipped"
    if stats.reconnects:
        line += f", {stats.reconnects} reconnect(s)"
    return line
