"""Reconnecting network inputs: a source that stalls or drops is opened again, with backoff.

A live network input (``rtsp``, ``rtmp``, ``srt``, ``tcp``, ``udp``, ``rtp``) reconnects by
default: a read that gets nothing for :data:`STALL_S` seconds, an error, or the end of the
stream opens the URL again (waiting :data:`BACKOFF_S` between tries) until data comes or the
input has sent nothing for its ``timeout`` in all. The outputs stay open; the timestamps go on
across the gap (the first frame after it is placed as far after the last as the gap lasted);
``start`` (``--start``) skips the beginning of the first connection only.
HTTP(S) inputs with ``reconnect=True`` use FFmpeg's own reconnection, which resumes a file
where it was (a byte range) rather than from its start.

>>> default_reconnect("rtsp://cam.local/stream", live=True), default_reconnect("clip.mp4", live=False)
(True, False)
>>> list(backoff(4))
[0.25, 0.5, 1.0, 2.0]
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

#: Schemes mstg reconnects itself (live streams: nothing to resume, only to join again).
RECONNECT_SCHEMES = ("udp", "rtp", "srt", "rtsp", "rtmp", "rtmps", "tcp")
#: Schemes FFmpeg's http protocol reconnects (resuming with a byte range).
HTTP_SCHEMES = ("http", "https")
#: Seconds without data after which a reconnecting input tries again (the total wait is its timeout).
STALL_S = 2.0
#: Pauses between tries, then the last one again.
BACKOFF_S = (0.25, 0.5, 1.0, 2.0)


def scheme_of(url: str) -> str:
    """``"rtsp"`` for ``rtsp://...``, ``""`` for a path."""
    return url.split("://", 1)[0].lower() if "://" in url else ""


def default_reconnect(url: str, *, live: bool) -> bool:
    """On for live network inputs, off for files, pipes and HTTP (which may be a file)."""
    return live and scheme_of(url) in RECONNECT_SCHEMES


def backoff(tries: int | None = None) -> Iterator[float]:
    """The pause before each try: :data:`BACKOFF_S`, then its last value for ever."""
    count = 0
    while tries is None or count < tries:
        yield BACKOFF_S[min(count, len(BACKOFF_S) - 1)]
        count += 1


def http_options(timeout: float | None) -> dict[str, str]:
    """FFmpeg's http options that reconnect a dropped or stalled download, within ``timeout``."""
    return {"reconnect": "1", "reconnect_streamed": "1", "reconnect_on_network_error": "1",
            "reconnect_delay_max": str(max(1, int(timeout or 10)))}


def stall_seconds(timeout: float | None) -> float:
    """How long one read of a reconnecting input waits before it counts as a stall."""
    return min(timeout or STALL_S, STALL_S)


class Reconnection:
    """One input's reconnection state: when data last came, how many times it reconnected,
    and the tries left before its ``timeout`` (seconds without data, in all) runs out.

    >>> state = Reconnection("tcp://127.0.0.1:9", timeout=0.1, stopping=threading.Event())
    >>> state.count, state.gave_up
    (0, False)
    """

    def __init__(self, url: str, *, timeout: float | None, stopping: threading.Event) -> None:
        self.url = url
        self.timeout = timeout or 10.0
        self.stopping = stopping
        self.count = 0
        self.gave_up = False
        self.last_data = time.monotonic()

    def got_data(self) -> None:
        """A packet came."""
        self.last_data = time.monotonic()

    def tries(self) -> Iterator[float]:
        """Yields the time left (seconds) before each try, pausing with backoff between
        them; ends when the timeout has run out or the input is stopping."""
        deadline = self.last_data + self.timeout
        for pause in backoff():
            if self.stopping.wait(min(pause, max(0.0, deadline - time.monotonic()))):
                return
            left = deadline - time.monotonic()
            if left <= 0:
                self.gave_up = True
                log.info("%s: no data for %gs: giving up after %d reconnect(s)", self.url,
                         self.timeout, self.count)
                return
            yield left

    def reconnected(self) -> float:
        """Count a reconnection; returns the seconds without data it bridged."""
        self.count += 1
        gap = time.monotonic() - self.last_data
        self.last_data = time.monotonic()
        log.info("%s: reconnected after %.1fs without data (%d so far)", self.url, gap, self.count)
        return gap


