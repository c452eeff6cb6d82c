"""Codec policy for encoded outputs, as pure functions: options and first frames in, settings out.

Nothing here opens a container: each choice can be checked on its own.

>>> video_codec_options("libx264", EncodeOptions(crf=20))
{'preset': 'veryfast', 'crf': '20'}
>>> video_pix_fmt(["yuv420p", "bgr0", "gray"], "ffv1", "bgr24", (64, 48))
'bgr0'
>>> even_size((321, 241), "yuv420p", "libx264")
(320, 240)
>>> crash_tolerant_options("matroska")
{'flush_packets': '1', 'cluster_time_limit': '1000'}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..capabilities import ENCODERS_HINT
from ..errors import OutputError
from .formats import FINE_TIME_BASE, ContainerDefaults
from .sizing import output_size

__all__ = ["EncodeOptions", "VideoSettings", "AudioSettings", "parse_bitrate", "check_encoder",
           "pick_codec", "crash_tolerant_options", "video_settings", "video_codec_options",
           "video_pix_fmt", "colour_tags", "audio_settings", "even_size", "standard_layout", "FRAGMENTED_MP4"]

US = 1_000_000
_MP4_MUXERS = frozenset({"mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v"})
FRAGMENTED_MP4 = "frag_keyframe+empty_moov+delay_moov+default_base_moof"
#: RGB layouts of lossless encoders (FFV1, Ut Video) for a first frame in an RGB layout they lack.
_LOSSLESS_RGB = {"bgr24": ("bgr0", "gbrp"), "rgb24": ("bgr0", "gbrp"), "bgra": ("bgra", "gbrap")}
_DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


@dataclass
class EncodeOptions:
    """Encoder settings of a file output (the ``--video-codec`` ... flags)."""

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
    #: A crash-tolerant layout (see :func:`crash_tolerant_options`); None: for live sources.
    fragmented: bool | None = None
    #: ``-ar`` / ``-ac``: the audio's sample rate and channel count (None: the input's).
    sample_rate: int | None = None
    channels: int | None = None
    #: ``-metadata KEY=VALUE``: the file's global tags.
    metadata: dict[str, str] = field(default_factory=dict)
    #: ``-map_metadata -1``: leave the input's tags out (chapter times stay).
    strip_metadata: bool = False
    #: ``-sn`` when False: the input's text subtitles are left out.
    subtitles: bool = True


@dataclass(frozen=True)
class VideoSettings:
    """What a video stream is opened with."""

    rate: Fraction
    width: int
    height: int
    pix_fmt: str
    time_base: Fraction
    bit_rate: int | None
    options: dict[str, str]


@dataclass(frozen=True)
class AudioSettings:
    """What an audio stream is opened with."""

    rate: int
    format: str
    layout: str
    bit_rate: int | None


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


def check_encoder(name: str, kind: str) -> Any:
    """FFmpeg's encoder ``name`` of ``kind``, or an OutputError saying why not."""
    import av

    try:
        codec = av.codec.Codec(name, "w")
    except Exception as exc:  # noqa: BLE001 - PyAV raises several kinds for an unknown codec
        raise OutputError(f"unknown {kind} encoder {name!r}",
                          hint=ENCODERS_HINT) from exc
    if codec.type != kind:
        raise OutputError(f"{name!r} is a {codec.type} encoder, not a {kind} one")
    return codec


def pick_codec(defaults: ContainerDefaults, options: EncodeOptions, kind: str, path: str) -> str | None:
    """The codec of ``kind`` for a file of ``defaults``' format (None: that kind is left out)."""
    wanted = options.video if kind == "video" else options.audio
    named = options.video_codec if kind == "video" else options.audio_codec
    default = defaults.video_codec if kind == "video" else defaults.audio_codec
    chosen = named or default
    if not wanted or chosen in (None, "none"):
        return None
    if default is None and named:
        raise OutputError(f"{path}: a {defaults.format} file holds no {kind}")
    if chosen == "copy":
        return chosen
    check_encoder(chosen, kind)
    return chosen


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


def even_size(size: tuple[int, int], pix_fmt: str, codec_name: str) -> tuple[int, int]:
    """Sizes subsampled formats and H.264 need: even (at least 2)."""
    if pix_fmt.endswith(("420p", "nv12")) or codec_name in ("libx264", "mpeg4"):
        return tuple(max(2, v - v % 2) for v in size)  # type: ignore[return-value]
    return size


