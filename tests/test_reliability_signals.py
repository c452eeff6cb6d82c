"""Interrupts and kills on real subprocesses: Ctrl-C and SIGTERM at random moments finish every
file (it plays and holds every frame processed up to the stop), a second Ctrl-C stops at once,
a stalled input does not hold the stop up, and a killed recording keeps what it had written."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conftest import make_clip, probe, run_mstg
from helpers import start_mstg as mstg

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")

#: A transform that reports each video frame it hands on: the events file lists every frame
#: processed, so a test can check that the output holds all of them.
STAMP = '''
from dataclasses import dataclass
import time

from mstg.transforms.base import Transform


@dataclass
class Stamp(Transform):
    """One event per video frame: mstg run -t stamp.py:Stamp --events seen.jsonl"""

    name = "stamp"
    summary = "one event per frame"
    kind = "video"
    pixel_format = None

    def process(self, data, frame):
        self.emit({"seen": frame.timestamp})
        return frame


@dataclass
class Slow(Stamp):
    """Like Stamp, 0.2 s a frame."""

    name = "slow"

    def process(self, data, frame):
        time.sleep(0.2)
        return super().process(data, frame)
'''


@pytest.fixture(scope="module")
def stamp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plugins") / "stamp.py"
    path.write_text(STAMP)
    return path


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s of 160x120 25 fps H.264 + AAC: long enough to be stopped anywhere in its first 2 s."""
    return make_clip(tmp_path_factory.mktemp("media") / "six.mp4", seconds=6.0, size=(160, 120))


def wait_for_handlers(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Until mstg catches SIGTERM (its handlers are in: before that, the interpreter is starting)."""
    bit = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        caught = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
        if caught & bit:
            return
        time.sleep(0.002)
    raise AssertionError("mstg never installed its signal handlers")


def seen(events: Path) -> list[dict[str, Any]]:
    """The frames the transform handed on, from the events file (absent: none)."""
    if not events.exists():
        return []
    return [json.loads(line) for line in events.read_text().splitlines()]


def wait_for_events(events: Path, count: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if len(seen(events)) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} frames were processed in {timeout} s")


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a run leaves beside its outputs (none is the rule)."""
    return sorted(folder.glob(".*.part"))


# --- Ctrl-C and SIGTERM at random moments ---------------------------------------------------
#: Seconds after the handlers are in: these land before the input is open, while the first
#: frame is decoded and while the encoder is set up. The other runs are stopped anywhere in the
#: 2 s after their first frame was processed (counted from that frame, not from a clock, so a
#: busy machine's slow start-up does not move them all before the recording).
FIXED_DELAYS = (0.0, 0.0, 0.005, 0.02, 0.05, 0.1, 0.15, 0.25, 0.4)
RUNS = 20


def interrupt_once(folder: Path, clip: Path, stamp: Path, n: int, delay: float,
                   after_first_frame: bool) -> dict[str, Any]:
    signum = (signal.SIGINT, signal.SIGTERM)[n % 2]
    ext, extra = (("mp4", []), ("mkv", []), ("mp4", ["--fragmented"]), ("webm", []))[n % 4]
    out, events = folder / f"run{n}.{ext}", folder / f"run{n}.jsonl"
    proc = mstg("-i", str(clip), "--realtime", "-t", f"{stamp}:Stamp", "--events", str(events),
                "-o", str(out), *extra)
    try:
        wait_for_handlers(proc)
        if after_first_frame:
            wait_for_events(events, 1, proc, timeout=120)
        time.sleep(delay)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return {"n": n, "delay": delay, "signum": signum, "status": proc.returncode, "out": out,
            "stderr": stderr.decode(), "seen": seen(events)}


def check_run(run: dict[str, Any]) -> int:
    """Asserts what a user would check after stopping a recording; returns the frames held."""
    label = f"run {run['n']} ({signal.Signals(run['signum']).name} after {run['delay']:.3f}s)"
    assert run["status"] == 128 + run["signum"], f"{label}: {run['status']} {run['stderr']}"
    assert "Traceback" not in run["stderr"] and "error" not in run["stderr"], f"{label}: {run['stderr']}"
    processed = [e["frame"] for e in run["seen"]]
    assert processed == list(range(len(processed))), f"{label}: frames processed out of order"
    if not run["out"].exists():
        assert not processed, f"{label}: {len(processed)} frames processed, no file"
        return 0
    frames = probe(run["out"])  # decodes every packet: raises if the file is broken
    stamps = [round(t, 3) for t, _ in frames["video"]]
    assert stamps == [round(e["timestamp"] / 1e6, 3) for e in run["seen"]], label
    return len(stamps)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_interrupts_at_random_moments_finish_every_file(tmp_path: Path, long_clip: Path,
                                                         stamp: Path) -> None:
    rng = random.Random(20240611)
    delays = [(d, False) for d in FIXED_DELAYS] + [
        (rng.uniform(0.0, 2.0), True) for _ in range(RUNS - len(FIXED_DELAYS))]
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda args: interrupt_once(tmp_path, long_clip, stamp, args[0], *args[1]),
                             enumerate(delays)))
    held = [check_run(run) for run in runs]
    print(f"\n{len(runs)} signals sent; {sum(1 for h in held if h)} files played back with "
          f"{sum(held)} frames in all; {held.count(0)} runs stopped before their first frame")
    assert sum(1 for h in held if h) >= RUNS // 2, held  # most stops land mid-recording
    assert 0 in held  # and some before the first frame: nothing is left behind then
    assert leftovers(tmp_path) == []


