"""Time `mstg run` against FFmpeg's CLI on the same 1080p H.264 transcode, in one run.

    python bench/transcode.py [--seconds 10] [--repeat 5]

Makes its own input (1080p30 H.264 + AAC, FFmpeg's testsrc2 and a sine), then runs, alternately:
  ffmpeg -i in.mp4 -c:v libx264 -preset veryfast -crf 23 -c:a aac out.mp4
  mstg run -i in.mp4 -o out.mp4           (libx264 veryfast crf 23 + AAC by default)
and prints the median wall time of each, the ratio, and each one's peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(cmd)}\n{proc.stderr.read().decode()}")  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024


def make_input(path: Path, seconds: float, ffmpeg: str) -> None:
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-ac", "2", str(path)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg CLI not found (apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in1080.mp4", Path(tmp) / "out.mp4"
        make_input(src, args.seconds, ffmpeg)
        commands = {
            "ffmpeg": [ffmpeg, "-v", "error", "-y", "-i", str(src), "-c:v", "libx264", "-preset", "veryfast",
                       "-crf", "23", "-c:a", "aac", str(out)],
            "mstg": [sys.executable, "-m", "mstg", "run", "-q", "-y", "-i", str(src), "-o", str(out)],
        }
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                results[name].append(timed(cmd))
    print(f"1080p30 H.264 transcode of {args.seconds:g} s, {args.repeat} runs each, {os.cpu_count()} cores")
    print(f"{'tool':8} {'median s':>9} {'min s':>7} {'peak RSS MiB':>13}")
    medians = {}
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        medians[name] = statistics.median(walls)
        print(f"{name:8} {medians[name]:9.2f} {min(walls):7.2f} {max(r for _, r in runs):13.0f}")
    print(f"ratio mstg/ffmpeg (median wall time): {medians['mstg'] / medians['ffmpeg']:.2f}")


if __name__ == "__main__":
    main()
