"""Shared fixtures: media made at test time with PyAV, and the real-world test data."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("MSTG_TESTDATA") or ROOT.parent / "shared" / "testdata")  # a worktree elsewhere: set it


def pattern(index: int, width: int, height: int) -> np.ndarray:
    """A BGR picture that says which frame it is: a bright bar at x = 4 * index."""
    img = np.zeros((height, width, 3), np.uint8)
    img[:, :, 1] = np.linspace(0, 200, width, dtype=np.uint8)[None, :]
    x = (4 * index) % max(1, width - 8)
    img[:, x: x + 8] = 255
    return img


def make_clip(path: Path, *, seconds: float = 1.0, size: tuple[int, int] = (320, 240), fps: int = 25,
              audio: bool = True, video: bool = True, vcodec: str = "libx264", acodec: str = "aac",
              sample_rate: int = 48000, freq: float = 440.0) -> Path:
    """Write a clip of a moving-bar pattern and a sine tone; returns the path."""
    width, height = size
    with av.open(str(path), "w") as container:
        vstream = astream = None
        if video:
            vstream = container.add_stream(vcodec, rate=fps)
            vstream.width, vstream.height = width, height
            vstream.pix_fmt = "yuv420p"
        if audio:
            astream = container.add_stream(acodec, rate=sample_rate)
            astream.layout = "stereo"
        n_video = int(seconds * fps)
        for i in range(n_video if video else 0):
            frame = av.VideoFrame.from_ndarray(pattern(i, width, height), format="bgr24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(vstream.encode(frame))
        if video:
            container.mux(vstream.encode(None))
        if audio:
            chunk = 1024
            total = int(seconds * sample_rate)
            for start in range(0, total, chunk):
                n = min(chunk, total - start)
                t = np.arange(start, start + n) / sample_rate
                wave = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
                frame.sample_rate = sample_rate
                frame.pts = start
                frame.time_base = Fraction(1, sample_rate)
                container.mux(astream.encode(frame))
            container.mux(astream.encode(None))
    return path


def probe(path: Path | str) -> dict[str, list]:
    """Decode a whole file: {'video': [(pts_seconds, frame)], 'audio': [...]} (frames as PyAV objects)."""
    out: dict[str, list] = {"video": [], "audio": []}
    with av.open(str(path)) as container:
        for frame in container.decode(*container.streams.video[:1], *container.streams.audio[:1]):
            kind = "video" if isinstance(frame, av.VideoFrame) else "audio"
            out[kind].append((float(frame.pts * frame.time_base) if frame.pts is not None else None,
                              frame))
    return out


def run_mstg(*args: str, input: bytes | None = None, timeout: float = 120, env: dict | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m mstg ARGS`` as a real subprocess, stdout and stderr captured apart."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "mstg", *args], input=input, capture_output=True,
                          timeout=timeout, env=full_env, cwd=cwd)


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-second 320x240 25 fps H.264 + AAC clip."""
    return make_clip(tmp_path_factory.mktemp("media") / "clip.mp4", seconds=2.0)


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"real-world test data not found at {TESTDATA} (../shared/testdata)")
    return TESTDATA
