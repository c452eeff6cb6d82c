"""Structured append: codes whose value is split over several symbols, joined into one value.

zxing-cpp 3.1's Python binding reads each symbol of a sequence but does not say which part of
which sequence it is. For QR codes this module finds out from the picture: the symbol's
module grid is sampled at module centres through a homography from the corners zxing-cpp
gives, checked against the format information zxing-cpp read (error correction level and mask: a wrong grid or
orientation is refused), unmasked, and the first data codewords (block 0, in QR placement and
interleaving order) are parsed for the Structured Append header (mode 0011, index, count,
parity). A sequence is joined only when every part of one (count, parity) has been seen and
the XOR of all the bytes of the whole message equals the parity, which guards against a
mis-sampled header.

Aztec and Data Matrix headers are read the same way, checked by their Reed-Solomon code
(:mod:`.barcode_sequence_aztec`, :mod:`.barcode_sequence_dm`); Macro PDF417 control blocks
are read from the bars scanline by scanline (:mod:`.barcode_sequence_pdf`: the binding gives
only the file id, no segment index or count); ``barcode_read.Parts`` picks the reader for
each code.

>>> joiner = Joiner()
>>> joiner.add(SequencePart(1, 2, ord("a") ^ ord("b"), b"b", "b"), "y.png")
>>> whole = joiner.add(SequencePart(0, 2, ord("a") ^ ord("b"), b"a", "a"), "x.png")
>>> joined_value([part for part, _ in whole]), [where for _, where in whole]
('ab', ['x.png', 'y.png'])
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)

#: Error correction blocks per version (index 1-40) for each level (ISO/IEC 18004 table 9).
_BLOCKS = {
    "L": (0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12,
          13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25),
    "M": (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21,
          23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27,
          29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32,
          35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}
_EC_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
#: Pixels per module in the symbol warped upright (its centre pixel is the module's value).
_K = 5


@dataclass(frozen=True)
class SequencePart:
    """One symbol's place in a structured-append sequence (``index`` from 0) and its content.

    ``id`` tells sequences apart: for QR codes the parity byte of the whole message (checked
    when joining), for Aztec codes the optional id text (None without one), for PDF417 the
    file id. ``count`` is None when the part does not say (a Macro PDF417 segment without
    the segment count field that is not the last): another part of the sequence tells."""

    index: int
    count: int | None
    id: Any
    data: bytes
    text: str
    format: str = "qr_code"

    @property
    def key(self) -> tuple[str, int | None, Any]:
        """What tells sequences apart: (format, count, id); PDF417: (format, None, file id),
        the count being learnt from the parts that give it."""
        return (self.format, None if self.format == "pdf417" else self.count, self.id)


def qr_part(image: np.ndarray, result: Any) -> SequencePart | None:
    """The structured-append header of a QR code zxing-cpp read from ``image`` (grey), or None
    when it has none or the grid cannot be sampled reliably."""
    part = _qr_header(image, result)
    return part or None


def _qr_header(image: np.ndarray, result: Any) -> SequencePart | None | bool:
    """The header; None when the symbol has none; False when it could not be read reliably."""
    extra = result.extra or {}
    try:
        version, mask, level = int(extra["Version"]), int(extra["DataMask"]), str(extra["ECLevel"])
    except (KeyError, TypeError, ValueError):
        return False
    if not 1 <= version <= 40 or level not in _EC_BITS or not 0 <= mask <= 7:
        return False
    p = result.position
    corners = [(q.x, q.y) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    size = 17 + 4 * version
    cells = _cells(image, corners, size)
    if cells is None:
        return False
    turn = _orientation(_threshold(cells, size), version, level, mask)
    if turn is None:
        log.debug("QR grid of %r: format information does not match, no sequence header", result.text)
        return False
    grid = _threshold(_turned(cells, turn), size)
    header = _header(grid ^ _mask_grid(version, mask), version, level)
    if header is None:
        return None
    return SequencePart(header[0], header[1], header[2], bytes(result.bytes), result.text)


def _cells(image: np.ndarray, corners: list[tuple[float, float]], size: int,
           rows: int | None = None) -> np.ndarray | None:
    """The symbol (``size`` modules wide, ``rows`` high, square by default) warped upright to
    ``_K`` pixels per module, by a homography from its outer corners (zxing-cpp's position)."""
    if image.ndim != 2:
        return None
    high = size if rows is None else rows
    src = np.float32([(0, 0), (size, 0), (size, high), (0, high)])
    to_image = cv2.getPerspectiveTransform(src * _K, np.float32(corners))
    return cv2.warpPerspective(image, to_image, (size * _K, high * _K),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


def _threshold(cells: np.ndarray, size: int = 0) -> np.ndarray:
    """Dark modules (True): each module's centre pixel against the mean of Otsu's threshold
    over the symbol and the average of the 7x7 modules around it (uneven light, blur)."""
    centres = np.ascontiguousarray(cells[_K // 2::_K, _K // 2::_K]).astype(np.float32)
    otsu, _ = cv2.threshold(centres.astype(np.uint8).reshape(-1, 1), 0, 255,
                            cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    local = cv2.blur(centres, (7, 7), borderType=cv2.BORDER_REPLICATE)
    return centres <= (local + otsu) / 2


def _turned(cells: np.ndarray, turn: tuple[bool, bool, int]) -> np.ndarray:
    inverted, transposed, k = turn
    view = np.rot90(cells.T if transposed else cells, k)
    return 255 - view if inverted else np.ascontiguousarray(view)


def _format_bits(level: str, mask: int) -> int:
    data = (_EC_BITS[level] << 3) | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return ((data << 10) | rem) ^ 0x5412


@functools.lru_cache(maxsize=None)
def _format_cells(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, bit number) of both copies of the format information."""
    cells = [(i, 8, i) for i in range(6)] + [(7, 8, 6), (8, 8, 7), (8, 7, 8)]
    cells += [(8, 14 - i, i) for i in range(9, 15)]
    cells += [(8, size - 1 - i, i) for i in range(8)] + [(size - 15 + i, 8, i) for i in range(8, 15)]
    rows, cols, bits = zip(*cells)
    return np.array(rows), np.array(cols), np.array(bits)


def _orientation(grid: np.ndarray, version: int, level: str,
                 mask: int) -> tuple[bool, bool, int] | None:
    """(inverted, transposed, quarter turns) that make the grid's format information the one
    zxing-cpp read (at most 3 of its 30 bits off); None when none does."""
    size = grid.shape[0]
    rows, cols, bits = _format_cells(size)
    want = (_format_bits(level, mask) >> bits) & 1
    for inverted in (False, True):
        candidate = ~grid if inverted else grid
        for transposed in (False, True):
            turned = candidate.T if transposed else candidate
            for k in range(4):
                if np.count_nonzero(np.rot90(turned, k)[rows, cols] != want) <= 3:
                    return inverted, transposed, k
    return None


@functools.lru_cache(maxsize=None)
def _function_modules(version: int) -> np.ndarray:
    """True where a module is a function pattern (finders, separators, timing, alignment,
    format and version information, the dark module)."""
    size = 17 + 4 * version
    f = np.zeros((size, size), bool)
    f[6, :] = f[:, 6] = True
    f[:9, :9] = f[:9, size - 8:] = f[size - 8:, :9] = True
    if version >= 2:
        count = version // 7 + 2
        step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
        centres = [6] + [size - 7 - i * step for i in range(count - 1)][::-1]
        for r in centres:
            for c in centres:
                if not ((r == 6 and c == 6) or (r == 6 and c == centres[-1])
                        or (r == centres[-1] and c == 6)):
                    f[r - 2: r + 3, c - 2: c + 3] = True
    if version >= 7:
        f[: 6, size - 11: size - 8] = f[size - 11: size - 8, : 6] = True
    return f


@functools.lru_cache(maxsize=None)
def _mask_grid(version: int, mask: int) -> np.ndarray:
    size = 17 + 4 * version
    i, j = np.indices((size, size))
    return _MASKS[mask](i, j) & ~_function_modules(version)


@functools.lru_cache(maxsize=None)
def _placement(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the data modules in placement order (two-column zigzag from bottom right)."""
    size = 17 + 4 * version
    func = _function_modules(version)
    rows, cols = [], []
    rights = [r if r > 6 else r - 1 for r in range(size - 1, 0, -2)]
    for right in rights:
        if right < 0:
            continue
        upward = ((right + 1) & 2) == 0
        for vert in range(size):
            y = size - 1 - vert if upward else vert
            for x in (right, right - 1):
                if not func[y, x]:
                    rows.append(y)
                    cols.append(x)
    return np.array(rows), np.array(cols)


def _header(bits_grid: np.ndarray, version: int, level: str) -> tuple[int, int, int] | None:
    """(index, count, parity) from the first three data codewords of block 0, or None."""
    blocks = _BLOCKS[level][version]
    rows, cols = _placement(version)
    picks = [n * blocks for n in range(3)]
    if (picks[-1] + 1) * 8 > len(rows):
        return None
    stream = bits_grid[rows, cols]
    words = [int("".join("1" if b else "0" for b in stream[p * 8: p * 8 + 8]), 2) for p in picks]
    if words[0] >> 4 != 0b0011:
        return None
    index, count = words[0] & 0xF, (words[1] >> 4) + 1
    parity = ((words[1] & 0xF) << 4) | (words[2] >> 4)
    if count < 2 or index >= count:
        return None
    return index, count, parity


class Joiner:
    """Collects sequence parts (any order, repeats allowed) with where each was seen;
    :meth:`add` returns the parts in order, each with its ``where``, when the last part of a
    sequence arrives (for QR codes: and the parity of the whole agrees). A sequence is joined
    once. The count of a PDF417 sequence is the one its parts give (all that give one must
    agree; with none, the sequence waits)."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, int | None, Any], dict[int, tuple[SequencePart, Any]]] = {}
        self._done: set[tuple[Any, ...]] = set()

    def add(self, part: SequencePart, where: Any = None) -> list[tuple[SequencePart, Any]] | None:
        """Add ``part`` seen at ``where``; the whole sequence once it is complete and valid."""
        seen = self._parts.setdefault(part.key, {})
        seen[part.index] = (part, where)
        counts = {p.count for p, _ in seen.values() if p.count is not None}
        if len(counts) != 1:
            if len(counts) > 1:
                log.debug("%s sequence %r: its parts give counts %s: not joined", part.format,
                          part.id, sorted(counts))
            return None
        count = counts.pop()
        if len(seen) != count or any(i not in seen for i in range(count)):
            return None
        ordered = [seen[i] for i in range(count)]
        whole = b"".join(p.data for p, _ in ordered)
        done = (*part.key, whole)
        if done in self._done:
            return None
        parity = 0
        for byte in whole:
            parity ^= byte
        if part.format == "qr_code" and parity != part.id:
            log.debug("QR sequence %d of %d parts: parity of the whole %d: not joined",
                      part.id, part.count, parity)
            return None
        self._done.add(done)
        return ordered


def joined_value(parts: list[SequencePart]) -> str:
    """The whole value: the parts' bytes joined and read as UTF-8 (a character may be split
    between parts), else their texts joined."""
    try:
        return b"".join(p.data for p in parts).decode("utf-8")
    except UnicodeDecodeError:
        return "".join(p.text for p in parts)
