"""RTMP and RTSP outputs, received by Debian's FFmpeg CLI listening on 127.0.0.1 as the server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import probe, run_mstg
from conftest_live import listening

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="Debian's ffmpeg CLI is not installed (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listen(url: str, out: Path, *extra: str) -> subprocess.Popen:
    """An FFmpeg receiver that records what arrives at ``url`` (a listening server)."""
    return subprocess.Popen([FFMPEG, "-v", "error", "-y", *extra, "-i", url, "-c", "copy", str(out)],  # type: ignore[list-item]
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until_listening(port: int, proc: subprocess.Popen, bound: float = 60.0) -> None:
    """Until the receiver listens (a generous bound: the machine may be busy)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode())  # type: ignore[union-attr]
        if listening(port):
            return
        time.sleep(0.05)
    raise AssertionError("the receiver never listened")


@pytest.mark.parametrize("scheme", ["rtmp", "rtsp"])
def test_stream_reaches_a_listening_server(tmp_path: Path, scheme: str) -> None:
    port = free_port()
    received = tmp_path / "received.mkv"
    if scheme == "rtmp":
        url = f"rtmp://127.0.0.1:{port}/live/mstg"
        receiver = listen(url, received, "-listen", "1")
    else:
        url = f"rtsp://127.0.0.1:{port}/mstg"
        receiver = listen(url, received, "-rtsp_flags", "listen")
    # a listener takes a probe connection for its one client: wait for the socket, not on it
    wait_until_listening(port, receiver)
    try:
        result = run_mstg("run", "-i", "testsrc=size=320x240:rate=25", "-i", "sine", "--duration", "2",
                          "-o", url, timeout=60)
        assert result.returncode == 0, result.stderr.decode()
        assert receiver.wait(30) == 0, receiver.stderr.read().decode()  # type: ignore[union-attr]
    finally:
        if receiver.poll() is None:
            receiver.kill()
    frames = probe(received)
    assert len(frames["video"]) >= 40  # 2 s at 25 fps, a few may be lost at the very start
    assert frames["video"][0][1].width == 320 and len(frames["audio"]) > 0
