"""The encoded-file sink: files chosen by extension, stdout pipes, and network muxers."""

from __future__ import annotations

import errno
import functools
import os
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..capabilities import ENCODERS_HINT, FORMATS_HINT
from ..errors import MstgError, OutputError, OutputExistsError
from ..frames import AudioData, EncodedAudioChunk, VideoFrame, reformat
from ..tracks import MediaStreamTrackProcessor
from .base import Output
from .encoder_hints import encoder_setup_error
from .encoding import file_defaults
from .formats import FINE_TIME_BASE, ContainerDefaults, defaults_for
from .sizing import output_size
from .staging import StagedFile

US = 1_000_000
#: How much of one track a file output holds while it waits for another's first frame.
PREROLL_MAX_US = 1_000_000


@dataclass
class EncodeOptions:
    """Encoder settings shared by every file output (the ``--video-codec`` ... flags)."""

    video_codec: str | None = None
    audio_codec: str | None = None
    crf: int | None = None
    bitrate: str | None = None
    audio_bitrate: str | None = None
    preset: str | None = None
    size: tuple[int, int] | None = None
    fps: float | None = None
    pix_fmt: str | None = None
    video: bool = True
    audio: bool = True
    codec_options: dict[str, str] = field(default_factory=dict)
    format_options: dict[str, str] = field(default_factory=dict)
    #: ``-ar`` / ``-ac``: the audio's sample rate and channel count (None: the input's).
    sample_rate: int | None = None
    channels: int | None = None
    #: ``-metadata KEY=VALUE``: the file's global tags.
    metadata: dict[str, str] = field(default_factory=dict)
    #: A crash-tolerant layout (see :func:`crash_tolerant_options`); None: for live sources.
    fragmented: bool | None = None


def parse_bitrate(text: str) -> int:
    """``"2M"`` -> 2000000, ``"128k"`` -> 128000, ``"900000"`` -> 900000."""
    units = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
    text = text.strip().lower()
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError as exc:
        raise OutputError(f"bad bitrate {text!r}: use a number such as 2M or 128k") from exc


def _check_encoder(name: str, kind: str) -> Any:
    import av

    try:
        codec = av.codec.Codec(name, "w")
    except Exception as exc:  # noqa: BLE001 - PyAV raises several kinds for an unknown codec
        raise OutputError(f"unknown {kind} encoder {name!r}",
                          hint=ENCODERS_HINT) from exc
    if codec.type != kind:
        raise OutputError(f"{name!r} is a {codec.type} encoder, not a {kind} one")
    return codec


_MP4_MUXERS = frozenset({"mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v"})
FRAGMENTED_MP4 = "frag_keyframe+empty_moov+delay_moov+default_base_moof"
_DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
#: Seconds of one track after which a file takes its name even if another track has no packets.
PUBLISH_AFTER_S = 2


def crash_tolerant_options(container_format: str) -> dict[str, str]:
    """Muxer options that keep a file playable up to its last second or so when the process is
    killed: packets reach the file as they come; MP4 is fragmented (a fragment at least every
    second, the index up front); Matroska writes a cluster at least every second."""
    options = {"flush_packets": "1"}
    if container_format in _MP4_MUXERS:
        options.update(movflags=FRAGMENTED_MP4, frag_duration="1000000")
    elif container_format in ("matroska", "webm"):
        options["cluster_time_limit"] = "1000"
    return options


