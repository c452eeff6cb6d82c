"""Structured append for PDF417 (Macro PDF417): the control block read from the bars, since
zxing-cpp's Python binding gives only its file id (``extra['FileId']``), no segment index,
count or last-segment flag.

The symbol is warped upright from the corners zxing-cpp gives (its top left is the symbol's,
whatever the turn; a mirror image is read backwards), with margins, and thresholded, then read
scanline by scanline as a laser scanner would: every codeword is 4 bars and 4 spaces over 17
modules, so from the start pattern on each 8 runs are one codeword, sampled at 17 module
centres between its first edge and the next codeword's (perspective changes the scale along
a line) and looked up in the three cluster tables (pdf417gen's ``codes.CODES``, inverted).
A line whose runs do not add up is read from both ends until a codeword does not read. The
left and right row indicators give each line's row (a line may cross into the next row when
the corners are off: each codeword goes to the nearby row of its cluster) and, across
clusters, the row count, the error correction level and the column count; the codewords are
voted per (row, column). When that does not check out, lines tilted across the symbol and
lines further above and below add their votes; a large symbol is last read again at half
size (zxing-cpp's corners of a large turned PDF417 are sometimes crossed or flattened). A
reading is trusted only when the Reed-Solomon syndromes (GF(929)) are zero, unread or
disputed cells being solved as erasures with at least a quarter of the syndromes left over
to check them, and its file id is zxing-cpp's; then the control block gives the part
(:mod:`.barcode_sequence_pdf_block`).

>>> len(_table()), int(_table()[START]), int(_table()[0x1D5C0])  # start: no codeword
(131072, -1, 0)
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import cv2
import numpy as np
import zxingcpp

from .barcode_sequence import SequencePart
from .barcode_sequence_pdf_block import _capacity, _control_block, _corrected

log = logging.getLogger(__name__)

START, STOP = 0x1FEA8, 0x3FA29
#: Pixels per source pixel across the symbol in the upright warp (sub-pixel module edges),
#: fewer for large symbols: the warp is at most this wide (or the symbol's width).
_OVERSAMPLE, _MAX_ACROSS = 4, 2400
#: Scanlines: at most this many (one per source pixel row below that).
_MAX_LINES = 360
#: Modules per pattern -> (module centres as fractions of its width, bit weights).
_SAMPLING = {n: (((np.arange(n) + 0.5) / n).astype(np.float32)[None, :], 1 << np.arange(n - 1, -1, -1))
             for n in (17, 18)}
#: A symbol this many pixels long or more that does not read is tried again at half size.
_SHRINK_ABOVE = 480
#: Passes tried one after the other (votes add up): (scanline tilt in rows across the symbol's
#: width, lines above and below the corners as a fraction of the width, not 10 % of the height:
#: zxing-cpp's corners of a large turned PDF417 can be far too close to each other).
_PASSES = ((0.0, 0.0), (0.5, 0.0), (-0.5, 0.0), (1.0, 0.0), (-1.0, 0.0), (0.0, 0.15))


@functools.lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """Every 17-bit bar/space pattern -> cluster (0-2) x 1000 + codeword value, or -1."""
    from pdf417gen.codes import CODES  # lazily: its package imports Pillow

    table = np.full(1 << 17, -1, np.int32)
    for cluster, codes in enumerate(CODES):
        table[np.asarray(codes[:929])] = cluster * 1000 + np.arange(929)
    return table


def pdf_part(image: np.ndarray, result: Any) -> SequencePart | None:
    """The Macro PDF417 control block of a PDF417 zxing-cpp read from ``image`` (grey), or
    None when it has none or it cannot be read reliably."""
    return _pdf_header(image, result) or None


def _pdf_header(image: np.ndarray, result: Any, shrink: bool = True) -> SequencePart | None | bool:
    """The part; None when the symbol has no control block; False when it could not be read.

    ``shrink``: when a large symbol does not read, read the picture again at half size, where
    zxing-cpp's corners of a large turned PDF417 are right more often, and the part there."""
    file_id = str((result.extra or {}).get("FileId") or "")
    if not file_id:
        return None
    if image.ndim != 2:
        return False
    p = result.position
    corners = np.float32([(q.x, q.y) for q in (p.top_left, p.top_right, p.bottom_right,
                                                p.bottom_left)])
    votes, mirrored = _Votes(), False
    for n, (tilt, wide) in enumerate(_PASSES):
        dark = _upright(image, corners, tilt / (votes.rows or 9), wide)
        if dark is None:
            return False
        if n == 0 and not votes.add(dark):  # a mirror image's corners come the other way round
            mirrored = votes.add(dark[:, ::-1])
        else:
            votes.add(dark[:, ::-1] if mirrored else dark)
        words = votes.codewords()
        if words is not None:
            break
    else:
        if shrink and np.ptp(corners, axis=0).max() > _SHRINK_ABOVE:
            half = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
            for again in zxingcpp.read_barcodes(half, formats=zxingcpp.BarcodeFormat.PDF417):
                if again.valid and bytes(again.bytes) == bytes(result.bytes) and \
                        (again.extra or {}).get("FileId") == file_id:
                    return _pdf_header(half, again, shrink=False)
        log.debug("PDF417 %r: no reading passed the Reed-Solomon check", result.text)
        return False
    block = _control_block(words[: words[0]], file_id) if 1 <= words[0] <= len(words) else None
    if block is None:
        log.debug("PDF417 %r: codewords check out but no control block for file id %s",
                  result.text, file_id)
        return False
    return SequencePart(block[0], block[1], file_id, bytes(result.bytes), result.text, "pdf417")


