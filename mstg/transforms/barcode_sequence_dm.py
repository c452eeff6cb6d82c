"""Structured append for Data Matrix (ECC 200): the header (ISO/IEC 16022 section 5.6) read
from the symbol's module grid, since zxing-cpp's Python binding gives no sign of it at all.

The grid is sampled as for QR codes (:mod:`.barcode_sequence`) with the size zxing-cpp read
(``extra['Version']``, rows x columns), the data regions' finder and timing borders are
dropped, and the codewords are read in the standard's placement order (annex F). A reading is
trusted only when it starts with the header's codeword 233 and the first three Reed-Solomon
syndromes of every interleaved block are zero (any turn or mirror image is tried; only the
right one passes). The header is then the first
codewords: 233, the sequence indicator (index in the high nibble, 17 - count in the low one)
and a two-codeword file id. Sizes of 144x144 (blocks of unequal length) and DMRE sizes are not
read.

>>> rows, cols = _placement(8, 8)
>>> rows.shape, int(rows[0]), int(cols[0])
((64,), 2, 6)
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import numpy as np

from .barcode_sequence import SequencePart, _cells, _threshold
from .barcode_sequence_aztec import _syndromes_zero

log = logging.getLogger(__name__)

#: (rows, columns) -> (regions down, regions across, region rows, region columns, blocks).
_SIZES = {
    (10, 10): (1, 1, 8, 8, 1), (12, 12): (1, 1, 10, 10, 1), (14, 14): (1, 1, 12, 12, 1),
    (16, 16): (1, 1, 14, 14, 1), (18, 18): (1, 1, 16, 16, 1), (20, 20): (1, 1, 18, 18, 1),
    (22, 22): (1, 1, 20, 20, 1), (24, 24): (1, 1, 22, 22, 1), (26, 26): (1, 1, 24, 24, 1),
    (32, 32): (2, 2, 14, 14, 1), (36, 36): (2, 2, 16, 16, 1), (40, 40): (2, 2, 18, 18, 1),
    (44, 44): (2, 2, 20, 20, 1), (48, 48): (2, 2, 22, 22, 1), (52, 52): (2, 2, 24, 24, 2),
    (64, 64): (4, 4, 14, 14, 2), (72, 72): (4, 4, 16, 16, 4), (80, 80): (4, 4, 18, 18, 4),
    (88, 88): (4, 4, 20, 20, 4), (96, 96): (4, 4, 22, 22, 4), (104, 104): (4, 4, 24, 24, 6),
    (120, 120): (6, 6, 18, 18, 6), (132, 132): (6, 6, 20, 20, 8),
    (8, 18): (1, 1, 6, 16, 1), (8, 32): (1, 2, 6, 14, 1), (12, 26): (1, 1, 10, 24, 1),
    (12, 36): (1, 2, 10, 16, 1), (16, 36): (1, 2, 14, 16, 1), (16, 48): (1, 2, 14, 22, 1),
}
#: Bit weights of a codeword, most significant first.
_WEIGHTS = 1 << np.arange(7, -1, -1)


@functools.lru_cache(maxsize=None)
def _placement(nrow: int, ncol: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) in the mapping matrix of each codeword bit, codeword by codeword, most
    significant bit first (ISO/IEC 16022 annex F)."""
    where: dict[tuple[int, int], tuple[int, int]] = {}
    taken = np.zeros((nrow, ncol), bool)

    def module(r: int, c: int, ch: int, bit: int) -> None:
        if r < 0:
            r += nrow
            c += 4 - ((nrow + 4) % 8)
        if c < 0:
            c += ncol
            r += 4 - ((ncol + 4) % 8)
        taken[r, c] = True
        where[(ch, bit)] = (r, c)

    def utah(r: int, c: int, ch: int) -> None:
        for bit, (dr, dc) in enumerate(((-2, -2), (-2, -1), (-1, -2), (-1, -1), (-1, 0), (0, -2),
                                        (0, -1), (0, 0)), 1):
            module(r + dr, c + dc, ch, bit)

    def corner(ch: int, cells: tuple[tuple[int, int], ...]) -> None:
        for bit, (r, c) in enumerate(cells, 1):
            module(r, c, ch, bit)

    n, m = nrow, ncol
    corners = {
        1: ((n - 1, 0), (n - 1, 1), (n - 1, 2), (0, m - 2), (0, m - 1), (1, m - 1), (2, m - 1), (3, m - 1)),
        2: ((n - 3, 0), (n - 2, 0), (n - 1, 0), (0, m - 4), (0, m - 3), (0, m - 2), (0, m - 1), (1, m - 1)),
        3: ((n - 3, 0), (n - 2, 0), (n - 1, 0), (0, m - 2), (0, m - 1), (1, m - 1), (2, m - 1), (3, m - 1)),
        4: ((n - 1, 0), (n - 1, m - 1), (0, m - 3), (0, m - 2), (0, m - 1), (1, m - 3), (1, m - 2), (1, m - 1)),
    }
    ch, row, col = 0, 4, 0
    while True:
        if row == n and col == 0:
            corner(ch, corners[1])
            ch += 1
        if row == n - 2 and col == 0 and m % 4:
            corner(ch, corners[2])
            ch += 1
        if row == n - 2 and col == 0 and m % 8 == 4:
            corner(ch, corners[3])
            ch += 1
        if row == n + 4 and col == 2 and not m % 8:
            corner(ch, corners[4])
            ch += 1
        while True:  # up and to the right
            if 0 <= row < n and 0 <= col < m and not taken[row, col]:
                utah(row, col, ch)
                ch += 1
            row, col = row - 2, col + 2
            if not (row >= 0 and col < m):
                break
        row, col = row + 1, col + 3
        while True:  # down and to the left
            if 0 <= row < n and 0 <= col < m and not taken[row, col]:
                utah(row, col, ch)
                ch += 1
            row, col = row + 2, col - 2
            if not (row < n and col >= 0):
                break
        row, col = row + 3, col + 1
        if not (row < n or col < m):
            break
    order = [where[(c, b)] for c in range(ch) for b in range(1, 9)]
    return np.array([r for r, _ in order]), np.array([c for _, c in order])


