"""Where each video frame goes on the output's clock: its own time, or ``--fps``'s slots.

A pure iterator over frames (anything with ``timestamp`` and ``duration`` in microseconds):
it yields ``(frame, pts)`` to encode, ``(frame, None)`` for a frame dropped, and
``(REPEAT, pts)`` where the picture before fills an empty slot.

With a constant rate, as FFmpeg's ``-r`` does: each frame takes the nearest slot, a frame
whose slot is taken is dropped, an empty slot repeats the picture before it, and the last
picture lasts to its end.

>>> from collections import namedtuple
>>> from fractions import Fraction
>>> F = namedtuple("F", "timestamp duration")
>>> frames = [F(0, 100_000), F(300_000, 100_000), F(320_000, 100_000)]
>>> [(f if f is REPEAT else f.timestamp, pts) for f, pts in place(frames, Fraction(1, 10), constant=True)]
[(0, 0), ('repeat', 1), ('repeat', 2), (300000, 3), (320000, None)]
>>> [pts for _, pts in place(frames, Fraction(1, 10), constant=False)]
[0, 3, 4]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any

__all__ = ["REPEAT", "place", "tick"]

US = 1_000_000
#: Stands for "the picture before, again" in :func:`place`'s output.
REPEAT = "repeat"


def tick(timestamp: int, time_base: Fraction) -> int:
    """The nearest tick of ``time_base`` to ``timestamp`` (microseconds).

    >>> tick(33_333, Fraction(1, 30))
    1
    """
    return (timestamp * time_base.denominator + US * time_base.numerator // 2) // (US * time_base.numerator)


def place(frames: Iterable[Any], time_base: Fraction, *, constant: bool) -> Iterator[tuple[Any, int | None]]:
    """Each frame's tick of ``time_base`` (never back in time), or with ``constant`` the
    slots of a constant rate (see the module)."""
    last_pts = -1
    end_pts = 0  # with a constant rate: the slot after the last frame's end
    for frame in frames:
        pts = tick(frame.timestamp, time_base)
        if not constant:
            pts = max(pts, last_pts + 1)
        else:
            if frame.duration:
                end_pts = tick(frame.timestamp + frame.duration, time_base)
            if pts <= last_pts or (last_pts >= 0 and frame.duration and pts >= end_pts):
                yield frame, None  # its slot is taken, or comes after it: dropped
                continue
            if last_pts >= 0:
                for gap in range(last_pts + 1, pts):
                    yield REPEAT, gap
        last_pts = pts
        yield frame, pts
    if constant and last_pts >= 0:  # the last picture lasts to its end, as the others did
        for gap in range(last_pts + 1, end_pts):
            yield REPEAT, gap
