"""Track adapters between aiortc and mstg: a peer's tracks as an mstg input, an mstg output's
tracks as aiortc tracks sent to peers.

* :class:`PeerInput`: the tracks a browser (or OBS) sends, as a live mstg :class:`Input`;
  the event loop hands each decoded frame straight to the input's tracks, whose readers drop
  the oldest frame rather than lag.
* :class:`OutboundTrack`: an aiortc track that sends what mstg pushes into it, holding at most
  a frame or two (the oldest is dropped).
* :class:`PeerOutput`: a live mstg :class:`Output` that converts each frame once and pushes it
  to every peer's :class:`OutboundTrack` (one page, or every WHEP viewer).

>>> PeerInput("browser", ["video", "audio"]).live
True
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack as RtcTrack
from aiortc.mediastreams import MediaStreamError

from ..frames import AudioData, VideoFrame
from ..inputs.base import Input
from ..outputs.live import LiveOutput
from ..tracks import MediaStreamTrackProcessor
from .loop import LoopThread

log = logging.getLogger(__name__)
US = 1_000_000
VIDEO_CLOCK = 90_000
#: Frames an outbound track holds for the sender: a slow encoder drops the oldest.
OUTBOUND_DEPTH = {"video": 1, "audio": 10}


class PeerInput(Input):
    """A remote peer's tracks as a live input: :meth:`receive` pumps one aiortc track into it.

    Timestamps start at 0 when the first frame of any kind arrives; each frame's
    ``capture_time`` is when it arrived decoded (latency is measured from there).
    """

    live = True

    def __init__(self, name: str, kinds: list[str], *, duration: float | None = None) -> None:
        super().__init__(name, duration=duration)
        self._index = {kind: self._add_source(kind, f"{kind} from {name}") for kind in kinds}
        self._origin: float | None = None
        self._first_pts: dict[str, tuple[int, float]] = {}
        self._last_us: dict[str, int] = {}
        self._pumping = set(kinds)
        self._count = 0
        self._ended = threading.Event()

    async def receive(self, track: RtcTrack) -> None:
        """Read ``track`` until it ends (the peer left), feeding this input's track of its kind."""
        kind = track.kind
        try:
            while not self.stopping:
                frame = await track.recv()
                self._deliver(kind, frame)
        except MediaStreamError:
            pass
        finally:
            self._pumping.discard(kind)
            if not self._pumping:
                self._ended.set()

    def finish(self) -> None:
        """The peer has gone: the tracks end."""
        self._ended.set()

    def _deliver(self, kind: str, frame: Any) -> None:
        now = time.monotonic()
        if self._origin is None:
            self._origin = now
        if kind not in self._first_pts:
            self._first_pts[kind] = (frame.pts or 0, now - self._origin)
        first_pts, offset = self._first_pts[kind]
        stamp = int(((frame.pts or 0) - first_pts) * frame.time_base * US + offset * US)
        previous = self._last_us.get(kind)
        if previous is not None and stamp <= previous:
            stamp = previous + 1
        self._last_us[kind] = stamp
        if kind == "video":
            duration = stamp - previous if previous is not None else US // 30
            wrapped: VideoFrame | AudioData = VideoFrame.from_av(
                frame, timestamp=stamp, duration=duration, capture_time=now, index=self._count)
            self._count += 1
        else:
            wrapped = AudioData.from_av(frame, timestamp=stamp, capture_time=now)
        if self.stopping or (self.limit_us is not None and stamp >= self.limit_us):
            wrapped.close()
            if not self.stopping:
                self.finish()  # --duration reached
            return
        self.frames_read += 1
        self.position_us = max(self.position_us, stamp)
        self._sources[self._index[kind]].deliver(wrapped)

    def _frames(self) -> Iterator[tuple[int, VideoFrame | AudioData]]:
        """Frames are delivered by :meth:`receive` on the event loop: this only waits for the end."""
        while not (self._ended.is_set() or self._stop.wait(0.1)):
            pass
        return iter(())


