"""Keeping up with a live source: when to leave a costly step out on one frame.

A live source (camera, screen, network stream) does not wait: with the browser's default of one
queued frame, a frame whose processing ends after the next-but-one frame was captured makes
the source drop a frame. A transform with a costly step on some frames (the barcode reader
at 1080p takes most of a 30 fps frame's 33 ms) asks :class:`KeepUp` before the step; it says
to leave the step out when the frame is already late enough that doing it would cost a
frame, judged from the frame's capture time, the frame interval and what the step has cost so
far. The frame itself is never dropped, only the step (the barcode transform keeps its last
outlines, as with ``every``). It never says so twice in a row, so the step still runs on at
least every other frame however slow the machine; files and pipes (no capture time) never
skip.

>>> from mstg.frames import VideoFrame
>>> import numpy as np, time
>>> keep = KeepUp()
>>> late = VideoFrame.from_ndarray(np.zeros((2, 2, 3), np.uint8), format="bgr24", timestamp=0,
...                                duration=33_333, capture_time=time.monotonic() - 1.0)
>>> keep.skip(late), keep.skip(late), keep.skipped
(True, False, 1)
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Iterator

from ..frames import VideoFrame

log = logging.getLogger(__name__)


class KeepUp:
    """Decides, frame by frame, whether a live run is too far behind for a costly step.

    ``slack``: how much of a second frame interval the lag plus the step may take before the
    step is left out (the rest covers what the pipeline does besides the step).
    """

    def __init__(self, slack: float = 0.25) -> None:
        self.slack = slack
        #: Frames on which the step was left out.
        self.skipped = 0
        self._cost = 0.0  # moving average of the step's seconds
        self._last_capture: float | None = None
        self._interval: float | None = None
        self._skipped_last = False

    def skip(self, frame: VideoFrame) -> bool:
        """True when ``frame`` (from a live source) is late enough that the step should be left out."""
        captured = frame.capture_time
        if captured is None:
            return False
        interval = self._frame_interval(frame, captured)
        if interval is None or self._skipped_last:
            self._skipped_last = False
            return False
        lag = time.monotonic() - captured
        if lag + self._cost <= (1.0 + self.slack) * interval:
            return False
        self._skipped_last = True
        self.skipped += 1
        if self.skipped == 1 or self.skipped % 100 == 0:
            log.debug("live source: %.0f ms behind, step of %.0f ms left out (%d frames so far)",
                      lag * 1e3, self._cost * 1e3, self.skipped)
        return True

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Measure one run of the step (its moving average feeds :meth:`skip`)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            self._cost = spent if not self._cost else 0.8 * self._cost + 0.2 * spent

    def _frame_interval(self, frame: VideoFrame, captured: float) -> float | None:
        """Seconds between frames: the frame's duration, else the capture times' cadence."""
        last, self._last_capture = self._last_capture, captured
        if frame.duration:
            return frame.duration / 1e6
        if last is not None and captured > last:
            step = captured - last
            self._interval = step if self._interval is None else 0.9 * self._interval + 0.1 * step
        return self._interval
