"""Text subtitles and cover art into a file output, beside its video and audio: the streams
made when the file opens, and the packets a :class:`~mstg.outputs.muxer.Muxer` writes as
its video and audio go by.

Subtitles are copied when the container takes their codec and converted otherwise (MKV
``subrip``/``ass`` to MP4 ``mov_text``, ``mov_text`` to MKV ``subrip``, any to WebM
``webvtt``), payloads rewritten without an encoder (see :mod:`mstg.outputs.subtitles`).
Cover pictures go to FLAC, MP3, MP4/M4A/MOV as ``attached_pic``, to Matroska as
attachments. Other containers (pipes, IVF, WAV, pictures ...) leave them out, as FFmpeg
does when no ``-map`` asks for them.

A cue is written once the video or audio reaches its start, so a sparse track never holds
the others back; at the end, cues that start before the last packet are written.

>>> subtitle_codec("mp4", "subrip"), subtitle_codec("matroska", "mov_text"), subtitle_codec("wav", "subrip")
('mov_text', 'subrip', None)
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Any

from .subtitles import convert, mov_text_stream

__all__ = ["SideWriter", "subtitle_codec", "side_container", "takes_covers", "COVER_FORMATS"]

log = logging.getLogger(__name__)
US = 1_000_000
_MP4 = frozenset({"mp4", "mov", "ipod"})
_MATROSKA_TEXT = frozenset({"subrip", "ass", "ssa", "webvtt"})
#: Muxers that hold cover art (Matroska as an attachment, the others as ``attached_pic``),
#: and the picture codecs each takes (the MP4 family: those its ``covr`` box names).
COVER_FORMATS = frozenset({"flac", "mp3", "mp4", "mov", "ipod", "matroska"})
_COVER_CODECS = {"mp4": {"png", "mjpeg", "bmp"}, "mov": {"png", "mjpeg", "bmp"},
                 "mp3": {"png", "mjpeg", "bmp", "gif"}, "flac": {"png", "mjpeg", "bmp", "gif"}}


def subtitle_codec(container_format: str, source: str) -> str | None:
    """The subtitle codec a ``container_format`` file gets for a ``source`` text track
    (None: the container holds no text subtitles)."""
    if container_format in _MP4:
        return "mov_text"
    if container_format == "matroska":
        return source if source in _MATROSKA_TEXT else "subrip"
    if container_format == "webm":
        return "webvtt"
    return None


def side_container(container_format: str, side: Any, options: dict[str, str], *, subtitles: bool = True) -> str:
    """The muxer an output opens with, and its ``options`` for the side tracks: an M4A
    (``ipod``) file that carries a cover is written by the ``mp4`` muxer with the M4A brand
    (PyAV refuses pictures for ``ipod``); with subtitles, FFmpeg's interleaver holds video
    and audio at most a second (not ten) while it waits for the next sparse cue, so that a
    crash-tolerant file keeps what came before a kill.

    >>> options = {}
    >>> side_container("mp4", None, options), options
    ('mp4', {})
    """
    if side is not None and subtitles and side.subtitles and subtitle_codec(container_format, "subrip"):
        options.setdefault("max_interleave_delta", str(US))
    if container_format == "ipod" and side is not None and any(p.codec for p in side.pictures):
        options.setdefault("brand", "M4A ")
        return "mp4"
    return container_format


def takes_covers(container_format: str, options: dict[str, str]) -> bool:
    """Whether a file opened with ``options`` holds cover art: not a fragmented (crash-tolerant)
    MP4, whose muxer makes the picture a track of its own and waits on it.

    >>> takes_covers("mp4", {"movflags": "+faststart"}), takes_covers("mp4", {"movflags": "frag_keyframe"})
    (True, False)
    """
    fragmented = container_format in _MP4 and "frag" in options.get("movflags", "")
    return container_format in COVER_FORMATS and not fragmented


class SideWriter:
    """The subtitle and cover streams of one output ``container`` (made before its header)
    and their packets. ``subtitles`` / ``covers``: False leaves that kind out."""

    def __init__(self, container: Any, container_format: str, side: Any, *, name: str,
                 subtitles: bool = True, covers: bool = True, tags: bool = True) -> None:
        self.name = name
        self._tags = tags  # False: --no-metadata (FFmpeg's -map_metadata -1)
        self._side = side
        self._tracks: list[tuple[int, Any, str, str]] = []  # (track, stream, from codec, to codec)
        self._sent = [0] * len(side.subtitles)
        self._covers: list[Any] = []
        self._clock_us = -1
        if subtitles:
            self._add_subtitles(container, container_format)
        if covers and container_format in COVER_FORMATS:
            self._add_pictures(container, container_format)
        elif covers and any(p.codec for p in side.pictures):
            log.debug("%s: a %s file holds no cover art: left out", name, container_format)

    def __bool__(self) -> bool:
        return bool(self._tracks or self._covers)

    def _add_subtitles(self, container: Any, container_format: str) -> None:
        import av

        for number, track in enumerate(self._side.subtitles):
            codec = subtitle_codec(container_format, track.codec)
            if codec is None:
                log.debug("%s: a %s file holds no text subtitles: %s left out", self.name,
                          container_format, track.codec)
                continue
            try:
                if codec == track.codec:
                    stream = container.add_stream_from_template(track.stream)
                elif codec == "mov_text":
                    stream = mov_text_stream(container)
                else:
                    stream = container.add_mux_stream(codec)
            except (ValueError, av.error.FFmpegError) as exc:
                log.warning("%s: subtitle track %s left out: %s", self.name, track.codec, exc)
                continue
            stream.time_base = Fraction(1, 1000)
            if self._tags:
                stream.metadata.update(track.tags)
            self._tracks.append((number, stream, track.codec, codec))
            log.debug("%s: subtitles %s -> %s %s", self.name, track.codec, codec, track.tags)

    def _add_pictures(self, container: Any, container_format: str) -> None:
        import av

        for picture in self._side.pictures:
            if container_format == "matroska":
                container.add_attachment(picture.filename, picture.mimetype, picture.data)
                continue
            if picture.codec is None or picture.stream is None:
                continue  # a font: Matroska only
            if picture.codec not in _COVER_CODECS.get(container_format, set()):
                log.debug("%s: a %s file takes no %s cover: left out", self.name, container_format, picture.codec)
                continue
            try:
                stream = container.add_stream_from_template(picture.stream)
            except ValueError as exc:
                log.debug("%s: cover art left out: %s", self.name, exc)
                continue
            stream.disposition = av.stream.Disposition.attached_pic
            if self._tags:
                stream.metadata.update({k: v for k, v in picture.tags.items() if k in ("title", "comment")})
            self._covers.append((stream, picture.data))

    def due(self, packets: list[Any]) -> list[Any]:
        """The side packets to write with ``packets`` (video and audio just muxed): the
        covers first, then the cues that start by then."""
        for packet in packets:
            if packet.pts is not None and packet.time_base is not None:
                end = packet.pts + (packet.duration or 0)
                self._clock_us = max(self._clock_us, int(end * packet.time_base * US))
        out = self._cover_packets()
        return out + self._cues(lambda cue: cue.start_us <= self._clock_us)

    def rest(self) -> list[Any]:
        """At the end: the cues that start before the end of what was written."""
        if self._clock_us < 0:
            return []
        return self._cues(lambda cue: cue.start_us < self._clock_us)

    def _cover_packets(self) -> list[Any]:
        import av

        out = []
        for stream, data in self._covers:
            packet = av.Packet(data)
            packet.stream = stream
            packet.is_keyframe = True
            out.append(packet)
        self._covers = []
        return out

    def _cues(self, ready: Any) -> list[Any]:
        import av

        out = []
        for number, stream, source, target in self._tracks:
            for cue in self._side.cues(number, self._sent[number]):
                if not ready(cue):
                    break
                self._sent[number] += 1
                payload = convert(cue.payload, source, target)
                if payload is None:
                    continue  # nothing to show (an empty mov_text sample)
                packet = av.Packet(payload)
                packet.pts = packet.dts = cue.start_us // 1000
                packet.duration = max(1, (cue.end_us - cue.start_us) // 1000)
                packet.time_base = Fraction(1, 1000)
                packet.stream = stream
                packet.is_keyframe = True
                out.append(packet)
        return out
