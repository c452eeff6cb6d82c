"""The tracks an input carries beside its pictures and sound: text subtitles, cover art and
Matroska attachments (fonts). The pipeline reads one video and one audio track; these go
around it, from the input's demuxer to each file output's muxer
(:mod:`mstg.outputs.sidetracks`), as FFmpeg keeps them by default.

Subtitle cues are gathered while the input is read (one demux pass: a pipe works too),
already on the output's timeline: shifted by ``--start`` and cut by ``--duration``. Cover
pictures (``attached_pic``) are read when the input opens.

>>> side = SideTracks([SubtitleTrack(None, "subrip", {"language": "fre"})])
>>> side.add_cue(0, Cue(500_000, 1_500_000, b"Hello"))
>>> side.cues(0, 0)
[Cue(start_us=500000, end_us=1500000, payload=b'Hello')]
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cue", "SubtitleTrack", "Picture", "SideTracks", "side_tracks", "TEXT_SUBTITLES"]

log = logging.getLogger(__name__)
US = 1_000_000
#: Subtitle codecs that hold text (bitmap ones, DVD and PGS, are left out).
TEXT_SUBTITLES = frozenset({"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"})


@dataclass(frozen=True)
class Cue:
    """One subtitle packet on the output's timeline (microseconds) and its payload as the
    input's codec has it."""

    start_us: int
    end_us: int
    payload: bytes


@dataclass
class SubtitleTrack:
    """A text subtitle track of the input: its stream (the template of a copy), codec, and
    language and title tags."""

    stream: Any
    codec: str
    tags: dict[str, str]


@dataclass
class Picture:
    """Cover art (an ``attached_pic``) or a Matroska attachment: ``codec`` is None for an
    attachment that is no picture (a font), kept by its ``filename`` and ``mimetype``."""

    data: bytes
    codec: str | None
    tags: dict[str, str] = field(default_factory=dict)
    stream: Any = None

    @property
    def mimetype(self) -> str:
        """The MIME type a Matroska attachment names it by."""
        given = self.tags.get("mimetype")
        if given:
            return given
        return {"png": "image/png", "mjpeg": "image/jpeg", "bmp": "image/bmp", "webp": "image/webp",
                "gif": "image/gif"}.get(self.codec or "", "application/octet-stream")

    @property
    def filename(self) -> str:
        """The attachment's file name (``cover.png`` when the input gives none)."""
        ext = self.mimetype.rpartition("/")[2].replace("jpeg", "jpg")
        return self.tags.get("filename") or f"cover.{ext}"


class SideTracks:
    """What an input carries beside the tracks the pipeline reads; cues are added by the
    input's thread and read by every output's muxer, each at its own pace."""

    def __init__(self, subtitles: list[SubtitleTrack] | None = None,
                 pictures: list[Picture] | None = None) -> None:
        self.subtitles = subtitles or []
        self.pictures = pictures or []
        self._cues: list[list[Cue]] = [[] for _ in self.subtitles]
        self._by_index = {t.stream.index: n for n, t in enumerate(self.subtitles) if t.stream is not None}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.subtitles or self.pictures)

    @property
    def streams(self) -> list[Any]:
        """The input's subtitle streams, for its demuxer."""
        return [t.stream for t in self.subtitles]

    def add_cue(self, track: int, cue: Cue) -> None:
        """Add a cue to the ``track``-th subtitle track."""
        with self._lock:
            self._cues[track].append(cue)

    def cues(self, track: int, since: int) -> list[Cue]:
        """The cues of the ``track``-th subtitle track from the ``since``-th on."""
        with self._lock:
            return self._cues[track][since:]

    def add_packet(self, packet: Any, origin_us: int, limit_us: int | None) -> None:
        """A demuxed subtitle ``packet``, on the output's timeline: ``origin_us`` (the input's
        start and ``--start``) is its 0, and what lies past ``limit_us`` is cut."""
        track = self._by_index.get(packet.stream.index)
        if track is None or packet.pts is None or packet.time_base is None or not packet.size:
            return
        start = int(packet.pts * packet.time_base * US) - origin_us
        end = start + int((packet.duration or 0) * packet.time_base * US)
        if end <= 0 if packet.duration else start < 0:
            return  # over before --start (a cue that spans it keeps what comes after)
        if limit_us is not None:
            if start >= limit_us:
                return
            end = min(end, limit_us)
        self.add_cue(track, Cue(max(0, start), max(end, 0), bytes(packet)))


def side_tracks(container: Any, url: str, *, subtitles: bool = True) -> SideTracks:
    """The side tracks of an open input ``container`` read from ``url``: its text subtitle
    tracks, and (local files only: read again, apart from the main demuxer) its cover
    pictures and Matroska attachments; none where the container says too little (a side
    track never stops an input from opening)."""
    import av

    try:
        return _side_tracks(container, url, subtitles)
    except (av.error.FFmpegError, ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        log.debug("%s: subtitles and cover art not read: %s", url, exc)
        return SideTracks()


def _side_tracks(container: Any, url: str, subtitles: bool) -> SideTracks:
    import av

    tracks = []
    for stream in container.streams.subtitles if subtitles else []:
        codec = stream.codec_context.name if stream.codec_context is not None else ""
        if codec in TEXT_SUBTITLES:
            tags = {k: str(v) for k, v in dict(stream.metadata or {}).items() if k.lower() in ("language", "title")}
            tracks.append(SubtitleTrack(stream, codec, tags))
        else:
            log.debug("%s: subtitle track %d (%s) is not text: left out", url, stream.index, codec)
    pictures = [Picture(bytes(s.data), None, _tags(s)) for s in container.streams
                if s.type == "attachment" and getattr(s, "data", None)]
    covers = [s for s in container.streams.video if s.disposition & av.stream.Disposition.attached_pic]
    if covers and os.path.isfile(url):
        pictures += _read_covers(url, covers)
    return SideTracks(tracks, pictures)


def _tags(stream: Any) -> dict[str, str]:
    return {k: str(v) for k, v in dict(stream.metadata or {}).items()}


def _read_covers(url: str, covers: list[Any]) -> list[Picture]:
    """The pictures of the ``attached_pic`` streams ``covers``, read from a second opening of
    ``url`` (the demuxer gives them first); none where it cannot be read."""
    import av

    found = []
    try:
        with av.open(url, metadata_errors="replace") as again:
            for cover in covers:
                stream = again.streams[cover.index]
                first = itertools.islice(again.demux(stream), 8)  # it comes first, or not at all
                packet = next((p for p in first if p.size), None)
                if packet is not None:
                    codec = cover.codec_context.name if cover.codec_context is not None else None
                    found.append(Picture(bytes(packet), codec, _tags(cover), cover))
                again.seek(0)
    except (av.error.FFmpegError, OSError, StopIteration) as exc:
        log.debug("%s: cover art not read: %s", url, exc)
    return found
