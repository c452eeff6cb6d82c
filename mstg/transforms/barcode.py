"""``barcode``: find and decode barcodes in video, report them as events, outline them.

The command-line form of the browser's barcode scanner (``BarcodeDetector`` inside a
``TransformStream``). zxing-cpp reads every format of the web's ``BarcodeDetector`` from the luma
plane; each detection is emitted like a ``DetectedBarcode`` and drawn (outline and label)
straight into the I420 planes that the encoder takes, so drawing needs no BGR round trip.

Example::

    mstg run -i cam0 -t barcode -o play
    mstg run -i shelf.mp4 -t "barcode:formats=ean_13,upc_a,once=true" -o null --events scans.jsonl

>>> Barcode(formats="qr_code,ean_13").format_names
('qr_code', 'ean_13')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import zxingcpp

from ..frames import VideoFrame
from .base import Transform

_F = zxingcpp.BarcodeFormat

#: The web's BarcodeDetector formats -> the zxing-cpp formats asked for.
FORMATS: dict[str, tuple[Any, ...]] = {
    "aztec": (_F.Aztec,),
    "code_128": (_F.Code128,),
    "code_39": (_F.Code39,),
    "code_93": (_F.Code93,),
    "codabar": (_F.Codabar,),
    "data_matrix": (_F.DataMatrix,),
    "ean_13": (_F.EAN13,),
    "ean_8": (_F.EAN8,),
    "itf": (_F.ITF,),
    "pdf417": (_F.PDF417,),
    "qr_code": (_F.QRCodeModel1, _F.QRCodeModel2),
    "upc_a": (_F.UPCA,),
    "upc_e": (_F.UPCE,),
}
#: zxing-cpp symbologies -> web names (EAN/UPC is told apart by format, below).
_BY_SYMBOLOGY = {"Aztec": "aztec", "Codabar": "codabar", "Code128": "code_128",
                 "Code39": "code_39", "Code93": "code_93", "DataMatrix": "data_matrix",
                 "ITF": "itf", "PDF417": "pdf417", "QRCode": "qr_code"}
_EANUPC = {"EAN13": "ean_13", "ISBN": "ean_13", "EAN8": "ean_8", "UPCA": "upc_a", "UPCE": "upc_e"}
#: Variants outside the web's list (Micro QR, rMQR, MicroPDF417): not reported.
_LEFT_OUT = {"MicroQRCode", "RMQRCode", "MicroPDF417"}
_CODABAR_GUARDS = "ABCDTNE*"

Point = tuple[int, int]


def parse_formats(text: str) -> tuple[str, ...]:
    """``"qr_code, ean_13"`` -> ``("qr_code", "ean_13")``; ``"all"`` or ``""`` -> every format."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if not names or names == ["all"]:
        return tuple(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ValueError(f"unknown barcode format(s) {', '.join(unknown)}; "
                         f"valid: {', '.join(FORMATS)} (or all)")
    return tuple(dict.fromkeys(names))


def web_value(result: Any, wanted: tuple[str, ...]) -> tuple[str, str] | None:
    """``(format, rawValue)`` of a zxing-cpp result as the web reports it, or None to leave out.

    UPC-A is its 12 digits (zxing-cpp gives a 0-prefixed EAN-13), UPC-E its 8 digits, Codabar
    its data without the start/stop characters.
    """
    fmt_name, text = result.format.name, result.text
    if fmt_name in _LEFT_OUT:
        return None
    symbology = result.symbology.name
    if symbology != "EANUPC":
        name = _BY_SYMBOLOGY.get(symbology)
        if name == "codabar":
            text = _without_guards(text)
        return (name, text) if name in wanted else None
    name = _EANUPC.get(fmt_name)
    if name == "ean_13" and "upc_a" in wanted and len(text) == 13 and text[0] == "0":
        name = "upc_a"
    if name == "upc_a" and len(text) == 13:
        text = text[1:]
    elif name == "upc_e":
        text = (result.extra or {}).get("UPCE", text)
    return (name, text) if name in wanted else None


def _without_guards(text: str) -> str:
    """Codabar data without its start/stop characters (A-D, or T N * E)."""
    if len(text) >= 2 and text[0] in _CODABAR_GUARDS and text[-1] in _CODABAR_GUARDS:
        return text[1:-1]
    return text


def clockwise_from_top_left(points: list[Point]) -> list[Point]:
    """The four corners clockwise on screen, starting at the one nearest the top-left corner."""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))
    if area < 0:  # y points down: a positive shoelace sum is clockwise as displayed
        points = points[::-1]
    start = min(range(len(points)), key=lambda i: (points[i][0] + points[i][1], points[i][1]))
    return points[start:] + points[:start]


@dataclass(frozen=True)
class Detection:
    """One decoded barcode in full-frame coordinates."""

    format: str
    raw_value: str
    corners: tuple[Point, ...]

    def event(self) -> dict[str, Any]:
        """As a ``DetectedBarcode`` (the chain adds ``type``, ``timestamp`` and ``frame``)."""
        xs, ys = [p[0] for p in self.corners], [p[1] for p in self.corners]
        return {"format": self.format, "rawValue": self.raw_value,
                "boundingBox": {"x": min(xs), "y": min(ys), "width": max(xs) - min(xs),
                                "height": max(ys) - min(ys)},
                "cornerPoints": [{"x": x, "y": y} for x, y in self.corners]}


