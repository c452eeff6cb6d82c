"""What the built-in video transforms share: parameters, colours, pictures and their planes,
and the base classes that pick the cheapest pixel layout.

A picture is an I420 array (2-D, ``(h * 3 // 2, w)``), a BGR array (3-D), or the Y, U and V
planes of an I420 picture as three arrays (views of a decoded frame, read in place).

>>> import numpy as np
>>> picture_size(np.zeros((72, 64), np.uint8))  # I420: 48 rows of Y, then U and V
(64, 48)
>>> [p.shape for p in i420_planes(np.zeros((72, 64), np.uint8))]
[(48, 64), (24, 32), (24, 32)]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar

import cv2
import numpy as np

from ..frames import VideoFrame
from .base import Transform
from .params import validate_params


# parameters ---------------------------------------------------------------------------------
def param(default: Any, help: str, **limits: Any) -> Any:
    """A transform parameter: a dataclass field with its help and limits (min, max, choices)."""
    return field(default=default, metadata={"help": help, **limits})


#: Colour names a parameter accepts (BGR), besides #RRGGBB and 0xRRGGBB.
COLORS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0), "white": (255, 255, 255), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "red": (0, 0, 255), "green": (0, 128, 0), "lime": (0, 255, 0), "blue": (255, 0, 0),
    "yellow": (0, 255, 255), "cyan": (255, 255, 0), "magenta": (255, 0, 255), "orange": (0, 165, 255),
}


def parse_color(text: str) -> tuple[int, int, int]:
    """``"red"``, ``"#ff0000"`` or ``"0xff0000"`` -> ``(0, 0, 255)`` (BGR, as OpenCV draws)."""
    key = text.strip().lower()
    if key in COLORS:
        return COLORS[key]
    digits = key[1:] if key.startswith("#") else key[2:] if key.startswith("0x") else ""
    if len(digits) == 6 and all(c in "0123456789abcdef" for c in digits):
        red, green, blue = (int(digits[i: i + 2], 16) for i in (0, 2, 4))
        return blue, green, red
    raise ValueError(f"unknown colour {text!r}: use #RRGGBB or one of {', '.join(COLORS)}")


@functools.lru_cache(maxsize=64)
def color_yuv(bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    """The (Y, U, V) values of a BGR colour, as OpenCV's I420 conversion gives them."""
    i420 = cv2.cvtColor(np.full((2, 2, 3), bgr, np.uint8), cv2.COLOR_BGR2YUV_I420)
    return int(i420[0, 0]), int(i420[2, 0]), int(i420[2, 1])


# pictures -----------------------------------------------------------------------------------
def contiguous(data: np.ndarray) -> np.ndarray:
    """``data``, or a contiguous copy when it is a strided view (I420 planes need one block)."""
    return data if data.flags.c_contiguous else np.ascontiguousarray(data)


#: Frame layouts that are packed RGB already: worked on in BGR, not converted to I420.
PACKED_RGB = ("bgr24", "rgb24", "bgra")

#: A picture: an I420 array (2-D, ``(h * 3 // 2, w)``), a BGR one (3-D), or the Y, U and V
#: planes of an I420 picture as three arrays (views of a decoded frame: read them only).
Picture = np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]


def is_bgr(data: Picture) -> bool:
    return not isinstance(data, tuple) and data.ndim == 3


def picture_size(data: Picture) -> tuple[int, int]:
    """(width, height) of an I420 picture (one array or three planes) or a BGR one."""
    if isinstance(data, tuple):
        return data[0].shape[1], data[0].shape[0]
    if data.ndim == 2:
        return data.shape[1], data.shape[0] * 2 // 3
    return data.shape[1], data.shape[0]


