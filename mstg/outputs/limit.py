"""``--frames N``: an output stops after N video frames, its audio at the end of the last one.

The output's threads read :class:`LimitedReader` objects in place of their processors: the
video reader ends after ``max_frames`` frames (and lets go of the track, so the source never
waits for it); the audio reader ends at the end of the last video frame kept.

>>> limit = FrameLimit(2)
>>> limit.video_end_us is None
True
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

#: How long the audio reader waits for the video to catch up before it stops waiting for good
#: (a source that interleaves badly would otherwise stall both): later audio is cut once the
#: video's end is known.
CATCH_UP_S = 1.0


class FrameLimit:
    """What the video and audio readers of one output share: how far the video has got."""

    def __init__(self, max_frames: int) -> None:
        self.max_frames = max_frames
        self.video_end_us: int | None = None  #: set when the video is done (limit or end)
        self._video_at_us = -1
        self._cond = threading.Condition()
        self._waiting = True

    def video_frame(self, frame: Any, count: int) -> None:
        """A video frame is kept: the ``count``-th."""
        with self._cond:
            self._video_at_us = frame.timestamp
            if count >= self.max_frames:
                self.video_end_us = frame.timestamp + (frame.duration or 0)
            self._cond.notify_all()

    def video_done(self) -> None:
        """The video ended before the limit: audio runs to its own end."""
        with self._cond:
            if self.video_end_us is None:
                self.video_end_us = 1 << 62
            self._cond.notify_all()

    def audio_keeps(self, frame: Any) -> bool:
        """Whether an audio frame is before the video's end (waits until that is known)."""
        with self._cond:
            if self._waiting and not self._cond.wait_for(
                    lambda: self.video_end_us is not None or self._video_at_us >= frame.timestamp,
                    timeout=CATCH_UP_S):
                self._waiting = False
            return self.video_end_us is None or frame.timestamp < self.video_end_us


class LimitedReader:
    """A processor's reading side, cut as :class:`FrameLimit` says (same ``read``,
    ``readable``, ``track`` and ``cancel`` as the processor)."""

    def __init__(self, processor: Any, kind: str, limit: FrameLimit) -> None:
        self._processor = processor
        self.kind = kind
        self.track = processor.track
        self._limit = limit
        self._count = 0
        self._ended = False

    def read(self, timeout: float | None = None) -> Any:
        """The next frame within the limit, or None (the end, or nothing within ``timeout``)."""
        if self._ended:
            return None
        frame = self._processor.read(timeout)
        if frame is None:
            if self.kind == "video" and timeout is None:
                self._limit.video_done()
            return None
        if self.kind == "video":
            self._count += 1
            self._limit.video_frame(frame, self._count)
            if self._count >= self._limit.max_frames:
                self._stop()
            return frame
        if self._limit.audio_keeps(frame):
            return frame
        frame.close()
        self._stop()
        return None

    def _stop(self) -> None:
        self._ended = True
        self._processor.cancel()  # the source no longer waits for this reader
        self.track.stop()  # and once no output reads it, the input stops reading it

    @property
    def readable(self) -> Iterator[Any]:
        """The frames within the limit, in order."""
        while True:
            frame = self.read()
            if frame is None:
                return
            yield frame

    def cancel(self) -> None:
        """Stop reading at once."""
        self._ended = True
        self._processor.cancel()

    def __getattr__(self, name: str) -> Any:  # dropped, max_buffer_size ...
        return getattr(self._processor, name)
