"""The encoded-file sink: files chosen by extension, stdout pipes, and network muxers."""

from __future__ import annotations

import errno
import os
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import OutputError, OutputExistsError
from ..frames import AudioData, VideoFrame
from ..tracks import MediaStreamTrackProcessor
from .base import Output
from .formats import FINE_TIME_BASE, ContainerDefaults, defaults_for

US = 1_000_000


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
                          hint="'ffmpeg -encoders' lists what FFmpeg can encode") from exc
    if codec.type != kind:
        raise OutputError(f"{name!r} is a {codec.type} encoder, not a {kind} one")
    return codec


_DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def _standard_layout(name: str, channels: int) -> str:
    """Encoders refuse unnamed layouts ("2 channels" from a WAV without a channel mask)."""
    return name if "channels" not in name else _DEFAULT_LAYOUTS.get(channels, name)


def _even(value: int) -> int:
    return max(2, value - value % 2)


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

    def __init__(self, path: str, *, format: str | None = None, options: EncodeOptions | None = None,
                 overwrite: bool = False) -> None:
        super().__init__()
        self.options = options = options or EncodeOptions()
        self.path = path
        self.name = "stdout" if path == "-" else path
        self.url = "pipe:1" if path == "-" else path
        self.is_pipe = path == "-" or path.startswith("pipe:")
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

    # checks done before anything runs -----------------------------------------------------
    @staticmethod
    def _check_format(name: str) -> None:
        import av

        if name not in av.formats_available:
            raise OutputError(f"unknown output format {name!r}",
                              hint="'ffmpeg -muxers' lists the formats FFmpeg writes")

    def _pick_codec(self, defaults: ContainerDefaults, kind: str) -> str | None:
        wanted = getattr(self.options, kind)
        default = getattr(defaults, f"{kind}_codec")
        chosen = getattr(self.options, f"{kind}_codec") or default
        if not wanted or chosen in (None, "none"):
            return None
        if default is None and getattr(self.options, f"{kind}_codec"):
            raise OutputError(f"{self.path}: a {defaults.format} file holds no {kind}")
        _check_encoder(chosen, kind)
        return chosen

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
        else:
            self._encode_audio(processor, pending)

    def _preroll(self, kind: str, processor: MediaStreamTrackProcessor) -> list[Any]:
        """Wait until every track has its first frame (streams must exist before the header),
        reading on meanwhile so that a source with several tracks never blocks."""
        first = processor.read()
        with self._setup_lock:
            self._firsts[kind] = first
            if len(self._firsts) == len(self.processors):
                self._setup()
        pending: list[Any] = [] if first is None else [first]
        while not self._ready.is_set():
            frame = processor.read(timeout=0.02)
            if frame is not None:
                pending.append(frame)
        if self._container is None or kind not in self._streams:
            for frame in pending:
                frame.close()
            return []
        return pending

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
        if self.is_pipe and self.container_format in ("mp4", "mov", "ipod"):
            options.setdefault("movflags", "frag_keyframe+empty_moov+default_base_moof")
        try:
            self._container = av.open(self.url, "w", format=self.container_format, options=options)
        except av.error.FFmpegError as exc:
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from exc
        self._created = True
        try:
            if "video" in firsts:
                self._streams["video"] = self._add_video(firsts["video"])
            if "audio" in firsts:
                self._streams["audio"] = self._add_audio(firsts["audio"])
            for stream in self._streams.values():
                stream.codec_context.open()
        except (av.error.FFmpegError, ValueError) as exc:
            raise OutputError(f"{self.name}: cannot set up the encoder: {exc}") from exc

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
        width, height = opts.size or (first.width, first.height)
        if pix_fmt.endswith(("420p", "nv12")) or codec_name in ("libx264", "mpeg4"):
            width, height = _even(width), _even(height)
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
        codec = _check_encoder(codec_name, "audio")
        rates = list(codec.audio_rates or [])
        rate = first.sample_rate
        if rates and rate not in rates:
            rate = 48000 if 48000 in rates else max(rates)
        stream = self._container.add_stream(codec_name, rate=rate)
        ctx = stream.codec_context
        formats = [f.name for f in (codec.audio_formats or [])]
        ctx.format = "fltp" if "fltp" in formats else (formats[0] if formats else "s16")
        channels = first.number_of_channels
        max_channels = 2 if codec_name in ("libmp3lame", "mp2") else 8
        ctx.layout = _standard_layout(first.layout, channels) if channels <= max_channels else "stereo"
        ctx.time_base = Fraction(1, rate)
        stream.time_base = ctx.time_base
        if opts.audio_bitrate:
            ctx.bit_rate = parse_bitrate(opts.audio_bitrate)
        return stream

    # encoding -----------------------------------------------------------------------------
    def _mux(self, packets: list[Any]) -> None:
        if not packets:
            return
        try:
            with self._mux_lock:
                self._container.mux(packets)
                self._muxed += len(packets)
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
                self._broken = True
                raise BrokenPipeError(errno.EPIPE, f"{self.name}: the reader went away") from exc
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from exc

    def _encode_video(self, processor: MediaStreamTrackProcessor, pending: list[Any]) -> None:
        stream = self._streams["video"]
        ctx = stream.codec_context
        width, height, pix_fmt = ctx.width, ctx.height, ctx.pix_fmt
        tb = ctx.time_base
        fps = self.options.fps
        last_pts = -1
        for frame in self._frames(processor, pending):
            try:
                pts = int(frame.timestamp * tb.denominator // (US * tb.numerator))
                if fps:
                    if pts <= last_pts:
                        continue
                elif pts <= last_pts:
                    pts = last_pts + 1
                last_pts = pts
                if frame.width == width and frame.height == height:
                    av_frame = frame.to_av(pix_fmt)
                else:
                    av_frame = frame.to_av().reformat(width=width, height=height, format=pix_fmt)
                with self.encode_lock:
                    av_frame.pts, av_frame.time_base = pts, tb
                    packets = stream.encode(av_frame)
                self._mux(packets)
                self.frames_written["video"] += 1
            finally:
                frame.close()
        self._mux(stream.encode(None))

    def _encode_audio(self, processor: MediaStreamTrackProcessor, pending: list[Any]) -> None:
        import av

        stream = self._streams["audio"]
        ctx = stream.codec_context
        resampler = av.AudioResampler(format=ctx.format.name, layout=ctx.layout.name, rate=ctx.sample_rate,
                                      frame_size=ctx.frame_size or None)
        for frame in self._frames(processor, pending):
            try:
                av_frame = frame.to_av()
                rate = frame.sample_rate
                with self.encode_lock:
                    av_frame.pts = frame.timestamp * rate // US
                    av_frame.time_base = Fraction(1, rate)
                    chunks = resampler.resample(av_frame)
                for chunk in chunks:
                    self._mux(stream.encode(chunk))
                self.frames_written["audio"] += 1
            finally:
                frame.close()
        for chunk in resampler.resample(None):
            self._mux(stream.encode(chunk))
        self._mux(stream.encode(None))

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
            if self.error is None and not self._broken:
                self.error = OutputError(f"cannot finish {self.name}: {exc}")
        if not self.is_pipe and "://" not in self.path and os.path.exists(self.path):
            self.bytes_written = os.path.getsize(self.path)
            if self._muxed == 0:
                os.unlink(self.path)  # nothing was written: leave no broken file behind

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(path=self.path, bytes=self.bytes_written, written_at=time.time())
        return info