def video_pix_fmt(supported: list[str], codec_name: str, first_format: str, first_size: tuple[int, int]) -> str:
    """The pixel format to encode: what the encoder takes, nearest to the first frame's."""
    if not supported:  # rawvideo takes anything
        width, height = first_size
        return "yuv420p" if first_format == "bgr24" and width % 2 == 0 == height % 2 else first_format
    if codec_name in ("ffv1", "utvideo", "gif"):
        if first_format in supported:
            return first_format
        # lossless codecs keep RGB pictures in RGB, as FFmpeg picks (bgr24 -> bgr0)
        for name in _LOSSLESS_RGB.get(first_format, ()):
            if name in supported:
                return name
    if "yuv420p" in supported:
        return "yuv420p"
    return "rgb8" if "rgb8" in supported else supported[0]


def video_codec_options(codec_name: str, opts: EncodeOptions, *, log_level: str = "error") -> dict[str, str]:
    """The encoder's private options: preset and quality defaults, then the user's. x265
    prints by itself: ``log_level`` says how much (``error``; ``info`` with ``-v``)."""
    out: dict[str, str] = {}
    if codec_name in ("libx264", "libx265"):
        out["preset"] = opts.preset or "veryfast"
        if not opts.bitrate:
            out["crf"] = str(opts.crf if opts.crf is not None else 23)
    if codec_name == "libx265":
        params = opts.codec_options.get("x265-params", "")
        if "log-level" not in params:
            out["x265-params"] = ":".join(p for p in (f"log-level={log_level}", params) if p)
    elif codec_name in ("libvpx-vp9", "libvpx"):
        out.update({"deadline": opts.preset or "realtime", "cpu-used": "8", "row-mt": "1"})
        if not opts.bitrate:
            out.update({"crf": str(opts.crf if opts.crf is not None else 32), "b": "0"})
    elif opts.crf is not None:
        out["crf"] = str(opts.crf)
    out.update({k: v for k, v in opts.codec_options.items() if k != "x265-params" or k not in out})
    return out


def video_settings(codec: Any, opts: EncodeOptions, first: Any, codec_options: dict[str, str]) -> VideoSettings:
    """Rate, size, pixel format and time base of a video stream, from the first frame."""
    name = codec.name
    rate = Fraction(opts.fps or round(US / first.duration, 3) if (opts.fps or first.duration) else 30)
    rate = rate.limit_denominator(1001)
    pix_fmt = opts.pix_fmt or video_pix_fmt([f.name for f in (codec.video_formats or [])], name,
                                            first.format, (first.width, first.height))
    width, height = output_size(opts.size, first.width, first.height, name, pix_fmt)
    time_base = (Fraction(1, US) if name in FINE_TIME_BASE else
                 Fraction(1, 100) if name == "gif" else Fraction(1, 1000))
    if opts.fps:
        time_base = Fraction(1) / rate
    return VideoSettings(rate, width, height, pix_fmt, time_base,
                         parse_bitrate(opts.bitrate) if opts.bitrate else None, codec_options)


def colour_tags(first: Any, pix_fmt: str) -> dict[str, int]:
    """The colour tags of a video stream encoded in ``pix_fmt`` from pictures like ``first``
    (a PyAV frame), as FFmpeg tags them: the range the encoder's pictures are converted to
    (:func:`~mstg.frames.convert.natural_range`) where the source said its range, and the
    source's YUV matrix (``colorspace``; BT.601 for untagged SD, as FFmpeg) where it named one.
    Nothing for a source that says neither (a decoder's or a transform's plain pixels).
    """
    from ..frames.convert import natural_range

    tags: dict[str, int] = {}
    if int(first.color_range) in (1, 2):
        tags["color_range"] = natural_range(pix_fmt)
    rgb_out = natural_range(pix_fmt) == 2 and not pix_fmt.startswith(("yuvj", "gray"))
    if int(first.colorspace) not in (0, 2) and not rgb_out:  # RGB, unspecified
        tags["colorspace"] = int(first.colorspace)
    return tags


def standard_layout(name: str, channels: int) -> str:
    """Encoders refuse unnamed layouts ("2 channels" from a WAV without a channel mask)."""
    return name if "channels" not in name else _DEFAULT_LAYOUTS.get(channels, name)


def audio_settings(codec: Any, opts: EncodeOptions, first: Any) -> AudioSettings:
    """Sample rate, sample format and layout of an audio stream, from the first frame."""
    rates = list(codec.audio_rates or [])
    rate = opts.sample_rate or first.sample_rate
    if rates and rate not in rates:
        rate = 48000 if 48000 in rates else max(rates)
    formats = [f.name for f in (codec.audio_formats or [])]
    sample_format = "fltp" if "fltp" in formats else (formats[0] if formats else "s16")
    channels = opts.channels or first.number_of_channels
    max_channels = 2 if codec.name in ("libmp3lame", "mp2") else 8
    named = first.layout if channels == first.number_of_channels else f"{channels} channels"
    layout = standard_layout(named, channels) if channels <= max_channels else "stereo"
    return AudioSettings(rate, sample_format, layout,
                         parse_bitrate(opts.audio_bitrate) if opts.audio_bitrate else None)