class OutboundTrack(RtcTrack):
    """An aiortc track fed by :meth:`push` (on the event loop's thread)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._queue: deque[Any] = deque()
        self._depth = OUTBOUND_DEPTH[kind]
        self._wake = asyncio.Event()
        self._finished = False
        self.dropped = 0

    def push(self, frame: Any) -> None:
        self._queue.append(frame)
        while len(self._queue) > self._depth:
            self._queue.popleft()
            self.dropped += 1
        self._wake.set()

    def finish(self) -> None:
        self._finished = True
        self._wake.set()

    async def recv(self) -> Any:
        while not self._queue:
            if self._finished or self.readyState != "live":
                raise MediaStreamError
            self._wake.clear()
            await self._wake.wait()
        return self._queue.popleft()


class _Converter:
    """mstg frames -> PyAV frames as aiortc's encoders take them (fresh objects each time)."""

    def __init__(self) -> None:
        self._resampler: av.AudioResampler | None = None
        self._last_pts = -1

    def video(self, frame: VideoFrame) -> av.VideoFrame:
        if frame.width % 2 == 0 and frame.height % 2 == 0:
            out = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame.to_ndarray("yuv420p")), format="yuv420p")
        else:
            out = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame.to_ndarray("bgr24")), format="bgr24")
        pts = max(self._last_pts + 1, frame.timestamp * VIDEO_CLOCK // US)
        self._last_pts = out.pts = pts
        out.time_base = Fraction(1, VIDEO_CLOCK)
        return out

    def audio(self, frame: AudioData) -> list[av.AudioFrame]:
        channels = frame.number_of_channels
        planar = np.ascontiguousarray(frame.to_ndarray("fltp"))
        source = av.AudioFrame.from_ndarray(planar, format="fltp",
                                            layout="mono" if channels == 1 else frame.layout)
        source.sample_rate = frame.sample_rate
        source.pts = frame.timestamp * frame.sample_rate // US
        source.time_base = Fraction(1, frame.sample_rate)
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="s16", layout="mono" if channels == 1 else "stereo",
                                                rate=48000)
        return list(self._resampler.resample(source))


class PeerOutput(LiveOutput):
    """Sends the pipeline's tracks to WebRTC peers: each peer gets its own
    :class:`OutboundTrack` pair from :meth:`new_tracks`; frames are converted once for all."""

    name = "webrtc"

    def __init__(self, loop: LoopThread, name: str = "webrtc") -> None:
        super().__init__()
        self.name = name
        self.loop = loop
        self._sinks: dict[str, list[OutboundTrack]] = {"video": [], "audio": []}
        self._sinks_lock = threading.Lock()
        self.ended = threading.Event()
        #: The most video frames a second sent (None: as they come); the others are dropped.
        self.max_fps: float | None = None

    def new_tracks(self, kinds: tuple[str, ...] = ("video", "audio")) -> dict[str, OutboundTrack]:
        """A fresh track of each kind for one more peer (call on the loop's thread)."""
        made = {kind: OutboundTrack(kind) for kind in kinds}
        with self._sinks_lock:
            for kind, track in made.items():
                self._sinks[kind].append(track)
        if self.ended.is_set():
            for track in made.values():
                track.finish()
        return made

    def forget(self, tracks: dict[str, OutboundTrack]) -> None:
        """Stop feeding one peer's tracks (it has gone)."""
        with self._sinks_lock:
            for kind, track in tracks.items():
                if track in self._sinks[kind]:
                    self._sinks[kind].remove(track)

    def _push(self, kind: str, frames: list[Any]) -> None:
        with self._sinks_lock:
            sinks = list(self._sinks[kind])
        for track in sinks:
            for frame in frames:
                track.push(frame)

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        convert = _Converter()
        last_sent: int | None = None
        while True:
            frame, ended = self._next(processor, 0.25)
            if frame is None:
                if ended:
                    return
                continue
            if kind == "video" and self.max_fps and last_sent is not None \
                    and frame.timestamp - last_sent < 0.9 * US / self.max_fps:
                frame.close()  # over --fps
                continue
            last_sent = frame.timestamp if kind == "video" else last_sent
            try:
                out = [convert.video(frame)] if isinstance(frame, VideoFrame) else convert.audio(frame)
                self.loop.soon(self._push, kind, out)
                self.frames_written[kind] += 1
                if kind == self.latency_kind:
                    self._record_latency(frame)
            finally:
                frame.close()

    def _finish(self) -> None:
        self.ended.set()

        def end_all() -> None:
            with self._sinks_lock:
                tracks = [t for sinks in self._sinks.values() for t in sinks]
            for track in tracks:
                track.finish()
        self.loop.soon(end_all)
