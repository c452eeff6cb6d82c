"""Fuzzing: real containers (../shared/testdata/media and clips made here) with bytes flipped,
cut short, chunks duplicated or zeroed. Every case ends, within a per-case timeout, with a
documented exit status (0 processed, 3 not found, 4 unreadable, 5 output error), a finished
output when it succeeds, and nothing on stderr but ``warning:`` / ``error:`` / ``hint:`` lines."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from conftest import ROOT, TESTDATA, make_clip, probe

CASES = 60
PER_CASE_TIMEOUT_S = 20
STATUSES = {0, 3, 4, 5}
MUTATIONS = ("flip", "truncate", "duplicate", "zero")


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    out = bytearray(data)
    if kind == "flip":  # a few bytes anywhere get random values
        for _ in range(rng.randint(1, 24)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif kind == "truncate":
        del out[rng.randrange(1, len(out)):]
    elif kind == "duplicate":  # a chunk copied to somewhere else
        size = rng.randint(16, 8192)
        start = rng.randrange(len(out))
        out[rng.randrange(len(out)):0] = out[start: start + size]
    else:  # zero: a chunk blanked out
        size = rng.randint(16, 8192)
        start = rng.randrange(len(out))
        out[start: start + size] = bytes(len(out[start: start + size]))
    return bytes(out)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The shared real-world files (when present) and clips made here (H.264+AAC in MP4 and
    in Matroska, VP9+Opus in WebM)."""
    folder = tmp_path_factory.mktemp("corpus")
    made = [make_clip(folder / "clip.mp4", seconds=1.0, size=(96, 64)),
            make_clip(folder / "clip.mkv", seconds=1.0, size=(96, 64)),
            make_clip(folder / "clip.webm", seconds=1.0, size=(96, 64), vcodec="libvpx-vp9", acodec="libopus")]
    media = TESTDATA / "media"
    shared = sorted(p for p in media.iterdir() if p.suffix not in (".tsv", ".md")) if media.is_dir() else []
    return made + shared


def run_case(folder: Path, source: Path, kind: str, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    case = folder / f"{seed:03d}-{kind}-{source.stem}{source.suffix}"
    case.write_bytes(mutate(source.read_bytes(), kind, rng))
    out = folder / f"{seed:03d}.out.mkv"
    began = time.monotonic()
    try:
        result = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", str(case), "--size", "96x64",
                                 "-o", str(out)], capture_output=True, timeout=PER_CASE_TIMEOUT_S)
        status, stderr = result.returncode, result.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as exc:
        status, stderr = "hang", (exc.stderr or b"").decode(errors="replace")
    return {"case": case.name, "status": status, "stderr": stderr, "out": out,
            "took": time.monotonic() - began}


def check_case(run: dict[str, Any]) -> None:
    label = f"{run['case']}: status {run['status']}\n{run['stderr']}"
    assert run["status"] in STATUSES, label
    lines = run["stderr"].splitlines()
    assert all(line.startswith(("warning: ", "error: ", "hint: ")) for line in lines), label
    if run["status"] != 0:
        assert lines and lines[0].startswith("error: "), label
    elif run["out"].exists():
        probe(run["out"])  # the output is finished: every packet decodes


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_mutated_containers_never_hang_or_crash(tmp_path: Path, corpus: list[Path]) -> None:
    plan = [(corpus[i % len(corpus)], MUTATIONS[(i // len(corpus)) % len(MUTATIONS)], i) for i in range(CASES)]
    began = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda args: run_case(tmp_path, *args), plan))
    took = time.monotonic() - began
    for run in runs:
        check_case(run)
    outcomes = {status: sum(1 for r in runs if r["status"] == status) for status in sorted(STATUSES)}
    print(f"\n{len(runs)} fuzz cases over {len(corpus)} files in {took:.1f}s "
          f"(slowest {max(r['took'] for r in runs):.1f}s): exit statuses {outcomes}")


@pytest.mark.timeout(300)
def test_the_fuzz_bench_runs_its_cases() -> None:
    """``bench/fuzz.py`` (the 1,000-case run is a bench command): a few seeds on the clips it
    makes, in its worker processes, every case passing."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz.py"), "--cases", "8", "--no-testdata",
                             "--json"], capture_output=True, text=True, timeout=280, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout)
    assert figures["cases"] == 8 and figures["failures"] == {} and figures["hangs"] == 0
    assert sum(figures["statuses"].values()) == 8


# --- what bench/fuzz.py found, kept as tests -------------------------------------------------
def _adts(path: Path, layout: str, seconds: float = 1.0) -> bytes:
    with av.open(str(path), "w", format="adts") as out:
        stream = out.add_stream("aac", rate=48000)
        stream.layout = layout
        channels = 2 if layout == "stereo" else 1
        for start in range(0, int(seconds * 48000), 1024):
            frame = av.AudioFrame.from_ndarray(np.zeros((channels, 1024), np.float32), format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = 48000, start, Fraction(1, 48000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path.read_bytes()


def test_audio_that_changes_layout_mid_stream_is_encoded(tmp_path: Path) -> None:
    """Seed 403 of bench/fuzz.py: damaged AAC decoded as another layout mid-stream stopped the
    run with an internal error (the encoder's resampler refused the new layout). A DVB stream
    switching from stereo to 5.1 at an ad break does the same."""
    joined = tmp_path / "stereo-then-mono.aac"
    joined.write_bytes(_adts(tmp_path / "a.aac", "stereo") + _adts(tmp_path / "b.aac", "mono"))
    out = tmp_path / "out.mkv"
    result = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", str(joined), "-o", str(out)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    audio = probe(out)["audio"]
    seconds = sum(f.samples for _, f in audio) / audio[0][1].sample_rate
    assert 1.9 <= seconds <= 2.2  # both halves


def test_tags_that_are_not_utf8_are_read(tmp_path: Path) -> None:
    """Seed 2755 of bench/fuzz.py: a tag holding bytes that are not UTF-8 (damage, or a Latin-1
    title) stopped the run with an internal error while opening the file."""
    clip = tmp_path / "tagged.mkv"
    with av.open(str(clip), "w") as out:
        out.metadata["title"] = "MSTG-TITLE-MARK"
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data = clip.read_bytes()
    assert data.count(b"MSTG-TITLE-MARK") == 1
    clip.write_bytes(data.replace(b"MSTG-TITLE-MARK", "Caf\u00e9 \u00e9t\u00e9 Noel".encode("latin-1").ljust(15)))
    out = tmp_path / "out.mkv"
    for args in (["run", "-i", str(clip), "-o", str(out)], ["probe", str(clip)]):
        result = subprocess.run([sys.executable, "-m", "mstg", *args], capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr.decode()
    assert len(probe(out)["video"]) == 5
