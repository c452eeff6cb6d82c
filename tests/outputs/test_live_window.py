"""The window output and the screen input, on a virtual X display (Xvfb)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from conftest_live import (make_clip, near, press_key, screenshot, wait_for, window_ids,  # noqa: F401
                           xvfb, xvfb_display)

from mstg import Pipeline, open_input, open_output
from mstg.errors import DeviceError, ExitStatus
from mstg.tracks import MediaStreamTrackProcessor

GREEN = (40, 200, 90)  # BGR
#: How long a test waits for a window to show (a busy CI machine starts one slowly): a bound, not a pause.
SHOWN_WITHIN_S = 60.0


class Background:
    """A pipeline run on a thread: ``stats`` or ``error`` once it is done."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.stats: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.stats = self.pipeline.run()
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            self.error = exc

    def join(self, timeout: float = 120.0) -> Any:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the run did not end"
        if self.error is not None:
            raise self.error
        return self.stats


def _green_box(display: str) -> tuple[int, int, int, int] | None:
    mask = near(screenshot(display), GREEN, tolerance=12)
    if mask.sum() < 0.9 * 160 * 120:
        return None
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _found(boxes: list[tuple[int, int, int, int]], display: str) -> bool:
    """Whether the green picture is on screen now; its box is appended to ``boxes``."""
    box = _green_box(display)
    if box is not None:
        boxes.append(box)
    return box is not None


def _listed(ids: list[str], display: str, title: str) -> bool:
    """Whether a window titled ``title`` is on ``display``; ``ids`` becomes their ids."""
    ids[:] = window_ids(display, title)
    return bool(ids)


def test_window_shows_each_frame_paced_to_the_file(xvfb: str, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "green.mkv", seconds=6.0, bgr=GREEN)  # on screen long enough to be seen
    window = open_output("window:mstg-show")
    run = Background(Pipeline([open_input(str(clip))], [window]))
    boxes: list[tuple[int, int, int, int]] = []
    assert wait_for(lambda: bool(window.frames_written["video"] >= 5 and _found(boxes, xvfb)),
                    timeout=SHOWN_WITHIN_S), "the picture is not on screen"
    x0, y0, x1, y1 = boxes[-1]
    assert (x1 - x0, y1 - y0) == (160, 120)
    stats = run.join()
    assert stats.frames_out["video"] == 150
    assert stats.wall_s >= 5.9  # a file shown live plays at its own speed, not faster
    assert window_ids(xvfb, "mstg-show") == []  # the window closes at the end


def test_q_in_the_window_ends_the_run_and_finishes_the_recording(xvfb: str, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mkv", seconds=120.0, bgr=GREEN)  # far longer than the test
    window = open_output("window:mstg-quit")
    record = open_output(str(tmp_path / "copy.mkv"))
    run = Background(Pipeline([open_input(str(clip))], [window, record]))
    boxes: list[tuple[int, int, int, int]] = []
    assert wait_for(lambda: bool(window.frames_written["video"] >= 10 and _found(boxes, xvfb)),
                    timeout=SHOWN_WITHIN_S)
    box = boxes[-1]
    press_key(xvfb, "q", at=((box[0] + box[2]) // 2, (box[1] + box[3]) // 2))
    stats = run.join()
    assert stats.stopped and window.closed_by_user
    with av.open(str(tmp_path / "copy.mkv")) as container:  # finalized: it plays
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert 10 <= len(frames) < 120 * 25  # ended by q, not by the end of the clip
    assert near(frames[-1], GREEN, tolerance=8).mean() > 0.95


def test_a_killed_window_ends_the_run(xvfb: str, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mkv", seconds=120.0, bgr=GREEN)
    window = open_output("window:mstg-kill")
    run = Background(Pipeline([open_input(str(clip))], [window]))
    ids: list[str] = []
    assert wait_for(lambda: window.frames_written["video"] >= 3 and _listed(ids, xvfb, "mstg-kill"),
                    timeout=SHOWN_WITHIN_S)
    subprocess.run(["xkill", "-display", xvfb, "-id", ids[0]], capture_output=True, timeout=60)
    stats = run.join()
    assert stats.stopped and stats.frames_out["video"] < 120 * 25  # ended by the kill


def test_screen_input_grabs_what_the_window_shows(xvfb: str, tmp_path: Path) -> None:
    # the window stays up until the test ends it: a slow start on a busy machine only waits longer
    clip = make_clip(tmp_path / "green.mkv", seconds=120.0, bgr=GREEN)
    window = open_output("window:mstg-grab")
    run = Background(Pipeline([open_input(str(clip))], [window]))
    boxes: list[tuple[int, int, int, int]] = []
    assert wait_for(lambda: _found(boxes, xvfb), timeout=SHOWN_WITHIN_S), "the window never showed"
    x0, y0, _, _ = boxes[-1]
    grabs: list[list[Any]] = []

    def grab_shows_green() -> bool:
        """Grab a second of the screen inside the window; True once it shows the green (a
        window that is mapped may not have painted yet on a busy machine)."""
        for frame in grabs.pop() if grabs else []:
            frame.close()
        screen = open_input(f"screen:+{x0 + 20},{y0 + 20}", size=(64, 48), fps=25, duration=1.0)
        assert screen.live and screen.video is not None
        processor = MediaStreamTrackProcessor(screen.video, max_buffer_size=64)
        screen.start()
        grabs.append(list(processor.readable))
        frames = grabs[-1]
        # most, not all, pixels: x11grab draws the mouse pointer, which another test may have
        # left over the window
        return len(frames) >= 3 and near(frames[-1].to_ndarray("bgr24"), GREEN, tolerance=12).mean() > 0.9

    try:
        assert wait_for(grab_shows_green, timeout=SHOWN_WITHIN_S), (
            f"the grab never showed the window at {boxes[-1]}: {len(grabs[-1])} frames, the last "
            f"{grabs[-1][-1].to_ndarray('bgr24').reshape(-1, 3).mean(axis=0) if grabs[-1] else None}")
        frames = grabs[-1]
        assert all(f.capture_time is not None for f in frames)
        stamps = [f.timestamp for f in frames]
        assert stamps == sorted(stamps) and stamps[-1] < 1_000_000
        assert frames[-1].to_ndarray("bgr24").shape == (48, 64, 3)
    finally:
        for frame in grabs.pop() if grabs else []:
            frame.close()
        window.request_stop()  # type: ignore[attr-defined]
        run.join()


def test_screen_to_window_latency_is_measured_where_the_window_shows(xvfb: str) -> None:
    source = open_input("screen:+600,300", size=(320, 240), fps=25, duration=1.5)
    window = open_output("window:mstg-latency")
    stats = Pipeline([source], [window]).run()
    assert stats.live
    assert stats.frames_out["video"] >= 25
    assert len(stats.latencies_ms) == stats.frames_out["video"]  # one figure per frame shown
    assert 0 < stats.latency_percentile(50) <= stats.latency_percentile(95)  # figures, not a timing test


def test_no_display_is_a_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(DeviceError) as caught:
        open_output("window")
    assert "DISPLAY is not set" in str(caught.value)
    assert caught.value.exit_status == ExitStatus.DEVICE_ERROR
    monkeypatch.setenv("DISPLAY", ":187")
    with pytest.raises(DeviceError, match="cannot reach the X display ':187'"):
        open_output("play")


def test_screen_without_display_is_a_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(DeviceError, match="DISPLAY is not set"):
        open_input("screen")

