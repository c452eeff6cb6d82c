"""Stream copy for inputs FFmpeg opens: packets handed over undecoded, their timestamps
rebased as the decoded frames' are (``--audio-codec copy``, ``--video-codec copy``).

:class:`PacketCopying` is a mixin of :class:`~mstg.inputs.media.MediaInput`: it uses that
class's streams, counters and timeline state.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import UsageError
from ..frames import AudioData, EncodedAudioChunk, VideoFrame

US = 1_000_000

__all__ = ["PacketCopying"]

Frame = VideoFrame | AudioData


class PacketCopying:
    """The packet side of a media input: which tracks are copied, and their packets as chunks."""

    _selected: list[Any]
    _copied: set[int]
    _counts: dict[int, int]
    _streams: dict[int, int]
    _next_pts_us: dict[int, int]
    _ends_us: dict[int, int]
    _origin_us: int | None
    container: Any
    live: bool

    def _continuous(self, index: int, ts: int) -> int:  # pragma: no cover - the input's own
        raise NotImplementedError

    def _video_duration(self, stream: Any, frame: Any) -> int:  # pragma: no cover - the input's own
        raise NotImplementedError

    def copy_packets(self, kind: str) -> None:
        """Deliver the ``kind`` track's packets undecoded, as
        :class:`~mstg.frames.EncodedAudioChunk` or :class:`~mstg.frames.encoded.EncodedVideoChunk`
        (a stream copy: ``--audio-codec copy``, ``--video-codec copy``). Call before :meth:`start`.
        A copied video starts at a keyframe: with ``start``, the one at or before it (as
        ``ffmpeg -ss ... -c copy``), and the whole input's timeline starts there."""
        if kind not in ("audio", "video"):
            raise UsageError(f"a stream copy of {kind} is not supported")
        for stream in self._selected:
            if stream.type == kind:
                self._copied.add(stream.index)

    def _wrap_packet(self, stream: Any, packet: Any, start_us: int) -> tuple[int, Frame] | None:
        """An encoded packet as a chunk, its timestamps rebased as the decoded frames' are."""
        pts = packet.pts if packet.pts is not None else packet.dts
        tb = packet.time_base
        if packet.size == 0 or pts is None or tb is None:
            return None  # the demuxer's end-of-stream packet, or one that cannot be placed
        ts = int(pts * tb * US)
        if self._origin_us is None:
            start = self.container.start_time
            self._origin_us = int(start) if start is not None else ts
        offset_us = self._origin_us + start_us
        ts -= offset_us
        if ts < 0 and start_us:
            return None
        index = stream.index
        if stream.type == "video" and not self._counts[index] and not packet.is_keyframe:
            return None  # a copy can only begin with a keyframe
        shown = self._continuous(index, ts)
        shift = round((offset_us - (shown - ts)) * tb.denominator / (US * tb.numerator))
        if shift:
            if packet.pts is not None:
                packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
        count = self._counts[index]
        self._counts[index] = count + 1
        if stream.type == "video":
            return self._streams[index], self._video_chunk(stream, packet, ts + offset_us, shown, count)
        ctx = stream.codec_context
        rate = ctx.sample_rate or 48000
        samples = int(packet.duration * tb * rate) if packet.duration else (ctx.frame_size or 0)
        self._next_pts_us[index] = ts + offset_us + samples * US // rate
        self._ends_us[index] = shown + samples * US // rate
        chunk = EncodedAudioChunk(packet, stream, timestamp=shown, sample_rate=rate,
                                  number_of_channels=ctx.channels, number_of_frames=samples,
                                  layout=ctx.layout.name, index=count,
                                  capture_time=time.monotonic() if self.live else None)
        return self._streams[index], chunk

    def _video_chunk(self, stream: Any, packet: Any, at_us: int, shown: int, count: int) -> Any:
        """A copied video packet as an :class:`~mstg.frames.encoded.EncodedVideoChunk`."""
        from ..frames.encoded import EncodedVideoChunk

        tb = packet.time_base
        duration = int(packet.duration * tb * US) if packet.duration else self._video_duration(stream, packet)
        self._next_pts_us[stream.index] = at_us + duration
        self._ends_us[stream.index] = shown + duration
        ctx = stream.codec_context
        return EncodedVideoChunk(packet, stream, timestamp=shown, width=ctx.width, height=ctx.height,
                                 duration=duration, index=count,
                                 capture_time=time.monotonic() if self.live else None)

    def _keyframe_start(self, container: Any, start_us: int) -> int:
        """Where a copied video can start: the keyframe at or before ``start_us`` (after the
        seek to it); the reading goes back there."""
        video = next(s for s in self._selected if s.type == "video")
        for packet in container.demux(video):
            if packet.pts is None or not packet.is_keyframe:
                continue
            key_us = int(packet.pts * packet.time_base * US) - int(container.start_time or 0)
            if key_us < start_us:
                container.seek(key_us + int(container.start_time or 0), backward=True, any_frame=False)
                return max(0, key_us)
            break
        container.seek(start_us + int(container.start_time or 0), backward=True, any_frame=False)
        return start_us

