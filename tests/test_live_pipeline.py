"""Live semantics end to end: a slow transform on a live source drops frames (counted)
instead of lagging; the live panel and summary on stderr."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from conftest_live import xvfb, xvfb_display  # noqa: F401

from mstg import NullOutput, Pipeline, open_input
from mstg.cli.progress import Rates, live_line, percentile, summary_line
from mstg.pipeline import Stats
from mstg.transforms.base import Transform

FRAME_US = 40_000  # 25 fps


@dataclass
class Slow(Transform):
    """A tiny local transform that takes 120 ms a frame and notes what it saw."""

    name = "slow-test"
    summary = "Sleeps 120 ms."
    pixel_format = "gray"

    def __post_init__(self) -> None:
        self.seen: list[tuple[int, float]] = []

    def process(self, data: Any, frame: Any) -> Any:
        self.seen.append((frame.timestamp, time.monotonic()))
        time.sleep(0.12)
        return data


def test_a_slow_reader_of_a_live_source_sees_fresh_frames_and_counts_drops(xvfb: str) -> None:
    slow = Slow()
    source = open_input("screen:+0,0", size=(160, 120), fps=25, duration=2.0)
    stats = Pipeline([source], [NullOutput()], [slow]).run()
    # (the last frame is whatever came before the source ended: left out)
    gaps = np.round(np.diff([ts for ts, _ in slow.seen[:-1]]) / FRAME_US)
    assert len(slow.seen) >= 10
    # 120 ms a frame: the reader sees every third frame (a second now and then, when the
    # grabber itself ran late), never a growing queue of old ones
    assert np.median(gaps) >= 3 and gaps.min() >= 2 and (gaps < 3).mean() <= 0.25
    assert stats.frames_in["video"] == len(slow.seen)
    assert stats.dropped >= 30  # ~50 captured, ~16 processed: the rest dropped, and counted
    assert stats.dropped + len(slow.seen) >= 45
    latencies = list(stats.latencies_ms)
    assert len(latencies) == len(slow.seen)
    assert max(latencies) < 400  # bounded: 120 ms of work plus at most a frame of waiting
    assert np.mean(latencies[-5:]) < np.mean(latencies[:5]) + 60  # and not growing


def test_live_panel_and_summary_say_what_a_live_run_did() -> None:
    stats = Stats(frames_in={"video": 300, "audio": 0}, frames_out={"video": 290, "audio": 0},
                  dropped=10, events=4, wall_s=10.0, position_us=10_000_000, live=True,
                  latencies_ms=deque([500.0] * 50 + [30.0] * 80 + [80.0] * 10))
    line = live_line(stats, 30.0, 29.0)
    assert "in [bold]30.0[/] fps" in line and "out [bold]29.0[/] fps" in line
    assert "dropped [bold]10[/]" in line and "events [bold]4[/]" in line
    assert "latency [bold]30[/] ms (p95 [bold]80[/])" in line and "elapsed [bold]0:10[/]" in line
    summary = summary_line(stats)
    assert "300 video / 0 audio frames in, 290 / 0 out, 10 dropped" in summary
    assert "latency 30 ms p50 / 500 ms p95" in summary and "4 events" in summary  # whole run
    assert percentile([], 50) is None


def test_rates_are_frames_per_second_over_the_last_second() -> None:
    rates = Rates()
    assert rates.add(0.0, 0, 0) == (0.0, 0.0)
    for step in range(1, 9):
        fps_in, fps_out = rates.add(step * 0.25, step * 10, step * 5)
    assert abs(fps_in - 40.0) < 1e-6 and abs(fps_out - 20.0) < 1e-6
