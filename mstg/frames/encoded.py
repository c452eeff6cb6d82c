"""WebCodecs' ``EncodedVideoChunk``: a packet of an input's video, for a stream copy.

>>> EncodedVideoChunk.__mro__[1].__name__
'VideoFrame'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidStateError
from .video import VideoFrame


class EncodedVideoChunk(VideoFrame):
    """Video that stays encoded (``--video-codec copy``): it travels through the tracks where a
    :class:`VideoFrame` does (same timing and size) but has no pixels: ``to_ndarray`` and
    ``to_av`` raise. ``packet`` is the PyAV packet with its timestamps rebased like decoded
    frames' (in its own ``time_base``); ``template`` is the input stream whose codec parameters
    the output copies; ``key`` says whether it starts a group of pictures.
    """

    __slots__ = ("packet", "template", "key")

    def __init__(self, packet: Any, template: Any, *, timestamp: int, width: int, height: int,
                 duration: int | None = None, index: int | None = None,
                 capture_time: float | None = None) -> None:
        super().__init__(format="encoded", width=width, height=height, timestamp=timestamp,
                         duration=duration, index=index, capture_time=capture_time)
        self.packet: Any = packet
        self.template = template
        self.key = bool(packet.is_keyframe)

    @property
    def codec(self) -> str:
        """The codec's FFmpeg name (``h264``, ``vp9`` ...)."""
        return str(self.template.codec_context.name)

    def to_ndarray(self, format: str = "bgr24") -> np.ndarray:
        self._check_open()
        raise InvalidStateError(f"encoded {self.codec} video (a stream copy) has no pixels: "
                                "decode it (leave out --video-codec copy) to work on them")

    def to_av(self, format: str | None = None) -> Any:  # type: ignore[override]
        return self.to_ndarray()  # raises

    def clone(self) -> EncodedVideoChunk:
        """A second handle on the same packet (no copy)."""
        self._check_open()
        out = EncodedVideoChunk(self.packet, self.template, timestamp=self.timestamp, width=self.width,
                                height=self.height)
        self._copy_timing(out)
        return out

    def close(self) -> None:
        super().close()
        self.packet = None

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<EncodedVideoChunk {self.codec} t={self.timestamp}us{' key' if self.key else ''}{state}>"
