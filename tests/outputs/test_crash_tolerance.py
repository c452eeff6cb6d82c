"""Crash tolerance follows intent: a recording made at the source's own pace (--realtime, a
synthetic source, a file feeding a live output) survives SIGKILL like a camera's does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_clip, probe

import mstg

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


def _wait_for_size(path: Path, size: int, proc: subprocess.Popen, bound: float = 60.0) -> None:
    """Until ``path`` holds ``size`` bytes (a generous bound: the machine may be busy)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size >= size:
            return
        if proc.poll() is not None:
            raise AssertionError(f"mstg ended early: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {size} bytes")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("ext", ["mkv", "mp4"])
def test_a_paced_synthetic_recording_killed_mid_way_plays(tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"rec.{ext}"
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", "testsrc", "--duration", "60",
                             "--realtime", "-o", str(out)], stderr=subprocess.PIPE)
    try:
        _wait_for_size(out, 40_000, proc)  # a few seconds recorded and flushed
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    frames = probe(out)["video"]
    assert len(frames) >= 25, len(frames)  # at least a second of the 25 fps source
    times = [t for t, _ in frames]
    assert times == sorted(times) and times[0] < 0.1


@pytest.mark.parametrize(("realtime", "fragmented", "expected"), [
    (False, None, False),  # file to file: can be run again, keeps the plain layout
    (True, None, True),    # paced: a recording in real time
    (True, False, False),  # --no-fragmented wins
])
def test_paced_inputs_get_the_crash_tolerant_layout_by_default(tmp_path: Path, realtime: bool,
                                                               fragmented: bool | None, expected: bool) -> None:
    clip = make_clip(tmp_path / "in.mp4", seconds=0.4, audio=False)
    out = tmp_path / "out.mp4"
    sink = mstg.open_output(str(out))
    sink.fragmented = fragmented
    mstg.Pipeline([mstg.open_input(str(clip), realtime=realtime)], [sink]).run()
    assert (b"moof" in out.read_bytes()) is expected  # fragments: the index comes first
    assert len(probe(out)["video"]) == 10
