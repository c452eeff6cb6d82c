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

    def __init__(self, *, timestamp: int, duration: int | None, index: int | None,
                 capture_time: float | None) -> None:
        self.timestamp = int(timestamp)
        self.duration = duration
        self.index = index
        self.capture_time = capture_time
        self.origin = None
        self._av: Any = None
        self._cache: dict[str, Any] = {}
        self._closed = False

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


class _EncodedChunk(_Frame):
    """What a stream-copy chunk (:class:`~mstg.frames.EncodedAudioChunk`,
    :class:`~mstg.frames.encoded.EncodedVideoChunk`) adds to its kind of frame: the PyAV
    ``packet`` and the ``template`` stream it came from, no pixels or samples (``to_ndarray``
    and ``to_av`` raise), and ``close()`` letting go of the packet. Listed first among the
    chunk's bases; the chunk holds ``packet`` and ``template`` in its own ``__slots__``.
    """

    __slots__ = ()

    packet: Any
    template: Any
    #: The kind of media, what it has none of, and the flag that copies it (set by each chunk).
    _kind: str
    _content: str
    _copy_flag: str

    @property
    def codec(self) -> str:
        """The codec's FFmpeg name (``h264``, ``aac`` ...)."""
        return str(self.template.codec_context.name)

    def to_ndarray(self, format: str | None = None) -> Any:
        """Raises :class:`~mstg.errors.InvalidStateError`: an encoded chunk has no pixels or samples."""
        self._check_open()
        raise InvalidStateError(f"encoded {self.codec} {self._kind} (a stream copy) has no "
                                f"{self._content}: decode it (leave out {self._copy_flag}) to work on them")

    def to_av(self, format: str | None = None) -> Any:
        """Raises, as :meth:`to_ndarray` does."""
        return self.to_ndarray()

    def close(self) -> None:
        super().close()
        self.packet = None

    def _repr_detail(self) -> str:
        return ""

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<{type(self).__name__} {self.codec} t={self.timestamp}us{self._repr_detail()}{state}>"
