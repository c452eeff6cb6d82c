"""The ``text`` transform: a caption, timestamp or clock drawn on the picture.

The text is drawn once into a small alpha mask (real fonts with all of Unicode, see
:mod:`.textrender`) and blended into the planes of the I420 picture in place: only the pixels
of its box change.
Its height follows the frame height, so it reads the same at 240p and at 4K.

>>> Text(text="frame {frame} at {timestamp}s").label(frame=None)
'frame 0 at 0.000s'
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from .pictures import PlanarTransform, param, parse_color, picture_size, plane_pairs
from .textrender import render

#: What ``{...}`` fields the text may hold.
FIELDS = ("timestamp", "pts", "frame", "time", "width", "height")
POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "top", "bottom", "center")


class Seconds(float):
    """Seconds that print with milliseconds (``1.533``) unless a format is given (``{timestamp:.1f}``)."""

    def __format__(self, spec: str) -> str:
        return float.__format__(self, spec or ".3f")


class Clock(datetime):
    """Wall-clock time that prints as ``HH:MM:SS`` unless given a strftime format (``{time:%H:%M}``)."""

    def __format__(self, spec: str) -> str:
        return datetime.__format__(self, spec or "%H:%M:%S")


@dataclass
class Text(PlanarTransform):
    """Draw text on the picture: a caption, or fields filled in for each frame.

    Fields: ``{timestamp}`` (seconds, 1.533), ``{pts}`` (microseconds), ``{frame}`` (index in
    the input), ``{time}`` (wall clock), ``{width}``, ``{height}``.

    Example: ``mstg run -i cam0 -t "text:text=cam 1 {time},position=bottom-right" -o play``
    """

    name = "text"
    summary = "Draw text: a caption, the timestamp, the frame number or the clock."
    text: str = param("{timestamp}", "What to write; fields: {timestamp} {pts} {frame} {time} {width} {height}.")
    position: str = param("top-left", "Where, when x and y are -1.", choices=POSITIONS)
    x: int = param(-1, "Left edge of the text box in pixels (-1: from position).", min=-1)
    y: int = param(-1, "Top edge of the text box in pixels (-1: from position).", min=-1)
    size: int = param(0, "Text height in pixels; 0: 1/20 of the frame height.", min=0, max=2000)
    color: str = param("white", "Text colour (name or #RRGGBB).")
    box: bool = param(True, "Draw a box behind the text.")
    box_color: str = param("black", "Box colour (name or #RRGGBB).")
    box_opacity: float = param(0.6, "Box opacity: 0 clear, 1 solid.", min=0.0, max=1.0)

    def prepare(self) -> None:
        for _literal, name, _spec, _conversion in string.Formatter().parse(self.text):
            if name is not None and name not in FIELDS:
                raise ValueError(f"unknown field {{{name}}} in the text; use {', '.join('{%s}' % f for f in FIELDS)}")
        self._color = parse_color(self.color)
        self._box_color = parse_color(self.box_color)
        self.label(frame=None)  # a bad format spec fails now, not on the first frame
        self._mask_key: tuple[str, int] | None = None
        self._masks: tuple[np.ndarray, np.ndarray] | None = None
        self._label = ""

    def label(self, frame: Any) -> str:
        """The text for ``frame`` (a :class:`~mstg.frames.VideoFrame`, or None for an example)."""
        timestamp = getattr(frame, "timestamp", 0)
        index = getattr(frame, "index", None)
        values = {"timestamp": Seconds(timestamp / 1e6), "pts": timestamp,
                  "frame": 0 if index is None else index, "time": Clock.now(),
                  "width": getattr(frame, "width", 0), "height": getattr(frame, "height", 0)}
        try:
            return self.text.format_map(values)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"cannot fill in the text {self.text!r}: {exc}") from None

    def process(self, data: np.ndarray, frame: Any) -> Any:
        self._label = self.label(frame)
        return super().process(data, frame)

    def apply(self, data: np.ndarray) -> np.ndarray:
        width, height = picture_size(data)
        size = self.size or max(12, round(height / 20))
        mask, half = self._mask(self._label, size)
        left, top = self._place(mask.shape, width, height, size, even=data.ndim == 2)
        texts = plane_pairs(data, data, self._color)
        boxes = plane_pairs(data, data, self._box_color)
        for (plane, _t, ink, scale), (_p, _b, paper, _s) in zip(texts, boxes):
            alpha = mask if scale == 1.0 else half
            x, y = int(left * scale), int(top * scale)
            roi = plane[y: y + alpha.shape[0], x: x + alpha.shape[1]]
            alpha = alpha[: roi.shape[0], : roi.shape[1]]
            if self.box and self.box_opacity > 0:
                blend(roi, self.box_opacity, paper)
            blend(roi, alpha, ink)
        return data

    def _mask(self, label: str, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The text's alpha (0..1, box included) at full and at half size; cached per label.
        Drawn by :mod:`.textrender` (system fonts through fontconfig: accents, CJK ...)."""
        if self._masks is not None and self._mask_key == (label, size):
            return self._masks
        glyphs = render(label or " ", size)
        pad = max(2, round(size * 0.3))
        box_w, box_h = _even_up(glyphs.shape[1] + 2 * pad), _even_up(glyphs.shape[0] + 2 * pad)
        mask = np.zeros((box_h, box_w), np.float32)
        mask[pad: pad + glyphs.shape[0], pad: pad + glyphs.shape[1]] = glyphs / 255.0
        half = cv2.resize(mask, (box_w // 2, box_h // 2), interpolation=cv2.INTER_AREA)
        self._mask_key, self._masks = (label, size), (mask, half)
        return mask, half

    def _place(self, box: tuple[int, ...], width: int, height: int, size: int, *, even: bool) -> tuple[int, int]:
        box_h, box_w = box[0], box[1]
        margin = round(size / 2)
        left = {"left": margin, "right": width - box_w - margin}.get(self.position.rpartition("-")[2],
                                                                       (width - box_w) // 2)
        top = {"top": margin, "bottom": height - box_h - margin}.get(self.position.partition("-")[0],
                                                                     (height - box_h) // 2)
        left = self.x if self.x >= 0 else left
        top = self.y if self.y >= 0 else top
        left, top = max(0, min(left, width - 1)), max(0, min(top, height - 1))
        if even:
            left, top = left & ~1, top & ~1
        return left, top


def blend(roi: np.ndarray, alpha: float | np.ndarray, value: int | tuple[int, ...]) -> None:
    """Mix ``value`` into ``roi`` in place: ``roi = roi * (1 - alpha) + value * alpha``."""
    if roi.size == 0:
        return
    weight = alpha if np.isscalar(alpha) or roi.ndim == 2 else np.asarray(alpha)[..., None]
    base = roi.astype(np.float32)
    target = np.asarray(value, np.float32)
    roi[...] = (base + (target - base) * weight + 0.5).astype(np.uint8)


def _even_up(value: int) -> int:
    return value + value % 2