@functools.lru_cache(maxsize=None)
def _symbol_cells(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) in the symbol of each codeword bit in reading order."""
    down, across, rh, rw, _ = _SIZES[(rows, cols)]
    r, c = _placement(down * rh, across * rw)
    return (r // rh) * (rh + 2) + 1 + r % rh, (c // rw) * (rw + 2) + 1 + c % rw


def _views(grid: np.ndarray, shape: tuple[int, int]) -> list[np.ndarray]:
    out = []
    for candidate in (grid, ~grid):
        for turned in (candidate, candidate.T):
            out += [v for v in (np.rot90(turned, k) for k in range(4)) if v.shape == shape]
    return out


def dm_part(image: np.ndarray, result: Any) -> SequencePart | None:
    """The structured-append header of a Data Matrix code zxing-cpp read from ``image``
    (grey), or None when it has none or no reading of its grid passes the Reed-Solomon check."""
    return _dm_header(image, result) or None


def _dm_header(image: np.ndarray, result: Any) -> SequencePart | None | bool:
    """The header; None when it is not a valid one; False when no reading of the grid (any
    orientation) starts with 233 and passes the Reed-Solomon check."""
    try:
        rows, cols = (int(v) for v in str((result.extra or {})["Version"]).split("x"))
    except (KeyError, TypeError, ValueError):
        return False
    if (rows, cols) not in _SIZES:
        return False
    p = result.position
    corners = [(q.x, q.y) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    blocks = _SIZES[(rows, cols)][4]
    for shape in {(rows, cols), (cols, rows)}:  # zxing-cpp's corners may run along either side
        cells = _cells(image, corners, shape[1], shape[0])
        if cells is None:
            return False
        r, c = _symbol_cells(rows, cols)
        for view in _views(_threshold(cells), (rows, cols)):
            if int(view[r[:8], c[:8]].dot(_WEIGHTS)) != 233:  # no header in this reading
                continue
            words = [int(w) for w in view[r, c].reshape(-1, 8).dot(_WEIGHTS)]
            # GF(256) with 0x12D, as Aztec's 8-bit codewords
            if not all(_syndromes_zero(words[b::blocks], 8) for b in range(blocks)):
                continue
            # blocks take every n-th codeword, so the message's codewords are in stream order
            index, count = words[1] >> 4, 17 - (words[1] & 0xF)
            if not 2 <= count <= 16 or index >= count:
                return None
            ident = (words[2] << 8) | words[3]
            return SequencePart(index, count, ident, bytes(result.bytes), result.text, "data_matrix")
    # no header found: none, or a grid misread; either way nothing is remembered (False), so
    # a Data Matrix without a sequence is sampled each time it is read (see Parts)
    return False
