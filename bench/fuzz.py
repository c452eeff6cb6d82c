"""Fuzzing at scale: mutated containers, codec streams and barcode pictures through ``mstg run``.

    python3 bench/fuzz.py                     # 1,000 cases, seeds 0..999, 2 workers
    python3 bench/fuzz.py --cases 5000 --first-seed 1000 --workers 4 --keep /tmp/fuzz-failures

Each case is one seed: it picks a source (clips made here in a dozen containers and codecs, the
files of ../shared/testdata/media, and pictures of ../shared/testdata/barcodes), a mutation
(bytes flipped anywhere, bytes flipped in the payload only so the decoders see a damaged
stream, cut short, a chunk duplicated, a chunk zeroed, a chunk of another source spliced in)
and runs ``mstg run`` on it (pictures through ``-t barcode``). A case passes when it ends within
``--timeout`` with a documented exit status (0, 3, 4 or 5), nothing on stderr but
``warning:`` / ``error:`` / ``hint:`` lines (no traceback, no internal error), and a finished
output (every packet decodes) when it succeeds.

The cases run in-process in worker processes (no interpreter start per case); a worker that
overruns the timeout (a hang) is killed and one that dies (a native crash) is replaced, and the
case is reported with its seed, so ``--only SEED`` runs it again alone. Exit status 0 when
every case passed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import select
import subprocess
import sys
import tempfile
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("MSTG_TESTDATA") or ROOT.parent / "shared" / "testdata")
STATUSES = {0, 3, 4, 5}
MUTATIONS = ("flip", "payload", "truncate", "duplicate", "zero", "splice")
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")
#: Cases a worker runs before it is replaced (memory stays flat, leaks cannot pile up).
CASES_PER_WORKER = 150


# the corpus -------------------------------------------------------------------------------
def _clip(path: Path, *, vcodec: str | None = "libx264", acodec: str | None = "aac", pix_fmt: str = "yuv420p",
          fmt: str | None = None, seconds: float = 1.0, rate: int = 48000, rotation: int = 0) -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w", format=fmt) as out:
        video = audio = None
        if vcodec:
            video = out.add_stream(vcodec, rate=10)
            video.width, video.height, video.pix_fmt = 96, 64, pix_fmt
            if vcodec == "libx265":
                video.options = {"x265-params": "log-level=error"}
            if rotation and hasattr(video, "set_display_rotation"):
                video.set_display_rotation(rotation)
        if acodec:
            audio = out.add_stream(acodec, rate=rate)
            audio.layout = "mono" if acodec in ("mp2", "libmp3lame") else "stereo"
        for i in range(int(seconds * 10) if video else 0):
            img = np.zeros((64, 96, 3), np.uint8)
            img[:, (i * 7) % 88: (i * 7) % 88 + 8] = 255
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            out.mux(video.encode(frame))
        if video:
            out.mux(video.encode(None))
        if audio:
            size = audio.codec_context.frame_size or 1024
            channels = 1 if audio.layout.name == "mono" else 2
            fmt_name = audio.codec_context.codec.audio_formats[0].name
            for start in range(0, int(seconds * rate), size):
                t = np.arange(start, start + size) / rate
                wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(np.tile(wave, (channels, 1)), format="fltp",
                                                   layout=audio.layout.name)
                frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
                if fmt_name != "fltp":
                    frame = av.AudioResampler(format=fmt_name, layout=audio.layout.name, rate=rate).resample(frame)[0]
                out.mux(audio.encode(frame))
            out.mux(audio.encode(None))
    return path


def make_corpus(folder: Path, *, with_testdata: bool = True) -> list[Path]:
    """Clips made here, the shared media files and a sample of the barcode pictures."""
    made = [
        _clip(folder / "h264-aac.mp4"), _clip(folder / "h264-aac.mkv"),
        _clip(folder / "vp9-opus.webm", vcodec="libvpx-vp9", acodec="libopus"),
        _clip(folder / "hevc10-rotated.mp4", vcodec="libx265", acodec=None, pix_fmt="yuv420p10le", rotation=-90),
        _clip(folder / "h264-mp2.ts", acodec="mp2"), _clip(folder / "ffv1-flac.nut", vcodec="ffv1", acodec="flac"),
        _clip(folder / "mpeg4.avi", vcodec="mpeg4", acodec="pcm_s16le"),
        _clip(folder / "elementary.h264", acodec=None, fmt="h264"),
        _clip(folder / "tone.wav", vcodec=None, acodec="pcm_s16le"),
        _clip(folder / "tone.flac", vcodec=None, acodec="flac"),
        _clip(folder / "tone.mp3", vcodec=None, acodec="libmp3lame"),
        _clip(folder / "tone.ogg", vcodec=None, acodec="libopus"),
        _clip(folder / "anim.gif", vcodec="gif", acodec=None, pix_fmt="rgb8"),
    ]
    shared: list[Path] = []
    if with_testdata and (TESTDATA / "media").is_dir():
        shared += sorted(p for p in (TESTDATA / "media").iterdir() if p.suffix not in (".tsv", ".md"))
    if with_testdata and (TESTDATA / "barcodes").is_dir():
        for kind in sorted(p for p in (TESTDATA / "barcodes").iterdir() if p.is_dir()):
            shared += sorted(p for p in kind.iterdir() if p.suffix.lower() in PICTURE_SUFFIXES)[:3]
    return made + shared


def mutate(data: bytes, kind: str, rng: random.Random, other: bytes) -> bytes:
    """``data`` damaged as ``kind`` says (see :data:`MUTATIONS`)."""
    out = bytearray(data)
    n = len(out)
    if kind in ("flip", "payload"):
        low, high = (0, n) if kind == "flip" else (min(n - 1, n // 10 + 64), max(n // 10 + 65, n - n // 10))
        for _ in range(rng.randint(1, 32)):
            out[rng.randrange(low, max(low + 1, min(high, n)))] = rng.randrange(256)
    elif kind == "truncate":
        del out[rng.randrange(1, n):]
    elif kind == "duplicate":
        start, size = rng.randrange(n), rng.randint(16, 16384)
        out[rng.randrange(n):0] = out[start: start + size]
    elif kind == "zero":
        start, size = rng.randrange(n), rng.randint(16, 16384)
        out[start: start + size] = bytes(len(out[start: start + size]))
    else:  # splice: a chunk of another source written over this one
        start, size = rng.randrange(len(other)), rng.randint(64, 16384)
        at = rng.randrange(n)
        out[at: at + size] = other[start: start + size]
    return bytes(out)


def case_plan(corpus: list[Path], seed: int) -> tuple[Path, str, Path]:
    """The source, mutation and splice donor of the case ``seed`` (fixed by the seed alone)."""
    rng = random.Random(seed)
    return corpus[seed % len(corpus)], MUTATIONS[rng.randrange(len(MUTATIONS))], corpus[rng.randrange(len(corpus))]


# one case, in a worker ---------------------------------------------------------------------
def run_case(case: Path, out_folder: Path) -> dict[str, Any]:
    """``mstg run`` on ``case`` in this process: exit status, stderr, whether the output decodes."""
    from mstg.cli.main import main

    picture = case.suffix.lower() in PICTURE_SUFFIXES
    out = out_folder / "out.mkv"
    args = (["run", "-i", str(case), "-t", "barcode", "-o", "null", "--events", str(out_folder / "ev.jsonl")]
            if picture else ["run", "-i", str(case), "--duration", "5", "--size", "96x64", "-o", str(out)])
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            main([*args, "-y", "-q"])
            status: Any = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finished = None
    if status == 0 and not picture and out.exists():
        finished = _decodes(out)
    for leftover in (out, out_folder / "ev.jsonl"):
        leftover.unlink(missing_ok=True)
    return {"status": status, "stderr": stderr.getvalue(), "finished": finished}


def _decodes(path: Path) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            for _ in container.decode(*container.streams):
                pass
        return True
    except av.error.FFmpegError:
        return False


def worker() -> None:
    """Read case paths on stdin (one JSON line each), answer one JSON line each on stdout."""
    real_stdout = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # FFmpeg's own log lines: not mstg's stderr
    with tempfile.TemporaryDirectory(prefix="mstg-fuzz-out-") as folder:
        for line in sys.stdin:
            request = json.loads(line)
            result = run_case(Path(request["case"]), Path(folder))
            real_stdout.write(json.dumps({"seed": request["seed"], **result}) + "\n")
            real_stdout.flush()


# the parent: workers, timeouts, the report ---------------------------------------------------
class Worker:
    """One worker process; :meth:`ask` runs a case with a timeout (None: hung or crashed)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.done = 0

    def ask(self, seed: int, case: Path, timeout: float) -> tuple[dict[str, Any] | None, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"seed": seed, "case": str(case)}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.proc.kill()
            self.proc.wait()
            return None, "hang"
        line = self.proc.stdout.readline()
        if not line:  # the worker died: a native crash, or the CLI's os._exit
            code = self.proc.wait()
            return ({"status": code, "stderr": "", "finished": None}, "exit") if code in STATUSES else \
                (None, f"crash (signal {-code})" if code < 0 else f"crash (exit {code})")
        self.done += 1
        return json.loads(line), "ok"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def verdict(result: dict[str, Any] | None, how: str) -> str | None:
    """What is wrong with a case's outcome, or None."""
    if result is None:
        return how
    lines = result["stderr"].splitlines()
    if result["status"] not in STATUSES:
        return f"exit status {result['status']}: {lines[:2]}"
    if "Traceback" in result["stderr"] or not all(ln.startswith(("warning: ", "error: ", "hint: ")) for ln in lines):
        return f"stderr not one error line: {lines[:3]}"
    if result["status"] != 0 and not (lines and lines[0].startswith("error: ")):
        return "failed without an error line"
    if result["finished"] is False:
        return "the output does not decode"
    return None


