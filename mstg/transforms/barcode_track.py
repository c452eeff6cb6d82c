"""Video mode: which reads become events. Tracks follow each code while it moves, a code is
confirmed after N agreeing reads within M frames (a one-frame misread never is), and each
track is reported once, once per time window, or on every frame.

>>> from mstg.transforms.barcode_formats import Detection
>>> tracker = Tracker(confirm=(2, 3))
>>> code = Detection("qr_code", "a", ((0, 0), (10, 0), (10, 10), (0, 10)))
>>> [tracker.update([code], frame=n, seconds=n / 30) for n in range(3)]
[[], [(Detection(format='qr_code', raw_value='a', corners=((0, 0), (10, 0), (10, 10), (0, 10)), track=1), 'first')], []]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

from .barcode_formats import Detection

#: How a code seen again is reported: ``view`` once while it stays in view, ``once`` once per
#: run, ``off`` on every frame it is read, or a number of seconds between repeats.
DEDUPE_MODES = ("view", "once", "off")


def parse_confirm(text: str) -> tuple[int, int]:
    """``"2/3"`` -> (2, 3): 2 agreeing reads within 3 frames; ``"1"`` -> (1, 1)."""
    try:
        n, _, m = str(text).partition("/")
        reads, frames = int(n), int(m or n)
    except ValueError:
        raise ValueError(f"barcode: confirm must be N or N/M (reads within frames), not {text!r}") from None
    if not 1 <= reads <= frames <= 1000:
        raise ValueError(f"barcode: confirm {text!r}: need 1 <= N <= M <= 1000")
    return reads, frames


def parse_dedupe(text: str) -> str | float:
    """``view``, ``once``, ``off``, or seconds between repeats (``2.5``)."""
    value = str(text).strip().lower()
    if value in DEDUPE_MODES:
        return value
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ValueError(f"barcode: dedupe must be view, once, off or seconds (> 0), not {text!r}")
    return seconds


@dataclass
class _Track:
    id: int
    key: tuple[str, str]
    center: tuple[float, float]
    last_frame: int
    hits: deque[int] = field(default_factory=deque)
    confirmed: bool = False
    reported_at: float | None = None


class Tracker:
    """Turns each frame's reads into ``(detection with its track id, "first" | "repeat")``
    to report. ``absent``: frames a track may go unseen before it ends (a code back after
    that is a new sighting); ``reach``: how far (pixels, or the code's own size if larger) a
    code may move between reads and keep its track."""

    def __init__(self, *, confirm: tuple[int, int] = (1, 1), dedupe: str | float = "view",
                 absent: int = 30, reach: float = 200.0) -> None:
        self.confirm = confirm
        self.dedupe = dedupe
        self.absent = absent
        self.reach = reach
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._reported_keys: set[tuple[str, str]] = set()

    def update(self, found: list[Detection], *, frame: int,
               seconds: float) -> list[tuple[Detection, str]]:
        """This frame's reads (``frame`` counts searched frames, ``seconds`` its time)."""
        self._tracks = [t for t in self._tracks if frame - t.last_frame <= self.absent]
        out: list[tuple[Detection, str]] = []
        taken: set[int] = set()
        for item in found:
            track = self._match(item, taken)
            taken.add(track.id)
            track.center, track.last_frame = item.center, frame
            track.hits.append(frame)
            while track.hits and frame - track.hits[0] >= self.confirm[1]:
                track.hits.popleft()
            tracked = replace(item, track=track.id)
            if not track.confirmed and len(track.hits) >= self.confirm[0]:
                track.confirmed = True
            if not track.confirmed:
                continue
            sighting = self._sighting(track, seconds)
            if sighting is not None:
                out.append((tracked, sighting))
        return out

    def tracked(self, found: list[Detection]) -> list[Detection]:
        """``found`` with the ids of their confirmed tracks (what to draw); unconfirmed left out."""
        by_key = {}
        for t in self._tracks:
            if t.confirmed:
                by_key.setdefault(t.key, []).append(t)
        out = []
        for item in found:
            tracks = by_key.get(item.key)
            if tracks:
                best = min(tracks, key=lambda t: _distance(t.center, item.center))
                out.append(replace(item, track=best.id))
        return out

    def _match(self, item: Detection, taken: set[int]) -> _Track:
        xs = [p[0] for p in item.corners]
        reach = max(self.reach, max(xs) - min(xs))
        near = [t for t in self._tracks if t.key == item.key and t.id not in taken
                and _distance(t.center, item.center) <= reach]
        if near:
            return min(near, key=lambda t: _distance(t.center, item.center))
        track = _Track(self._next_id, item.key, item.center, -1)
        self._next_id += 1
        self._tracks.append(track)
        return track

    def _sighting(self, track: _Track, seconds: float) -> str | None:
        first = track.reported_at is None
        if self.dedupe == "once":
            if not first or track.key in self._reported_keys:
                return None
            self._reported_keys.add(track.key)
        elif self.dedupe == "view":
            if not first:
                return None
        elif isinstance(self.dedupe, float):
            if not first and seconds - (track.reported_at or 0.0) < self.dedupe:
                return None
        if first:
            track.reported_at = seconds
            return "first"
        if isinstance(self.dedupe, float):
            track.reported_at = seconds
        return "repeat"


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)
