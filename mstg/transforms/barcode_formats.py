"""What the ``barcode`` transform reads: the web's format names, zxing-cpp results as the web
reports them (``rawValue`` conventions), corner order, and :class:`Detection`.

>>> parse_formats("qr_code, ean_13")
('qr_code', 'ean_13')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import zxingcpp

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
    #: The track (video mode): one id per code while it stays in view, moving or not.
    track: int | None = None
    #: Its place in a structured-append sequence (a ``barcode_sequence.SequencePart``), if any.
    sequence: Any = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """What tells codes apart: format and value."""
        return (self.format, self.raw_value)

    @property
    def center(self) -> tuple[float, float]:
        """The middle of the corners."""
        return (sum(p[0] for p in self.corners) / len(self.corners),
                sum(p[1] for p in self.corners) / len(self.corners))

    def event(self) -> dict[str, Any]:
        """As a ``DetectedBarcode`` (the chain adds ``type``, ``timestamp`` and ``frame``)."""
        xs, ys = [p[0] for p in self.corners], [p[1] for p in self.corners]
        return {"format": self.format, "rawValue": self.raw_value,
                "boundingBox": {"x": min(xs), "y": min(ys), "width": max(xs) - min(xs),
                                "height": max(ys) - min(ys)},
                "cornerPoints": [{"x": x, "y": y} for x, y in self.corners]}