@dataclass
class Barcode(Transform):
    """Detects barcodes (all of the web's ``BarcodeDetector`` formats), emits and outlines them.

    Each detection is an event like ``{"type": "barcode", "timestamp": 1533333, "frame": 46,
    "format": "qr_code", "rawValue": "...", "boundingBox": {...}, "cornerPoints": [4 x {x, y}]}``.
    See docs/barcode.md for the conventions of ``rawValue`` and ``cornerPoints``.

    Example: ``mstg run -i cam0 -t "barcode:formats=qr_code,once=true" -o play --events -``
    """

    name = "barcode"
    summary = "Find and decode barcodes (QR, EAN, Code 128, ...): events and outlines."
    kind = "video"
    #: The frame object itself: detection reads its luma (a view, for decoded YUV video) and
    #: the picture is converted (to I420, or BGR for odd sizes) only when something is drawn.
    pixel_format = None

    formats: str = field(default="all", metadata={
        "help": "Comma-separated formats to look for (default all of them).",
        "choices": ("all", *FORMATS), "multiple": True})
    scale: float = field(default=1.0, metadata={
        "help": "Detect on the luma plane downscaled by this factor (faster, misses small codes).",
        "min": 0.1, "max": 1.0})
    every: int = field(default=1, metadata={
        "help": "Detect on every Nth frame; the frames between keep the last result.",
        "min": 1, "max": 100})
    once: bool = field(default=False, metadata={
        "help": "Report a code once while it stays in view, not on every frame."})
    absent: int = field(default=30, metadata={
        "help": "With once: frames a code must be missing before it is reported again.",
        "min": 1, "max": 100000})
    highlight: bool = field(default=True, metadata={
        "help": "Outline each code and label it with its format and value."})

    def __post_init__(self) -> None:
        self.format_names = parse_formats(self.formats)
        if not 0.1 <= self.scale <= 1.0:
            raise ValueError(f"barcode: scale must be between 0.1 and 1, not {self.scale}")
        if not 1 <= self.every <= 100:
            raise ValueError(f"barcode: every must be between 1 and 100, not {self.every}")
        if not 1 <= self.absent <= 100_000:
            raise ValueError(f"barcode: absent must be 1 to 100000 frames, not {self.absent}")
        wanted = [f for name in self.format_names for f in FORMATS[name]]
        self._zx_formats = zxingcpp.BarcodeFormats(wanted)
        self._painter = Painter()
        self._small: np.ndarray | None = None
        self.setup({})

    def setup(self, settings: dict[str, Any]) -> None:
        self._count = 0
        self._since = 0
        self._size: tuple[int, int] | None = None
        self._held: list[Detection] = []
        self._missing: dict[tuple[str, str], int] = {}

    def process(self, data: Any, frame: VideoFrame) -> VideoFrame:
        size = (frame.width, frame.height)
        self._since += 1
        if self._count % self.every == 0 or size != self._size:
            self._held = self.detect(_luma(frame))
            self._report(self._held, self._since)
            self._size, self._since = size, 0
        self._count += 1
        if not self.highlight or not self._held:
            return frame
        if frame.width % 2 == 0 and frame.height % 2 == 0:
            canvas = frame.to_ndarray("yuv420p")
            self._painter.draw_i420(canvas, frame.width, frame.height, self._held)
            return frame.with_pixels(canvas, "yuv420p")
        canvas = frame.to_ndarray("bgr24")
        self._painter.draw_bgr(canvas, self._held)
        return frame.with_pixels(canvas, "bgr24")

    def detect(self, luma: np.ndarray) -> list[Detection]:
        """Decode the barcodes in a grey picture; corners in that picture's full resolution."""
        height, width = luma.shape[:2]
        image, fx, fy = luma, 1.0, 1.0
        if self.scale < 1.0:
            size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
            if self._small is None or self._small.shape != (size[1], size[0]):
                self._small = np.empty((size[1], size[0]), np.uint8)
            image = cv2.resize(luma, size, dst=self._small, interpolation=cv2.INTER_AREA)
            fx, fy = width / size[0], height / size[1]
        found = []
        for result in zxingcpp.read_barcodes(image, formats=self._zx_formats,
                                             text_mode=zxingcpp.TextMode.Plain):
            named = web_value(result, self.format_names) if result.valid else None
            if named is None:
                continue
            p = result.position
            corners = [(round(q.x * fx), round(q.y * fy))
                       for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
            found.append(Detection(named[0], named[1], tuple(clockwise_from_top_left(corners))))
        return found

    def _report(self, found: list[Detection], step: int) -> None:
        if not self.once:
            for item in found:
                self.emit(item.event())
            return
        keys = {(d.format, d.raw_value) for d in found}
        for key in [k for k in self._missing if k not in keys]:
            self._missing[key] += max(1, step)
            if self._missing[key] >= self.absent:
                del self._missing[key]
        for item in found:
            key = (item.format, item.raw_value)
            if key not in self._missing:
                self.emit(item.event())
            self._missing[key] = 0


def _luma(frame: VideoFrame) -> np.ndarray:
    """The grey picture to detect on: the Y plane as it is (a view when the frame is decoded
    I420: zxing-cpp needs no particular range), else the frame's grey."""
    planes = frame.yuv_planes()
    if planes is not None:
        return planes[0]
    even = frame.width % 2 == 0 and frame.height % 2 == 0
    if frame.format in ("bgr24", "rgb24", "bgra") and even:
        # one conversion to I420, reused by the drawing and the encoder; its Y rows are the luma
        return frame.to_ndarray("yuv420p")[: frame.height]
    return frame.to_ndarray("gray")


class Painter:
    """Draws outlines and labels scaled to the frame: into I420 planes, or into BGR."""

    outline_bgr = (0, 230, 0)
    label_bgr = (0, 0, 0)
    text_bgr = (255, 255, 255)

    def __init__(self) -> None:
        self._yuv = {c: _yuv_of(c) for c in (self.outline_bgr, self.label_bgr, self.text_bgr)}

    @staticmethod
    def sizes(width: int, height: int) -> tuple[int, float, int, int]:
        """Line width, font scale, font thickness and label padding for this frame size."""
        base = min(width, height)
        return (max(2, round(base / 240)), max(0.4, base / 960), max(1, round(base / 480)),
                max(2, round(base / 180)))

    def draw_i420(self, i420: np.ndarray, width: int, height: int, found: list[Detection]) -> None:
        y_plane = i420[:height]
        chroma = i420[height:].reshape(2, height // 2, width // 2)
        line, font, thick, pad = self.sizes(width, height)
        oy, ou, ov = self._yuv[self.outline_bgr]
        by, bu, bv = self._yuv[self.label_bgr]
        ty = self._yuv[self.text_bgr][0]
        for item in found:
            pts = np.array(item.corners, np.int32)
            cv2.polylines(y_plane, [pts], True, oy, line)
            for plane, value in ((chroma[0], ou), (chroma[1], ov)):
                cv2.polylines(plane, [pts // 2], True, value, (line + 1) // 2)
            text, (x0, y0, x1, y1), base = self._label(item, width, height, font, thick, pad)
            y_plane[y0:y1, x0:x1] = by
            chroma[0, y0 // 2: (y1 + 1) // 2, x0 // 2: (x1 + 1) // 2] = bu
            chroma[1, y0 // 2: (y1 + 1) // 2, x0 // 2: (x1 + 1) // 2] = bv
            cv2.putText(y_plane, text, (x0 + pad, base), cv2.FONT_HERSHEY_SIMPLEX, font, ty,
                        thick, cv2.LINE_AA)

    def draw_bgr(self, bgr: np.ndarray, found: list[Detection]) -> None:
        height, width = bgr.shape[:2]
        line, font, thick, pad = self.sizes(width, height)
        for item in found:
            cv2.polylines(bgr, [np.array(item.corners, np.int32)], True, self.outline_bgr, line)
            text, (x0, y0, x1, y1), base = self._label(item, width, height, font, thick, pad)
            bgr[y0:y1, x0:x1] = self.label_bgr
            cv2.putText(bgr, text, (x0 + pad, base), cv2.FONT_HERSHEY_SIMPLEX, font,
                        self.text_bgr, thick, cv2.LINE_AA)

    @staticmethod
    def _label(item: Detection, width: int, height: int, font: float, thick: int,
               pad: int) -> tuple[str, tuple[int, int, int, int], int]:
        """The label text, its box (x0, y0, x1, y1) above the code (else below), its baseline."""
        value = "".join(c if " " <= c <= "~" else ("." if c.isprintable() else " ")
                        for c in item.raw_value)
        text = f"{item.format}: {value[:40]}{'...' if len(value) > 40 else ''}"
        (tw, th), descent = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, thick)
        box_w, box_h = tw + 2 * pad, th + descent + 2 * pad
        xs, ys = [p[0] for p in item.corners], [p[1] for p in item.corners]
        x0 = min(max(0, min(xs)), max(0, width - box_w))
        y0 = min(ys) - box_h - 1 if min(ys) - box_h - 1 >= 0 else max(ys) + 1
        y0 = min(max(0, y0), max(0, height - box_h))
        return text, (x0, y0, min(width, x0 + box_w), min(height, y0 + box_h)), y0 + pad + th


def _yuv_of(bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    """A BGR colour as (Y, U, V), the way the frames' own I420 conversion makes it."""
    patch = np.empty((2, 2, 3), np.uint8)
    patch[:] = bgr
    i420 = cv2.cvtColor(patch, cv2.COLOR_BGR2YUV_I420)
    return int(i420[0, 0]), int(i420[2, 0]), int(i420[2, 1])
