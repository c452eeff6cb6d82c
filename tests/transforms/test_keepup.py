"""Keeping up with a live source: the barcode reader leaves out a frame that is running late
(never two in a row, never a file's frame) and keeps its outline on it; transforms load their
fonts before the inputs start."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from mstg import Pipeline, open_input, open_output
from mstg.chain import TransformChain
from mstg.errors import TransformError
from mstg.frames import VideoFrame
from mstg.transforms.barcode import Barcode
from mstg.transforms.base import Transform
from mstg.transforms.keepup import KeepUp
from test_barcode_scan import code_picture

INTERVAL_US = 33_333


def frame(picture: np.ndarray, n: int, late_s: float | None) -> VideoFrame:
    """Frame ``n`` of a 30 fps live source, captured ``late_s`` seconds ago (None: a file's)."""
    return VideoFrame.from_ndarray(picture, format="bgr24", timestamp=n * INTERVAL_US,
                                   duration=INTERVAL_US, index=n,
                                   capture_time=None if late_s is None else time.monotonic() - late_s)


def test_late_frames_are_left_out_but_never_two_in_a_row() -> None:
    keep, picture = KeepUp(), np.zeros((4, 4, 3), np.uint8)
    assert [keep.skip(frame(picture, n, 1.0)) for n in range(6)] == [True, False] * 3
    assert keep.skipped == 3
    assert not any(keep.skip(frame(picture, n, None)) for n in range(6))  # a file's frames
    # on time (stamped half a second ahead, so that no pause of a busy machine makes it late)
    assert not any(keep.skip(frame(picture, n, -0.5)) for n in range(6))


def test_the_step_s_own_cost_counts_and_the_cadence_stands_in_for_a_duration() -> None:
    keep, picture = KeepUp(), np.zeros((4, 4, 3), np.uint8)
    with keep.timed():  # a step as long as two frames: any frame it would start is late
        deadline = time.perf_counter() + 2 * INTERVAL_US / 1e6
        while time.perf_counter() < deadline:
            pass
    assert keep.skip(frame(picture, 0, 0.0))
    no_duration = KeepUp()
    now = time.monotonic()
    frames = [VideoFrame.from_ndarray(picture, format="bgr24", timestamp=n * INTERVAL_US,
                                      capture_time=now - 2.0 + n * 0.033) for n in range(3)]
    # the first frame gives no cadence yet; the second, 2 s late at 33 ms a frame, is left
    # out; the third is not (never two in a row)
    assert [no_duration.skip(f) for f in frames] == [False, True, False]


def push(barcode: Barcode, frames: list[VideoFrame]) -> tuple[list[VideoFrame], list[dict]]:
    events: list[dict] = []
    chain = TransformChain([barcode], on_event=events.append)
    chain.setup({})
    return [out for f in frames for out in chain.push(f)] + chain.flush(), events


def test_barcode_reads_every_other_frame_of_a_late_live_run_and_keeps_the_outline() -> None:
    picture = code_picture("keep up", width=320, height=240)
    late = [frame(picture, n, 1.0) for n in range(6)]
    barcode = Barcode(dedupe="off")
    out, events = push(barcode, late)
    assert [e["frame"] for e in events] == [0, 2, 4]  # 1, 3 and 5 were left out
    assert barcode.unread == 3
    drawn = [f.to_ndarray("bgr24") for f in out]
    outline = (drawn[1][..., 1] > 180) & (drawn[1][..., 0] < 80) & (drawn[1][..., 2] < 80)
    assert outline.sum() > 200, "the frame left out still shows the code's outline"
    assert np.array_equal(drawn[1], drawn[2])  # the same code, drawn the same
    _, events = push(Barcode(dedupe="off", keep_up=False), [frame(picture, n, 1.0) for n in range(6)])
    assert [e["frame"] for e in events] == list(range(6))
    _, events = push(Barcode(dedupe="off"), [frame(picture, n, None) for n in range(6)])
    assert [e["frame"] for e in events] == list(range(6))  # a file's frames are all read


@dataclass
class Prepared(Transform):
    name = "prepared"
    summary = "Records when it was prepared and when its first frame came."
    kind = "video"
    fail: bool = False

    def __post_init__(self) -> None:
        self.calls: list[str] = []

    def prepare(self) -> None:
        self.calls.append("prepare")
        if self.fail:
            raise OSError("model file missing")

    def setup(self, settings: dict[str, Any]) -> None:
        self.calls.append("setup")

    def process(self, data: Any, frame: Any) -> Any:
        self.calls.append("frame")
        return data


def test_transforms_are_prepared_once_before_the_first_frame() -> None:
    prepared = Prepared()
    stats = Pipeline([open_input("demo", duration=0.2)], [open_output("null")], [prepared]).run()
    assert stats.frames_in["video"] == 6
    assert prepared.calls == ["prepare", "setup"] + ["frame"] * 6


def test_a_transform_that_cannot_prepare_stops_the_run_with_its_reason() -> None:
    with pytest.raises(TransformError, match="prepared.*cannot start.*model file missing"):
        Pipeline([open_input("demo", duration=0.2)], [open_output("null")], [Prepared(fail=True)]).run()
