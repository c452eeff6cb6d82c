"""Structured append for Aztec codes: the header (ISO/IEC 24778 section 8) read from the
symbol's module grid, since zxing-cpp's Python binding only says that a symbol is a part (its
symbology identifier ``]z6``), not which.

The grid is sampled as for QR codes (:mod:`.barcode_sequence`), compact (11 + 4 layers modules)
or full range (15 + 4 layers, and reference grid lines); the data bits are read from the
outermost layer in, as codewords of 6 to 12 bits, and a reading is trusted only when its
Reed-Solomon syndromes are zero (any turn or mirror image is tried, and only the right one
passes). The header is then the message's start: mixed latch, upper latch, an optional
space-delimited id, and two capitals for the index and the count.

>>> _gf_tables(6)[0][:4]
[1, 2, 4, 8]
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import numpy as np

from .barcode_sequence import SequencePart, _cells, _threshold

log = logging.getLogger(__name__)

#: Primitive polynomials of the Aztec data Galois fields, by codeword size.
_PRIMITIVE = {6: 0x43, 8: 0x12D, 10: 0x409, 12: 0x1069}
#: Syndromes checked (the generator's roots alpha^1 .. alpha^n; Aztec has at least 3 check words).
_SYNDROMES = 3
_UPPER = [None, " ", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "LL", "ML", "DL", "BS"]
_LOWER = [None, " ", *"abcdefghijklmnopqrstuvwxyz", "US", "ML", "DL", "BS"]
_MIXED = [None, " ", *[chr(c) for c in range(1, 14)], *[chr(c) for c in range(27, 32)],
          "@", "\\", "^", "_", "`", "|", "~", "\x7f", "LL", "UL", "PL", "BS"]
_PUNCT = ["FLG", "\r", "\r\n", ". ", ", ", ": ", *"!\"#$%&'()*+,-./:;<=>?[]{}", "UL"]
_DIGIT = [None, " ", *"0123456789", ",", ".", "UL", "US"]


@functools.lru_cache(maxsize=None)
def _gf_tables(bits: int) -> tuple[list[int], list[int]]:
    """(exp, log) tables of GF(2^bits) for Aztec's primitive polynomial."""
    size = 1 << bits
    exp, log_ = [0] * (2 * size), [0] * size
    x = 1
    for i in range(size - 1):
        exp[i] = x
        log_[x] = i
        x <<= 1
        if x & size:
            x ^= _PRIMITIVE[bits]
    for i in range(size - 1, 2 * size):
        exp[i] = exp[i - (size - 1)]
    return exp, log_


def _syndromes_zero(words: list[int], bits: int) -> bool:
    exp, log_ = _gf_tables(bits)
    order = (1 << bits) - 1
    for i in range(1, _SYNDROMES + 1):
        value = 0
        for word in words:  # Horner: r(alpha^i), first codeword the highest power
            value = (exp[(log_[value] + i) % order] if value else 0) ^ word
        if value:
            return False
    return True


def _word_bits(layers: int) -> int:
    return 6 if layers <= 2 else 8 if layers <= 8 else 10 if layers <= 22 else 12


