"""Reading one grey picture: the plain zxing-cpp read, and photo mode's retry ladder.

Photo mode tries the picture as it is first and, only when that finds nothing, variants that
rescue hard photos, stopping at the first that reads: local contrast equalisation (CLAHE, for
low contrast and uneven light), then the picture scaled up 2x (small codes, where a module is
one or two pixels). A per-picture time cap bounds the ladder. Measured on
``../shared/testdata/barcodes`` (see docs/barcode.md and ``bench/barcode.py``).

Left out on purpose, because they misread or find nothing on photos: ``is_pure=True`` (reads
made-up empty codes out of photos) and ``return_errors=True`` (reports checksum failures as
codes). Only ``valid`` results are ever reported.

>>> reader = Reader(("qr_code",), photo=True)
>>> reader.read(np.full((64, 64), 255, np.uint8))
[]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import zxingcpp

from .barcode_formats import FORMATS, Detection, clockwise_from_top_left, web_value
from .barcode_sequence import SequencePart, _qr_header
from .barcode_sequence_aztec import _aztec_header, is_part
from .barcode_sequence_dm import _dm_header
from .barcode_sequence_pdf import _pdf_header

log = logging.getLogger(__name__)

#: Pictures whose longer side is at most this many pixels are also tried scaled up 2x.
UPSCALE_MAX_SIDE = 1400
#: Photo mode's default time cap per picture (seconds): later variants are skipped past it.
DEFAULT_CAP_S = 1.0


def _clahe(grey: np.ndarray) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(grey)


def _upscale(grey: np.ndarray) -> np.ndarray | None:
    if max(grey.shape[:2]) > UPSCALE_MAX_SIDE:
        return None
    return cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


#: The ladder after the plain read: (name, make the variant or None to skip, its scale).
VARIANTS: list[tuple[str, Callable[[np.ndarray], np.ndarray | None], float]] = [
    ("clahe", _clahe, 1.0),
    ("upscale", _upscale, 2.0),
]


class Reader:
    """Reads the wanted formats from grey pictures; ``photo`` adds the retry ladder.

    ``scale`` < 1 reads a downscaled copy (faster, for video); corners are always given in the
    picture's own pixels. ``roi`` (x, y, width, height) limits the search to that region.
    ``sequences``: QR, Aztec, Data Matrix and Macro PDF417 codes also get their
    structured-append header (``Detection.sequence``).
    """

    def __init__(self, format_names: tuple[str, ...], *, scale: float = 1.0, photo: bool = False,
                 cap_s: float = DEFAULT_CAP_S, sequences: bool = False) -> None:
        self.format_names = format_names
        self.scale = scale
        self.photo = photo
        self.cap_s = cap_s
        self.sequences = sequences
        self._parts = Parts()
        wanted = [f for name in format_names for f in FORMATS[name]]
        self._zx_formats = zxingcpp.BarcodeFormats(wanted)
        self._small: np.ndarray | None = None
        #: Which variant read each picture (``plain``, ``clahe``, ``upscale`` or ``none``).
        self.last_variant = "none"

    def read(self, grey: np.ndarray, roi: tuple[int, int, int, int] | None = None,
             variant: int | None = None) -> list[Detection]:
        """Decode ``grey``: the plain read, then (photo mode) the ladder until one reads.

        ``variant`` (video's cycling) tries only that one ladder step after a plain miss.
        """
        ox = oy = 0
        if roi is not None:
            ox, oy, w, h = roi
            grey = grey[oy: oy + h, ox: ox + w]
        started = time.perf_counter()
        found = self._read(grey, self._scaled(grey))
        self.last_variant = "plain" if found else "none"
        steps = VARIANTS if self.photo else []
        if variant is not None and not found:
            steps = [VARIANTS[variant % len(VARIANTS)]]
        for name, make, factor in steps:
            if found:
                break
            if time.perf_counter() - started > self.cap_s:
                log.debug("photo mode: time cap reached before %s", name)
                break
            picture = make(grey)
            if picture is None:
                continue
            found = self._read(grey, (picture, factor, factor))
            if found:
                self.last_variant = name
        if ox or oy:
            found = [Detection(d.format, d.raw_value, tuple((x + ox, y + oy) for x, y in d.corners),
                               sequence=d.sequence) for d in found]
        return found

    def _scaled(self, grey: np.ndarray) -> tuple[np.ndarray, float, float]:
        """The picture to read and its scale (``scale`` < 1: an area-averaged copy)."""
        if self.scale >= 1.0:
            return grey, 1.0, 1.0
        height, width = grey.shape[:2]
        size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        if self._small is None or self._small.shape != (size[1], size[0]):
            self._small = np.empty((size[1], size[0]), np.uint8)
        small = cv2.resize(grey, size, dst=self._small, interpolation=cv2.INTER_AREA)
        return small, size[0] / width, size[1] / height

    def _read(self, grey: np.ndarray, scaled: tuple[np.ndarray, float, float]) -> list[Detection]:
        image, fx, fy = scaled
        found = []
        for result in zxingcpp.read_barcodes(image, formats=self._zx_formats,
                                             text_mode=zxingcpp.TextMode.Plain):
            named = web_value(result, self.format_names) if result.valid else None
            if named is None:
                continue
            p = result.position
            corners = [(round(q.x / fx), round(q.y / fy))
                       for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
            part = self._parts.part(image, result) if self.sequences else None
            found.append(Detection(named[0], named[1], tuple(clockwise_from_top_left(corners)),
                                   sequence=part))
        return found


class Parts:
    """The structured-append header of each code zxing-cpp reads (QR codes, Aztec codes
    marked as parts, Data Matrix codes, PDF417 codes with a Macro PDF417 file id;
    :mod:`.barcode_sequence`), with a memory: a symbol seen again (same content and size and,
    for QR, mask and level, as in video where a code stays in view) is not sampled again.
    Only reliable samplings are remembered; at most ``size``. A Macro PDF417 that does not
    check out (tens of ms each time) is sampled again only after 1, 3, 7, ... 31 more
    sightings, so one in view of a camera costs little. ``sampled`` counts the symbols sampled.

    >>> Parts().part(np.zeros((8, 8), np.uint8), None) is None
    True
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._known: dict[tuple[Any, ...], SequencePart | None] = {}
        self._backoff: dict[tuple[Any, ...], tuple[int, int]] = {}  # PDF417: (failures, skip)
        self.sampled = 0

    def part(self, image: np.ndarray, result: Any) -> SequencePart | None:
        """The header of ``result`` (a zxing-cpp code read from ``image``), or None."""
        name = getattr(getattr(result, "format", None), "name", None)
        if name == "QRCode":  # Model 2 (Model 1 has no structured append)
            read = _qr_header
        elif name == "Aztec" and is_part(result):
            read = _aztec_header
        elif name == "DataMatrix":
            read = _dm_header
        elif name == "PDF417" and (result.extra or {}).get("FileId"):  # Macro PDF417
            read = _pdf_header
        else:
            return None
        extra = result.extra or {}
        key = (name, bytes(result.bytes), extra.get("Version"), extra.get("DataMask"),
               extra.get("ECLevel"), extra.get("FileId"))
        if key in self._known:
            return self._known[key]
        failures, skip = self._backoff.get(key, (0, 0))
        if skip:
            self._backoff[key] = (failures, skip - 1)
            return None
        self.sampled += 1
        try:
            part = read(image, result)
        except Exception as exc:  # noqa: BLE001 - a header that cannot be sampled costs the
            # sequence, never the code itself (odd corners from zxing-cpp on some photo)
            log.debug("%s %r: sequence header not read: %s", name, result.text, exc)
            part = False
        if part is False:
            if read is _pdf_header:
                if len(self._backoff) >= self.size:
                    self._backoff.pop(next(iter(self._backoff)))
                self._backoff[key] = (failures + 1, min(2 ** (failures + 1) - 1, 31))
            return None
        self._backoff.pop(key, None)
        if len(self._known) >= self.size:
            self._known.pop(next(iter(self._known)))
        self._known[key] = part
        return part
