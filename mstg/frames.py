"""Frames as in WebCodecs: :class:`VideoFrame` and :class:`AudioData`.

Timestamps and durations are integers in microseconds. Pixels and samples are numpy arrays.
A frame keeps the representation it was made from (a decoded PyAV frame or an array) and
converts on request, once: every conversion is cached on the frame, so two transforms that
both want BGR pay for one conversion. Grey pictures come straight from the Y plane of a
decoded YUV frame without a copy.

>>> import numpy as np
>>> frame = VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="bgr24", timestamp=0)
>>> frame.width, frame.height, frame.to_ndarray("gray").shape
(64, 48, (48, 64))
"""

from __future__ import annotations

import sys
import threading
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InvalidStateError

if TYPE_CHECKING:  # pragma: no cover
    import av

US = 1_000_000
MICROSECOND = Fraction(1, US)

#: Pixel layouts a transform can ask for.
PIXEL_FORMATS = ("bgr24", "rgb24", "bgra", "gray", "yuv420p")
#: Sample layouts a transform can ask for: planar float32, planar int16, interleaved float32.
SAMPLE_FORMATS = ("fltp", "s16p", "flt")

_INT_SCALE = {"s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}


_CV2: Any = None
_OPENCV_LIMITED = False


def _cv2() -> Any:
    global _CV2
    if _CV2 is None:
        import cv2

        _CV2 = cv2
        limit_opencv_threads()
    return _CV2


def limit_opencv_threads() -> None:
    """Leave the cores to the pipeline's own threads, once OpenCV is loaded.

    By default OpenCV splits every call over all the cores and its idle workers spin. In a
    pipeline, the decoder, the transforms and the encoder already run on threads of their own
    and keep the cores busy, so that costs CPU without shortening the run (measured in
    bench/run.py). OpenCV then gets half the cores per call (at least one), unless the program
    set a number of its own (``cv2.setNumThreads``) before.
    """
    global _OPENCV_LIMITED
    cv2 = sys.modules.get("cv2")
    if cv2 is None or _OPENCV_LIMITED:
        return
    _OPENCV_LIMITED = True
    cores = cv2.getNumberOfCPUs()
    if cv2.getNumThreads() == cores:
        cv2.setNumThreads(max(1, cores // 2))


def _cv2_codes() -> dict[tuple[str, str], int]:
    cv2 = _cv2()
    return {
        ("bgr24", "gray"): cv2.COLOR_BGR2GRAY,
        ("bgr24", "rgb24"): cv2.COLOR_BGR2RGB,
        ("bgr24", "bgra"): cv2.COLOR_BGR2BGRA,
        ("bgr24", "yuv420p"): cv2.COLOR_BGR2YUV_I420,
        ("rgb24", "bgr24"): cv2.COLOR_RGB2BGR,
        ("rgb24", "gray"): cv2.COLOR_RGB2GRAY,
        ("rgb24", "yuv420p"): cv2.COLOR_RGB2YUV_I420,
        ("bgra", "bgr24"): cv2.COLOR_BGRA2BGR,
        ("bgra", "gray"): cv2.COLOR_BGRA2GRAY,
        ("bgra", "yuv420p"): cv2.COLOR_BGRA2YUV_I420,
        ("gray", "bgr24"): cv2.COLOR_GRAY2BGR,
        ("gray", "rgb24"): cv2.COLOR_GRAY2RGB,
        ("gray", "bgra"): cv2.COLOR_GRAY2BGRA,
        ("yuv420p", "bgr24"): cv2.COLOR_YUV2BGR_I420,
        ("yuv420p", "rgb24"): cv2.COLOR_YUV2RGB_I420,
        ("yuv420p", "bgra"): cv2.COLOR_YUV2BGRA_I420,
    }


_CODES: dict[tuple[str, str], int] | None = None


def _nv12_codes() -> dict[str, int]:
    cv2 = _cv2()
    return {"bgr24": cv2.COLOR_YUV2BGR_NV12, "rgb24": cv2.COLOR_YUV2RGB_NV12,
            "bgra": cv2.COLOR_YUV2BGRA_NV12}


_ALLOCATOR_TUNED = False
#: glibc's largest automatic mmap threshold, and a trim threshold twice that.
_MMAP_THRESHOLD = 32 << 20
_TRIM_THRESHOLD = 64 << 20


def keep_freed_buffers() -> None:
    """Let freed picture buffers be reused instead of going back to the system (glibc only).

    glibc gives large blocks straight back to the kernel (``munmap``, or a trim of the heap
    when 2 x its adaptive threshold lies free at the top), so the next picture of the same
    size faults in and zeroes every page again: 3 to 9 MB per 1080p frame where a transform
    hands back BGR pixels, measured at several milliseconds a frame here. Fixed thresholds (as
    ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` would set; those win when set) keep
    up to 64 MB of freed memory for reuse. Peak memory is unchanged. Called once per process.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return
    _ALLOCATOR_TUNED = True
    import os

    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, _MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, _TRIM_THRESHOLD)  # M_TRIM_THRESHOLD
    except (ValueError, OSError, AttributeError):  # not glibc, or no mallopt
        pass


def _shape_size(array: np.ndarray, format: str) -> tuple[int, int]:
    if format == "yuv420p":
        return array.shape[1], array.shape[0] * 2 // 3
    return array.shape[1], array.shape[0]


_LOCAL = threading.local()


def reformat(frame: Any, **kwargs: Any) -> Any:
    """``frame.reformat(**kwargs)`` with a converter of this thread's own.

    PyAV keeps one converter per frame object and clones share the frame, so two outputs
    converting the same picture on two threads would share (and crash) one converter.
    """
    converter = getattr(_LOCAL, "reformatter", None)
    if converter is None:
        from av.video.reformatter import VideoReformatter

        converter = _LOCAL.reformatter = VideoReformatter()
    return converter.reformat(frame, **kwargs)


def _plane_view(plane: Any, width: int, height: int) -> np.ndarray:
    """A zero-copy (height, width) view of one plane of a PyAV frame."""
    buf = np.frombuffer(plane, np.uint8)
    return buf[: plane.line_size * height].reshape(height, plane.line_size)[:, :width]


class _Frame:
    """What video and audio frames share: timing, ownership and close()."""

    __slots__ = ("timestamp", "duration", "index", "capture_time", "_av", "_cache", "_closed")

    timestamp: int
    duration: int | None
    index: int | None
    capture_time: float | None

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

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        self.timestamp = int(timestamp)
        self.duration = None if duration is None else int(duration)
        self.index = index
        self.capture_time = capture_time
        self._av: av.VideoFrame | None = None
        self._cache: dict[str, np.ndarray] = {}
        self._closed = False

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
        if frame is not None and frame.format.name == "yuv420p" and even:
            if format == "gray":
                return _plane_view(frame.planes[0], self.width, self.height)
            if format == "yuv420p":
                return self._i420_from_av(frame)
            i420 = self._cache.get("yuv420p")
            if i420 is not None:
                return _cv2().cvtColor(i420, self._code("yuv420p", format))
            return self._colour_from_planes(frame, format)
        if frame is not None:
            if format == "gray" and frame.format.name in ("yuvj420p", "nv12", "yuv422p", "yuv444p"):
                return _plane_view(frame.planes[0], self.width, self.height)
            return self._via_av(frame, format)
        source_format, source = next(iter(self._cache.items()))
        if source_format == "yuv420p" and format == "gray":
            return source[: self.height]
        if source_format == "gray" and format == "yuv420p" and even:
            i420 = np.empty((self.height * 3 // 2, self.width), np.uint8)
            i420[: self.height] = source
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
        if frame is None or frame.format.name != "yuv420p":
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
        global _CODES
        if _CODES is None:
            _CODES = _cv2_codes()
        return _CODES

    def _code(self, source: str, target: str) -> int:
        return self._codes()[(source, target)]

    def to_av(self, format: str | None = None) -> av.VideoFrame:
        """A PyAV frame for encoding, in ``format`` (default: whatever is cheapest)."""
        self._check_open()
        import av

        frame = self._av
        if frame is not None and (format is None or frame.format.name == format):
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


class AudioData(_Frame):
    """A run of audio samples with its timing, like WebCodecs' ``AudioData``.

    >>> import numpy as np
    >>> a = AudioData.from_ndarray(np.zeros((2, 480), np.float32), sample_rate=48000, timestamp=0)
    >>> a.number_of_channels, a.number_of_frames, a.duration
    (2, 480, 10000)
    """

    __slots__ = ("format", "sample_rate", "number_of_channels", "number_of_frames", "layout")

    def __init__(self, *, format: str, sample_rate: int, number_of_channels: int,
                 number_of_frames: int, timestamp: int, layout: str | None = None,
                 index: int | None = None, capture_time: float | None = None) -> None:
        self.format = format
        self.sample_rate = int(sample_rate)
        self.number_of_channels = int(number_of_channels)
        self.number_of_frames = int(number_of_frames)
        self.layout = layout or {1: "mono", 2: "stereo"}.get(number_of_channels, f"{number_of_channels}c")
        self.timestamp = int(timestamp)
        self.duration = number_of_frames * US // self.sample_rate if self.sample_rate else 0
        self.index = index
        self.capture_time = capture_time
        self._av: av.AudioFrame | None = None
        self._cache: dict[str, np.ndarray] = {}
        self._closed = False

    @classmethod
    def from_av(cls, frame: av.AudioFrame, *, timestamp: int, index: int | None = None,
                capture_time: float | None = None) -> AudioData:
        """Wrap a decoded PyAV audio frame without copying its samples."""
        out = cls(format=frame.format.name, sample_rate=frame.sample_rate,
                  number_of_channels=len(frame.layout.channels), number_of_frames=frame.samples,
                  layout=frame.layout.name, timestamp=timestamp, index=index,
                  capture_time=capture_time)
        out._av = frame
        return out

    @classmethod
    def from_ndarray(cls, array: np.ndarray, *, sample_rate: int, timestamp: int,
                     format: str = "fltp", layout: str | None = None, index: int | None = None,
                     capture_time: float | None = None) -> AudioData:
        """Wrap samples: ``fltp``/``s16p`` are ``(channels, samples)``, ``flt`` is ``(samples, channels)``."""
        if format not in SAMPLE_FORMATS:
            raise ValueError(f"unknown sample format {format!r}; use one of {', '.join(SAMPLE_FORMATS)}")
        want = np.int16 if format == "s16p" else np.float32
        if array.dtype != want or array.ndim != 2:
            raise TypeError(f"{format} samples are a 2-D {np.dtype(want).name} array, "
                            f"got {array.dtype} {array.shape}")
        channels, samples = (array.shape[1], array.shape[0]) if format == "flt" else array.shape
        out = cls(format=format, sample_rate=sample_rate, number_of_channels=channels,
                  number_of_frames=samples, layout=layout, timestamp=timestamp, index=index,
                  capture_time=capture_time)
        out._cache[format] = array
        return out

    def with_samples(self, array: np.ndarray, format: str, sample_rate: int | None = None) -> AudioData:
        """A new frame with these samples and this frame's timing (used by the pipeline)."""
        channels = array.shape[1] if format == "flt" else array.shape[0]
        layout = self.layout if channels == self.number_of_channels else None
        out = AudioData.from_ndarray(array, sample_rate=sample_rate or self.sample_rate,
                                     timestamp=self.timestamp, format=format, layout=layout)
        out.index, out.capture_time = self.index, self.capture_time
        return out

    def to_ndarray(self, format: str = "fltp") -> np.ndarray:
        """The samples in ``format`` (one of :data:`SAMPLE_FORMATS`), converted once and cached."""
        self._check_open()
        cached = self._cache.get(format)
        if cached is None:
            cached = self._cache[format] = self._convert(format)
        return cached

    def _convert(self, format: str) -> np.ndarray:
        if format not in SAMPLE_FORMATS:
            raise ValueError(f"unknown sample format {format!r}; use one of {', '.join(SAMPLE_FORMATS)}")
        if self._av is not None:
            planar = self._planar_float_from_av(self._av)
        else:
            source_format, source = next(iter(self._cache.items()))
            if source_format == "s16p":
                planar = source.astype(np.float32) / 32768.0
            elif source_format == "flt":
                planar = np.ascontiguousarray(source.T)
            else:
                planar = source
        if format == "fltp":
            return planar
        if format == "flt":
            return np.ascontiguousarray(planar.T)
        return (np.clip(planar, -1.0, 32767 / 32768) * 32768).astype(np.int16)

    def _planar_float_from_av(self, frame: av.AudioFrame) -> np.ndarray:
        data = frame.to_ndarray()
        if not frame.format.is_planar:
            data = data.reshape(-1, self.number_of_channels).T
        base = frame.format.name.removesuffix("p")
        if base == "u8":
            return (data.astype(np.float32) - 128.0) / 128.0
        scale = _INT_SCALE.get(base)
        if scale is None:
            return np.ascontiguousarray(data, dtype=np.float32)
        return (data / scale).astype(np.float32)

    def to_av(self) -> av.AudioFrame:
        """A PyAV frame for encoding (the decoded one itself when the samples are unchanged)."""
        self._check_open()
        import av

        if self._av is not None:
            return self._av
        planar = np.ascontiguousarray(self.to_ndarray("fltp"))
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=self.layout)
        frame.sample_rate = self.sample_rate
        return frame

    def clone(self) -> AudioData:
        """A second handle on the same samples (no copy)."""
        self._check_open()
        out = AudioData(format=self.format, sample_rate=self.sample_rate,
                        number_of_channels=self.number_of_channels,
                        number_of_frames=self.number_of_frames, layout=self.layout,
                        timestamp=self.timestamp)
        self._copy_timing(out)
        out._av = self._av
        out._cache = self._cache
        return out

    def silence(self) -> AudioData:
        """Silence of the same length, layout and timing (what a disabled track plays)."""
        out = AudioData.from_ndarray(
            np.zeros((self.number_of_channels, self.number_of_frames), np.float32),
            sample_rate=self.sample_rate, timestamp=self.timestamp, layout=self.layout)
        self._copy_timing(out)
        return out

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return (f"<AudioData {self.number_of_frames} samples {self.sample_rate} Hz "
                f"{self.layout} t={self.timestamp}us{state}>")


class EncodedAudioChunk(AudioData):
    """Audio that stays encoded: one packet of an input's audio track, for a stream copy
    (``--audio-codec copy``), like WebCodecs' ``EncodedAudioChunk``.

    It travels through the tracks where an :class:`AudioData` does (same timing, sample rate
    and channel count) but has no samples: ``to_ndarray`` and ``to_av`` raise. ``packet`` is the
    PyAV packet with its timestamps already rebased like the decoded frames' (in its own
    ``time_base``); ``template`` is the input stream it came from, whose codec parameters the
    output copies.
    """

    __slots__ = ("packet", "template")

    def __init__(self, packet: av.Packet, template: Any, *, timestamp: int, sample_rate: int,
                 number_of_channels: int, number_of_frames: int, layout: str | None = None,
                 index: int | None = None, capture_time: float | None = None) -> None:
        super().__init__(format="encoded", sample_rate=sample_rate,
                         number_of_channels=number_of_channels, number_of_frames=number_of_frames,
                         timestamp=timestamp, layout=layout, index=index, capture_time=capture_time)
        self.packet: av.Packet | None = packet
        self.template = template

    @property
    def codec(self) -> str:
        """The codec's FFmpeg name (``aac``, ``opus`` ...)."""
        return str(self.template.codec_context.name)

    def to_ndarray(self, format: str = "fltp") -> np.ndarray:
        self._check_open()
        raise InvalidStateError(f"encoded {self.codec} audio (a stream copy) has no samples: "
                                "decode it (leave out --audio-codec copy) to work on them")

    def to_av(self) -> av.AudioFrame:  # type: ignore[override]
        return self.to_ndarray()  # type: ignore[return-value]  # raises

    def clone(self) -> EncodedAudioChunk:
        """A second handle on the same packet (no copy)."""
        self._check_open()
        out = EncodedAudioChunk(self.packet, self.template, timestamp=self.timestamp,  # type: ignore[arg-type]
                                sample_rate=self.sample_rate,
                                number_of_channels=self.number_of_channels,
                                number_of_frames=self.number_of_frames, layout=self.layout)
        self._copy_timing(out)
        return out

    def close(self) -> None:
        super().close()
        self.packet = None

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<EncodedAudioChunk {self.codec} t={self.timestamp}us d={self.duration}{state}>"


Frame = VideoFrame | AudioData