@functools.lru_cache(maxsize=None)
def _bit_cells(layers: int, compact: bool) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the data bits in reading order (ZXing's ``extractBits``)."""
    base = (11 if compact else 14) + layers * 4
    if compact:
        align = list(range(base))
    else:
        full = base + 1 + 2 * ((base // 2 - 1) // 15)
        half, centre = base // 2, full // 2
        align = [0] * base
        for i in range(half):
            offset = i + i // 15
            align[half - i - 1] = centre - offset - 1
            align[half + i] = centre + offset + 1
    total = ((88 if compact else 112) + 16 * layers) * layers
    rows, cols = np.zeros(total, int), np.zeros(total, int)
    offset = 0
    for i in range(layers):
        size = (layers - i) * 4 + (9 if compact else 12)
        low, high = i * 2, base - 1 - i * 2
        for j in range(size):
            for k in range(2):
                at = offset + j * 2 + k
                # matrix.get(x, y): x the column, y the row
                for n, (x, y) in enumerate(((low + k, low + j), (low + j, high - k),
                                            (high - k, high - j), (high - j, low + k))):
                    rows[at + n * 2 * size], cols[at + n * 2 * size] = align[y], align[x]
        offset += size * 8
    return rows, cols


def _matrix_size(layers: int, compact: bool) -> int:
    base = (11 if compact else 14) + layers * 4
    return base if compact else base + 1 + 2 * ((base // 2 - 1) // 15)


def _views(grid: np.ndarray) -> list[np.ndarray]:
    out = []
    for candidate in (grid, ~grid):
        for turned in (candidate, candidate.T):
            out += [np.rot90(turned, k) for k in range(4)]
    return out


def is_part(result: Any) -> bool:
    """Whether zxing-cpp's symbology identifier marks an Aztec code as a sequence part
    (modifier ``6`` to ``B``: ISO/IEC 24778 adds 6 for structured append)."""
    ident = str(result.symbology_identifier)
    return len(ident) == 3 and ident.startswith("]z") and ident[2] in "6789AB"


def aztec_part(image: np.ndarray, result: Any) -> SequencePart | None:
    """The structured-append header of an Aztec code zxing-cpp read from ``image`` (grey),
    or None when it is no part or no reading of its grid passes the Reed-Solomon check."""
    return _aztec_header(image, result) or None


def _aztec_header(image: np.ndarray, result: Any) -> SequencePart | None | bool:
    """The header; None when there is none; False when the grid could not be read."""
    if not is_part(result):
        return None
    try:
        layers = int((result.extra or {})["Version"])
    except (KeyError, TypeError, ValueError):
        return False
    p = result.position
    corners = [(q.x, q.y) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    bits = _word_bits(layers)
    for compact in ((True, False) if layers <= 4 else (False,)):
        size = _matrix_size(layers, compact)
        cells = _cells(image, corners, size)
        if cells is None:
            return False
        rows, cols = _bit_cells(layers, compact)
        for view in _views(_threshold(cells, size)):
            raw = view[rows, cols]
            start = len(raw) % bits
            words = [int("".join("1" if b else "0" for b in raw[at: at + bits]), 2)
                     for at in range(start, len(raw) - bits + 1, bits)]
            if not any(words) or not _syndromes_zero(words, bits):
                continue
            header = _header(_unstuffed(words, bits))
            if header is None:
                return None
            index, count, ident = header
            return SequencePart(index, count, ident, bytes(result.bytes), result.text, "aztec")
    log.debug("Aztec grid of %r: no reading passed the Reed-Solomon check", result.text)
    return False


def _unstuffed(words: list[int], bits: int, keep: int = 12) -> str:
    """The first ``keep`` data codewords as a bit string, stuffed codewords undone."""
    mask = (1 << bits) - 1
    out = []
    for word in words[:keep]:
        if word in (1, mask - 1):
            out.append(("1" if word > 1 else "0") * (bits - 1))
        else:
            out.append(format(word, f"0{bits}b"))
    return "".join(out)


def _header(stream: str) -> tuple[int, int, Any] | None:
    """(index, count, id) from the message's start (ML UL, " id ", two capitals), or None."""
    if len(stream) < 20 or stream[:10] != "1110111101":  # 29 (M/L), 29 (U/L)
        return None
    text, at, table, shift = "", 10, _UPPER, None
    while at < len(stream) and len(text) < 40:
        current = shift or table
        width = 4 if current is _DIGIT else 5
        if at + width > len(stream):
            break
        code = int(stream[at: at + width], 2)
        at += width
        shift = None
        value = current[code]
        if value in ("LL", "ML", "DL", "UL", "PL"):
            table = {"LL": _LOWER, "ML": _MIXED, "DL": _DIGIT, "UL": _UPPER, "PL": _PUNCT}[value]
        elif value in ("US", "BS") or value is None or value == "FLG":
            if value == "US":
                shift = _UPPER
            elif value is None:
                shift = _PUNCT
            else:
                break  # binary shift or FLG(n): not part of a header
        else:
            text += value
        if _complete(text):
            break
    return _complete(text)


def _complete(text: str) -> tuple[int, int, Any] | None:
    ident, rest = None, text
    if text.startswith(" "):
        end = text.find(" ", 1)
        if end < 0:
            return None
        ident, rest = text[1:end], text[end + 1:]
    if len(rest) < 2 or not (rest[0].isupper() and rest[1].isupper()):
        return None
    index, count = ord(rest[0]) - ord("A"), ord(rest[1]) - ord("A") + 1
    if count < 2 or index >= count:
        return None
    return index, count, ident
