"""Macro PDF417's checks and control block (:mod:`.barcode_sequence_pdf` reads the codewords):
the Reed-Solomon code in GF(929) (ISO/IEC 15438 annex A: the codewords, first the highest
power, vanish at 3^1 .. 3^k), with erasures solved from the syndromes, and the control block
(annex H): 928, the segment index, the file id, optional fields, 922 on the last segment.

>>> _segment_number([111, 100]), _segment_number([0, 12])
(0, 2)
>>> _control_block([5, 900, 928, 111, 101, 17, 922], "017")
(1, 2)
>>> words = [3, 65, 66, 475, 862, 860, 888]  # length, "AB" (text), level 1: 4 EC codewords
>>> _syndromes(words, 4).tolist(), _corrected([3, 0, 66, 475, 862, 860, 888], [1], 4)
([0, 0, 0, 0], [3, 65, 66, 475, 862, 860, 888])
"""

from __future__ import annotations

import numpy as np


def _syndromes(words: list[int], count: int) -> np.ndarray:
    """``words`` (first the highest power) at 3^1 .. 3^count in GF(929)."""
    roots = np.array([pow(3, i, 929) for i in range(1, count + 1)], np.int64)
    value = np.zeros(count, np.int64)
    for word in words:  # Horner at every root at once
        value = (value * roots + word) % 929
    return value


def _capacity(count: int) -> int:
    """Erasures solved with ``count`` error correction codewords: a quarter of them (at least
    2) are kept to check the solution; at most 64 (the solving time)."""
    return min(count - max(2, count // 4), 64)


def _corrected(words: list[int], erased: list[int], count: int) -> list[int] | None:
    """``words`` with the values at ``erased`` positions solved from the ``count``
    Reed-Solomon syndromes; None unless at least a quarter of them (2 or more) are left to
    check the rest, and do: a misread cell outside ``erased`` makes the system inconsistent."""
    if len(erased) > _capacity(count) or count >= len(words):
        return None
    words = list(words)
    for at in erased:
        words[at] = 0
    syndromes = _syndromes(words, count)
    if not erased:
        return words if not syndromes.any() else None
    # sum over erasures of value x X^j = -S_j, X = 3^(n - 1 - position), j = 1 .. count
    xs = np.array([pow(3, len(words) - 1 - at, 929) for at in erased], np.int64)
    system = np.zeros((count, len(erased) + 1), np.int64)
    power = np.ones(len(erased), np.int64)
    for j in range(count):
        power = power * xs % 929
        system[j, :-1] = power
    system[:, -1] = (-syndromes) % 929
    for col in range(len(erased)):  # Gaussian elimination mod 929 (a prime)
        pivot = next((r for r in range(col, count) if system[r, col]), None)
        if pivot is None:
            return None
        system[[col, pivot]] = system[[pivot, col]]
        system[col] = system[col] * pow(int(system[col, col]), 927, 929) % 929
        others = system[:, col].copy()
        others[col] = 0
        system = (system - others[:, None] * system[col][None, :]) % 929
    if system[len(erased):].any():
        return None  # the left-over syndromes disagree
    for n, at in enumerate(erased):
        words[at] = int(system[n, -1])
    return words if not _syndromes(words, count).any() else None


def _segment_number(words: list[int]) -> int | None:
    """Base-900 codewords to decimal digits, which must start with a 1 (dropped)."""
    value = 0
    for word in words:
        if word >= 900:
            return None
        value = value * 900 + word
    digits = str(value)
    if len(digits) < 2 or digits[0] != "1":
        return None
    return int(digits[1:])


def _control_block(data: list[int], file_id: str) -> tuple[int, int | None] | None:
    """(segment index, segment count or None when unknown) from the data codewords (the
    length descriptor first); None without a control block, or when its file id is not
    ``file_id`` (zxing-cpp's: 3-digit groups) or a field is malformed."""
    if 928 not in data[1:]:
        return None
    at = data.index(928, 1) + 1
    index = _segment_number(data[at: at + 2])
    if index is None or len(data) < at + 2:
        return None
    at += 2
    ident = []
    while at < len(data) and data[at] not in (922, 923):
        ident.append(data[at])
        at += 1
    if "".join(f"{word:03d}" for word in ident) != file_id:
        return None
    count, last = None, False
    while at < len(data):
        if data[at] == 922:
            last = True
            at += 1
            continue
        if data[at] != 923 or at + 1 >= len(data):
            return None
        field, at = data[at + 1], at + 2
        end = at
        while end < len(data) and data[end] not in (922, 923):
            end += 1
        if field == 1:  # segment count, numeric compaction
            count = _segment_number(data[at: end])
            if count is None:
                return None
        at = end
    if count is None and last:
        count = index + 1
    if count is not None and not index < count:
        return None
    return index, count
