"""Where an output's tracks end: ``--frames N`` and ``--shortest``.

``--frames N``: the output stops after N video frames, its audio at the end of the last one.
``--shortest`` (FFmpeg's ``-shortest``): the output ends where its shortest track ends, so a
2-second video with a 10-second tone gives a 2-second file.

The output's threads read :class:`LimitedReader` objects in place of their processors. Each
reader tells the shared :class:`TrackLimit` how far its track has got; a frame that lies past
the end is not written, and its reader lets go of the track (so the source never waits for it).
A track that runs ahead of the others waits for them to catch up before it writes (a bounded
wait: a source that interleaves badly is cut once the end is known).

>>> limit = TrackLimit(("video", "audio"), max_frames=2)
>>> limit.end_us is None
True
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

#: How long a track that runs ahead waits for the others before it stops waiting for good
#: (a source that interleaves badly would otherwise stall both): later frames are cut once the
#: end is known.
CATCH_UP_S = 1.0


class TrackLimit:
    """What the readers of one output share: how far each track has got, and where all end."""

    def __init__(self, kinds: tuple[str, ...], *, max_frames: int | None = None,
                 shortest: bool = False) -> None:
        self.max_frames = max_frames
        self.shortest = shortest
        self.end_us: int | None = None  #: where every track of the output ends, once known
        self._seen_us = {kind: -1 for kind in kinds}  # the latest frame each track has
        self._done: set[str] = set()
        self._cond = threading.Condition()
        self._patient = True

    def keeps(self, kind: str, frame: Any, count: int) -> bool:
        """Whether ``frame``, the ``count``-th of its track, is before the end. With
        ``--shortest`` the track whose frame comes first goes on and the others wait for it
        (within :data:`CATCH_UP_S`), so no frame past the end is written before it is known."""
        with self._cond:
            self._seen_us[kind] = frame.timestamp
            self._cond.notify_all()
            waits = self._waits(kind)
            if waits and self._patient and not self._cond.wait_for(
                    lambda: self.end_us is not None or all(
                        k in self._done or self._seen_us[k] >= frame.timestamp for k in waits),
                    timeout=CATCH_UP_S):
                self._patient = False
            if self.end_us is not None and frame.timestamp >= self.end_us:
                return False
            if kind == "video" and self.max_frames and count >= self.max_frames:
                self._end_at(frame.timestamp + (frame.duration or 0))
                self._cond.notify_all()
            return True

    def ended(self, kind: str, end_us: int) -> None:
        """``kind``'s track ended by itself at ``end_us``: with ``--shortest``, so do the others."""
        with self._cond:
            self._done.add(kind)
            if self.shortest:
                self._end_at(end_us)
            self._cond.notify_all()

    def _waits(self, kind: str) -> list[str]:
        """The tracks ``kind`` waits for."""
        others = [k for k in self._seen_us if k != kind]
        if self.shortest:
            return others
        if kind == "audio" and self.max_frames:  # the video's N-th frame sets the end
            return [k for k in others if k == "video"]
        return []

    def _end_at(self, end_us: int) -> None:
        self.end_us = end_us if self.end_us is None else min(self.end_us, end_us)


class LimitedReader:
    """A processor's reading side, cut as :class:`TrackLimit` says (same ``read``,
    ``readable``, ``track`` and ``cancel`` as the processor)."""

    def __init__(self, processor: Any, kind: str, limit: TrackLimit) -> None:
        self._processor = processor
        self.kind = kind
        self.track = processor.track
        self._limit = limit
        self._count = 0
        self._end_us = 0
        self._ended = False

    def read(self, timeout: float | None = None) -> Any:
        """The next frame within the limit, or None (the end, or nothing within ``timeout``)."""
        if self._ended:
            return None
        frame = self._processor.read(timeout)
        if frame is None:
            if timeout is None:
                self._ended = True
                self._limit.ended(self.kind, self._end_us)
            return None
        self._count += 1
        if not self._limit.keeps(self.kind, frame, self._count):
            frame.close()
            self._stop()
            return None
        self._end_us = max(self._end_us, frame.timestamp + (frame.duration or 0))
        if self.kind == "video" and self._limit.max_frames and self._count >= self._limit.max_frames:
            self._stop()
        return frame

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