def _sane_samples(frame: Any) -> Any:
    """Float samples with NaN, infinities or absurd values (garbage decoded from a damaged
    file, or made by a transform) zeroed and clipped: encoders refuse them. Others unchanged."""
    if frame.format.name not in ("flt", "fltp", "dbl", "dblp"):
        return frame
    import av
    import numpy as np

    samples = frame.to_ndarray()
    peak = np.abs(samples).max(initial=0.0)
    if peak <= 1000.0:  # NaN compares False too
        return frame
    fixed = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    out = av.AudioFrame.from_ndarray(fixed.astype(samples.dtype, copy=False), format=frame.format.name,
                                     layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out


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


@functools.cache
def _picture_type_none() -> Any:
    from av.video.frame import PictureType

    return PictureType.NONE


_DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def _standard_layout(name: str, channels: int) -> str:
    """Encoders refuse unnamed layouts ("2 channels" from a WAV without a channel mask)."""
    return name if "channels" not in name else _DEFAULT_LAYOUTS.get(channels, name)


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
        self.video_codec = self._pick_codec(defaults, "video")
        self.audio_codec = self._pick_codec(defaults, "audio")
        if self.video_codec is None and self.audio_codec is None:
            raise OutputError(f"{path}: nothing to write (no video and no audio)")
        self.wants = tuple(k for k, c in (("video", self.video_codec), ("audio", self.audio_codec)) if c)
        if not self.is_pipe and "://" not in path:
            self._check_path(overwrite)
        self.bytes_written = 0
        self._container: Any = None
        self._streams: dict[str, Any] = {}
        self._firsts: dict[str, VideoFrame | AudioData | None] = {}
        self._ready = threading.Event()
        self._setup_lock = threading.Lock()
        self._mux_lock = threading.Lock()
        self._muxed = 0
        self._created = False
        self._broken = False
        #: Where the file is written: a temporary name until it has packets of every track.
        self._file: StagedFile | None = None
        self._muxed_kinds: set[str] = set()
        self._publish_at_end = False

    # checks done before anything runs -----------------------------------------------------
    @staticmethod
    def _check_format(name: str) -> None:
        import av

        if name not in av.formats_available:
            raise OutputError(f"unknown output format {name!r}",
                              hint=FORMATS_HINT)

    def _pick_codec(self, defaults: ContainerDefaults, kind: str) -> str | None:
        wanted = getattr(self.options, kind)
        default = getattr(defaults, f"{kind}_codec")
        chosen = getattr(self.options, f"{kind}_codec") or default
        if not wanted or chosen in (None, "none"):
            return None
        if default is None and getattr(self.options, f"{kind}_codec"):
            raise OutputError(f"{self.path}: a {defaults.format} file holds no {kind}")
        if chosen == "copy":
            if kind != "audio":
                raise OutputError(f"--{kind}-codec copy is not supported: only audio is copied")
            return chosen
        _check_encoder(chosen, kind)
        return chosen

    @property
    def copies(self) -> tuple[str, ...]:
        """The kinds this output muxes as the input's packets, undecoded (``--audio-codec copy``)."""
        return ("audio",) if self.audio_codec == "copy" else ()

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
        if kind == "video":
            self._encode_video(processor, pending)
        elif kind in self.copies:
            self._copy_audio(processor, pending)
        else:
            self._encode_audio(processor, pending)

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
        if self._container is None or kind not in self._streams:
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
        self._publish_at_end = "faststart" in options.get("movflags", "")
        self._file = StagedFile(self.path, overwrite=self.overwrite,
                                in_place=self.is_pipe or "://" in self.path or self.writes_in_place)
        try:
            self._container = av.open(self._file.temporary or self.url, "w",
                                      format=self.container_format, options=options)
        except av.error.FFmpegError as exc:
            self._file = None  # nothing was created
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from exc
        self._created = True
        self._container.metadata.update(self.options.metadata)
        try:
            if "video" in firsts:
                self._streams["video"] = self._add_video(firsts["video"])
            if "audio" in firsts:
                self._streams["audio"] = self._add_audio(firsts["audio"])
            for kind, stream in self._streams.items():
                if kind not in self.copies:  # a copied stream has no encoder to open
                    stream.codec_context.open()
            if "audio" in self.copies and "audio" in firsts:
                self._start_copy(firsts["audio"])
        except OutputError:
            raise
        except (av.error.FFmpegError, ValueError) as exc:
            encoders = [stream.codec_context.name for stream in self._streams.values()]
            raise encoder_setup_error(self.name, encoders, exc) from exc

    @property
    def crash_tolerant(self) -> bool:
        """Whether the file is laid out to survive a kill (``fragmented``, or a live source)."""
        return self.live_source if self.fragmented is None else self.fragmented

    # never clobber, never half-write ------------------------------------------------------
    def _publishable(self, packets: list[Any]) -> bool:
        """Whether the file has begun: packets of every track are in, or two seconds of one."""
        self._muxed_kinds.update(p.stream.type for p in packets)
        if self._muxed_kinds >= set(self.processors):
            return True
        last = packets[-1]
        return last.pts is not None and last.time_base is not None and \
            last.pts * last.time_base >= PUBLISH_AFTER_S

    def _finish_staged(self) -> None:
        """At the end, a file not yet named: named if it holds something (after a failed run:
        something of every track), else removed, and an older file is kept whole."""
        assert self._file is not None
        whole = self._muxed_kinds >= set(self.processors)
        if self._muxed and self.error is None and (whole or not self.run_failed):
            try:
                self._file.publish()
            except OSError as exc:  # OutputExistsError too
                self.error = exc if isinstance(exc, MstgError) else OutputError(f"cannot write {self.name}: {exc}")
        self._file.discard()

    def discard_partial(self) -> None:
        """Remove a file still under its temporary name (a second Ctrl-C stops at once)."""
        if self._file is not None:
            self._file.discard()

    def _add_video(self, first: VideoFrame) -> Any:
        opts = self.options
        codec_name = self.video_codec
        assert codec_name is not None
        codec = _check_encoder(codec_name, "video")
        rate = Fraction(opts.fps or round(US / first.duration, 3) if (opts.fps or first.duration) else 30)
        rate = rate.limit_denominator(1001)
        stream = self._container.add_stream(codec_name, rate=rate)
        ctx = stream.codec_context
        pix_fmt = opts.pix_fmt or self._video_pix_fmt(codec, first)
        width, height = output_size(opts.size, first.width, first.height, codec_name, pix_fmt)
        ctx.width, ctx.height, ctx.pix_fmt = width, height, pix_fmt
        ctx.time_base = (Fraction(1, US) if codec_name in FINE_TIME_BASE else
                         Fraction(1, 100) if codec_name == "gif" else Fraction(1, 1000))
        if opts.fps:
            ctx.time_base = Fraction(1) / rate
        ctx.framerate = rate
        ctx.thread_type = "AUTO"
        ctx.thread_count = 0
        stream.time_base = ctx.time_base
        if opts.bitrate:
            ctx.bit_rate = parse_bitrate(opts.bitrate)
        ctx.options = self._video_codec_options(codec_name)
        return stream

    @staticmethod
    def _video_pix_fmt(codec: Any, first: VideoFrame) -> str:
        supported = [f.name for f in (codec.video_formats or [])]
        if not supported:  # rawvideo takes anything
            return "yuv420p" if first.format == "bgr24" and first.width % 2 == 0 == first.height % 2 \
                else first.format
        if first.format in supported and codec.name in ("ffv1", "utvideo", "gif"):
            return first.format
        if "yuv420p" in supported:
            return "yuv420p"
        return "rgb8" if "rgb8" in supported else supported[0]

    def _video_codec_options(self, codec_name: str) -> dict[str, str]:
        opts = self.options
        out: dict[str, str] = {}
        if codec_name in ("libx264", "libx265"):
            out["preset"] = opts.preset or "veryfast"
            if not opts.bitrate:
                out["crf"] = str(opts.crf if opts.crf is not None else 23)
        elif codec_name in ("libvpx-vp9", "libvpx"):
            out.update({"deadline": opts.preset or "realtime", "cpu-used": "8", "row-mt": "1"})
            if not opts.bitrate:
                out.update({"crf": str(opts.crf if opts.crf is not None else 32), "b": "0"})
        elif opts.crf is not None:
            out["crf"] = str(opts.crf)
        out.update(opts.codec_options)
        return out

    def _add_audio(self, first: AudioData) -> Any:
        opts = self.options
        codec_name = self.audio_codec
        assert codec_name is not None
        if codec_name == "copy":
            return self._add_copied(first)
        codec = _check_encoder(codec_name, "audio")
        rates = list(codec.audio_rates or [])
        rate = opts.sample_rate or first.sample_rate
        if rates and rate not in rates:
            rate = 48000 if 48000 in rates else max(rates)
        stream = self._container.add_stream(codec_name, rate=rate)
        ctx = stream.codec_context
        formats = [f.name for f in (codec.audio_formats or [])]
        ctx.format = "fltp" if "fltp" in formats else (formats[0] if formats else "s16")
        channels = opts.channels or first.number_of_channels
        max_channels = 2 if codec_name in ("libmp3lame", "mp2") else 8
        layout = first.layout if channels == first.number_of_channels else f"{channels} channels"
        ctx.layout = _standard_layout(layout, channels) if channels <= max_channels else "stereo"
        ctx.time_base = Fraction(1, rate)
        stream.time_base = ctx.time_base
        if opts.audio_bitrate:
            ctx.bit_rate = parse_bitrate(opts.audio_bitrate)
        return stream

    def _add_copied(self, first: AudioData) -> Any:
        """A stream with the input's codec parameters, for its packets (``--audio-codec copy``)."""
        if not isinstance(first, EncodedAudioChunk):
            raise OutputError(f"{self.name}: --audio-codec copy needs the input's packets, "
                              "and this audio was decoded")
        try:
            return self._container.add_stream_from_template(first.template)
        except ValueError as exc:
            raise OutputError(f"{self.name}: a {self.container_format} file cannot hold "
                              f"{first.codec} audio as it is",
                              hint="leave out --audio-codec copy to re-encode it") from exc

    def _start_copy(self, first: EncodedAudioChunk) -> None:
        """Write the header now: a muxer that cannot hold the copied codec says so here."""
        import av

        try:
            self._container.start_encoding()
        except av.error.FFmpegError as exc:
            raise OutputError(f"{self.name}: a {self.container_format} file cannot hold "
                              f"{first.codec} audio as it is ({exc.strerror or exc})",
                              hint="leave out --audio-codec copy to re-encode it") from exc

    # encoding -----------------------------------------------------------------------------
    def _mux(self, packets: list[Any]) -> None:
        if not packets:
            return
        import av

        try:
            with self._mux_lock:
                self._container.mux(packets)
                self._muxed += len(packets)
                if self._file is not None and self._file.temporary and self._publishable(packets) \
                        and not self._publish_at_end:
                    self._file.publish()
        except MstgError:
            raise
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
                self._broken = True
                raise BrokenPipeError(errno.EPIPE, f"{self.name}: the reader went away") from exc
            hint = "the disk is full, or a file size limit was reached" if exc.errno in _DISK_FULL else None
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}", hint=hint) from exc
        except av.error.FFmpegError as exc:
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from exc

    def _encoder_failed(self, kind: str, timestamp: int, exc: Exception) -> OutputError:
        codec = self.video_codec if kind == "video" else self.audio_codec
        reason = getattr(exc, "strerror", None) or exc
        return OutputError(f"{self.name}: the {codec} encoder failed on the {kind} at "
                           f"{timestamp / US:.3f}s: {reason}")

    def _encode_video(self, processor: MediaStreamTrackProcessor, pending: list[Any]) -> None:
        """Encode every frame at its own time; with ``fps``, at a constant rate instead, as
        FFmpeg's ``-r`` does: each frame takes the nearest slot of the rate, a frame whose slot
        is taken is dropped, and an empty slot repeats the picture before it."""
        stream = self._streams["video"]
        ctx = stream.codec_context
        width, height, pix_fmt = ctx.width, ctx.height, ctx.pix_fmt
        tb = ctx.time_base
        fps = self.options.fps
        last_pts = -1
        previous: Any = None  # the last picture encoded (repeated into empty slots with fps)
        end_pts = 0  # with fps: the slot after the last frame's end
        for frame in self._frames(processor, pending):
            try:
                pts = self._tick(frame.timestamp, tb)
                if fps:
                    if frame.duration:
                        end_pts = self._tick(frame.timestamp + frame.duration, tb)
                    if pts <= last_pts or (last_pts >= 0 and frame.duration and pts >= end_pts):
                        continue  # its slot is taken, or comes after it: dropped, as FFmpeg's fps does
                    if previous is not None:
                        for gap in range(last_pts + 1, pts):
                            self._encode_picture(stream, previous, gap, frame.timestamp)
                elif pts <= last_pts:
                    pts = last_pts + 1
                last_pts = pts
                if frame.width == width and frame.height == height:
                    av_frame = frame.to_av(pix_fmt)
                else:
                    av_frame = reformat(frame.to_av(), width=width, height=height, format=pix_fmt)
                self._encode_picture(stream, av_frame, pts, frame.timestamp)
                previous = av_frame if fps else None
            finally:
                frame.close()
        if previous is not None:  # the last picture lasts to its end, as the others did
            for gap in range(last_pts + 1, end_pts):
                self._encode_picture(stream, previous, gap, gap * US * tb.numerator // tb.denominator)
        self._mux(stream.encode(None))

    @staticmethod
    def _tick(timestamp: int, tb: Fraction) -> int:
        """The nearest tick of the time base to ``timestamp`` (microseconds)."""
        return (timestamp * tb.denominator + US * tb.numerator // 2) // (US * tb.numerator)

    def _encode_picture(self, stream: Any, av_frame: Any, pts: int, timestamp: int) -> None:
        import av

        try:
            with self.encode_lock:
                av_frame.pts, av_frame.time_base = pts, stream.codec_context.time_base
                # the decoder's I/P/B type would force the encoder's hand (libx264 copies it):
                # the encoder decides, as with FFmpeg's CLI
                av_frame.pict_type = _picture_type_none()
                packets = stream.encode(av_frame)
        except av.error.FFmpegError as exc:
            raise self._encoder_failed("video", timestamp, exc) from exc
        self._mux(packets)
        self.frames_written["video"] += 1

    def _encode_audio(self, processor: MediaStreamTrackProcessor, pending: list[Any]) -> None:
        import av

        stream = self._streams["audio"]
        ctx = stream.codec_context
        resampler = av.AudioResampler(format=ctx.format.name, layout=ctx.layout.name, rate=ctx.sample_rate,
                                      frame_size=ctx.frame_size or None)
        next_us: int | None = None
        for frame in self._frames(processor, pending):
            try:
                av_frame = _sane_samples(frame.to_av())
                rate = frame.sample_rate
                # never back in time (muxers refuse it): an overlap plays on after what came before
                start_us = frame.timestamp if next_us is None else max(frame.timestamp, next_us)
                next_us = start_us + (frame.duration or 0)
                with self.encode_lock:
                    av_frame.pts = start_us * rate // US
                    av_frame.time_base = Fraction(1, rate)
                    chunks = resampler.resample(av_frame)
                try:
                    packets = [p for chunk in chunks for p in stream.encode(chunk)]
                except av.error.FFmpegError as exc:
                    raise self._encoder_failed("audio", frame.timestamp, exc) from exc
                self._mux(packets)
                self.frames_written["audio"] += 1
            finally:
                frame.close()
        for chunk in resampler.resample(None):
            self._mux(stream.encode(chunk))
        self._mux(stream.encode(None))

    def _copy_audio(self, processor: MediaStreamTrackProcessor, pending: list[Any]) -> None:
        """Mux the input's packets as they are (a disabled track's decoded silence is left out:
        there is nothing to copy). Under ``encode_lock``, as outputs copying the same packet
        take turns; its timing is put back after each, as muxing rebases it in place."""
        stream = self._streams["audio"]
        for frame in self._frames(processor, pending):
            try:
                packet = getattr(frame, "packet", None)
                if packet is None:
                    continue
                with self.encode_lock:
                    saved = packet.pts, packet.dts, packet.duration, packet.time_base
                    packet.stream = stream
                    try:
                        self._mux([packet])
                    finally:
                        packet.pts, packet.dts, packet.duration, packet.time_base = saved
                self.frames_written["audio"] += 1
            finally:
                frame.close()

    @staticmethod
    def _frames(processor: MediaStreamTrackProcessor, pending: list[Any]) -> Any:
        yield from pending
        pending.clear()
        yield from processor.readable

    def _finish(self) -> None:
        container, self._container = self._container, None
        if container is None:
            return
        try:
            container.close()
        except Exception as exc:  # noqa: BLE001 - FFmpeg's trailer errors (disk full ...)
            if getattr(exc, "errno", None) == errno.EPIPE:
                self._broken = True
                if self.error is None:
                    self.error = BrokenPipeError(errno.EPIPE, f"{self.name}: the reader went away")
            elif self.error is None and not self._broken:
                hint = "the disk is full, or a file size limit was reached" \
                    if getattr(exc, "errno", None) in _DISK_FULL else None
                self.error = OutputError(f"cannot finish {self.name}: {exc}", hint=hint)
        if self._file is not None and self._file.temporary is not None:
            self._finish_staged()
        if self._file is not None and self._file.published and os.path.isfile(self.path):
            self.bytes_written = os.path.getsize(self.path)

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(path=self.path, bytes=self.bytes_written, written_at=time.time())
        return info
