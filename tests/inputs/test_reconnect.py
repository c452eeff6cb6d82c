"""Reconnecting sources: a loopback stream server stopped and started again mid-run; the
recording goes on across the gap, and the documented messages when nothing comes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import probe, run_mstg
from conftest_live import listening, make_clip

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="Debian's ffmpeg CLI is not installed (.ci/run installs it)")
RED, BLUE = (0, 0, 255), (255, 0, 0)
#: Bounds for a busy machine: how long a test waits for something to happen, not a pause.
BOUND_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(clip: Path, port: int) -> subprocess.Popen:
    """FFmpeg streaming ``clip`` in real time as MPEG-TS to the first client of 127.0.0.1:``port``
    (listening once this returns)."""
    server = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-i", str(clip), "-c:v", "libx264", "-g", "5",  # type: ignore[list-item]
                             "-bf", "0", "-f", "mpegts", f"tcp://127.0.0.1:{port}?listen=1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until(lambda: listening(port) or server.poll() is not None, "the server listened")
    return server


def wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def colour_of(frame) -> str:  # type: ignore[no-untyped-def]
    b, _, r = frame.to_ndarray(format="bgr24").reshape(-1, 3).mean(axis=0)
    return "red" if r > b else "blue"


@pytest.mark.timeout(180)
def test_a_stream_that_drops_is_joined_again_and_the_recording_goes_on(tmp_path: Path) -> None:
    red = make_clip(tmp_path / "red.mkv", seconds=30.0, bgr=RED)  # longer than the server runs
    blue = make_clip(tmp_path / "blue.mkv", seconds=3.0, bgr=BLUE)
    port, out = free_port(), tmp_path / "rec.mkv"
    first = serve(red, port)
    recorder = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-v", "-i", f"tcp://127.0.0.1:{port}",
                                 "--timeout", "4", "--video-codec", "ffv1", "-o", str(out)],
                                stderr=subprocess.PIPE)
    second = None
    try:
        wait_until(lambda: out.exists() and out.stat().st_size > 20_000, "the recording began")
        first.kill()  # the server goes away mid-stream
        first.wait(10)
        second = serve(blue, port)  # and comes back (on the same port) with another picture
        assert second.wait(BOUND_S) == 0, second.stderr.read().decode()  # type: ignore[union-attr]
        _, stderr = recorder.communicate(timeout=BOUND_S)  # gives up 4 s after the second one ends
    finally:
        for proc in (first, second, recorder):
            if proc is not None and proc.poll() is None:
                proc.kill()
    text = stderr.decode()
    assert recorder.returncode == 0, text
    assert "1 reconnect(s)" in text and "reconnected 1 time(s)" in text
    frames = probe(out)["video"]
    colours = [colour_of(f) for _, f in frames]
    switch = colours.index("blue")
    assert colours[:switch] == ["red"] * switch and colours[switch:] == ["blue"] * (len(colours) - switch)
    assert switch >= 10 and len(colours) - switch >= 25  # both connections recorded
    times = np.array([t for t, _ in frames])
    assert (np.diff(times) > 0).all()  # the timestamps go on across the gap
    assert times[switch] - times[switch - 1] > 0.2  # and the gap is in them


@pytest.mark.timeout(180)
def test_start_skips_the_first_connection_only(tmp_path: Path) -> None:
    """``--start 1`` skips the first second of the first connection; the stream joined again
    after a drop is kept from its first frame (a frame counter as brightness: 0, 5, 10, ...)."""
    red = make_clip(tmp_path / "red.mkv", seconds=30.0, bgr=RED)
    counter = make_clip(tmp_path / "counter.mkv", seconds=3.0, bgr=None)
    port, out = free_port(), tmp_path / "rec.mkv"
    first = serve(red, port)
    recorder = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-v", "-i", f"tcp://127.0.0.1:{port}",
                                 "--start", "1", "--timeout", "4", "--video-codec", "ffv1", "-o", str(out)],
                                stderr=subprocess.PIPE)
    second = None
    try:
        wait_until(lambda: out.exists() and out.stat().st_size > 20_000, "the recording began")
        first.kill()
        first.wait(10)
        second = serve(counter, port)
        assert second.wait(BOUND_S) == 0, second.stderr.read().decode()  # type: ignore[union-attr]
        _, stderr = recorder.communicate(timeout=BOUND_S)
    finally:
        for proc in (first, second, recorder):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert recorder.returncode == 0, stderr.decode()
    assert "reconnected 1 time(s)" in stderr.decode()
    frames = probe(out)["video"]
    pixels = [f.to_ndarray(format="bgr24").reshape(-1, 3).mean(axis=0) for _, f in frames]
    grey = [i for i, (b, _, r) in enumerate(pixels) if abs(r - b) < 20]  # the counter, not red
    assert grey and grey == list(range(grey[0], len(frames))), "red after the counter began"
    levels = [pixels[i][1] for i in grey]
    # its first frames are there (a live queue under load may drop a few), not only those after
    # 1 s (brightness 125 on)
    assert levels[0] < 50, levels[:5]
    times = np.array([t for t, _ in frames])
    assert (np.diff(times) > 0).all() and times[grey[0]] - times[grey[0] - 1] > 0.2  # the gap


def test_no_reconnect_ends_the_run_when_the_stream_drops(tmp_path: Path) -> None:
    red = make_clip(tmp_path / "red.mkv", seconds=2.0, bgr=RED)
    port, out = free_port(), tmp_path / "rec.mkv"
    server = serve(red, port)
    try:
        result = run_mstg("run", "-i", f"tcp://127.0.0.1:{port}", "--no-reconnect", "-v", "-o", str(out),
                          timeout=BOUND_S)
    finally:
        server.kill()
    assert result.returncode == 0, result.stderr.decode()
    assert "reconnect(s)" not in result.stderr.decode() and "reconnected" not in result.stderr.decode()
    assert len(probe(out)["video"]) > 10


def test_a_udp_input_that_gets_nothing_says_so(tmp_path: Path) -> None:
    port = free_port()
    result = run_mstg("run", "-i", f"udp://127.0.0.1:{port}", "--timeout", "1", "-o", "null", timeout=BOUND_S)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode == 4
    assert lines[0] == f"error: udp://127.0.0.1:{port}: no data for 1s: nothing came (timed out)", lines
    assert "Immediate exit requested" not in result.stderr.decode()
