"""WebCodecs' ``VideoFrame``: one picture, converted on request, once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_module
from .base import PIXEL_FORMATS, _Frame
from .convert import (MPEG_RANGE, _cv2, _cv2_codes, _nv12_codes, _plane_view, _shape_size, colour_range,
                      full_range_luma, limited_range_luma, natural_range, reformat)

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

#: Decoded layouts whose first plane is the luma (Y) at full size.
_Y_FIRST = frozenset({"yuv420p", "yuvj420p", "nv12", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"})

if TYPE_CHECKING:  # pragma: no cover
    import av


def _limited_i420(frame: av.VideoFrame) -> bool:
    """A decoded I420 picture in the limited range that OpenCV's conversions and an I420
    array assume (a full-range one, tagged ``pc``, goes through FFmpeg's converter)."""
    return frame.format.name == "yuv420p" and colour_range(frame) == MPEG_RANGE


class VideoFrame(_Frame):
    """One picture with its timing, like WebCodecs' ``VideoFrame``.

    ``timestamp`` and ``duration`` are microseconds; ``index`` is the frame's 0-based position in
    its input track; ``capture_time`` is ``time.monotonic()`` when a live source captured it.

    >>> import numpy as np
    >>> f = VideoFrame.from_ndarray(np.full((2, 4, 3), 255, np.uint8), format="bgr24", timestamp=40_000)
    >>> f.format, f.width, f.height, f.timestamp
    ('bgr24', 4, 2, 40000)
    >>> f.close(); f.closed
    True
    """

    __slots__ = ("format", "width", "height")
    _av: av.VideoFrame | None

    def __init__(
        self,
        *,
        format: str,
        width: int,
        height: int,
        timestamp: int,
        duration: int | None = None,
        index: int | None = None,
        capture_time: float | None = None,
    ) -> None:
        self.format = format
        self.width = width
        self.height = height
        super().__init__(timestamp=timestamp, duration=None if duration is None else int(duration),
                         index=index, capture_time=capture_time)

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_av(cls, frame: av.VideoFrame, *, timestamp: int, duration: int | None = None,
                index: int | None = None, capture_time: float | None = None) -> VideoFrame:
        """Wrap a decoded PyAV frame without copying its pixels."""
        out = cls(format=frame.format.name, width=frame.width, height=frame.height,
                  timestamp=timestamp, duration=duration, index=index, capture_time=capture_time)
        out._av = frame
        return out

    @classmethod
    def from_ndarray(cls, array: np.ndarray, *, format: str = "bgr24", timestamp: int,
                     duration: int | None = None, index: int | None = None,
                     capture_time: float | None = None) -> VideoFrame:
        """Wrap a numpy array (not copied) in one of :data:`PIXEL_FORMATS`.

        ``yuv420p`` arrays are I420 as OpenCV lays it out: shape ``(height * 3 // 2, width)``.
        """
        if format not in PIXEL_FORMATS:
            raise ValueError(f"unknown pixel format {format!r}; use one of {', '.join(PIXEL_FORMATS)}")
        if array.dtype != np.uint8:
            raise TypeError(f"pixels must be uint8, not {array.dtype}")
        want_dims = 2 if format in ("gray", "yuv420p") else 3
        if array.ndim != want_dims:
            raise TypeError(f"a {format} picture is a {want_dims}-D array, got shape {array.shape}")
        width, height = _shape_size(array, format)
        out = cls(format=format, width=width, height=height, timestamp=timestamp,
                  duration=duration, index=index, capture_time=capture_time)
        out._cache[format] = array
        return out

    def with_pixels(self, array: np.ndarray, format: str) -> VideoFrame:
        """A new frame with these pixels and this frame's timing (used by the pipeline)."""
        out = VideoFrame.from_ndarray(array, format=format, timestamp=self.timestamp)
        self._copy_timing(out)
        return out

    # reading ------------------------------------------------------------------------------
    @property
    def decoded(self) -> bool:
        """Whether the pixels are a decoder's (a file's or a stream's, in its own pixel
        format), not an array a transform made."""
        return self._av is not None

    def to_ndarray(self, format: str = "bgr24") -> np.ndarray:
        """The pixels in ``format`` (one of :data:`PIXEL_FORMATS`), converted once and cached.

        The array belongs to the frame: change it only in a frame you own (a transform does).
        """
        self._check_open()
        cached = self._cache.get(format)
        if cached is not None:
            return cached
        array = self._convert(format)
        self._cache[format] = array
        return array

    def _convert(self, format: str) -> np.ndarray:
        if format not in PIXEL_FORMATS:
            raise ValueError(f"unknown pixel format {format!r}; use one of {', '.join(PIXEL_FORMATS)}")
        frame = self._av
        even = self.width % 2 == 0 and self.height % 2 == 0
        if format == "gray" and frame is not None and frame.format.name in _Y_FIRST:
            return full_range_luma(_plane_view(frame.planes[0], self.width, self.height), frame)
        if frame is not None and _limited_i420(frame) and even:
            if format == "yuv420p":
                return self._i420_from_av(frame)
            i420 = self._cache.get("yuv420p")
            if i420 is not None:
                return _cv2().cvtColor(i420, self._code("yuv420p", format))
            return self._colour_from_planes(frame, format)
        if frame is not None:
            return self._via_av(frame, format)
        source_format, source = next(iter(self._cache.items()))
        if source_format == "yuv420p" and format == "gray":
            return full_range_luma(source[: self.height])
        if source_format == "gray" and format == "yuv420p" and even:
            i420 = np.empty((self.height * 3 // 2, self.width), np.uint8)
            limited_range_luma(source, out=i420[: self.height])
            i420[self.height:] = 128
            return i420
        if even and (source_format, format) in self._codes():
            return _cv2().cvtColor(source, self._code(source_format, format))
        return self._via_av(self.to_av(), format)

    def _via_av(self, frame: av.VideoFrame, format: str) -> np.ndarray:
        if format == "yuv420p":
            if not (self.width % 2 == 0 and self.height % 2 == 0):
                raise ValueError(f"{self.width}x{self.height} has an odd side: no I420 layout for it")
            return self._i420_from_av(reformat(frame, format="yuv420p"))
        return reformat(frame, format=format).to_ndarray()

    def yuv_planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The Y, U and V planes of an I420 picture as arrays, without a copy (views of the
        decoded frame's planes, or of its I420 array), for reading; None for other layouts.

        A transform that makes a new picture from them (a blur into a new array) saves the copy
        that ``to_ndarray("yuv420p")`` makes.
        """
        self._check_open()
        w, h = self.width, self.height
        if w % 2 or h % 2:
            return None
        i420 = self._cache.get("yuv420p")
        if i420 is not None:
            chroma = i420[h:].reshape(2, h // 2, w // 2)
            return i420[:h], chroma[0], chroma[1]
        frame = self._av
        if frame is None or not _limited_i420(frame):
            return None
        planes = frame.planes
        return (_plane_view(planes[0], w, h), _plane_view(planes[1], w // 2, h // 2),
                _plane_view(planes[2], w // 2, h // 2))

    def _colour_from_planes(self, frame: av.VideoFrame, format: str) -> np.ndarray:
        """BGR, RGB or BGRA straight from a decoded frame's three planes: Y is read where it
        lies and only U and V are copied (interleaved, a sixth of the picture), instead of
        copying the whole picture into one I420 array first. Same coefficients as I420."""
        cv2 = _cv2()
        w, h = self.width, self.height
        planes = frame.planes
        uv = cv2.merge((_plane_view(planes[1], w // 2, h // 2), _plane_view(planes[2], w // 2, h // 2)))
        return cv2.cvtColorTwoPlane(_plane_view(planes[0], w, h), uv, _nv12_codes()[format])

    @staticmethod
    def _i420_from_av(frame: av.VideoFrame) -> np.ndarray:
        w, h = frame.width, frame.height
        out = np.empty((h * 3 // 2, w), np.uint8)
        out[:h] = _plane_view(frame.planes[0], w, h)
        chroma = out[h:].reshape(2, h // 2, w // 2)
        chroma[0] = _plane_view(frame.planes[1], w // 2, h // 2)
        chroma[1] = _plane_view(frame.planes[2], w // 2, h // 2)
        return out

    @staticmethod
    def _codes() -> dict[tuple[str, str], int]:
        return _cv2_codes()

    def _code(self, source: str, target: str) -> int:
        return self._codes()[(source, target)]

    def to_av(self, format: str | None = None) -> av.VideoFrame:
        """A PyAV frame for encoding, in ``format`` (default: whatever is cheapest)."""
        self._check_open()
        import av

        frame = self._av
        if frame is not None and (format is None or (frame.format.name == format
                                                     and colour_range(frame) == natural_range(format))):
            return frame
        if frame is not None:
            return reformat(frame, format=format)
        even = self.width % 2 == 0 and self.height % 2 == 0
        if even and format in (None, "yuv420p"):
            i420 = self.to_ndarray("yuv420p")
            if not i420.flags.c_contiguous:
                i420 = np.ascontiguousarray(i420)
            return av.VideoFrame.from_numpy_buffer(i420, format="yuv420p")
        source_format, source = next(iter(self._cache.items()))
        if source_format == "yuv420p":
            made = av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(source), format="yuv420p")
        else:
            made = av.VideoFrame.from_ndarray(np.ascontiguousarray(source), format=source_format)
        return made if format is None or format == source_format else reformat(made, format=format)

    # copies -------------------------------------------------------------------------------
    def clone(self) -> VideoFrame:
        """A second handle on the same pixels (no copy); close each handle on its own."""
        self._check_open()
        out = VideoFrame(format=self.format, width=self.width, height=self.height,
                         timestamp=self.timestamp)
        self._copy_timing(out)
        out._av = self._av
        out._cache = self._cache
        return out

    def rotated(self, degrees: int) -> VideoFrame:
        """This picture turned clockwise by 90, 180 or 270 degrees (rotation metadata applied).

        I420 pictures turn plane by plane, without a colour conversion.
        """
        cv2 = _cv2()
        code = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
                270: cv2.ROTATE_90_COUNTERCLOCKWISE}[degrees % 360]
        w, h = self.width, self.height
        if w % 2 == 0 and h % 2 == 0 and (self.format in ("yuv420p", "yuvj420p")):
            i420 = self.to_ndarray("yuv420p")
            planes = (i420[:h], i420[h:].reshape(2, h // 2, w // 2))
            turned_y = cv2.rotate(planes[0], code)
            out_w, out_h = turned_y.shape[1], turned_y.shape[0]
            out = np.empty((out_h * 3 // 2, out_w), np.uint8)
            out[:out_h] = turned_y
            chroma = out[out_h:].reshape(2, out_h // 2, out_w // 2)
            chroma[0] = cv2.rotate(planes[1][0], code)
            chroma[1] = cv2.rotate(planes[1][1], code)
            return self.with_pixels(out, "yuv420p")
        return self.with_pixels(np.ascontiguousarray(cv2.rotate(self.to_ndarray("bgr24"), code)), "bgr24")

    def black(self) -> VideoFrame:
        """A black frame of the same size and timing (what a disabled track shows)."""
        w, h = self.width, self.height
        if w % 2 == 0 and h % 2 == 0:
            pixels = np.full((h * 3 // 2, w), 128, np.uint8)
            pixels[:h] = 16
            out = VideoFrame.from_ndarray(pixels, format="yuv420p", timestamp=self.timestamp)
        else:
            out = VideoFrame.from_ndarray(np.zeros((h, w, 3), np.uint8), format="bgr24",
                                          timestamp=self.timestamp)
        self._copy_timing(out)
        return out

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return (f"<VideoFrame {self.width}x{self.height} {self.format} "
                f"t={self.timestamp}us d={self.duration}{state}>")
