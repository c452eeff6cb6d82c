"""Built-in video transforms: colour, blur, edges and geometry.

Each works on the cheapest layout it can. Grey transforms (``grayscale``, ``edges``) read the
Y plane of a decoded frame without a copy. The others work on the three planes of an I420
(``yuv420p``) picture with OpenCV, in place where the size stays the same; the chroma planes
are half the size, so ``blur`` uses half the sigma there. A picture with an odd width or
height has no I420 layout: :meth:`PlanarTransform.setup` then asks for ``bgr24`` instead.

>>> import numpy as np
>>> picture = np.zeros((48, 64, 3), np.uint8)
>>> Crop(x=8, y=4, width=32, height=20).process(picture, None).shape
(20, 32, 3)
>>> Resize(width=32).output_size(64, 48)
(32, 24)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import cv2
import numpy as np

from ..frames import VideoFrame
from .base import Transform
from .params import convert, parameters

__all__ = ["Null", "Grayscale", "Blur", "Sharpen", "Edges", "Flip", "Rotate", "Resize", "Crop",
           "Pad", "Pixelate", "Invert", "Color", "VideoTransform", "PlanarTransform"]


# parameters ---------------------------------------------------------------------------------
def param(default: Any, help: str, **limits: Any) -> Any:
    """A transform parameter: a dataclass field with its help and limits (min, max, choices)."""
    return field(default=default, metadata={"help": help, **limits})


def validate_params(transform: Transform) -> None:
    """Give each parameter its field's type and check its limits (a ``ValueError`` if wrong).

    The command line and presets validate before construction already; this covers
    ``Blur(sigma="3")`` in Python, with the same messages.
    """
    for spec in parameters(type(transform)):
        setattr(transform, spec.name, convert(spec, getattr(transform, spec.name), transform.name))


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
        planar = width % 2 == 0 and height % 2 == 0 and self.fits_i420(width, height)
        layout = ("yuv420p" if not self.reads_planes else None) if planar else "bgr24"
        setattr(self, "pixel_format", layout)  # noqa: B010 - instance override (None: the frame)
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
        """The new picture made from the frame's I420 planes (``reads_planes``)."""
        planes = frame.yuv_planes()
        if planes is not None and self.fits_i420(frame.width, frame.height):
            made = self.apply(planes)
            if made is planes:  # nothing to change (a rotation by 0, a resize to the same size)
                return frame
            return frame.with_pixels(made, "yuv420p")
        # a picture from an array (converted to I420 once), or an odd size: as an array
        even = frame.width % 2 == 0 and frame.height % 2 == 0
        made = self.process(frame.to_ndarray("yuv420p" if even else "bgr24"), frame)
        if isinstance(made, VideoFrame):
            return made
        return frame.with_pixels(made, "yuv420p" if made.ndim == 2 else "bgr24")

    def apply(self, data: Picture) -> np.ndarray | Picture:
        """Transform an I420 picture (an array, or three planes with ``reads_planes``) or a
        bgr24 one; may change an array in place and return it. With ``reads_planes`` an I420
        input is never written to: the result is a new picture (or the input, unchanged)."""
        raise NotImplementedError


@dataclass
class Grayscale(VideoTransform):
    """Drops the colour: a grey picture straight from the luma plane, without conversion.

    Example: ``mstg run -i in.mp4 -t grayscale -o grey.mp4``
    """

    name = "grayscale"
    summary = "Black and white picture."
    pixel_format = "gray"

    def process(self, data: np.ndarray, frame: Any) -> np.ndarray:
        return data


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


_FLIP_CODES = {"horizontal": 1, "vertical": 0, "both": -1}


@dataclass
class Flip(PlanarTransform):
    """Mirror the picture (FFmpeg's ``hflip`` / ``vflip``).

    Example: ``mstg run -i cam0 -t flip:direction=horizontal -o play``
    """

    name = "flip"
    summary = "Mirror horizontally or vertically."
    reads_planes = True
    direction: str = param("horizontal", "Which way to mirror.", choices=tuple(_FLIP_CODES))

    def apply(self, data: Picture) -> np.ndarray:
        out = new_picture(data, *picture_size(data))
        code = _FLIP_CODES[self.direction]
        for source, target, _fill, _scale in plane_pairs(data, out):
            cv2.flip(source, code, dst=target)
        return out