def fuzz(corpus: list[Path], seeds: list[int], *, workers: int, timeout: float, keep: Path | None,
         folder: Path, log: Any = sys.stderr) -> dict[str, Any]:
    """Run every seed's case; returns the figures (and the failures, by seed)."""
    import threading

    statuses: Counter[Any] = Counter()
    failures: dict[int, str] = {}
    slowest = (0.0, -1)
    lock = threading.Lock()
    queue = list(seeds)

    def drive(slot: int) -> None:
        nonlocal slowest
        current = Worker()
        while True:
            with lock:
                if not queue:
                    break
                seed = queue.pop(0)
            source, kind, donor = case_plan(corpus, seed)
            case = folder / f"{slot}-{seed}{source.suffix}"
            case.write_bytes(mutate(source.read_bytes(), kind, random.Random(seed), donor.read_bytes()))
            began = time.monotonic()
            result, how = current.ask(seed, case, timeout)
            took = time.monotonic() - began
            problem = verdict(result, how)
            with lock:
                statuses[result["status"] if result else how] += 1
                slowest = max(slowest, (took, seed))
                if problem:
                    failures[seed] = f"{source.name} {kind}: {problem}"
                    print(f"seed {seed}: {failures[seed]}", file=log, flush=True)
                    if keep is not None:
                        keep.mkdir(parents=True, exist_ok=True)
                        (keep / case.name).write_bytes(case.read_bytes())
            case.unlink(missing_ok=True)
            if result is None or how == "exit" or current.done >= CASES_PER_WORKER:
                current.close()
                current = Worker()
        current.close()

    began = time.monotonic()
    threads = [threading.Thread(target=drive, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"cases": len(seeds), "sources": len(corpus), "wall_s": round(time.monotonic() - began, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
            "hangs": sum(1 for f in failures.values() if f.endswith("hang")),
            "crashes": sum(1 for f in failures.values() if "crash" in f),
            "failures": failures, "slowest_s": round(slowest[0], 1), "slowest_seed": slowest[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--only", type=int, action="append", help="run this seed (repeatable)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case before it counts as a hang")
    parser.add_argument("--keep", type=Path, help="save the failing cases here")
    parser.add_argument("--no-testdata", action="store_true", help="only the clips made here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    seeds = args.only or list(range(args.first_seed, args.first_seed + args.cases))
    with tempfile.TemporaryDirectory(prefix="mstg-fuzz-") as tmp:
        corpus = make_corpus(Path(tmp), with_testdata=not args.no_testdata)
        figures = fuzz(corpus, seeds, workers=args.workers, timeout=args.timeout, keep=args.keep,
                       folder=Path(tmp))
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print(f"{figures['cases']} cases (seeds {seeds[0]}..{seeds[-1]}) over {figures['sources']} sources "
              f"in {figures['wall_s']}s: exit statuses {figures['statuses']}; {len(figures['failures'])} "
              f"failed ({figures['hangs']} hangs, {figures['crashes']} crashes); slowest case "
              f"{figures['slowest_s']}s (seed {figures['slowest_seed']})")
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