def test_a_stop_before_the_first_frame_keeps_an_existing_file(tmp_path: Path, long_clip: Path) -> None:
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"an older recording")
    proc = mstg("-i", str(long_clip), "-o", str(target), "-y")
    wait_for_handlers(proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr.decode()
    assert target.read_bytes() == b"an older recording"
    assert leftovers(tmp_path) == []


@pytest.mark.timeout(60)
def test_second_ctrl_c_stops_at_once(tmp_path: Path, long_clip: Path, stamp: Path) -> None:
    def stopped(signals: int) -> tuple[int, float, list[dict[str, Any]], Path]:
        out, events = tmp_path / f"slow{signals}.mkv", tmp_path / f"slow{signals}.jsonl"
        proc = mstg("-i", str(long_clip), "-t", f"{stamp}:Slow", "--events", str(events), "-o", str(out))
        try:
            wait_for_events(events, 2, proc)
            for _ in range(signals):
                proc.send_signal(signal.SIGINT)
                time.sleep(0.1)
            began = time.monotonic()
            proc.wait(30)
        finally:
            proc.kill()
        return proc.returncode, time.monotonic() - began, seen(events), out

    # one Ctrl-C: the frames already read still go through the slow transform, then the file
    # is finished (it plays and holds every frame processed)
    status, waited, processed, out = stopped(1)
    assert status == 130 and waited > 0.5
    assert len(probe(out)["video"]) == len(processed) >= 2
    # two: out at once, without waiting for the transform, and no temporary file left
    status, took, _, _ = stopped(2)
    assert status == 130 and took < waited  # compared with the first, not with a clock: load slows both
    assert leftovers(tmp_path) == []


@pytest.mark.timeout(60)
def test_ctrl_c_while_the_input_stalls_still_finishes_the_file(tmp_path: Path, clip: Path,
                                                               stamp: Path) -> None:
    """stdin sends a second of video, then nothing (the pipe stays open): one Ctrl-C ends the
    run within the grace period, with every frame that came in."""
    stream = run_mstg("run", "-i", str(clip), "--duration", "1", "-o", "-").stdout
    out, events = tmp_path / "stalled.mkv", tmp_path / "stalled.jsonl"
    proc = mstg("-i", "-", "-t", f"{stamp}:Stamp", "--events", str(events), "-o", str(out),
                stdin=subprocess.PIPE)
    try:
        proc.stdin.write(stream)  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        wait_for_events(events, 20, proc)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        began = time.monotonic()
        _, stderr = proc.communicate(timeout=20)
        took = time.monotonic() - began
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr.decode()
    assert took < 30.0  # within the grace period (2 s), not the stall's end (never): a generous bound
    assert len(probe(out)["video"]) == len(seen(events)) >= 20


# --- SIGKILL: what was written stays playable ----------------------------------------------------
@pytest.mark.timeout(90)
@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_killed_recording_keeps_what_was_written(tmp_path: Path, long_clip: Path, stamp: Path,
                                                 ext: str) -> None:
    out, events = tmp_path / f"killed.{ext}", tmp_path / "killed.jsonl"
    proc = mstg("-i", str(long_clip), "--realtime", "--fragmented", "-t", f"{stamp}:Stamp",
                "--events", str(events), "-o", str(out))
    try:
        wait_for_events(events, 75, proc)  # 3 s recorded
    finally:
        proc.kill()
        proc.wait(10)
    processed = seen(events)
    frames = probe(out)["video"]
    # all but the last second or two (encoder delay, one fragment or cluster) are there, in order
    assert len(frames) >= len(processed) - 50 and len(frames) >= 20, (len(frames), len(processed))
    assert [round(t, 3) for t, _ in frames] == [round(e["timestamp"] / 1e6, 3) for e in processed[:len(frames)]]


def test_live_sources_get_a_crash_tolerant_layout_by_default(tmp_path: Path, clip: Path) -> None:
    from mstg import Pipeline, open_output
    from mstg.inputs.media import MediaInput

    layouts = {}
    for live in (False, True):
        out = tmp_path / f"live{live}.mp4"
        Pipeline([MediaInput(str(clip), live=live, duration=0.5)], [open_output(str(out))]).run()
        layouts[live] = b"moof" in out.read_bytes()  # fragments: the index comes first
        assert len(probe(out)["video"]) > 0
    assert layouts == {False: False, True: True}


@pytest.mark.timeout(60)
def test_killed_live_recording_plays(tmp_path: Path, long_clip: Path) -> None:
    out = tmp_path / "camera.mp4"
    code = ("import mstg; from mstg.inputs.media import MediaInput; "
            f"source = MediaInput({str(long_clip)!r}, live=True, realtime=True); "
            f"mstg.Pipeline([source], [mstg.open_output({str(out)!r})]).run()")
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 30_000):
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(10)
    assert len(probe(out)["video"]) >= 10
