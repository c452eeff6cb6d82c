"""Built-in geometry transforms: flip, rotate, resize, crop and pad.

Each reads the three planes of a decoded I420 frame in place and writes a new picture of the
output size (or works in BGR where the sizes rule I420 out).

>>> import numpy as np
>>> picture = np.zeros((48, 64, 3), np.uint8)
>>> Crop(x=8, y=4, width=32, height=20).process(picture, None).shape
(20, 32, 3)
>>> Resize(width=32).output_size(64, 48)
(32, 24)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import UsageError
from .pictures import (Picture, PlanarTransform, is_bgr, new_picture, param, parse_color,
                       picture_size, plane_pairs)

__all__ = ["Flip", "Rotate", "Resize", "Crop", "Pad"]


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
        if self.x >= width or self.y >= height:
            raise UsageError(f"transform 'crop': x={self.x}, y={self.y} is outside the {width}x{height} "
                             "picture", hint=f"x must be under {width} and y under {height}")
        w = width - self.x if self.width == -1 else self.width
        h = height - self.y if self.height == -1 else self.height
        if self.x + w > width or self.y + h > height:
            raise UsageError(f"transform 'crop': the crop {w}x{h} at {self.x},{self.y} does not fit in "
                             f"the {width}x{height} picture",
                             hint=f"x + width must be at most {width}, y + height at most {height}")
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
