"""WebCodecs' ``EncodedVideoChunk``: a packet of an input's video, for a stream copy.

>>> issubclass(EncodedVideoChunk, VideoFrame)
True
"""

from __future__ import annotations

from typing import Any

from .base import _EncodedChunk
from .video import VideoFrame


class EncodedVideoChunk(_EncodedChunk, VideoFrame):
    """Video that stays encoded (``--video-codec copy``): it travels through the tracks where a
    :class:`VideoFrame` does (same timing and size) but has no pixels: ``to_ndarray`` and
    ``to_av`` raise. ``packet`` is the PyAV packet with its timestamps rebased like decoded
    frames' (in its own ``time_base``); ``template`` is the input stream whose codec parameters
    the output copies; ``key`` says whether it starts a group of pictures.
    """

    __slots__ = ("packet", "template", "key")
    _kind, _content, _copy_flag = "video", "pixels", "--video-codec copy"

    def __init__(self, packet: Any, template: Any, *, timestamp: int, width: int, height: int,
                 duration: int | None = None, index: int | None = None,
                 capture_time: float | None = None) -> None:
        super().__init__(format="encoded", width=width, height=height, timestamp=timestamp,
                         duration=duration, index=index, capture_time=capture_time)
        self.packet: Any = packet
        self.template = template
        self.key = bool(packet.is_keyframe)

    def clone(self) -> EncodedVideoChunk:
        """A second handle on the same packet (no copy)."""
        self._check_open()
        out = EncodedVideoChunk(self.packet, self.template, timestamp=self.timestamp, width=self.width,
                                height=self.height)
        self._copy_timing(out)
        return out

    def _repr_detail(self) -> str:
        return " key" if self.key else ""
