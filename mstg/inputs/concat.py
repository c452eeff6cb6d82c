"""Several files one after another on one timeline: ``-i 'concat:a.mp4|b.mkv'``.

Each part is read in turn and its timestamps go on from where the one before ended (the end
of its longest track), so parts of different sizes and frame rates make one run; the outputs
scale every picture to the first one's size. The tracks are those of the first part; a later
part without one of them leaves a gap there.

>>> source = ConcatInput(["testsrc=size=64x48:rate=10", "testsrc=size=32x24:rate=5"], format="lavfi", duration=1)
>>> [t.kind for t in source.tracks], len(source.parts)
(['video'], 2)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from ..errors import UsageError
from .base import Frame, Input
from .media import MediaInput

log = logging.getLogger(__name__)
#: What starts a concatenation's spec (as FFmpeg's concat protocol).
PREFIX = "concat:"


def concat_parts(spec: str) -> list[str] | None:
    """The parts ``concat:a.mp4|b.mkv`` names, or None for another spec.

    >>> concat_parts("concat:a.mp4|b.mkv"), concat_parts("a.mp4")
    (['a.mp4', 'b.mkv'], None)
    """
    if not spec.startswith(PREFIX):
        return None
    parts = [p for p in spec[len(PREFIX):].split("|") if p]
    if not parts:
        raise UsageError(f"{spec}: name the files to join: concat:a.mp4|b.mp4")
    return parts


class ConcatInput(Input):
    """The parts, each opened as a :class:`~mstg.inputs.media.MediaInput` (``options`` apply
    to each), read in order on one timeline."""

    def __init__(self, parts: list[str], *, duration: float | None = None, realtime: bool = False,
                 **options: Any) -> None:
        super().__init__(f"{PREFIX}{'|'.join(parts)}", duration=duration, realtime=realtime)
        self.parts: list[MediaInput] = []
        try:
            for part in parts:
                self.parts.append(MediaInput(part, **options))
        except BaseException:
            self._close()
            raise
        first = self.parts[0]
        self.metadata = first.metadata  # tags and chapters: the first part's
        self._by_kind = {track.kind: self._add_source(track.kind, f"{self.name} {track.kind}",
                                                      first._sources[i].settings)
                         for i, track in enumerate(first.tracks)}

    @property
    def files(self) -> list[str]:
        return [path for part in self.parts for path in part.files]

    @property
    def duration_us(self) -> int | None:
        lengths = [p.duration_us for p in self.parts]
        total = None if None in lengths else sum(lengths)  # type: ignore[arg-type]
        if self.limit_us is not None:
            return self.limit_us if total is None else min(total, self.limit_us)
        return total

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        offset = 0
        counts: dict[str, int] = {}
        for part in self.parts:
            kinds = [t.kind for t in part.tracks]
            end = offset
            for index, frame in part._frames():
                mine = self._by_kind.get(kinds[index])
                if mine is None or self.stopping:
                    frame.close()
                    if self.stopping:
                        return
                    continue
                frame.timestamp += offset
                frame.index = counts.get(kinds[index], 0)
                counts[kinds[index]] = frame.index + 1
                end = max(end, frame.timestamp + (frame.duration or 0))
                yield mine, frame
            self.decode_errors += part.decode_errors
            log.debug("%s ends at %.3fs", part.name, end / 1e6)
            offset = end
            part._close()

    def _close(self) -> None:
        for part in self.parts:
            part._close()
