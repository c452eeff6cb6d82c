"""Built-in video transforms: grey, blur, sharpen, edges, pixelate, invert and colour (the
geometry ones are in :mod:`mstg.transforms.geometry`, and importable from here too).

Each works on the cheapest layout it can. Grey transforms (``grayscale``, ``edges``) read the
Y plane of a decoded frame without a copy. The others read the three planes of a decoded I420
(``yuv420p``) frame in place and write a new picture with OpenCV; the chroma planes are half
the size, so ``blur`` uses half the sigma there. A picture with an odd width or height has no
I420 layout: :meth:`PlanarTransform.setup` then asks for ``bgr24`` instead.

>>> import numpy as np
>>> grey = np.full((48, 64, 3), 100, np.uint8)
>>> Invert().process(grey, None)[0, 0].tolist()
[155, 155, 155]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..frames import VideoFrame
from .base import Transform
from .geometry import Crop, Flip, Pad, Resize, Rotate
from .pictures import (Picture, PlanarTransform, VideoTransform, contiguous, i420_planes, is_bgr,
                       new_picture, param, parse_color, picture_size, plane_pairs, scratch)

__all__ = ["Null", "Grayscale", "Blur", "Sharpen", "Edges", "Flip", "Rotate", "Resize", "Crop",
           "Pad", "Pixelate", "Invert", "Color", "VideoTransform", "PlanarTransform", "pixelate",
           "parse_color", "contiguous", "plane_pairs", "scratch"]


@dataclass
class Null(Transform):
    """Passes every frame on untouched (for measuring the framework's own cost).

    Example: ``mstg run -i in.mp4 -t null -o out.mp4``
    """

    name = "null"
    summary = "Pass frames through unchanged."
    pixel_format = None

    def process(self, data: Any, frame: Any) -> Any:
        return frame


@dataclass
class Grayscale(VideoTransform):
    """Drops the colour: the luma plane as it is, with neutral colour planes (no conversion).

    Example: ``mstg run -i in.mp4 -t grayscale -o grey.mp4``
    """

    name = "grayscale"
    summary = "Black and white picture."
    pixel_format = None  # the frame: its Y plane is copied as it is

    def process(self, data: np.ndarray | None, frame: Any) -> np.ndarray | VideoFrame:
        if data is not None:  # called with pixels (bgr24) in Python
            return cv2.cvtColor(data, cv2.COLOR_BGR2GRAY) if data.ndim == 3 else data
        planes = frame.yuv_planes()
        if planes is None:  # not I420: grey (full range) from whatever the frame holds
            return frame.with_pixels(frame.to_ndarray("gray"), "gray")
        out = new_picture(planes, frame.width, frame.height)
        y, u, v = i420_planes(out)
        y[...] = planes[0]
        u.fill(128)
        v.fill(128)
        return frame.with_pixels(out, "yuv420p")


@dataclass
class Blur(PlanarTransform):
    """Gaussian blur like FFmpeg's ``gblur``: luma at ``sigma``, chroma at ``sigma / 2``.

    Example: ``mstg run -i in.mp4 -t "blur:sigma=3" -o out.mp4``
    """

    name = "blur"
    summary = "Gaussian blur."
    reads_planes = True
    sigma: float = param(2.0, "Standard deviation of the blur, in pixels.", min=0.1, max=200.0)

    def apply(self, data: Picture) -> np.ndarray:
        if is_bgr(data):
            return cv2.GaussianBlur(data, (0, 0), self.sigma, dst=data)
        out = new_picture(data, *picture_size(data))
        for source, target, _fill, scale in plane_pairs(data, out):  # chroma at sigma / 2
            cv2.GaussianBlur(source, (0, 0), self.sigma * scale, dst=target)
        return out


@dataclass
class Sharpen(PlanarTransform):
    """Unsharp mask on the luma (like FFmpeg's ``unsharp``): adds back fine detail.

    Example: ``mstg run -i in.mp4 -t "sharpen:amount=1.5" -o out.mp4``
    """

    name = "sharpen"
    summary = "Sharpen (unsharp mask)."
    reads_planes = True
    amount: float = param(1.0, "Strength: 0 changes nothing, 1 doubles the fine detail.", min=0.0, max=10.0)
    sigma: float = param(1.0, "Size of the detail to sharpen (Gaussian sigma, pixels).", min=0.1, max=50.0)

    def prepare(self) -> None:
        self._blurred: np.ndarray | None = None

    def apply(self, data: Picture) -> np.ndarray:
        out = data if is_bgr(data) else new_picture(data, *picture_size(data))
        source, target = (data, out) if is_bgr(data) else (i420_planes(data)[0], i420_planes(out)[0])
        self._blurred = scratch(self._blurred, source.shape)
        cv2.GaussianBlur(source, (0, 0), self.sigma, dst=self._blurred)
        cv2.addWeighted(source, 1.0 + self.amount, self._blurred, -self.amount, 0.0, dst=target)
        if not is_bgr(data):  # the colour planes as they are
            for plane, copy in zip(i420_planes(data)[1:], i420_planes(out)[1:]):
                copy[...] = plane
        return out  # type: ignore[return-value]


@dataclass
class Edges(VideoTransform):
    """Canny edge detection on the luma: white edges on black (like FFmpeg's ``edgedetect``).

    Example: ``mstg run -i in.mp4 -t "edges:low=30,high=90" -o edges.mp4``
    """

    name = "edges"
    summary = "Edge detection (Canny), white on black."
    pixel_format = "gray"
    low: float = param(50.0, "Lower Canny threshold: weaker edges joined to strong ones are kept.",
                       min=0.0, max=10000.0)
    high: float = param(150.0, "Upper Canny threshold: gradients above it are edges.", min=0.0, max=10000.0)
    sigma: float = param(1.0, "Gaussian blur before detecting, against noise (0: none).", min=0.0, max=20.0)
    aperture: int = param(3, "Sobel kernel size.", choices=(3, 5, 7))

    def prepare(self) -> None:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not be above high ({self.high})")
        self._smooth: np.ndarray | None = None

    def process(self, data: np.ndarray, frame: Any) -> np.ndarray:
        source = data
        if self.sigma > 0:
            self._smooth = scratch(self._smooth, data.shape)
            source = cv2.GaussianBlur(data, (0, 0), self.sigma, dst=self._smooth)
        return cv2.Canny(source, self.low, self.high, apertureSize=self.aperture)


@dataclass
class Pixelate(PlanarTransform):
    """Mosaic of square blocks, each the mean colour of its pixels (FFmpeg's ``pixelize``).

    Example: ``mstg run -i in.mp4 -t pixelate:block=24 -o mosaic.mp4``
    """

    name = "pixelate"
    summary = "Mosaic of square blocks."
    reads_planes = True
    block: int = param(16, "Block size in pixels (even sizes keep the I420 fast path).", min=2, max=4096)

    def prepare(self) -> None:
        if self.block % 2:
            setattr(self, "pixel_format", "bgr24")  # noqa: B010 - chroma blocks would be half-pixels

    def fits_i420(self, width: int, height: int) -> bool:
        return self.block % 2 == 0

    def apply(self, data: Picture) -> np.ndarray:
        out = data if is_bgr(data) else new_picture(data, *picture_size(data))
        for plane, target, _fill, scale in plane_pairs(data, out):
            pixelate(plane, max(1, int(self.block * scale)), out=target)
        return out  # type: ignore[return-value]


def pixelate(plane: np.ndarray, block: int, *, out: np.ndarray | None = None) -> None:
    """Replace each ``block`` x ``block`` square of ``plane`` (from the top left) by its mean,
    in place or into ``out``."""
    target = plane if out is None else out
    height, width = plane.shape[:2]
    rows, cols = -(-height // block), -(-width // block)
    full_h, full_w = rows * block, cols * block
    source = plane
    if (full_h, full_w) != (height, width):
        source = cv2.copyMakeBorder(plane, 0, full_h - height, 0, full_w - width, cv2.BORDER_REPLICATE)
    means = cv2.resize(source, (cols, rows), interpolation=cv2.INTER_AREA)
    if source is plane:
        cv2.resize(means, (width, height), dst=target, interpolation=cv2.INTER_NEAREST_EXACT)
    else:
        target[...] = cv2.resize(means, (full_w, full_h), interpolation=cv2.INTER_NEAREST_EXACT)[:height, :width]


_LEVELS = np.arange(256, dtype=np.float64)
#: Negation of limited-range I420, as FFmpeg's ``negate``: Y' = 251 - Y, C' = 256 - C.
_NEGATE_Y = np.clip(251 - _LEVELS, 0, 255).astype(np.uint8)
_NEGATE_C = np.clip(256 - _LEVELS, 0, 255).astype(np.uint8)


@dataclass
class Invert(PlanarTransform):
    """Photographic negative: black becomes white and every colour its complement.

    Example: ``mstg run -i in.mp4 -t invert -o negative.mp4``
    """

    name = "invert"
    summary = "Negative picture."
    reads_planes = True

    def apply(self, data: Picture) -> np.ndarray:
        if is_bgr(data):
            return cv2.bitwise_not(data, dst=data)
        out = new_picture(data, *picture_size(data))
        for source, target, table in zip(i420_planes(data), i420_planes(out),
                                         (_NEGATE_Y, _NEGATE_C, _NEGATE_C)):
            cv2.LUT(source, table, dst=target)
        return out


@dataclass
class Color(PlanarTransform):
    """Brightness, contrast, saturation and gamma (FFmpeg's ``eq``), by lookup tables on the planes.

    Example: ``mstg run -i in.mp4 -t "color:brightness=0.1,saturation=1.5" -o vivid.mp4``
    """

    name = "color"
    summary = "Adjust brightness, contrast, saturation and gamma."
    reads_planes = True
    brightness: float = param(0.0, "Added to the luma: -1 black, 0 unchanged, 1 white.", min=-1.0, max=1.0)
    contrast: float = param(1.0, "Luma contrast around mid grey: 0 flat, 1 unchanged.", min=0.0, max=10.0)
    saturation: float = param(1.0, "Colour saturation: 0 grey, 1 unchanged.", min=0.0, max=10.0)
    gamma: float = param(1.0, "Luma gamma: above 1 lightens the shadows.", min=0.1, max=10.0)

    def prepare(self) -> None:
        level = (_LEVELS / 255.0 - 0.5) * self.contrast + 0.5 + self.brightness
        luma = np.clip(level, 0.0, 1.0) ** (1.0 / self.gamma)
        self._luma = np.round(luma * 255.0).astype(np.uint8)
        self._chroma = np.clip(np.round((_LEVELS - 128.0) * self.saturation + 128.0), 0, 255).astype(np.uint8)
        identity = np.arange(256, dtype=np.uint8)
        self._luma_changes = not np.array_equal(self._luma, identity)
        self._chroma_changes = not np.array_equal(self._chroma, identity)
        # the same tables for full-range YCrCb (the BGR path): through limited-range values,
        # so that a BGR picture and an I420 one come out alike
        to_luma = np.clip(np.round(16.0 + _LEVELS * 219.0 / 255.0), 16, 235).astype(np.intp)
        to_chroma = np.clip(np.round(128.0 + (_LEVELS - 128.0) * 224.0 / 255.0), 16, 240).astype(np.intp)
        luma_full = (self._luma[to_luma].astype(np.float64) - 16.0) * 255.0 / 219.0
        chroma_full = (self._chroma[to_chroma].astype(np.float64) - 128.0) * 255.0 / 224.0 + 128.0
        self._full_table = np.stack([np.clip(np.round(t), 0, 255).astype(np.uint8)
                                     for t in (luma_full, chroma_full, chroma_full)], axis=-1).reshape(256, 1, 3)

    def apply(self, data: Picture) -> Picture:
        if is_bgr(data):
            return self._apply_bgr(data)  # type: ignore[arg-type]
        if not self._luma_changes and not self._chroma_changes:
            return data
        out = new_picture(data, *picture_size(data))
        tables = (self._luma if self._luma_changes else None,
                  *((self._chroma if self._chroma_changes else None),) * 2)
        for source, target, table in zip(i420_planes(data), i420_planes(out), tables):
            if table is None:
                target[...] = source
            else:
                cv2.LUT(source, table, dst=target)
        return out

    def _apply_bgr(self, data: np.ndarray) -> np.ndarray:
        ycrcb = cv2.cvtColor(data, cv2.COLOR_BGR2YCrCb)
        cv2.LUT(ycrcb, self._full_table, dst=ycrcb)
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR, dst=data)
