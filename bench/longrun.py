"""Memory over a long live run: resident memory (RSS) at the start, every so often, and at the end.

    python bench/longrun.py [--minutes 10] [--output null|out.mp4] [--transform barcode]
                            [--size 1280x720] [--fast] [--nice 10] [--json]

A live source (the demo scene, six moving barcodes and a tone, marked live as a camera is:
bounded buffers that drop their oldest frame, capture-to-output latency measured) is paced
in real time for ``--minutes`` through the transforms (barcode by default) to the output
(``null`` by default, or a file: the encoder and muxer run too). RSS is read from
/proc/self/status every ``--every`` seconds; "start" is the first sample after ``--warmup``
seconds (buffers, encoder and caches filled), "end" the last one. ``--fast`` drops the real-time
pacing: the source makes frames as fast as it can and the pipeline drops what it cannot take,
which runs many more frames through the same code in a short time (tests/test_longrun.py).

Prints one line per sample and a summary; ``--json`` prints the summary as one JSON object.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mstg  # noqa: E402
from mstg.inputs.base import Frame  # noqa: E402
from mstg.inputs.demo import DemoInput  # noqa: E402
from mstg.transforms.registry import load_transform  # noqa: E402


class LiveDemo(DemoInput):
    """The demo scene as a live source, as a camera would be: each frame stamped with the
    moment it was made, so the pipeline measures capture-to-output latency."""

    live = True

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        for index, frame in super()._frames():
            frame.capture_time = time.monotonic()
            yield index, frame


def rss_mib() -> float:
    """This process's resident memory in MiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


class Sampler:
    """Called by the pipeline's progress hook: records (seconds, RSS MiB) every ``every`` s."""

    def __init__(self, every: float, warmup: float, quiet: bool) -> None:
        self.every, self.warmup, self.quiet = every, warmup, quiet
        self.started = time.monotonic()
        self.samples: list[tuple[float, float]] = []
        self._next = 0.0

    def __call__(self, stats: Any) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed < self._next:
            return
        self._next = elapsed + self.every
        rss = rss_mib()
        self.samples.append((round(elapsed, 1), round(rss, 1)))
        if not self.quiet:
            print(f"{elapsed:7.1f}s  rss {rss:7.1f} MiB  frames in {stats.frames_in['video']:6d}  "
                  f"out {stats.frames_out['video']:6d}  dropped {stats.dropped:6d}  "
                  f"events {stats.events}", file=sys.stderr, flush=True)

    def start_rss(self) -> float:
        after = [rss for t, rss in self.samples if t >= self.warmup]
        return after[0] if after else self.samples[-1][1]


def run(args: argparse.Namespace) -> dict[str, Any]:
    width, height = (int(v) for v in args.size.lower().split("x"))
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    source = LiveDemo(width=width, height=height, duration=None, realtime=not args.fast)
    output = mstg.open_output(args.output, overwrite=True)
    transforms = [load_transform(spec) for spec in args.transform]
    sampler = Sampler(args.every, args.warmup, args.json)
    pipeline = mstg.Pipeline([source], [output], transforms)
    timer = threading.Timer(seconds, pipeline.stop)  # wall time, also when --fast
    timer.start()
    try:
        stats = pipeline.run(progress=sampler, interval=0.5)
    finally:
        timer.cancel()
    sampler.samples.append((round(time.monotonic() - sampler.started, 1), round(rss_mib(), 1)))
    start, end = sampler.start_rss(), sampler.samples[-1][1]
    after = [rss for t, rss in sampler.samples if t >= args.warmup] or [end]
    return {"seconds": round(stats.wall_s, 1), "media_seconds": round(stats.position_us / 1e6, 1),
            "frames_in": stats.frames_in, "frames_out": stats.frames_out, "dropped": stats.dropped,
            "events": stats.events, "rss_start_mib": start, "rss_end_mib": end,
            "rss_max_mib": max(after), "growth_mib": round(end - start, 1),
            "latency_p50_ms": stats.latency_percentile(50), "samples": sampler.samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--seconds", type=float, help="how long to run, in seconds (wins over --minutes)")
    parser.add_argument("--output", default="null", help="null (default) or a file path")
    parser.add_argument("--transform", action="append", help="a transform (repeatable; default barcode)")
    parser.add_argument("--size", default="1280x720", help="picture size of the source (default 1280x720)")
    parser.add_argument("--fast", action="store_true", help="no real-time pacing: as fast as it goes")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before the start sample")
    parser.add_argument("--nice", type=int, default=0, help="lower this process's priority by N")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    args = parser.parse_args()
    if args.transform is None:
        args.transform = ["barcode"]
    if args.nice:
        os.nice(args.nice)
    result = run(args)
    if args.json:
        print(json.dumps(result))
        return
    print(f"ran {result['seconds']} s ({result['media_seconds']} s of media): "
          f"{result['frames_in']['video']} video frames in, {result['frames_out']['video']} out, "
          f"{result['dropped']} dropped, {result['events']} events")
    print(f"RSS start {result['rss_start_mib']} MiB (after {args.warmup:g} s), "
          f"end {result['rss_end_mib']} MiB, max {result['rss_max_mib']} MiB, "
          f"growth {result['growth_mib']} MiB")


if __name__ == "__main__":
    main()
