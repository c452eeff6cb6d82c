"""What live outputs (window, speaker, play, virtual camera, network stream) share.

A live output presents frames as they come: the pipeline paces a file feeding it to the
file's timestamps, measures latency where the output presents (not where the transform
chain hands frames over), and lets the output end the run (a window the user closed).
"""

from __future__ import annotations

import threading
import time

from ..frames import AudioData, VideoFrame
from ..tracks import MediaStreamTrackProcessor
from .base import Output

Frame = VideoFrame | AudioData
US = 1_000_000


class LiveOutput(Output):
    """An output that shows or plays in real time.

    ``latency_kind`` names the frames whose capture-to-output latency it measures (into
    the context's ``latencies_ms``, for live sources); the context's ``request_stop`` ends
    the whole run cleanly (other outputs are finalized).
    """

    live = True
    latency_kind: str | None = "video"

    def __init__(self) -> None:
        super().__init__()
        self._aborted = threading.Event()

    def abort(self) -> None:
        self._aborted.set()
        super().abort()

    def _record_latency(self, frame: Frame, extra_s: float = 0.0) -> None:
        captured, sink = frame.capture_time, self.context.latencies_ms
        if captured is not None and sink is not None:
            sink.append((time.monotonic() - captured + extra_s) * 1000.0)

    def request_stop(self) -> None:
        """End the whole run cleanly, as closing the window does (the run's own stop)."""
        self.context.request_stop()

    _ask_to_stop = request_stop

    def _next(self, processor: MediaStreamTrackProcessor, timeout: float) -> tuple[Frame | None, bool]:
        """(frame or None, ended): waits at most ``timeout`` so the caller can do other work."""
        frame = processor.read(timeout=timeout)
        if frame is not None:
            return frame, False
        if self._aborted.is_set():
            return None, True
        if processor.track.ready_state == "ended":
            frame = processor.read(timeout=0)
            return frame, frame is None
        return None, False


class PlaybackClock:
    """The media time being heard right now, kept by a speaker; a window shows frames by it.

    The speaker calls :meth:`update` after each write with the media time that reaches the
    loudspeaker at that moment and the end of what it has written; in between, the clock
    runs on while the device plays, never past what was written.

    >>> clock = PlaybackClock()
    >>> clock.now_us() is None
    True
    >>> clock.update(position_us=40_000, written_end_us=40_000, running=False)
    >>> clock.now_us()
    40000
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._position_us = 0
        self._end_us = 0
        self._at = 0.0
        self._running = False
        self._finished = False
        self.started = threading.Event()

    def update(self, *, position_us: int, written_end_us: int, running: bool) -> None:
        with self._lock:
            self._position_us, self._end_us = position_us, written_end_us
            self._at, self._running = time.monotonic(), running
        self.started.set()

    def finish(self) -> None:
        """The sound has ended: from now on the clock runs on its own."""
        with self._lock:
            if self.started.is_set():
                self._position_us = self.now_us_unlocked()
                self._at = time.monotonic()
            self._running = self._finished = True

    @property
    def finished(self) -> bool:
        return self._finished

    def now_us_unlocked(self) -> int:
        if not self._running:
            return self._position_us
        position = self._position_us + int((time.monotonic() - self._at) * US)
        return position if self._finished else min(position, self._end_us)

    def now_us(self) -> int | None:
        """Media time heard now (microseconds), or None before the first sound."""
        if not self.started.is_set():
            return None
        with self._lock:
            return self.now_us_unlocked()
