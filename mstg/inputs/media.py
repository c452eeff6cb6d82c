"""Inputs FFmpeg opens: files of any container, URLs, stdin pipes and lavfi sources."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from typing import Any

from ..errors import InputError, InputNotFoundError
from ..frames import AudioData, FrameOrigin, VideoFrame
from .base import Frame, Input
from .packets import PacketCopying
from .sidetracks import side_tracks
from .reconnect import (HTTP_SCHEMES, Reconnecting, Reconnection, default_reconnect, http_options,
                        scheme_of, stall_seconds)
from .orientation import MATRIX_DEMUXERS, OrientationReader, peek_orientation, square_size, stream_sar

US = 1_000_000
#: A step back in a track's timestamps larger than this is a discontinuity (see ``_continuous``).
BACKWARD_JUMP_US = 500_000


def open_container(url: str, *, format: str | None = None, options: dict[str, str] | None = None,
                   timeout: float | tuple[float | None, float | None] | None = None,
                   label: str | None = None) -> Any:
    """``av.open`` for reading, with FFmpeg's errors turned into mstg's. ``timeout``: seconds,
    or (to open, for each read)."""
    import av

    label = label or url
    try:
        return av.open(url, "r", format=format, options=options or {}, timeout=timeout,
                       metadata_errors="replace")  # tags that are not UTF-8 (damaged, or Latin-1)
    except FileNotFoundError as exc:
        raise InputNotFoundError(f"input not found: {label}") from exc
    except av.error.InvalidDataError as exc:
        raise InputError(f"cannot read {label}: not a media file FFmpeg understands") from exc
    except (av.error.ExitError, TimeoutError) as exc:  # PyAV's timeout (UDP that sends nothing)
        waited = timeout[0] if isinstance(timeout, tuple) else timeout
        raise InputError(f"{label}: no data for {waited or 0:g}s: nothing came (timed out)") from exc
    except av.error.FFmpegError as exc:
        raise InputError(f"cannot open {label}: {exc.strerror or exc}") from exc


_NETWORK_PROTOCOLS = ("http", "https", "tcp", "tls", "rtmp", "rtmps", "rtsp", "srt", "udp", "rtp")


def _with_read_timeout(url: str, options: dict[str, str] | None, timeout: float | None) -> dict[str, str]:
    """``options`` plus FFmpeg's ``rw_timeout`` for a network URL: a read that gets no data for
    ``timeout`` seconds fails instead of waiting for ever (PyAV's own timeout backs it up)."""
    out = dict(options or {})
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if timeout and scheme in _NETWORK_PROTOCOLS:
        out.setdefault("rw_timeout", str(int(timeout * US)))
    return out


def _pick(streams: list[Any], wanted: int | None, kind: str, label: str) -> Any | None:
    if wanted is None or not streams:
        return None
    if wanted >= len(streams) or wanted < 0:
        raise InputError(f"{label} has {len(streams)} {kind} track(s); there is no {kind} track {wanted}")
    return streams[wanted]


class MediaInput(PacketCopying, Reconnecting, Input):
    """An FFmpeg-readable input: a file path, a URL, ``pipe:0`` or a lavfi graph.

    Tracks: the ``video_track``-th video stream and the ``audio_track``-th audio stream
    (0 by default; None for none). Cover art is not a video track. Pictures with rotation
    metadata are turned upright unless ``autorotate=False`` (as FFmpeg does). ``start`` seeks (seconds)
    and makes timestamps start from 0 there; ``duration`` stops after so many seconds.

    >>> source = MediaInput("testsrc=size=64x48:rate=10", format="lavfi", duration=1)
    >>> source.video.kind, source.audio
    ('video', None)
    """

    def __init__(self, url: str, *, format: str | None = None, options: dict[str, str] | None = None,
                 video_track: int | None = 0, audio_track: int | None = 0, start: float | None = None,
                 duration: float | None = None, realtime: bool = False, live: bool | None = None,
                 label: str | None = None, timeout: float | None = None,
                 autorotate: bool = True, fps: float | None = None,
                 reconnect: bool | None = None) -> None:
        super().__init__(label or url, duration=duration, realtime=realtime)
        #: ``--input-fps``: video frames are stamped at this rate (streams without usable timing)
        self.fps = fps
        self._stamped = 0
        self.autorotate = autorotate
        self.url = url
        self.timeout = timeout
        if live is not None:
            self.live = live
        self.reconnect = default_reconnect(url, live=self.live) if reconnect is None else reconnect
        if self.reconnect and scheme_of(url) in HTTP_SCHEMES:
            options = {**http_options(timeout), **(options or {})}
        read_s = stall_seconds(timeout) if self._reconnects_itself() else timeout
        self._format, self._options = format, options
        self._read_options = _with_read_timeout(url, options, read_s)
        self.container = self._open_url(timeout if read_s == timeout else (timeout, read_s))
        if self._reconnects_itself():
            self._reconnection = Reconnection(self.name, timeout=timeout, stopping=self._stop)
        try:
            self._select(video_track, audio_track)
        except BaseException:
            self.container.close()
            raise
        self.start_s = start
        from ..metadata import read_metadata

        #: Tags, chapters and track languages, as the outputs carry them over.
        self.metadata = read_metadata(self.container, self._selected).shifted(int((start or 0) * US))
        #: Text subtitles and cover art, carried past the pipeline to file outputs (:mod:`.sidetracks`).
        self.metadata.side = side_tracks(self.container, self.url)
        self._origin_us: int | None = None
        self._copied: set[int] = set()

    @property
    def files(self) -> list[str]:
        return [self.url]

    def _open_url(self, timeout: Any) -> Any:
        return open_container(self.url, format=self._format, options=self._read_options, timeout=timeout,
                              label=self.name)

    def _select(self, video_track: int | None, audio_track: int | None) -> None:
        streams = self.container.streams
        import av

        cover = av.stream.Disposition.attached_pic
        videos = [s for s in streams.video if not s.disposition & cover]
        video = _pick(videos, video_track, "video", self.name)
        audio = _pick(list(streams.audio), audio_track, "audio", self.name)
        self._streams: dict[int, int] = {}
        for stream in (video, audio):
            if stream is None:
                continue
            stream.thread_type = "AUTO"
            codec = stream.codec_context.name if stream.codec_context else "?"
            self._streams[stream.index] = self._add_source(stream.type, f"{self.name}#{stream.index} {codec}",
                                                           self._declared_shown(stream))
        if not self._streams:
            raise InputError(f"{self.name} has no audio or video track to read")
        self._selected = [s for s in (video, audio) if s is not None]
        self._numbers = {s.index: video_track if s is video else audio_track for s in self._selected}
        self._counts = {s.index: 0 for s in self._selected}
        self._orientations = {s.index: OrientationReader() for s in self._selected}
        self._next_pts_us = {s.index: 0 for s in self._selected}
        self._shift_us = {s.index: 0 for s in self._selected}
        self._ends_us: dict[int, int] = {}

    def _declared_shown(self, stream: Any) -> dict[str, Any]:
        """What the track declares, its video size as shown (what a late track's stream is
        made from): a local file's first picture is peeked at for its display matrix."""
        declared = _declared(stream)
        if stream.type != "video" or "width" not in declared or not self.autorotate:
            return declared
        size = square_size(declared["width"], declared["height"], stream_sar(stream))
        if os.path.isfile(self.url) and self.container.format.name.startswith(MATRIX_DEMUXERS):
            size = peek_orientation(self.url, stream.index, format=self._format,
                                    options=self._options).shown_size(*size)
        declared["width"], declared["height"] = size
        return declared

    @property
    def seekable(self) -> bool:
        """Whether ``--start`` can seek: not on a pipe or a live stream (a seek there does not
        fail, it loses the demuxer's place)."""
        return not (self.live or self.fps or str(self.container.name).startswith(("pipe:", "/dev/stdin", "-")))

    @property
    def duration_us(self) -> int | None:
        known = self.container.duration
        total = None if known is None else int(known) - int((self.start_s or 0) * US)
        if self.limit_us is not None:
            return self.limit_us if total is None else min(total, self.limit_us)
        return total

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        import av

        container = self.container
        start_us = int((self.start_s or 0) * US)
        if start_us and self.seekable:
            container.seek(start_us + int(container.start_time or 0), backward=True, any_frame=False)
            if any(s.type == "video" and s.index in self._copied for s in self._selected):
                key_us = self._keyframe_start(container, start_us)
                if self.limit_us is not None:  # the end stays where it was asked for
                    self.limit_us += start_us - key_us
                start_us = key_us
        # else (a pipe, a live stream): read from the start; frames before start_us are skipped
        active = [s for s in self._selected if not self._unread(s)]
        if not active:
            return
        side = self.metadata.side
        for packet in self._demux(container, active + side.streams):
            if self.stopping:
                return
            if packet.stream.type == "subtitle":  # beside the tracks: for the file outputs
                side.add_packet(packet, int(container.start_time or 0) + start_us, self.limit_us)
                continue
            if self._unread(packet.stream):
                continue  # nobody reads this track (any more): not worth decoding
            if self.reconnects:
                start_us = 0  # --start was the first connection's; a reconnected one is kept whole
            if packet.stream.index in self._copied:
                chunk = self._wrap_packet(packet.stream, packet, start_us)
                if chunk is not None:
                    yield chunk
                continue
            try:
                decoded = packet.decode()
            except av.error.FFmpegError:
                if packet.size:  # an empty one carries no media (NUT's end-of-FLAC side data)
                    self.decode_errors += 1
                continue
            for frame in decoded:
                out = self._wrap(packet.stream, frame, start_us)
                if out is not None:
                    yield out
        if self.decode_errors and not any(self._counts.values()):
            raise InputError(f"cannot decode {self.name}: every packet was corrupt "
                             f"({self.decode_errors} failed)")

    def _unread(self, stream: Any) -> bool:
        """True once every track of ``stream`` has stopped (or was never used by the pipeline)."""
        return self._sources[self._streams[stream.index]].ended.is_set()

    def _demux(self, container: Any, streams: list[Any] | None = None) -> Iterator[Any]:
        """The container's packets; a read that fails mid-stream (a stall, a broken file)
        raises an :class:`~mstg.errors.InputError` that says why and where."""
        import av

        packets = container.demux(self._selected if streams is None else streams)
        while True:
            try:
                packet = next(packets)
            except StopIteration:  # a live stream that ends may have dropped: join it again
                packets = self._reopen()  # type: ignore[assignment]
                if packets is None:
                    return
                continue
            except av.error.FFmpegError as exc:
                if self.stopping:
                    return
                packets = self._reopen()  # type: ignore[assignment]
                if packets is None:
                    raise self._read_error(exc) from exc
                continue
            if self._reconnection is not None:
                self._reconnection.got_data()
            yield packet

    def _read_error(self, exc: Exception) -> InputError:
        import av

        where = f" after {self.position_us / US:.1f}s" if self.frames_read else ""
        timed_out = isinstance(exc, av.error.ExitError) or getattr(exc, "errno", None) == errno.ETIMEDOUT
        tried = f", {self.reconnects} reconnect(s)" if self.reconnects else ""
        if (timed_out or self._reconnection is not None) and self.timeout:
            return InputError(f"{self.name}: no data for {self.timeout:g}s{where}: the input stalled "
                              f"(timed out{tried})")
        return InputError(f"cannot read {self.name}{where}: {getattr(exc, 'strerror', None) or exc}")

    def _wrap(self, stream: Any, frame: Any, start_us: int) -> tuple[int, Frame] | None:
        index = stream.index
        ts = self._timestamp_us(stream, frame)
        if self._origin_us is None:
            start = self.container.start_time
            self._origin_us = int(start) if start is not None else ts
        ts -= self._origin_us + start_us
        if ts < 0 and start_us:
            return None
        shown = self._continuous(index, ts)
        count = self._counts[index]
        self._counts[index] = count + 1
        now = time.monotonic() if self.live else None
        if stream.type == "video":
            duration = self._video_duration(stream, frame)
            self._next_pts_us[index] = ts + self._origin_us + start_us + duration
            wrapped: Frame = VideoFrame.from_av(self._square(stream, frame), timestamp=shown,
                                                duration=duration, index=count, capture_time=now)
            if self.autorotate:
                wrapped = self._upright(index, frame, wrapped)
        else:
            wrapped = AudioData.from_av(frame, timestamp=shown, index=count, capture_time=now)
            self._next_pts_us[index] = ts + self._origin_us + start_us + wrapped.duration
        wrapped.origin = self._origin(stream, ts + start_us, count, start_us)
        self._ends_us[index] = shown + (wrapped.duration or 0)
        return self._streams[index], wrapped

    def _square(self, stream: Any, frame: Any) -> Any:
        """Pixels that are not square (a sample aspect ratio) scaled to the size shown."""
        sar = stream_sar(stream) if self.autorotate else None
        width, height = square_size(frame.width, frame.height, sar)
        if (width, height) == (frame.width, frame.height):
            return frame
        squared = frame.reformat(width=width, height=height, interpolation="BICUBIC")
        squared.pts, squared.time_base = frame.pts, frame.time_base
        return squared

    def _upright(self, index: int, frame: Any, wrapped: VideoFrame) -> VideoFrame:
        """The picture as shown: its display matrix (rotation, flips) applied."""
        orientation = self._orientations[index](frame)
        if orientation.upright:
            return wrapped
        turned = orientation.apply(wrapped)
        wrapped.close()
        return turned

    def _origin(self, stream: Any, source_us: int, count: int, start_us: int) -> FrameOrigin:
        """The frame on the file's own timeline (``--start`` included): its time, and its index
        (counted from the start, or estimated from the average rate after a seek)."""
        if not start_us:
            return FrameOrigin(self.name, source_us, count)
        rate = getattr(stream, "average_rate", None) if stream.type == "video" else None
        return FrameOrigin(self.name, source_us, round(source_us * float(rate) / US) if rate else None)

    def _continuous(self, index: int, ts: int) -> int:
        """A track whose timestamps jump back by more than :data:`BACKWARD_JUMP_US`
        (concatenated or looping streams, a reset clock) goes on from where it was instead;
        smaller steps back are left to the outputs, which keep their own timestamps rising."""
        ts += self._shift_us[index]
        end = self._ends_us.get(index)
        if end is not None and ts < end - BACKWARD_JUMP_US:
            self._shift_us[index] += end - ts
            ts = end
        return ts

    def _timestamp_us(self, stream: Any, frame: Any) -> int:
        if self.fps and stream.type == "video":  # the given rate, as ffmpeg's input -r
            self._stamped += 1
            return int(self.container.start_time or 0) + round((self._stamped - 1) * US / self.fps)
        pts = frame.pts
        if pts is None:
            pts = frame.dts if hasattr(frame, "dts") and frame.dts is not None else None
        if pts is None or frame.time_base is None:
            return self._next_pts_us[stream.index]
        return int(pts * frame.time_base * US)

    def _video_duration(self, stream: Any, frame: Any) -> int:
        if self.fps:
            return round(US / self.fps)
        dur = getattr(frame, "duration", None)
        if dur and frame.time_base is not None:
            return int(dur * frame.time_base * US)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        return int(US / rate) if rate else 40_000

    def _close(self) -> None:
        self.container.close()


def _declared(stream: Any) -> dict[str, Any]:
    """What the container says a track holds (its frames may say otherwise, and win)."""
    ctx = stream.codec_context
    if ctx is None:
        return {}
    if stream.type == "audio":
        channels = getattr(getattr(ctx, "layout", None), "nb_channels", 0) or getattr(ctx, "channels", 0)
        return {"sample_rate": ctx.sample_rate, "channel_count": channels} if ctx.sample_rate and channels else {}
    if ctx.width and ctx.height:
        rate = stream.average_rate or stream.guessed_rate
        return {"width": ctx.width, "height": ctx.height, **({"frame_rate": float(rate)} if rate else {})}
    return {}
