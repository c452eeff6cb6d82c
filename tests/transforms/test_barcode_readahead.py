"""Reading a file's frames ahead on other cores (``barcode:threads``) changes nothing a user
sees: the same events, field for field and in the same order, and the same frames, pixel for
pixel, as reading each frame in turn."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import run_mstg
from helpers import push_pictures
from mstg.transforms.barcode import Barcode
from mstg.transforms.readahead import ReadAhead
from test_barcode_scan import code_picture, write_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 frames: a code moving in, a frame read wrong, two codes, frames with none."""
    pictures = [code_picture("mover", width=480, x=10 + 8 * n) for n in range(12)]
    pictures += [code_picture("m0ver", width=480, x=106)]
    pictures += [np.full((240, 480, 3), 255, np.uint8)] * 6
    twins = code_picture("left one", width=480, x=10)
    twins[:, 240:] = code_picture("right one", width=480, x=250)[:, 240:]
    pictures += [twins] * 15 + [code_picture("mover", width=480, x=200)] * 6
    return write_clip(tmp_path_factory.mktemp("ahead") / "codes.mp4", pictures)


def frames_of(path: Path) -> list[tuple[int, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(f.pts, f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


@pytest.mark.parametrize("options", ["", "confirm=2/3,dedupe=off", "photo=cycle,every=2",
                                     "once=true"])
def test_reading_ahead_gives_what_reading_in_turn_gives(clip: Path, tmp_path: Path, options: str) -> None:
    runs = {}
    for threads in (1, 3):
        out = tmp_path / f"out{threads}.mkv"
        spec = f"barcode:threads={threads}" + (f",{options}" if options else "")
        result = run_mstg("run", "-i", str(clip), "-t", spec, "-o", str(out), "-cv", "ffv1",
                          "--events", "-", "-q")
        assert result.returncode == 0, result.stderr.decode()
        runs[threads] = ([json.loads(line) for line in result.stdout.decode().splitlines()], out)
    (events, one), (ahead_events, ahead) = runs[1], runs[3]
    assert events, "the clip's codes are read"
    assert ahead_events == events
    if options == "once=true":
        return  # the run ends at the first code: how many frames were under way may differ
    in_turn, read_ahead = frames_of(one), frames_of(ahead)
    assert len(in_turn) == len(read_ahead) == 40
    assert [pts for pts, _ in read_ahead] == [pts for pts, _ in in_turn]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(in_turn, read_ahead))


def test_in_the_library_every_frame_comes_out_in_order_once_flushed() -> None:
    pictures = [code_picture(f"code {n % 3}", x=20 + 10 * n) for n in range(9)]
    out, events = push_pictures([Barcode(threads=4, dedupe="off")], pictures)
    assert [f.index for f in out] == list(range(9))
    assert [f.timestamp for f in out] == [n * 40_000 for n in range(9)]
    assert [(e["frame"], e["timestamp"], e["rawValue"]) for e in events] == [
        (n, n * 40_000, f"code {n % 3}") for n in range(9)]
    _, in_turn = push_pictures([Barcode(threads=1, dedupe="off")], pictures)
    assert in_turn == events


def test_read_ahead_keeps_order_and_runs_steps_at_once() -> None:
    import threading

    started, release = threading.Barrier(4, timeout=60), threading.Event()  # 3 steps and this test

    def step(n: int) -> int:
        started.wait()  # three steps under way together, or this times out
        release.wait(60)
        return n * 10

    ahead = ReadAhead(step, threads=3)
    assert [ahead.add(n, n) for n in range(3)] == [[], [], []]
    started.wait()
    release.set()
    assert ahead.add(3, 3, run=False) == [(0, 0)]
    assert ahead.drain() == [(1, 10), (2, 20), (3, None)]
    ahead.close()
