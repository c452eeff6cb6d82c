"""What video and audio frames share: units, layouts, timing, ownership and close()."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

from ..errors import InvalidStateError

US = 1_000_000
MICROSECOND = Fraction(1, US)

#: Pixel layouts a transform can ask for.
PIXEL_FORMATS = ("bgr24", "rgb24", "bgra", "gray", "yuv420p")
#: Sample layouts a transform can ask for: planar float32, planar int16, interleaved float32.
SAMPLE_FORMATS = ("fltp", "s16p", "flt")



class FrameOrigin(NamedTuple):
    """Where a frame came from, on its source's own timeline: the picture's path (picture
    inputs) or the input's name, and the time (µs) and frame index in that source; a time or
    index a source has not is None.

    >>> FrameOrigin("clip.mp4", 2_000_000, 50).timestamp
    2000000
    """

    source: str
    timestamp: int | None = None
    index: int | None = None

    def event_fields(self) -> dict[str, Any]:
        """``source``, ``sourceTimestamp`` and ``sourceFrame`` as events carry them (the
        ones known).

        >>> FrameOrigin("shots/3.png").event_fields()
        {'source': 'shots/3.png'}
        """
        fields: dict[str, Any] = {"source": self.source}
        if self.timestamp is not None:
            fields["sourceTimestamp"] = self.timestamp
        if self.index is not None:
            fields["sourceFrame"] = self.index
        return fields


_INT_SCALE = {"s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}


class _Frame:
    """What video and audio frames share: timing, ownership and close()."""

    __slots__ = ("timestamp", "duration", "index", "capture_time", "origin", "_av", "_cache",
                 "_closed")

    timestamp: int
    duration: int | None
    index: int | None
    capture_time: float | None
    #: Where the frame came from (set by file and picture inputs), else None.
    origin: FrameOrigin | None

    def _check_open(self) -> None:
        if self._closed:
            raise InvalidStateError(f"{type(self).__name__} is closed")

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Release the pixels or samples; the frame can no longer be read. Idempotent."""
        self._closed = True
        self._av = None
        self._cache = {}

    def _copy_timing(self, other: _Frame) -> None:
        other.timestamp = self.timestamp
        other.duration = self.duration
        other.index = self.index
        other.capture_time = self.capture_time
        other.origin = self.origin

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