_QUARTERS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass
class Rotate(PlanarTransform):
    """Rotate clockwise; 90, 180 and 270 degrees are exact (90 and 270 swap width and height).

    Other angles keep the size and cut the corners, unless ``expand`` grows the picture.

    Example: ``mstg run -i phone.mp4 -t rotate:angle=90 -o upright.mp4``
    """

    name = "rotate"
    summary = "Rotate by 90/180/270 degrees exactly, or any angle."
    reads_planes = True
    angle: float = param(90.0, "Degrees clockwise (negative: anticlockwise).", min=-360.0, max=360.0)
    expand: bool = param(False, "Other angles: grow the picture to hold all of it.")
    color: str = param("black", "Colour of the uncovered corners (name or #RRGGBB).")

    def prepare(self) -> None:
        self._fill = parse_color(self.color)
        self._degrees = self.angle % 360.0

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        if self._degrees in (90.0, 270.0):
            return height, width
        if not self.expand or self._degrees in (0.0, 180.0):
            return width, height
        rad = math.radians(self._degrees)
        cos, sin = abs(math.cos(rad)), abs(math.sin(rad))
        return _even_up(width * cos + height * sin), _even_up(width * sin + height * cos)

    def apply(self, data: Picture) -> Picture:
        if self._degrees == 0.0:
            return data
        out = new_picture(data, *self.output_size(*picture_size(data)))
        for source, target, fill, _scale in plane_pairs(data, out, self._fill):
            code = _QUARTERS.get(int(self._degrees)) if self._degrees.is_integer() else None
            if code is not None:
                cv2.rotate(source, code, dst=target)
            else:
                cv2.warpAffine(source, self._matrix(source.shape, target.shape),
                               (target.shape[1], target.shape[0]), dst=target,
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
        return out

    def _matrix(self, source: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
        matrix = cv2.getRotationMatrix2D(((source[1] - 1) / 2, (source[0] - 1) / 2), -self.angle, 1.0)
        matrix[0, 2] += (target[1] - source[1]) / 2
        matrix[1, 2] += (target[0] - source[0]) / 2
        return matrix


def _even_up(value: float) -> int:
    return max(2, 2 * math.ceil(value / 2 - 1e-9))


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


_INTERPOLATIONS = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC,
                   "area": cv2.INTER_AREA, "lanczos": cv2.INTER_LANCZOS4}


@dataclass
class Resize(PlanarTransform):
    """Scale the picture (FFmpeg's ``scale``); -1 keeps the aspect ratio.

    Example: ``mstg run -i in.mp4 -t resize:width=640 -o small.mp4``
    """

    name = "resize"
    summary = "Scale to a new size."
    reads_planes = True
    width: int = param(-1, "Output width in pixels; -1 keeps the aspect ratio (rounded to even).",
                       min=-1, max=16384)
    height: int = param(-1, "Output height in pixels; -1 keeps the aspect ratio (rounded to even).",
                        min=-1, max=16384)
    interpolation: str = param("auto", "auto (area to shrink, cubic to enlarge) or an OpenCV method.",
                               choices=("auto", *_INTERPOLATIONS))

    def prepare(self) -> None:
        if self.width == 0 or self.height == 0:
            raise ValueError("width and height must be positive, or -1 to keep the aspect ratio")
        if self.width == -1 and self.height == -1:
            raise ValueError("give a width, a height or both")

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        if self.width > 0 and self.height > 0:
            return self.width, self.height
        if self.width > 0:
            return self.width, _even(height * self.width / width)
        return _even(width * self.height / height), self.height

    def apply(self, data: Picture) -> Picture:
        width, height = picture_size(data)
        out_w, out_h = self.output_size(width, height)
        if (out_w, out_h) == (width, height):
            return data
        flag = _INTERPOLATIONS.get(self.interpolation)
        if flag is None:
            flag = cv2.INTER_AREA if out_w * out_h < width * height else cv2.INTER_CUBIC
        out = new_picture(data, out_w, out_h)
        for source, target, _fill, _scale in plane_pairs(data, out):
            cv2.resize(source, (target.shape[1], target.shape[0]), dst=target, interpolation=flag)
        return out


@dataclass
class Crop(PlanarTransform):
    """Keep a rectangle of the picture (FFmpeg's ``crop``, with x and y first).

    Example: ``mstg run -i in.mp4 -t "crop:x=100,y=50,width=640,height=360" -o part.mp4``
    """

    name = "crop"
    summary = "Cut out a rectangle."
    reads_planes = True
    x: int = param(0, "Left edge of the rectangle.", min=0)
    y: int = param(0, "Top edge of the rectangle.", min=0)
    width: int = param(-1, "Width of the rectangle; -1: up to the right edge.", min=-1)
    height: int = param(-1, "Height of the rectangle; -1: up to the bottom edge.", min=-1)

    def prepare(self) -> None:
        if self.width == 0 or self.height == 0:
            raise ValueError("width and height must be positive, or -1 for the rest of the picture")

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of the rectangle in a ``width`` x ``height`` picture."""
        w = width - self.x if self.width == -1 else self.width
        h = height - self.y if self.height == -1 else self.height
        if w <= 0 or h <= 0 or self.x + w > width or self.y + h > height:
            raise ValueError(f"the crop {w}x{h} at {self.x},{self.y} does not fit in the {width}x{height} picture")
        return self.x, self.y, w, h

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        return self.box(width, height)[2:]

    def fits_i420(self, width: int, height: int) -> bool:
        return all(n % 2 == 0 for n in self.box(width, height))

    def apply(self, data: Picture) -> np.ndarray:
        x, y, w, h = self.box(*picture_size(data))
        if is_bgr(data):
            return data[y: y + h, x: x + w]  # type: ignore[index]
        out = new_picture(data, w, h)
        for source, target, _fill, scale in plane_pairs(data, out):
            top, left = int(y * scale), int(x * scale)
            target[...] = source[top: top + target.shape[0], left: left + target.shape[1]]
        return out


@dataclass
class Pad(PlanarTransform):
    """Put the picture on a larger canvas (FFmpeg's ``pad``); -1 centres it.

    Example: ``mstg run -i in.mp4 -t "pad:width=1920,height=1080,color=#202020" -o boxed.mp4``
    """

    name = "pad"
    summary = "Add borders around the picture."
    reads_planes = True
    width: int = param(-1, "Output width; -1: the input width.", min=-1, max=16384)
    height: int = param(-1, "Output height; -1: the input height.", min=-1, max=16384)
    x: int = param(-1, "Left edge of the picture on the canvas; -1: centred.", min=-1)
    y: int = param(-1, "Top edge of the picture on the canvas; -1: centred.", min=-1)
    color: str = param("black", "Colour of the border (name or #RRGGBB).")

    def prepare(self) -> None:
        if self.width == 0 or self.height == 0:
            raise ValueError("width and height must be positive, or -1 for the input size")
        self._fill = parse_color(self.color)

    def layout(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x, y, output width, output height) for a ``width`` x ``height`` picture."""
        out_w = width if self.width == -1 else self.width
        out_h = height if self.height == -1 else self.height
        x = (out_w - width) // 4 * 2 if self.x == -1 else self.x
        y = (out_h - height) // 4 * 2 if self.y == -1 else self.y
        if out_w < width or out_h < height or x + width > out_w or y + height > out_h:
            raise ValueError(f"a {width}x{height} picture at {x},{y} does not fit on a {out_w}x{out_h} "
                             "canvas (pad only adds borders: use crop or resize to shrink)")
        return x, y, out_w, out_h

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        return self.layout(width, height)[2:]

    def fits_i420(self, width: int, height: int) -> bool:
        return all(n % 2 == 0 for n in self.layout(width, height))

    def apply(self, data: Picture) -> np.ndarray:
        x, y, out_w, out_h = self.layout(*picture_size(data))
        out = new_picture(data, out_w, out_h)
        for source, target, fill, scale in plane_pairs(data, out, self._fill):
            top, left = int(y * scale), int(x * scale)
            bottom = target.shape[0] - source.shape[0] - top
            right = target.shape[1] - source.shape[1] - left
            cv2.copyMakeBorder(source, top, bottom, left, right, cv2.BORDER_CONSTANT, dst=target, value=fill)
        return out


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
        table = np.stack([self._luma, self._chroma, self._chroma], axis=-1).reshape(256, 1, 3)
        cv2.LUT(ycrcb, table, dst=ycrcb)
        return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR, dst=data)