def i420_planes(i420: Picture) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a contiguous I420 array (changes go through)."""
    if isinstance(i420, tuple):
        return i420
    width, height = picture_size(i420)
    chroma = i420[height:].reshape(2, height // 2, width // 2)
    return i420[:height], chroma[0], chroma[1]


def new_picture(like: Picture, width: int, height: int) -> np.ndarray:
    """An empty picture of this size in the layout of ``like`` (I420 or BGR)."""
    if is_bgr(like):
        assert isinstance(like, np.ndarray)
        return np.empty((height, width, like.shape[2]), np.uint8)
    return np.empty((height * 3 // 2, width), np.uint8)


Fill = int | tuple[int, int, int]


def plane_pairs(source: Picture, target: Picture, fill: tuple[int, int, int] = (0, 0, 0),
                ) -> list[tuple[np.ndarray, np.ndarray, Fill, float]]:
    """(source plane, target plane, fill value, scale) for each plane: one for BGR, three for I420.

    ``fill`` is a BGR colour, given back as the value of each plane; ``scale`` is the plane's
    size relative to the picture (0.5 for chroma).
    """
    if is_bgr(source):
        assert isinstance(source, np.ndarray) and isinstance(target, np.ndarray)
        return [(source, target, fill, 1.0)]
    values = color_yuv(fill)
    return list(zip(i420_planes(source), i420_planes(target), values, (1.0, 0.5, 0.5)))


def scratch(buffer: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """``buffer`` when it has this shape, else a new one: working space kept between frames."""
    if buffer is not None and buffer.shape == shape:
        return buffer
    return np.empty(shape, np.uint8)


@dataclass
class VideoTransform(Transform):
    """A built-in video transform: parameters are coerced from text and checked on creation."""

    def __post_init__(self) -> None:
        validate_params(self)
        self.prepare()

    def prepare(self) -> None:
        """Check values against each other (raise ``ValueError``) and precompute tables.

        Each parameter's own type and limits are checked before this is called.
        """


@dataclass
class PlanarTransform(VideoTransform):
    """Works on I420 planes, or on ``bgr24`` where the sizes rule I420 out.

    Subclasses implement :meth:`apply` for both layouts and, when they change the size,
    :meth:`output_size`. :meth:`setup` picks the layout from the track's size and writes the
    output size into ``settings`` for the transforms after this one.
    """

    pixel_format = "yuv420p"
    #: True when :meth:`apply` never writes into an I420 input but makes a new picture: it then
    #: gets the decoded frame's own planes, read in place, and no I420 copy of them is made.
    reads_planes: ClassVar[bool] = False

    def setup(self, settings: dict[str, Any]) -> None:
        width, height = settings.get("width"), settings.get("height")
        if not width or not height:
            return
        width, height = int(width), int(height)
        # take the frame itself and choose the layout frame by frame (see _from_planes): the
        # size may change on the way (image sequences, resolution changes, other transforms)
        setattr(self, "pixel_format", None)  # noqa: B010 - instance override
        settings["width"], settings["height"] = self.output_size(width, height)

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        """The size of the picture this transform makes from one of ``width`` x ``height``."""
        return width, height

    def fits_i420(self, width: int, height: int) -> bool:
        """True when the output (and any offsets) fall on the 2x2 grid of the chroma planes."""
        out_w, out_h = self.output_size(width, height)
        return out_w % 2 == 0 and out_h % 2 == 0

    def process(self, data: np.ndarray | None, frame: Any) -> np.ndarray | VideoFrame:
        if data is None:
            return self._from_planes(frame)
        data = contiguous(data)
        if data.ndim == 2 and not self.fits_i420(*picture_size(data)):
            # Not set up for this size (or the size changed): work in BGR for this frame.
            bgr = self.apply(cv2.cvtColor(data, cv2.COLOR_YUV2BGR_I420))
            timestamp = frame.timestamp if frame is not None else 0
            return VideoFrame.from_ndarray(np.ascontiguousarray(bgr), format="bgr24", timestamp=timestamp)
        return self.apply(data)

    def _from_planes(self, frame: VideoFrame) -> VideoFrame:
        """The new picture, in the layout that suits this frame: the decoded I420 planes read
        in place (``reads_planes``), an I420 array, or BGR for odd sizes and for pictures that
        are BGR already (converting those to I420 would halve their colour resolution)."""
        w, h = frame.width, frame.height
        i420 = w % 2 == 0 and h % 2 == 0 and self.fits_i420(w, h) and frame.format not in PACKED_RGB
        planes = frame.yuv_planes() if i420 and self.reads_planes else None
        if planes is not None:
            made = self.apply(planes)
            if made is planes:  # nothing to change (a rotation by 0, a resize to the same size)
                return frame
            return frame.with_pixels(made, "yuv420p")
        made = self.process(frame.to_ndarray("yuv420p" if i420 else "bgr24"), frame)
        if isinstance(made, VideoFrame):
            return made
        return frame.with_pixels(made, "yuv420p" if made.ndim == 2 else "bgr24")

    def apply(self, data: Picture) -> np.ndarray | Picture:
        """Transform an I420 picture (an array, or three planes with ``reads_planes``) or a
        bgr24 one; may change an array in place and return it. With ``reads_planes`` an I420
        input is never written to: the result is a new picture (or the input, unchanged)."""
        raise NotImplementedError
