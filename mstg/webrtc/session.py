"""One visitor of the page: their camera and microphone in, the pipeline, the result back.

Each offer the page posts becomes a :class:`PageSession`: a :class:`~mstg.webrtc.media.PeerInput`
for what the browser sends, a :class:`~mstg.Pipeline` running the transforms, and a
:class:`~mstg.webrtc.media.PeerOutput` sending the processed tracks back. Events and live
figures go to the page over the ``events`` DataChannel the page opens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection

from ..outputs.base import Output
from ..pipeline import Pipeline
from .loop import LoopThread
from .media import PeerInput, PeerOutput
from .negotiate import answer, check_sdp, negotiated_codec, offered_kinds

log = logging.getLogger(__name__)
#: How often the page gets the live figures (seconds).
STATS_EVERY_S = 0.5


class PageSession:
    """A peer connection and the pipeline that serves it (made by :meth:`open`)."""

    def __init__(self, number: int, loop: LoopThread, *, transforms: list[Any],
                 outputs: list[Output], on_event: Callable[[dict[str, Any]], None] | None,
                 video_codec: str = "auto", max_fps: float | None = None, on_end: Callable[[PageSession], None] | None = None) -> None:
        self.number = number
        self.loop = loop
        self.pc = RTCPeerConnection()
        self.transforms = transforms
        self.outputs = outputs
        self.on_event = on_event
        self.video_codec = video_codec
        self.max_fps = max_fps
        self.on_end = on_end
        self.channel: Any = None
        self.codecs: dict[str, str | None] = {}
        self.input: PeerInput | None = None
        self.output: PeerOutput | None = None
        self.pipeline: Pipeline | None = None
        self.error: BaseException | None = None
        self._closed = asyncio.Event()

    async def open(self, offer_sdp: str) -> str:
        """Answer the page's offer and start the pipeline; returns the answer's SDP."""
        pc = self.pc
        pc.on("datachannel", self._on_channel)
        pc.on("connectionstatechange", self._on_state)
        pc.on("track", self._on_track)
        check_sdp(offer_sdp)
        kinds = sorted(set(offered_kinds(offer_sdp)), key=("video", "audio").index)
        self.input = PeerInput(f"browser {self.number}", kinds)
        self.output = PeerOutput(self.loop, name=f"browser {self.number}")
        self.output.max_fps = self.max_fps
        for track in self.output.new_tracks(tuple(kinds)).values():
            pc.addTrack(track)
        sdp = await answer(pc, offer_sdp, video_codec=self.video_codec)
        self.codecs = {kind: negotiated_codec(sdp, kind) for kind in kinds}
        self.pipeline = Pipeline([self.input], [self.output, *self.outputs], self.transforms,
                                 on_event=self._event)
        threading.Thread(target=self._run, name=f"session:{self.number}", daemon=True).start()
        asyncio.ensure_future(self._send_stats())
        log.info("browser %d connected (%s)", self.number,
                 ", ".join(f"{k} {c}" for k, c in self.codecs.items() if c))
        return sdp

    def _on_track(self, track: Any) -> None:
        assert self.input is not None
        asyncio.ensure_future(self.input.receive(track))

    def _on_channel(self, channel: Any) -> None:
        self.channel = channel

    async def _on_state(self) -> None:
        if self.pc.connectionState in ("failed", "closed"):
            await self.close(f"browser {self.number} left ({self.pc.connectionState})")

    def _send(self, message: dict[str, Any]) -> None:
        channel = self.channel
        if channel is not None and channel.readyState == "open":
            channel.send(json.dumps(message))

    def _event(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(event)
        self.loop.soon(self._send, event)

    async def _send_stats(self) -> None:
        while not self._closed.is_set():
            await asyncio.sleep(STATS_EVERY_S)
            stats = self.pipeline.stats if self.pipeline else None
            if stats is None:
                continue
            recent = list(stats.latencies_ms)[-90:]
            ordered = sorted(recent)
            pick = (lambda p: round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)) \
                if ordered else (lambda p: None)
            self._send({"type": "stats", "latency_p50_ms": pick(0.5), "latency_p95_ms": pick(0.95),
                        "frames_in": stats.frames_in, "frames_out": stats.frames_out,
                        "dropped": stats.dropped, "events": stats.events, "codecs": self.codecs})

    def _run(self) -> None:
        assert self.pipeline is not None
        try:
            self.pipeline.run()
        except BaseException as exc:  # noqa: BLE001 - one line for this visitor, never the server
            self.error = exc
            log.warning("browser %d: %s", self.number, exc)
        log.info("browser %d: %s", self.number, self.summary())
        self.loop.soon(lambda: asyncio.ensure_future(self.close(f"browser {self.number} done")))

    def summary(self) -> str:
        """Frames in and out, drops and mstg's latency, in words."""
        stats = self.pipeline.stats if self.pipeline else None
        if stats is None:
            return "nothing received"
        p50, p95 = stats.latency_percentile(50), stats.latency_percentile(95)
        latency = f", latency p50 {p50:.0f} ms p95 {p95:.0f} ms" if p50 is not None and p95 is not None else ""
        return (f"{stats.frames_in['video']} video frames in, {stats.frames_out['video']} out, "
                f"{stats.dropped} dropped, {stats.events} events{latency}")

    async def close(self, why: str) -> None:
        """End this visitor's session: the pipeline finishes its outputs, the connection closes."""
        if self._closed.is_set():
            return
        self._closed.set()
        log.info("%s", why)
        if self.input is not None:
            self.input.finish()
        await self.pc.close()
        if self.on_end is not None:
            self.on_end(self)

    def stop(self) -> None:
        """Finish the pipeline cleanly (from any thread): its outputs are finalized."""
        if self.pipeline is not None:
            self.pipeline.stop()
        if self.input is not None:
            self.input.finish()

    def join(self, timeout: float | None = None) -> None:
        for thread in threading.enumerate():
            if thread.name == f"session:{self.number}":
                thread.join(timeout)
