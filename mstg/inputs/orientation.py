"""How a picture is shown: the display matrix (rotation, flips) and the sample aspect ratio.

One rule for ``probe`` and ``run``, the one FFmpeg's autorotate follows: the display matrix
maps a stored pixel ``(x, y)`` to ``(a*x + c*y, b*x + d*y)`` on screen; quarter turns and
mirrors are exact, other angles are taken to the nearest quarter turn. Pictures whose pixels
are not square (a sample aspect ratio other than 1:1) are shown at ``width * SAR`` wide.

>>> up = Orientation.from_matrix([0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30])  # phones: -90
>>> up.rotation, up.mirrored, up.shown_size(1920, 1080)
(-90, False, (1080, 1920))
>>> Orientation.from_matrix(None).upright
True
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..frames import VideoFrame

__all__ = ["Orientation", "OrientationReader", "frame_orientation", "square_size"]


@dataclass(frozen=True)
class Orientation:
    """What turns a stored picture upright: transpose it, then flip its rows and/or columns.

    >>> Orientation(transpose=False, flip_rows=True, flip_cols=True).rotation  # upside down
    180
    """

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False

    @classmethod
    def from_matrix(cls, matrix: Any) -> Orientation:
        """From FFmpeg's display matrix (9 ints, 16.16 fixed point; or its 36 bytes), or None."""
        if matrix is None:
            return cls()
        if isinstance(matrix, (bytes, bytearray, memoryview)):
            if len(matrix) < 36:
                return cls()
            matrix = struct.unpack("<9i", bytes(matrix)[:36])
        a, b, _, c, d = (float(v) for v in list(matrix)[:5])
        if not all(math.isfinite(v) for v in (a, b, c, d)) or max(abs(a), abs(b), abs(c), abs(d)) == 0:
            return cls()
        if abs(a) + abs(d) >= abs(b) + abs(c):  # no quarter turn: x' = a*x, y' = d*y
            return cls(False, flip_rows=d < 0, flip_cols=a < 0)
        return cls(True, flip_rows=b < 0, flip_cols=c < 0)  # x' = c*y, y' = b*x

    @property
    def upright(self) -> bool:
        """True when the picture is shown as stored."""
        return not (self.transpose or self.flip_rows or self.flip_cols)

    @property
    def mirrored(self) -> bool:
        """True when the picture is shown mirrored (a flip that no rotation gives)."""
        return self.transpose == (self.flip_rows == self.flip_cols)

    @property
    def rotation(self) -> int:
        """The turn, in degrees as FFmpeg reports it (counter-clockwise; -90 turns clockwise);
        a mirrored picture's turn is the one before its left-right mirror."""
        rows, cols = self.flip_rows, self.flip_cols
        if self.mirrored:
            cols = not cols  # undo the left-right mirror, leaving a pure turn
        if not self.transpose:
            return 180 if rows and cols else 0
        return -90 if cols else 90

    def shown_size(self, width: int, height: int) -> tuple[int, int]:
        """The size on screen of a ``width`` x ``height`` picture."""
        return (height, width) if self.transpose else (width, height)

    def describe(self) -> str:
        """``"rotation -90"``, ``"mirrored"``, ``"rotation 90, mirrored"`` or ``""``."""
        parts = [f"rotation {self.rotation}"] if self.rotation else []
        return ", ".join(parts + (["mirrored"] if self.mirrored else []))

    def apply(self, frame: VideoFrame) -> VideoFrame:
        """``frame`` turned upright (a new frame; I420 turns plane by plane), or ``frame``."""
        if self.upright:
            return frame
        import numpy as np

        w, h = frame.width, frame.height
        if w % 2 == 0 and h % 2 == 0 and frame.format in ("yuv420p", "yuvj420p"):
            i420 = frame.to_ndarray("yuv420p")
            luma = self._plane(i420[:h])
            chroma = i420[h:].reshape(2, h // 2, w // 2)
            out_h, out_w = luma.shape
            out = np.empty((out_h * 3 // 2, out_w), np.uint8)
            out[:out_h] = luma
            planes = out[out_h:].reshape(2, out_h // 2, out_w // 2)
            planes[0] = self._plane(chroma[0])
            planes[1] = self._plane(chroma[1])
            return frame.with_pixels(out, "yuv420p")
        return frame.with_pixels(np.ascontiguousarray(self._plane(frame.to_ndarray("bgr24"))), "bgr24")

    def _plane(self, plane: Any) -> Any:
        import cv2

        if self.transpose:
            plane = cv2.transpose(plane)
        if self.flip_rows or self.flip_cols:
            plane = cv2.flip(plane, -1 if self.flip_rows and self.flip_cols else 0 if self.flip_rows else 1)
        return plane


def frame_orientation(frame: Any) -> Orientation:
    """The orientation a decoded PyAV frame's display-matrix side data gives (upright if none)."""
    try:
        for data in frame.side_data:
            if getattr(data.type, "name", "") == "DISPLAYMATRIX":
                return Orientation.from_matrix(memoryview(data))
    except (AttributeError, TypeError, ValueError):
        pass
    rotation = getattr(frame, "rotation", 0) or 0  # older PyAV: the angle alone
    turn = round(-rotation / 90) % 4
    return Orientation(transpose=turn % 2 == 1, flip_rows=turn in (2, 3), flip_cols=turn in (1, 2))


class OrientationReader:
    """:func:`frame_orientation` for every frame of one track, without its cost.

    Reading a PyAV frame's ``side_data`` ties the frame and its side data in a reference cycle
    that only the cyclic garbage collector frees: read on every frame, a 720p file held about
    200 decoded pictures (300 MB) at a time. The display matrix is read again only when the
    angle PyAV reports without side data (``frame.rotation``) changes.

    >>> OrientationReader().cached is None
    True
    """

    def __init__(self) -> None:
        self.cached: tuple[float, Orientation] | None = None

    def __call__(self, frame: Any) -> Orientation:
        rotation = getattr(frame, "rotation", 0) or 0
        if self.cached is None or self.cached[0] != rotation:
            self.cached = (rotation, frame_orientation(frame))
        return self.cached[1]


def square_size(width: int, height: int, sar: Fraction | None) -> tuple[int, int]:
    """The size with square pixels of a picture whose pixels are ``sar`` wide (FFmpeg's
    ``scale=iw*sar:ih``, even width), or the same size when ``sar`` is 1:1 or unknown.

    >>> square_size(720, 576, Fraction(16, 15)), square_size(64, 48, None)
    ((768, 576), (64, 48))
    """
    if not sar or sar <= 0 or sar == 1:
        return width, height
    shown = max(2, round(width * sar / 2) * 2)
    return (shown, height) if shown != width else (width, height)


def stream_sar(stream: Any) -> Fraction | None:
    """A video track's sample aspect ratio: the container's, else the codec's (as FFmpeg
    guesses it); None when unknown or 1:1."""
    for sar in (getattr(stream, "sample_aspect_ratio", None),
                getattr(stream.codec_context, "sample_aspect_ratio", None) if stream.codec_context else None):
        if sar and sar > 0:
            return None if sar == 1 else Fraction(sar)
    return None


#: Packets read per video track, at most, to find the first picture's orientation.
FIRST_PICTURE_PACKETS = 48


def first_orientation(container: Any, stream: Any) -> Orientation | None:
    """The orientation of ``stream``'s first decoded picture (reads up to
    :data:`FIRST_PICTURE_PACKETS` packets of ``container``), or None when none decodes."""
    import av

    try:
        for count, packet in enumerate(container.demux(stream)):
            if count >= FIRST_PICTURE_PACKETS:
                break
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                return frame_orientation(frame)
    except av.error.FFmpegError:
        pass
    return None


#: Demuxer options for a second opening that needs no stream analysis (25 ms, not 300).
_QUICK_OPEN = {"probesize": "32", "analyzeduration": "0", "fpsprobesize": "0"}
#: Demuxers whose tracks carry a display matrix (MP4/MOV's track header, Matroska's projection).
MATRIX_DEMUXERS = ("mov", "matroska")


def peek_orientation(url: str, stream_index: int, *, format: str | None = None,
                     options: dict[str, str] | None = None) -> Orientation:
    """The first picture's orientation of a local file's track, read through a second
    opening of the file (the reader's own place is kept); upright when it cannot be read."""
    import av

    quick = {**_QUICK_OPEN, **(options or {})}  # the reader's open already probed the file
    try:
        with av.open(url, "r", format=format, options=quick) as container:
            found = first_orientation(container, container.streams[stream_index])
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return Orientation()
    return found or Orientation()
