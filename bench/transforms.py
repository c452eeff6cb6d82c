"""Per-frame cost of each built-in video transform against FFmpeg's nearest filter, in one run.

    python bench/transforms.py [--input FILE] [--frames 120] [--repeat 3] [--markdown]

mstg: the transform alone, in a :class:`~mstg.chain.TransformChain` on frames decoded
beforehand (the chain's own cost, about a microsecond, included): CPU time of the process and
wall time, per frame, with OpenCV's threads as a pipeline sets them (half the cores). FFmpeg: the ``ffmpeg`` CLI
decoding the same frames through the filter to ``-f null``, minus the same run through
``-vf null``: its CPU time per frame. CPU time is compared because it is the work done, and it
moves far less than wall time on a shared machine. Medians of ``--repeat`` runs. The input
defaults to a 1080p testsrc2 clip this script makes.
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

#: (mstg transform, FFmpeg filter that does the same job, or "" where FFmpeg has none)
PAIRS: tuple[tuple[str, str], ...] = (
    ("null", "null"),
    ("grayscale", "hue=s=0"),
    ("blur", "gblur=sigma=2"),
    ("blur:sigma=3", "gblur=sigma=3"),
    ("sharpen", "unsharp=5:5:1.0"),
    ("edges", "edgedetect"),
    ("edges:sigma=0", "edgedetect"),
    ("flip", "hflip"),
    ("rotate:angle=90", "transpose=1"),
    ("rotate:angle=30", "rotate=PI/6"),
    ("resize:width=640", "scale=640:-2"),
    ("crop:width=640,height=360", "crop=640:360:0:0"),
    ("pad:width=2048,height=1152", "pad=2048:1152:-1:-1"),
    ("pixelate", "pixelize=16:16"),
    ("invert", "negate"),
    ("color:brightness=0.1,saturation=1.5", "eq=brightness=0.1:saturation=1.5"),
    ("text", "drawtext=text=%{pts}:fontcolor=white:box=1"),
    ("motion", ""),
    ("barcode", ""),
)


def make_input(folder: Path, frames: int) -> Path:
    path = folder / "bench-transforms-1080p.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1920x1080:rate=30", "-frames:v", str(frames), "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def decoded(path: Path, frames: int) -> list:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        got = []
        for frame in container.decode(stream):
            got.append(frame)
            if len(got) == frames:
                break
    return got


def mstg_ms(spec: str, frames: list, repeat: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per frame of the transform, medians of ``repeat`` runs."""
    from mstg.chain import TransformChain
    from mstg.frames import VideoFrame, limit_opencv_threads
    from mstg.transforms.registry import load_transform

    import cv2  # noqa: F401 - loaded, so that its threads can be set as a pipeline sets them

    limit_opencv_threads()
    cpu, wall = [], []
    for _ in range(repeat):
        chain = TransformChain([load_transform(spec)])
        chain.setup({"width": frames[0].width, "height": frames[0].height})
        started, started_cpu = time.perf_counter(), time.process_time()
        for i, av_frame in enumerate(frames):
            for out in chain.push(VideoFrame.from_av(av_frame, timestamp=i * 33_333, index=i)):
                out.close()
        for out in chain.flush():  # frames a transform still holds (read ahead, filter delays)
            out.close()
        cpu.append((time.process_time() - started_cpu) / len(frames) * 1000)
        wall.append((time.perf_counter() - started) / len(frames) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def ffmpeg_cpu_s(path: Path, vf: str, frames: int, repeat: int) -> float | None:
    """Median CPU seconds of ``ffmpeg`` decoding ``frames`` frames through ``vf`` to nothing
    (None: the filter is not in this FFmpeg)."""
    times = []
    for _ in range(repeat):
        before = os.times()
        done = subprocess.run(["ffmpeg", "-v", "error", "-noautorotate", "-i", str(path), "-an",
                               "-frames:v", str(frames), "-vf", vf, "-f", "null", "-"],
                              capture_output=True, text=True)
        after = os.times()
        if done.returncode != 0:
            return None
        times.append(after.children_user - before.children_user
                     + after.children_system - before.children_system)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="a video file (default: made here, 1080p)")
    parser.add_argument("--frames", type=int, default=120, help="frames per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per transform (median shown)")
    parser.add_argument("--only", help="mstg transform specs from the list, separated by ';'")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None:
        print("the ffmpeg CLI is needed (Debian: apt-get install ffmpeg)", file=sys.stderr)
        return 1
    pairs = [p for p in PAIRS if p[0] in args.only.split(";")] if args.only else list(PAIRS)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.input or make_input(Path(tmp), args.frames)
        frames = decoded(path, args.frames)
        count = len(frames)
        base = ffmpeg_cpu_s(path, "null", count, args.repeat) or 0.0
        size = f"{frames[0].width}x{frames[0].height}"
        rows = []
        for spec, vf in pairs:
            cpu, wall = mstg_ms(spec, frames, args.repeat)
            theirs = ffmpeg_cpu_s(path, vf, count, args.repeat) if vf else None
            theirs_ms = None if theirs is None else max(0.0, theirs - base) / count * 1000
            ratio = f"{cpu / theirs_ms:.2f}x" if theirs_ms and theirs_ms >= 0.05 else "-"
            label = vf if theirs is not None else (f"{vf} (not in this FFmpeg)" if vf else "-")
            row = (spec, f"{cpu:.2f}", f"{wall:.2f}", label,
                   "-" if theirs_ms is None else f"{theirs_ms:.2f}", ratio)
            rows.append(row)
            if not args.markdown:
                print(f"{row[0]:38s} CPU {row[1]:>6s} ms  wall {row[2]:>6s} ms   {row[3]:44s} "
                      f"CPU {row[4]:>6s} ms   {ratio}", flush=True)
    where = path.name if args.input else "testsrc2 (made here)"
    print(f"\n{count} frames of {size} from {where}; ms per frame, medians of {args.repeat}; FFmpeg's "
          "figure is its CPU time with the filter minus without it (below 0.05 ms: no ratio)",
          file=sys.stdout if args.markdown else sys.stderr)
    if args.markdown:
        print("\n| mstg transform | mstg CPU ms | mstg wall ms | FFmpeg filter | FFmpeg CPU ms | "
              "CPU mstg / FFmpeg |\n|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(f"`{c}`" if i in (0, 3) and c != "-" else c
                                     for i, c in enumerate(row)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
