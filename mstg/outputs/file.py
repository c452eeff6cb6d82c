"""The encoded-file sink: files chosen by extension, stdout pipes, and network muxers.

:class:`FileOutput` checks what it is asked before anything runs, waits for every track's
first frame, then opens its :class:`~mstg.outputs.muxer.Muxer` with the settings
:mod:`mstg.outputs.codecs` chooses, and hands each track to its worker
(:mod:`mstg.outputs.encoders`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from fractions import Fraction
from typing import Any

from ..capabilities import FORMATS_HINT
from ..errors import OutputError, OutputExistsError
from ..metadata import write_metadata
from ..frames import AudioData, VideoFrame
from ..tracks import MediaStreamTrackProcessor
from .base import Output
from .encoder_hints import encoder_setup_error
from .codecs import (EncodeOptions, audio_settings, check_encoder, colour_tags, crash_tolerant_options,
                     parse_bitrate, pick_codec, video_codec_options, video_settings)
from .encoders import AudioEncoder, PacketCopier, VideoEncoder
from .encoding import file_defaults
from .formats import defaults_for
from .muxer import Muxer
from .sidetracks import SideWriter, side_container, takes_covers

__all__ = ["FileOutput", "EncodeOptions", "crash_tolerant_options", "parse_bitrate"]

log = logging.getLogger(__name__)
US = 1_000_000
#: How much of one track a file output holds while it waits for another's first frame.
PREROLL_MAX_US = 1_000_000


def _stand_in(kind: str, settings: dict[str, Any]) -> VideoFrame | AudioData | None:
    """A frame shaped as ``settings`` say (never written): what a stream is made from when
    its track's first frame is late. None when the settings do not say enough."""
    import numpy as np

    if kind == "audio":
        rate, channels = settings.get("sample_rate"), settings.get("channel_count")
        if not rate or not channels:
            return None
        return AudioData.from_ndarray(np.zeros((int(channels), 1), np.float32), sample_rate=int(rate),
                                      timestamp=0)
    width, height = settings.get("width"), settings.get("height")
    if not width or not height:
        return None
    rate = settings.get("frame_rate")
    width, height = int(width), int(height)
    even = width % 2 == 0 and height % 2 == 0  # I420, as decoded video mostly is
    picture = np.zeros((height * 3 // 2, width) if even else (height, width, 3), np.uint8)
    return VideoFrame.from_ndarray(picture, format="yuv420p" if even else "bgr24", timestamp=0,
                                   duration=round(US / rate) if rate else None)


class FileOutput(Output):
    """Encodes the tracks into a file (or ``-`` for stdout, or a URL FFmpeg can write).

    The container comes from the extension (or ``format``) and the codecs from
    :mod:`mstg.outputs.formats` unless ``options`` names others. The file is created when the
    first frames arrive; an existing file is kept unless ``overwrite``; a run that writes
    nothing leaves no file behind.

    >>> out = FileOutput("/tmp/mstg-doctest.mkv", overwrite=True)
    >>> out.container_format, out.video_codec, out.audio_codec
    ('matroska', 'libx264', 'aac')
    """

    #: The muxer publishes its own files (HLS, DASH: see :mod:`mstg.outputs.segmented`).
    writes_in_place = False

    def __init__(self, path: str, *, format: str | None = None, options: EncodeOptions | None = None,
                 overwrite: bool = False) -> None:
        super().__init__()
        self.options = options = options or EncodeOptions()
        self.path = path
        self.name = "stdout" if path == "-" else path
        self.url = "pipe:1" if path == "-" else path
        self.is_pipe = path == "-" or path.startswith("pipe:")
        self.overwrite = overwrite
        #: Crash-tolerant layout: True, False, or None for "when the source is live".
        self.fragmented: bool | None = options.fragmented
        if path == "-" and format is None:
            format = "nut"
        defaults = defaults_for(path, format)
        if defaults is None:
            ext = os.path.splitext(path)[1] or "(none)"
            raise OutputError(f"unknown output format for extension {ext}: {path}",
                              hint="name one with --format, or use .mp4, .mkv, .webm, .wav ...")
        self._check_format(defaults.format)
        self.container_format = defaults.format
        self.video_codec = pick_codec(defaults, options, "video", path)
        self.audio_codec = pick_codec(defaults, options, "audio", path)
        if self.video_codec is None and self.audio_codec is None:
            raise OutputError(f"{path}: nothing to write (no video and no audio)")
        self.wants = tuple(k for k, c in (("video", self.video_codec), ("audio", self.audio_codec)) if c)
        if not self.is_pipe and "://" not in path:
            self._check_path(overwrite)
        self.bytes_written = 0
        self.muxer = Muxer(path, self.container_format, url=self.url, name=self.name, overwrite=overwrite,
                           in_place=self.is_pipe or "://" in path or self.writes_in_place)
        self._streams: dict[str, Any] = {}
        self._firsts: dict[str, VideoFrame | AudioData | None] = {}
        self._ready = threading.Event()
        self._setup_lock = threading.Lock()

    # checks done before anything runs -----------------------------------------------------
    @property
    def files(self) -> list[str]:
        return [self.path]

    @staticmethod
    def _check_format(name: str) -> None:
        import av

        if name not in av.formats_available:
            raise OutputError(f"unknown output format {name!r}",
                              hint=FORMATS_HINT)

    @property
    def copies(self) -> tuple[str, ...]:
        """The kinds this output muxes as the input's packets, undecoded (``--audio-codec copy``,
        ``--video-codec copy``)."""
        return tuple(k for k in ("video", "audio") if getattr(self, f"{k}_codec") == "copy")

    def _check_path(self, overwrite: bool) -> None:
        path = self.path
        if os.path.isdir(path):
            raise OutputError(f"{path} is a folder")
        if os.path.exists(path) and not overwrite:
            raise OutputExistsError(f"{path} exists")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise OutputError(f"cannot write {path}: folder {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise OutputError(f"cannot write {path}: permission denied")

    # the threads --------------------------------------------------------------------------
    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        pending = self._preroll(kind, processor)
        if not pending:
            return
        args = (self._streams[kind], self.muxer)
        where = {"lock": self.encode_lock, "written": self.frames_written}
        if kind in self.copies:
            worker: Any = PacketCopier(*args, codec="copy", **where)
            worker.kind = kind
        elif kind == "video":
            worker = VideoEncoder(*args, codec=self.video_codec, constant_rate=bool(self.options.fps), **where)
        else:
            worker = AudioEncoder(*args, codec=self.audio_codec, **where)
        worker.run(self._frames(processor, pending))

    def _preroll(self, kind: str, processor: MediaStreamTrackProcessor) -> list[Any]:
        """Wait until every track has its first frame (streams must exist before the header),
        reading on meanwhile so that a source with several tracks never blocks."""
        first = processor.read()
        with self._setup_lock:
            self._firsts[kind] = first
            if len(self._firsts) == len(self.processors) and not self._ready.is_set():
                self._setup()
        pending: list[Any] = [] if first is None else [first]
        tried_stand_ins = False
        while not self._ready.is_set():
            frame = processor.read(timeout=0.02)
            if frame is not None:
                pending.append(frame)
                if not tried_stand_ins and frame.timestamp - pending[0].timestamp >= PREROLL_MAX_US:
                    self._start_without_late_tracks()
                    tried_stand_ins = True  # what was not declared then will not be later
        if self.muxer.container is None or kind not in self._streams:
            for frame in pending:
                frame.close()
            return []
        return pending

    def _start_without_late_tracks(self) -> None:
        """A track whose first frame is late (audio starting 20 s in, or never): rather than
        hold every frame of the others meanwhile, start the file with the late track's
        stream made from what its input declared (its frames join it when they come). A
        track with nothing declared (a device) or stream-copied is waited for, as before."""
        with self._setup_lock:
            if self._ready.is_set():
                return
            stand_ins = {}
            for kind, processor in self.processors.items():
                if kind not in self._firsts:
                    stand_in = None if kind in self.copies else _stand_in(kind, processor.track.get_settings())
                    if stand_in is None:
                        return
                    stand_ins[kind] = stand_in
            self._firsts.update(stand_ins)
            self._setup()

    def _setup(self) -> None:
        try:
            firsts = {k: f for k, f in self._firsts.items() if f is not None}
            if firsts:
                self._open(firsts)
        finally:
            self._ready.set()

    def _open(self, firsts: dict[str, Any]) -> None:
        import av

        options = dict(self.options.format_options)
        if self.is_pipe or self.crash_tolerant:  # a pipe's reader gets each second as it comes
            for key, value in crash_tolerant_options(self.container_format).items():
                options.setdefault(key, value)
        for key, value in file_defaults(self.container_format, fragmented=self.crash_tolerant,
                                        pipe=self.is_pipe or "://" in self.path).items():
            options.setdefault(key, value)  # MP4/MOV: the index first (faststart)
        # faststart rewrites the file by its name at the end: it keeps its temporary name till then
        self.muxer.publish_at_end = "faststart" in options.get("movflags", "")
        side = getattr(self.context.metadata, "side", None)
        self.muxer.container_format = side_container(self.container_format, side, options,
                                                     subtitles=self.options.subtitles)
        self.muxer.open(set(self.processors), options)
        try:
            if "video" in firsts:
                self._streams["video"] = self._add_video(firsts["video"])
            if "audio" in firsts:
                self._streams["audio"] = self._add_audio(firsts["audio"])
            for kind, stream in self._streams.items():
                if kind not in self.copies:  # a copied stream has no encoder to open
                    stream.codec_context.open()
            if side:
                muxer_format = self.muxer.container_format
                self.muxer.side = SideWriter(self.muxer.container, muxer_format, side, name=self.name,
                                             subtitles=self.options.subtitles,
                                             tags=not self.options.strip_metadata,
                                             covers=self.options.video and takes_covers(muxer_format, options))
            write_metadata(self.muxer.container, self._streams, self.context.metadata, self.options.metadata,
                           strip=self.options.strip_metadata)
            copied = [firsts[k] for k in self.copies if k in firsts]
            if copied:
                self._start_copy(copied[0])
        except OutputError:
            raise
        except (av.error.FFmpegError, ValueError) as exc:
            encoders = [stream.codec_context.name for stream in self._streams.values()]
            raise encoder_setup_error(self.name, encoders, exc) from exc

    @property
    def crash_tolerant(self) -> bool:
        """Whether the file is laid out to survive a kill (``fragmented``, or a live source)."""
        return self.live_source if self.fragmented is None else self.fragmented

    def discard_partial(self) -> None:
        """Remove a file still under its temporary name (a second Ctrl-C stops at once)."""
        self.muxer.discard()

    # the streams ------------------------------------------------------------------------------
    def _add_video(self, first: VideoFrame) -> Any:
        codec_name = self.video_codec
        assert codec_name is not None
        if codec_name == "copy":
            return self._add_copied(first)
        codec = check_encoder(codec_name, "video")
        settings = video_settings(codec, self.options, first, self._video_codec_options(codec_name))
        stream = self.muxer.container.add_stream(codec_name, rate=settings.rate)
        ctx = stream.codec_context
        ctx.width, ctx.height, ctx.pix_fmt = settings.width, settings.height, settings.pix_fmt
        for tag, value in colour_tags(first.to_av(), settings.pix_fmt).items():
            setattr(ctx, tag, value)
        ctx.time_base = settings.time_base
        ctx.framerate = settings.rate
        ctx.thread_type = "AUTO"
        ctx.thread_count = 0
        stream.time_base = ctx.time_base
        if settings.bit_rate:
            ctx.bit_rate = settings.bit_rate
        ctx.options = settings.options
        log.debug("%s: video %s %dx%d %s at %s fps", self.name, codec_name, settings.width,
                  settings.height, settings.pix_fmt, settings.rate)
        return stream

    def _video_codec_options(self, codec_name: str) -> dict[str, str]:
        """The encoder's private options (see :func:`~mstg.outputs.codecs.video_codec_options`)."""
        from ..logs import encoder_log_level

        return video_codec_options(codec_name, self.options, log_level=encoder_log_level())

    def _add_audio(self, first: AudioData) -> Any:
        codec_name = self.audio_codec
        assert codec_name is not None
        if codec_name == "copy":
            return self._add_copied(first)
        settings = audio_settings(check_encoder(codec_name, "audio"), self.options, first)
        stream = self.muxer.container.add_stream(codec_name, rate=settings.rate)
        ctx = stream.codec_context
        ctx.format, ctx.layout = settings.format, settings.layout
        ctx.time_base = stream.time_base = Fraction(1, settings.rate)
        if settings.bit_rate:
            ctx.bit_rate = settings.bit_rate
        return stream

    def _add_copied(self, first: Any) -> Any:
        """A stream with the input's codec parameters, for its packets (``--audio-codec copy``,
        ``--video-codec copy``)."""
        kind = "video" if isinstance(first, VideoFrame) else "audio"
        if getattr(first, "template", None) is None:
            raise OutputError(f"{self.name}: --{kind}-codec copy needs the input's packets, "
                              f"and this {kind} was decoded")
        try:
            stream = self.muxer.container.add_stream_from_template(first.template)
        except ValueError as exc:
            raise OutputError(f"{self.name}: a {self.container_format} file cannot hold "
                              f"{first.codec} {kind} as it is",
                              hint=f"leave out --{kind}-codec copy to re-encode it") from exc
        if kind == "video":
            stream.time_base = first.template.time_base  # the packets' own
        return stream

    def _start_copy(self, first: Any) -> None:
        """Write the header now: a muxer that cannot hold the copied codec says so here."""
        import av

        kind = "video" if isinstance(first, VideoFrame) else "audio"
        try:
            self.muxer.container.start_encoding()
        except av.error.FFmpegError as exc:
            raise OutputError(f"{self.name}: a {self.container_format} file cannot hold "
                              f"{first.codec} {kind} as it is ({exc.strerror or exc})",
                              hint=f"leave out --{kind}-codec copy to re-encode it") from exc

    @staticmethod
    def _frames(processor: MediaStreamTrackProcessor, pending: list[Any]) -> Any:
        yield from pending
        pending.clear()
        yield from processor.readable

    def _finish(self) -> None:
        error = self.muxer.close(failed=self.run_failed, error=self.error)
        if error is not None and self.error is None:
            self.error = error
        self.bytes_written = self.muxer.published_size

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(path=self.path, bytes=self.bytes_written, written_at=time.time())
        return info