def _upright(image: np.ndarray, corners: np.ndarray, tilt: float = 0.0,
             wide: float = 0.0) -> np.ndarray | None:
    """The symbol warped upright (with margins: 3 % each side, 10 % of the height or
    ``wide`` x the width above and below), thresholded: True = bar. ``tilt`` moves the right
    side down by that fraction of its height (scanlines across rows, when zxing-cpp's corners
    are off)."""
    corners = corners.copy()
    corners[1:3] += tilt * (corners[2] - corners[1])
    width = float(max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])))
    height = float(max(np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])))
    if width < 20 or height < 3:
        return None
    across = int(min(width * _OVERSAMPLE, max(width, _MAX_ACROSS)))
    lines = int(min(max(height, 9), _MAX_LINES))
    margin = across * 0.03  # zxing-cpp's corners may cut a row or a module
    band = min(wide * width * lines / height, _MAX_LINES) if wide else lines * 0.1
    rect = np.float32([(margin, band), (margin + across, band), (margin + across, band + lines),
                       (margin, band + lines)])
    to_image = cv2.getPerspectiveTransform(rect, corners)
    size = (int(across + 2 * margin), int(lines + 2 * band))
    # beyond the picture: light, the quiet zone a symbol printed to the picture's edge lacks
    warped = cv2.warpPerspective(image, to_image, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    per = across / width  # warp pixels per source pixel
    warped = cv2.blur(warped, (max(1, round(per) - 1), 3))  # a little across, 3 lines down
    otsu, _ = cv2.threshold(warped, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # the threshold: halfway between Otsu's and the mean of the 6 source pixels around
    local = cv2.blur(warped.astype(np.float32), (max(3, round(per * 6)) | 1, 1),
                     borderType=cv2.BORDER_REPLICATE)
    return warped <= (local + otsu) / 2


def _line_edges(line: np.ndarray) -> np.ndarray | None:
    """Where each run of a scanline starts, from its first bar after light to the light
    after its last bar before the end (that light's start ends the list: a dark run at
    either end is the background beyond the quiet zone); None when too few."""
    edges = np.flatnonzero(line[1:] != line[:-1]) + 1
    edges = edges[int(line[0]): len(edges) - int(line[-1])]
    return edges if len(edges) >= 18 else None


def _patterns(line: np.ndarray, starts: np.ndarray, modules: int = 17) -> np.ndarray:
    """The bar/space pattern between each two successive ``starts``, sampled at ``modules``
    module centres."""
    fractions, weights = _SAMPLING[modules]
    left = starts[:-1, None].astype(np.float32)
    centres = left + fractions * (starts[1:, None] - left)
    return line[centres.astype(np.intp)] @ weights


def _line_codes(line: np.ndarray, edges: np.ndarray, cols: int | None = None) -> np.ndarray | None:
    """One scanline's codewords, start pattern to right row indicator (cluster x 1000 +
    value; -1 where unreadable, and for the start pattern), or None when its bars and spaces
    do not add up to a symbol (with ``cols`` known: the readable codewords from each end).

    Every codeword is 4 bars and 4 spaces, so from the first bar on, each 8 runs are one
    codeword (the stop pattern 9), whatever the scale along the line (perspective); each is
    sampled at 17 module centres between its first edge and the next codeword's."""
    whole, extra = divmod(len(edges) - 34, 8)
    ends_right = _patterns(line, edges[-10:][::9], 18)[0] == STOP
    if not extra and 1 <= whole <= 30 and ends_right:
        codes = _table()[_patterns(line, edges[0: 8 * (whole + 3) + 1: 8])]
        return codes if cols in (None, whole) else None
    if cols is None:
        return None
    out = np.full(cols + 3, -1, np.int32)
    n = min((len(edges) - 1) // 8, cols + 3)
    starts = edges[0: 8 * n + 1: 8]
    codes = _table()[_patterns(line, starts)]
    if _patterns(line, starts[:2])[0] == START:  # from the left, until one does not read
        for j in range(1, n):
            if codes[j] < 0:
                break
            out[j] = codes[j]
    n = min((len(edges) - 10) // 8, cols + 2) if ends_right else 0
    if n > 0:  # from the right, before the stop pattern
        codes = _table()[_patterns(line, edges[len(edges) - 10 - 8 * n: len(edges) - 9: 8])]
        for j in range(1, n + 1):
            if codes[-j] < 0:
                break
            at = cols + 3 - j
            out[at] = codes[-j] if out[at] in (-1, codes[-j]) else -2
    out[out == -2] = -1  # the two ends disagree there
    return out if (out >= 0).any() else None


class _Votes:
    """Codeword readings of many scanlines, voted per (row, column)."""

    def __init__(self) -> None:
        self.lines: dict[int, list[np.ndarray]] = {}  # column count -> lines' codewords
        self.broken: list[tuple[np.ndarray, np.ndarray]] = []  # (line, edges) read in part
        self.mended: dict[int, list[np.ndarray]] = {}  # column count -> their codewords
        self.rows = 0  # the symbol's, once the row indicators tell

    def add(self, dark: np.ndarray) -> int:
        """Read every scanline of ``dark``; how many had a symbol's bars and spaces."""
        read = 0
        for line in dark:
            edges = _line_edges(line)
            if edges is None:
                continue
            codes = _line_codes(line, edges)
            if codes is not None:
                self.lines.setdefault(len(codes) - 3, []).append(codes)
                read += 1
            else:
                self.broken.append((line, edges))
        return read

    def codewords(self) -> list[int] | None:
        """All the codewords (data then error correction), row by row, when every one is
        read with a clear majority and the Reed-Solomon syndromes are zero; else None."""
        if not self.lines:
            return None
        cols = max(self.lines, key=lambda c: len(self.lines[c]))
        mended = self.mended.setdefault(cols, [])
        for line, edges in self.broken[len(mended):]:
            codes = _line_codes(line, edges, cols)
            mended.append(codes if codes is not None else np.full(cols + 3, -1, np.int32))
        indicators: dict[tuple[int, int], dict[int, int]] = {}  # (cluster, side) -> votes
        votes: dict[tuple[int, int], dict[int, int]] = {}
        for codes in self.lines[cols] + mended:
            near = _rows(codes[1], codes[cols + 2], indicators)
            for col, code in enumerate(codes[2: cols + 2]):
                if code < 0 or not near:
                    continue
                row = near[code // 1000]  # the one of the 3 rows in its cluster
                cell = votes.setdefault((row, col), {})
                cell[code % 1000] = cell.get(code % 1000, 0) + 1
        info = _symbol_info(indicators)
        if info is None or info[1] != cols or info[0] * cols > 928:  # 928 codewords at most
            return None
        rows, _, level = info
        self.rows = rows
        words, weak, doubt = [], [], []
        for row in range(rows):
            for col in range(cols):
                cell = votes.get((row, col), {})
                ranked = sorted(cell.values(), reverse=True) + [0, 0]
                if ranked[0] < 2 or ranked[1] * 3 >= ranked[0]:
                    weak.append(len(words))  # unread, or no clear majority: an erasure
                else:
                    doubt.append((ranked[0] - ranked[1], len(words)))
                words.append(max(cell, key=cell.__getitem__) if cell else 0)
        count = 2 ** (level + 1)
        # then the least agreed cells too: a few scanlines may agree on a misread
        doubt = [at for _, at in sorted(doubt)][: _capacity(count) - len(weak)]
        for more in sorted({0, len(doubt) // 2, len(doubt)}):
            corrected = _corrected(words, weak + doubt[:more], count)
            if corrected is not None:
                return corrected
        return None


def _rows(left: int, right: int, indicators: dict[tuple[int, int], dict[int, int]]) -> list[int]:
    """The 3 rows from which a scanline's codewords may be (its row indicators' rows and one
    or two beside: a line may cross from one row to the next when the corners zxing-cpp gives
    are off), by cluster; [] when its indicators are unread or too far apart. Each
    indicator's value is counted for :func:`_symbol_info`."""
    rows = []
    for side, code in ((0, left), (1, right)):
        if code < 0:
            continue
        cluster, value = divmod(int(code), 1000)
        rows.append(3 * (value // 30) + cluster)
        cell = indicators.setdefault((cluster, side), {})
        cell[value % 30] = cell.get(value % 30, 0) + 1
    if not rows or max(rows) - min(rows) > 1:
        return []
    first = max(min(rows) - 1, 0)
    return sorted(range(first, first + 3), key=lambda r: r % 3)


def _symbol_info(indicators: dict[tuple[int, int], dict[int, int]]) -> tuple[int, int, int] | None:
    """(rows, columns, error correction level) from the row indicators' votes: cluster 0
    gives (rows - 1) // 3 on the left and columns - 1 on the right, cluster 1 level x 3 +
    (rows - 1) % 3 on the left and (rows - 1) // 3 on the right, cluster 2 columns - 1 on the
    left and level x 3 + (rows - 1) % 3 on the right."""
    meaning = {(0, 0): "rows", (0, 1): "cols", (1, 0): "level", (1, 1): "rows",
               (2, 0): "cols", (2, 1): "level"}
    tally: dict[str, dict[int, int]] = {}
    for key, cell in indicators.items():
        for value, n in cell.items():
            slot = tally.setdefault(meaning[key], {})
            slot[value] = slot.get(value, 0) + n
    if len(tally) < 3:
        return None
    best = {name: max(slot, key=slot.__getitem__) for name, slot in tally.items()}
    rows = 3 * best["rows"] + best["level"] % 3 + 1
    level = best["level"] // 3
    if not 3 <= rows <= 90 or level > 8:
        return None
    return rows, best["cols"] + 1, level
