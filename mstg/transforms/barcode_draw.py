"""Drawing the ``barcode`` highlight: outlines, and labels (track id, format, value) placed
beside each code so that they neither overlap each other nor leave the picture; drawn
straight into I420 planes, or into BGR for odd sizes.

>>> Painter.sizes(1280, 720)
(3, 22, 4)
"""

from __future__ import annotations

import cv2
import numpy as np

from .barcode_formats import Detection
from .textrender import render

Box = tuple[int, int, int, int]


class Painter:
    """Draws outlines and labels scaled to the frame: into I420 planes, or into BGR."""

    outline_bgr = (0, 230, 0)
    label_bgr = (0, 0, 0)
    text_bgr = (255, 255, 255)

    def __init__(self) -> None:
        self._yuv = {c: _yuv_of(c) for c in (self.outline_bgr, self.label_bgr, self.text_bgr)}

    @staticmethod
    def prepare() -> None:
        """Load the label font now rather than on the first label."""
        render("0", 22)

    @staticmethod
    def sizes(width: int, height: int) -> tuple[int, int, int]:
        """Line width, font size (pixels per em) and label padding for this frame size."""
        base = min(width, height)
        return max(2, round(base / 240)), max(11, round(base / 32)), max(2, round(base / 180))

    def draw_i420(self, i420: np.ndarray, width: int, height: int, found: list[Detection]) -> None:
        y_plane = i420[:height]
        chroma = i420[height:].reshape(2, height // 2, width // 2)
        line, font, pad = self.sizes(width, height)
        oy, ou, ov = self._yuv[self.outline_bgr]
        by, bu, bv = self._yuv[self.label_bgr]
        ty = self._yuv[self.text_bgr][0]
        for item in found:
            pts = np.array(item.corners, np.int32)
            cv2.polylines(y_plane, [pts], True, oy, line)
            for plane, value in ((chroma[0], ou), (chroma[1], ov)):
                cv2.polylines(plane, [pts // 2], True, value, (line + 1) // 2)
        for text, (x0, y0, x1, y1), _ in self.labels(found, width, height, font, pad):
            y_plane[y0:y1, x0:x1] = by
            chroma[0, y0 // 2: (y1 + 1) // 2, x0 // 2: (x1 + 1) // 2] = bu
            chroma[1, y0 // 2: (y1 + 1) // 2, x0 // 2: (x1 + 1) // 2] = bv
            _ink(y_plane[y0 + pad: y1, x0 + pad: x1], render(text, font), by, ty)

    def draw_bgr(self, bgr: np.ndarray, found: list[Detection]) -> None:
        height, width = bgr.shape[:2]
        line, font, pad = self.sizes(width, height)
        for item in found:
            cv2.polylines(bgr, [np.array(item.corners, np.int32)], True, self.outline_bgr, line)
        for text, (x0, y0, x1, y1), _ in self.labels(found, width, height, font, pad):
            bgr[y0:y1, x0:x1] = self.label_bgr
            mask = render(text, font)
            for channel in range(3):
                _ink(bgr[y0 + pad: y1, x0 + pad: x1, channel], mask, self.label_bgr[channel],
                     self.text_bgr[channel])

    @classmethod
    def labels(cls, found: list[Detection], width: int, height: int, font: int,
               pad: int) -> list[tuple[str, Box, int]]:
        """Each code's label text, box (x0, y0, x1, y1) and baseline: above its code, else
        below, else further out, the first place inside the picture that overlaps no label
        placed before it (and no other code's outline where that can be had)."""
        placed: list[Box] = []
        codes = [_bounds(item.corners) for item in found]
        out = []
        for n, item in enumerate(found):
            text = label_text(item)
            glyphs = render(text, font)
            box_w = min(width, glyphs.shape[1] + 2 * pad)
            box_h = min(height, glyphs.shape[0] + 2 * pad)
            others = codes[:n] + codes[n + 1:]
            box = _place(codes[n], box_w, box_h, width, height, placed, others)
            placed.append(box)
            out.append((text, box, box[1] + pad + glyphs.shape[0]))
        return out


def label_text(item: Detection) -> str:
    """``#3 qr_code: value`` (the track id when there is one), 40 characters of the value at most."""
    value = "".join(c if c.isprintable() else " " for c in item.raw_value)
    track = f"#{item.track} " if item.track is not None else ""
    return f"{track}{item.format}: {value[:40]}{'...' if len(value) > 40 else ''}"


def _ink(roi: np.ndarray, mask: np.ndarray, paper: int, ink: int) -> None:
    """Text of ``mask`` (alpha 0-255) in ``ink`` over ``paper``, into ``roi`` (clipped)."""
    mask = mask[: roi.shape[0], : roi.shape[1]]
    target = roi[: mask.shape[0], : mask.shape[1]]
    target[...] = (paper + (ink - paper) * (mask.astype(np.float32) / 255.0) + 0.5).astype(np.uint8)


def _bounds(corners: tuple[tuple[int, int], ...]) -> Box:
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place(code: Box, box_w: int, box_h: int, width: int, height: int, placed: list[Box],
           others: list[Box]) -> Box:
    """The first candidate place, kept inside the picture, that overlaps no placed label (and,
    better still, no other code); the plain spot above the code when none is free."""
    cx0, cy0, cx1, cy1 = code
    candidates = []
    for step in range(0, 8):  # above, below, then further out in label-height steps
        for y in (cy0 - box_h - 1 - step * box_h, cy1 + 1 + step * box_h):
            candidates += [(cx0, y), (cx1 - box_w, y)]  # flush left, or flush right
    candidates += [(cx1 + 1, cy0), (cx0 - box_w - 1, cy0)]

    def fit(x: int, y: int) -> Box:
        x = min(max(0, x), max(0, width - box_w))
        y = min(max(0, y), max(0, height - box_h))
        return x, y, x + box_w, y + box_h

    boxes = [fit(x, y) for x, y in candidates]
    for avoid in (placed + others + [code], placed + [code]):
        for box in boxes:
            if not any(_overlaps(box, other) for other in avoid):
                return box
    return boxes[0]


def _yuv_of(bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    """A BGR colour as (Y, U, V), the way the frames' own I420 conversion makes it."""
    patch = np.empty((2, 2, 3), np.uint8)
    patch[:] = bgr
    i420 = cv2.cvtColor(patch, cv2.COLOR_BGR2YUV_I420)
    return int(i420[0, 0]), int(i420[2, 0]), int(i420[2, 1])
