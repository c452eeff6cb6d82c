"""What live capture inputs (camera, screen) share: opening FFmpeg's device demuxers, and
frames stamped with the moment they were captured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ..errors import DeviceError, InputError, InputNotFoundError
from .base import Frame
from .media import MediaInput

#: Open a live device without reading seconds of it first (those frames would be stale).
LOW_LATENCY_OPTIONS = {"analyzeduration": "0", "fflags": "nobuffer"}


def capture_time(frame: Any) -> float | None:
    """``time.monotonic()`` of a device frame's capture, from its pts (monotonic or wall clock)."""
    if frame.pts is None or frame.time_base is None:
        return None
    stamp = float(frame.pts * frame.time_base)
    mono, wall = time.monotonic(), time.time()
    if abs(stamp - mono) < 10.0:
        return stamp
    if abs(stamp - wall) < 10.0:
        return mono - (wall - stamp)
    return None


class DeviceInput(MediaInput):
    """A camera or screen opened through FFmpeg's device layer (v4l2, x11grab, avfoundation ...).

    Live: a slow reader makes frames drop, never the device wait. Frames carry the time they
    were captured (``capture_time``) so latency is measured from the sensor or the screen.
    Failures to open become :class:`~mstg.errors.DeviceError` naming what exists.
    """

    live = True
    #: Frames captured this long before the device opened are stale (read while probing).
    STALE_S = 0.1

    def __init__(self, url: str, *, format: str, options: dict[str, str], label: str,
                 duration: float | None = None, available: str = "", hint: str | None = None) -> None:
        merged = {**LOW_LATENCY_OPTIONS, **options}
        try:
            super().__init__(url, format=format, options=merged, audio_track=None, duration=duration,
                             live=True, label=label)
        except (InputNotFoundError, InputError) as exc:
            listing = f" ({available})" if available else ""
            raise DeviceError(f"{exc}{listing}".replace("input not found", "no such device"),
                              hint=hint) from exc
        self.opened_at = time.monotonic()

    def stop(self) -> None:
        super().stop()
        if self._thread is None:  # never started: release the device now
            self.container.close()

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        for index, frame in super()._frames():
            captured = frame.capture_time
            if captured is not None and captured < self.opened_at - self.STALE_S:
                frame.close()
                continue
            yield index, frame

    def _wrap(self, stream: Any, frame: Any, start_us: int) -> tuple[int, Frame] | None:
        if self._origin_us is None:  # time starts at the first frame delivered, not at the probe
            self._origin_us = self._timestamp_us(stream, frame)
        out = super()._wrap(stream, frame, start_us)
        if out is not None:
            captured = capture_time(frame)
            if captured is not None:
                out[1].capture_time = captured
        return out
