"""Helpers the test modules share: media made at test time with PyAV, ``mstg`` run as a
subprocess or in this process, transforms pushed through a chain. Import what a module needs:
``from helpers import make_clip, run_mstg`` (``conftest`` re-exports the older names).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np


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
    """Decode a whole file: {'video': [(pts_seconds, frame)], 'audio': [...]} (frames as PyAV objects;
    cover art is not video)."""
    out: dict[str, list] = {"video": [], "audio": []}
    with av.open(str(path)) as container:
        videos = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
        for frame in container.decode(*videos[:1], *container.streams.audio[:1]):
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


def start_mstg(*args: str, **popen: Any) -> subprocess.Popen:
    """``python -m mstg run ARGS`` started (stdout to /dev/null unless given), stderr piped: for
    tests that signal, feed or stop it while it runs."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    return subprocess.Popen([sys.executable, "-m", "mstg", "run", *args], stderr=subprocess.PIPE, **popen)


@dataclass
class CliResult:
    """What an in-process ``mstg`` run gave: its exit status and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, input: bytes | None = None) -> CliResult:
    """``mstg ARGS`` in this process, through the console script's own entry point
    (``mstg.cli.main.main``) with its streams captured by click's ``CliRunner``: for what a
    subprocess adds nothing to, such as refused flags and their ``error: ...`` line. A run
    that decodes or writes media belongs in :func:`run_mstg` (signals, pipes, a fresh
    interpreter).

    >>> cli("run", "-i", "testsrc", "--bufsize", "1M", "-o", "null").returncode
    2
    """
    import signal
    from unittest import mock

    from click.testing import CliRunner

    from mstg.cli.main import main

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    # the command's last step ends a process whose input threads are stuck with os._exit: here
    # that process is the test session, whose other tests' inputs may still be reading
    with CliRunner().isolation(input=input) as streams, \
            mock.patch("mstg.cli.errors._exit_at_once_if_stuck", lambda status: None):
        try:
            main(list(args))
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            for signum, handler in handlers.items():  # mstg run installs its own
                signal.signal(signum, handler)
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return CliResult(status, stdout.decode(), stderr.decode())


def push_pictures(transforms: list[Any], pictures: list[np.ndarray],
                  setup: dict[str, Any] | None = None) -> tuple[list[Any], list[dict]]:
    """BGR pictures through a :class:`~mstg.chain.TransformChain` (40 ms apart): the frames
    out and the events."""
    from mstg.chain import TransformChain
    from mstg.frames import VideoFrame

    events: list[dict] = []
    chain = TransformChain(transforms, on_event=events.append)
    chain.setup(setup or {})
    out = []
    for n, picture in enumerate(pictures):
        out += chain.push(VideoFrame.from_ndarray(picture, format="bgr24", timestamp=n * 40_000, index=n))
    return out + chain.flush(), events


def make_flat_clip(path: Path, *, seconds: float = 2.0, fps: int = 25, size: tuple[int, int] = (160, 120),
              bgr: tuple[int, int, int] | None = (40, 200, 90), tone: float | None = None,
              sample_rate: int = 48000, pix_fmt: str = "yuv420p") -> Path:
    """A small FFV1 clip: a flat colour (or a frame counter as brightness when ``bgr`` is
    None) and optionally a sine tone, written with PyAV."""
    width, height = size
    with av.open(str(path), "w") as out:
        video = out.add_stream("ffv1", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        audio = None
        if tone is not None:
            audio = out.add_stream("pcm_s16le", rate=sample_rate)
            audio.layout = "mono"
        frames = int(seconds * fps)
        for n in range(frames):
            picture = np.empty((height, width, 3), np.uint8)
            picture[:] = bgr if bgr is not None else (n * 5 % 256,) * 3
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = n
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if audio is not None:
            total = int(seconds * sample_rate)
            t = np.arange(total) / sample_rate
            samples = (np.sin(2 * np.pi * tone * t) * 0.5 * 32767).astype(np.int16)
            for start in range(0, total, 1024):
                chunk = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="s16",
                                                   layout="mono")
                chunk.sample_rate, chunk.pts = sample_rate, start
                out.mux(audio.encode(chunk))
            out.mux(audio.encode(None))
    return path


def write_cores_plugin(folder: Path) -> str:
    """A transform file that reports, on each input's first frame, how many cores
    ``barcode:threads=0`` would use in that process; its ``-t`` spec."""
    (folder / "cores.py").write_text(
        "from dataclasses import dataclass\n"
        "from mstg import Transform\n"
        "from mstg.transforms.readahead import auto_threads\n\n"
        "@dataclass\n"
        "class Cores(Transform):\n"
        "    name = 'cores'\n"
        "    pixel_format = 'gray'\n\n"
        "    def process(self, pixels, frame):\n"
        "        if frame.index == 0:\n"
        "            self.emit({'threads': auto_threads()})\n"
        "        return pixels\n")
    return f"{folder}/cores.py:Cores"