def match_streams(container: Any, kinds: dict[str, int]) -> dict[str, Any] | None:
    """The streams of a container opened again that stand for the tracks read before:
    ``kinds`` maps ``"video"`` / ``"audio"`` to the number of the track of that kind (cover
    art is not counted). None when one is missing."""
    import av

    cover = av.stream.Disposition.attached_pic
    found: dict[str, Any] = {}
    for kind, number in kinds.items():
        streams = [s for s in container.streams if s.type == kind and not s.disposition & cover]
        if number >= len(streams):
            return None
        found[kind] = streams[number]
    return found


class Reconnecting:
    """What :class:`~mstg.inputs.media.MediaInput` does to reconnect: open its URL again and
    carry on reading, each track from where it was. Needs the input's ``url``, ``container``,
    ``_selected`` streams and their per-stream bookkeeping."""

    reconnect: bool = False
    _reconnection: Reconnection | None = None
    # what the input that mixes this in has (annotations only)
    url: str
    name: str
    container: Any
    stopping: bool
    _selected: list[Any]
    _numbers: dict[int, int]
    _streams: dict[int, int]
    _shift_us: dict[int, int]
    _ends_us: dict[int, int]
    _copied: set[int]
    _origin_us: int | None

    @property
    def reconnects(self) -> int:
        """How many times the input was reconnected."""
        return self._reconnection.count if self._reconnection is not None else 0

    def _open_url(self, timeout: Any) -> Any:  # pragma: no cover - the input's own
        """The URL opened for reading (``timeout``: seconds, or (to open, for each read))."""
        raise NotImplementedError

    def _reconnects_itself(self) -> bool:
        return self.reconnect and scheme_of(self.url) in RECONNECT_SCHEMES

    def _reopen(self) -> Iterator[Any] | None:
        """Packets of the URL opened again (after a stall, an error or the end of a live
        stream), or None when the input does not reconnect or its timeout ran out."""
        state = self._reconnection
        if state is None or self.stopping:
            return None
        kinds = {s.type: self._numbers[s.index] for s in self._selected}
        for left in state.tries():
            log.info("%s: reconnecting (%.1fs left)", self.url, left)
            try:
                container = self._open_url((left, stall_seconds(left)))
            except Exception as exc:  # noqa: BLE001 - any failure to open is one more try
                log.info("%s: %s", self.url, exc)
                continue
            streams = match_streams(container, kinds)
            if streams is None:
                container.close()
                continue
            self._adopt(container, streams, state.reconnected())
            return container.demux(self._selected)
        return None

    def _adopt(self, container: Any, streams: dict[str, Any], gap_s: float) -> None:
        """Read from ``container`` from now on; each track's timestamps go on after the gap."""
        old = {s.type: s.index for s in self._selected}
        moved = {old[kind]: stream.index for kind, stream in streams.items()}
        for name in ("_streams", "_counts", "_next_pts_us", "_shift_us", "_ends_us", "_numbers",
                     "_orientations"):
            table = getattr(self, name)
            setattr(self, name, {moved[i]: v for i, v in table.items() if i in moved})
        self._copied = {moved[i] for i in self._copied if i in moved}
        resume_us = max(self._ends_us.values(), default=0) + int(gap_s * 1_000_000)
        for index in self._shift_us:
            self._shift_us[index] = resume_us
        self._ends_us = {}
        self._origin_us = None  # the new connection's first timestamp is the gap's end
        for stream in streams.values():
            stream.thread_type = "AUTO"
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the old connection is gone anyway
            pass
        self.container = container
        self._selected = list(streams.values())
