"""``mstg batch`` against ``xargs -P <cores>`` running FFmpeg's CLI, and against sequential
``mstg run``, on 16 short 720p clips this script makes; and the Ray engine's overhead on one
machine (a local Ray cluster started here, on 127.0.0.1, not counted in the times).

    python bench/batch.py                       # 16 clips of 2 s, 1280x720 30 fps, H.264 + AAC
    python bench/batch.py --clips 4 --seconds 1 --no-ray   # a quick check that it all runs
    python bench/batch.py --markdown            # the table as Markdown (for bench/RESULTS.md)

Every tool does the same job per file: libx264 veryfast CRF 23 + AAC into .mp4
(``ffmpeg -i IN -c:v libx264 -preset veryfast -crf 23 -c:a aac OUT`` and ``mstg``'s defaults).
"CPU s" is user + system time of the command and the processes it waited for (the pool's and
xargs' children); Ray's workers are the cluster's, not the command's, so for Ray it is the
driver's alone. "cores busy" is CPU s / wall s.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-c:a", "aac"]
MSTG = [sys.executable, "-m", "mstg"]


def cores() -> int:
    return len(os.sched_getaffinity(0))


def make_clips(folder: Path, count: int, seconds: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(count):
        path = folder / f"clip{i:02d}.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size=1280x720:rate=30:duration={seconds}", "-f", "lavfi", "-i",
                        f"sine=frequency={220 + 40 * i}:duration={seconds}", "-c:v", "libx264",
                        "-preset", "veryfast", "-c:a", "aac", "-shortest", str(path)], check=True)
        clips.append(path)
    return clips


def measure(command: list[str] | str, **kwargs: object) -> tuple[float, float]:
    """(wall s, CPU s of the command and the children it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {command}\n{result.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def xargs_ffmpeg(clips: list[Path], out: Path, jobs: int) -> tuple[float, float]:
    out.mkdir(parents=True, exist_ok=True)
    script = ('printf "%s\\n" "$@" | xargs -P ' + str(jobs) + ' -I{} sh -c '
              '\'ffmpeg -v error -y -i "$1" ' + " ".join(X264) + ' "$2/$(basename "$1")"\' _ {} ' + str(out))
    return measure(["bash", "-c", script, "_", *map(str, clips)])


def sequential_mstg(clips: list[Path], out: Path) -> tuple[float, float]:
    out.mkdir(parents=True, exist_ok=True)
    script = 'for f in "$@"; do "$MSTG_PY" -m mstg run -i "$f" -o "$OUT/$(basename "$f")" -y -q || exit 1; done'
    return measure(["bash", "-c", script, "_", *map(str, clips)],
                   env={**os.environ, "MSTG_PY": sys.executable, "OUT": str(out)})


def mstg_batch(folder: Path, out: Path, jobs: int, *extra: str) -> tuple[float, float]:
    return measure([*MSTG, "batch", str(folder), "-o", f"{out}/{{stem}}.mp4", "-y", "-q", "--jobs", str(jobs),
                    "--manifest", str(out / "batch.jsonl"), *extra])


class RayCluster:
    """``ray start --head`` on 127.0.0.1 with ``cpus`` CPUs, stopped on exit."""

    def __init__(self, cpus: int) -> None:
        self.ray = str(Path(sys.executable).with_name("ray"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.cpus = cpus
        self.started_s = 0.0

    def __enter__(self) -> str:
        started = time.perf_counter()
        subprocess.run([self.ray, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(self.port),
                        "--num-cpus", str(self.cpus), "--include-dashboard", "false", "--disable-usage-stats"],
                       check=True, capture_output=True)
        self.started_s = time.perf_counter() - started
        return f"127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        subprocess.run([self.ray, "stop", "--force"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--jobs", type=int, default=cores(), help="parallel files (default: the cores)")
    parser.add_argument("--no-ray", action="store_true", help="leave out the Ray engine")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("needs FFmpeg's CLI (apt-get install ffmpeg)")
    work = Path(tempfile.mkdtemp(prefix="mstg-bench-batch-"))
    try:
        clips = make_clips(work / "clips", args.clips, args.seconds)
        rows = [("ffmpeg CLI, xargs -P %d" % args.jobs, *xargs_ffmpeg(clips, work / "ffmpeg", args.jobs), ""),
                ("mstg batch --jobs %d" % args.jobs, *mstg_batch(work / "clips", work / "batch", args.jobs), ""),
                ("mstg run, one file after another", *sequential_mstg(clips, work / "seq"), "")]
        if not args.no_ray:
            cluster = RayCluster(args.jobs)
            with cluster as address:
                wall, cpu = mstg_batch(work / "clips", work / "ray", args.jobs, "--engine", "ray", "--address", address)
            rows.append((f"mstg batch --engine ray (local cluster, {args.jobs} CPUs)", wall, cpu,
                         f"driver CPU only; 'ray start --head' took {cluster.started_s:.1f} s more"))
        report(rows, args, clips)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(rows: list[tuple[str, float, float, str]], args: argparse.Namespace, clips: list[Path]) -> None:
    base = rows[0][1]
    header = (f"{len(clips)} clips, 1280x720 30 fps, {args.seconds:g} s each, H.264 + AAC -> libx264 veryfast "
              f"CRF 23 + AAC; {cores()} cores, python {platform.python_version()}, load average at end "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.markdown:
        print(header + "\n\n| tool | wall s | CPU s | cores busy | wall vs ffmpeg | notes |\n|---|---|---|---|---|---|")
        for name, wall, cpu, note in rows:
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {cpu / wall:.2f} | {wall / base:.2f}x | {note} |")
    else:
        print(header)
        for name, wall, cpu, note in rows:
            print(f"{name:55s} {wall:7.2f} s wall {cpu:7.2f} s CPU  {cpu / wall:4.2f} cores  {wall / base:5.2f}x  {note}")


if __name__ == "__main__":
    main()
