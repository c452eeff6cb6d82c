"""Pixel conversions and the process-wide settings they need: OpenCV's colour codes and
threads, the allocator's reuse of freed pictures, PyAV's per-thread converter, plane views."""

from __future__ import annotations

import functools
import sys
import threading
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

_CV2: Any = None
_OPENCV_LIMITED = False


def _cv2() -> Any:
    global _CV2
    if _CV2 is None:
        import cv2

        _CV2 = cv2
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


@functools.cache
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
        ("rgb24", "bgra"): cv2.COLOR_RGB2BGRA,
        ("bgra", "bgr24"): cv2.COLOR_BGRA2BGR,
        ("bgra", "gray"): cv2.COLOR_BGRA2GRAY,
        ("bgra", "rgb24"): cv2.COLOR_BGRA2RGB,
        ("bgra", "yuv420p"): cv2.COLOR_BGRA2YUV_I420,
        ("gray", "bgr24"): cv2.COLOR_GRAY2BGR,
        ("gray", "rgb24"): cv2.COLOR_GRAY2RGB,
        ("gray", "bgra"): cv2.COLOR_GRAY2BGRA,
        ("yuv420p", "bgr24"): cv2.COLOR_YUV2BGR_I420,
        ("yuv420p", "rgb24"): cv2.COLOR_YUV2RGB_I420,
        ("yuv420p", "bgra"): cv2.COLOR_YUV2BGRA_I420,
    }


@functools.cache
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

#: FFmpeg's colour ranges (``AVCOL_RANGE_*``): limited (16-235, "tv") and full (0-255, "pc").
MPEG_RANGE, JPEG_RANGE = 1, 2


@functools.cache
def natural_range(format: str) -> int:
    """The range a picture in ``format`` has when nothing says otherwise, as FFmpeg reads it:
    full for RGB, grey, palette and the JPEG ``yuvj*`` layouts, limited for the other YUV ones.

    >>> natural_range("yuv420p"), natural_range("gray"), natural_range("bgr24"), natural_range("yuvj420p")
    (1, 2, 2, 2)
    """
    import av

    layout = av.VideoFormat(format)
    if layout.is_rgb or format.startswith(("yuvj", "gray", "ya", "pal", "rgb", "bgr", "monow", "monob")):
        return JPEG_RANGE
    return MPEG_RANGE


def colour_range(frame: Any) -> int:
    """A PyAV frame's range: its own tag, else its format's :func:`natural_range`."""
    tagged = int(frame.color_range)
    return tagged if tagged in (MPEG_RANGE, JPEG_RANGE) else natural_range(frame.format.name)


def reformat(frame: Any, **kwargs: Any) -> Any:
    """``frame.reformat(**kwargs)`` with a converter of this thread's own, from the frame's
    colour range to the one its new format has (:func:`natural_range`; the same range when
    only the size changes) unless ``src_color_range`` says otherwise.

    PyAV keeps one converter per frame object and clones share the frame, so two outputs
    converting the same picture on two threads would share (and crash) one converter. Left
    to itself, it keeps a full-range frame's range in a YUV layout (a JPEG's grey 40 stays
    40), which an encoder then writes into a file read as limited range (grey 28).
    """
    converter = getattr(_LOCAL, "reformatter", None)
    if converter is None:
        from av.video.reformatter import VideoReformatter

        converter = _LOCAL.reformatter = VideoReformatter()
    if "src_color_range" not in kwargs:
        source = colour_range(frame)
        target = kwargs.get("format")
        kwargs["src_color_range"] = source
        kwargs["dst_color_range"] = natural_range(getattr(target, "name", target)) if target else source
    return converter.reformat(frame, **kwargs)


def _plane_view(plane: Any, width: int, height: int) -> np.ndarray:
    """A zero-copy (height, width) view of one plane of a PyAV frame."""
    buf = np.frombuffer(plane, np.uint8)
    return buf[: plane.line_size * height].reshape(height, plane.line_size)[:, :width]


# grey: full range (0 black, 255 white), as OpenCV's and FFmpeg's ``gray`` are ----------------
# y * a + b, rounded and clipped to 0-255 (``addWeighted`` with a zero second term: the same
# values as a lookup table, in 60 % of its time)
_EXPAND = (255.0 / 219.0, -16.0 * 255.0 / 219.0)  # limited-range luma (16-235) to grey
_COMPRESS = (219.0 / 255.0, 16.0)  # grey to limited-range luma


def full_range_luma(luma: np.ndarray, frame: Any = None) -> np.ndarray:
    """Grey from a luma plane: ``luma`` itself when ``frame`` says it is full range (JPEG
    range, ``yuvj*``), else a new array expanded from 16-235 to 0-255."""
    if frame is not None and (frame.format.name.startswith("yuvj") or int(frame.color_range) == 2):
        return luma
    scale, offset = _EXPAND
    return _cv2().addWeighted(luma, scale, luma, 0.0, offset)


def limited_range_luma(grey: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Limited-range luma (16-235) from full-range grey, into ``out`` if given."""
    scale, offset = _COMPRESS
    return _cv2().addWeighted(grey, scale, grey, 0.0, offset, dst=out)
