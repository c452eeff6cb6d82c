"""Inputs, opened as processor tracks: files, URLs, stdin, synthetic sources and the demo.

>>> from mstg.inputs import open_input
>>> source = open_input("testsrc", duration=0.5)
>>> [t.kind for t in source.tracks]
['video']
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import InputNotFoundError, OptionError, ParameterError, UsageError
from .base import Input
from .concat import ConcatInput, concat_parts
from .demo import DemoInput
from .devices import is_device_spec, open_device
from .images import ImageInput, folder_glob, is_animated, is_image_spec
from .media import MediaInput

__all__ = ["DemoInput", "ImageInput", "Input", "MediaInput", "open_input", "LAVFI_SOURCES"]

#: FFmpeg's source filters that mstg accepts by name (``testsrc``, ``sine=frequency=1000``).
LAVFI_SOURCES = frozenset({
    "testsrc", "testsrc2", "smptebars", "smptehdbars", "rgbtestsrc", "yuvtestsrc", "color",
    "mandelbrot", "life", "cellauto", "gradients", "allrgb", "allyuv", "pal75bars", "pal100bars",
    "zoneplate", "colorspectrum", "nullsrc",
    "sine", "anoisesrc", "aevalsrc", "anullsrc",
})
#: Synthetic sources run this long unless ``duration`` is given (they never end by themselves).
SYNTHETIC_DEFAULT_DURATION = 10.0
#: Where ``--start`` applies.
_SEEKABLE = "files, pipes and streams"
LIVE_SCHEMES = ("udp", "rtp", "srt", "rtsp", "rtmp", "rtmps", "tcp")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def lavfi_graph(spec: str) -> str | None:
    """The lavfi graph for ``testsrc``, ``sine=f=1000`` or ``lavfi:<graph>``, else None."""
    if spec.startswith("lavfi:"):
        return spec[len("lavfi:"):]
    name = re.split(r"[=:,]", spec, maxsplit=1)[0]
    return spec if name in LAVFI_SOURCES else None


def raw_video_options(size: tuple[int, int] | None, pixel_format: str | None,
                      fps: float | None) -> dict[str, str]:
    """FFmpeg's rawvideo demuxer options for ``size``, ``pixel_format`` (default yuv420p)
    and ``fps`` (default 25): ``--input-size``, ``--input-pixel-format``, ``--input-fps``.

    >>> raw_video_options((320, 240), "rgb24", None)
    {'video_size': '320x240', 'pixel_format': 'rgb24', 'framerate': '25'}
    """
    if size is None:
        raise ParameterError("raw video needs its picture size: {size} WxH", {"size": None}, scope="input")
    return {"video_size": f"{size[0]}x{size[1]}", "pixel_format": pixel_format or "yuv420p",
            "framerate": f"{fps:g}" if fps else "25"}


def _refuse(*, where: str, **device_only: Any) -> None:
    """An :class:`~mstg.errors.OptionError` naming the options given for an input that has
    no use for them (the command line names its flags instead)."""
    given = {name: value for name, value in device_only.items() if value is not None}
    if given:
        hints = [_output_side(name, value) for name, value in given.items()]
        raise OptionError(given, scope="input", allowed=where,
                          hint="; ".join(h for h in hints if h) or None)


def _output_side(name: str, value: Any) -> str | None:
    """The output-side way to get what an input-only setting asks for, or None.

    >>> _output_side("sample_rate", 16000)
    'to resample the sound, use the resample transform: -t resample:rate=16000'
    """
    if name == "sample_rate":
        return f"to resample the sound, use the resample transform: -t resample:rate={value}"
    if name == "size":
        return f"to scale the pictures, use --size {value[0]}x{value[1]}"
    if name == "fps":
        return f"for a constant output frame rate, use --fps {value:g}"
    if name == "channels":
        return "to mix the sound down to one channel, use the mono transform: -t mono" if value == 1 else None
    if name == "pixel_format":
        return f"to choose the output's pixel format, use --pix-fmt {value}"
    return None


def open_input(spec: str, *, video_track: int | None = 0, audio_track: int | None = 0,
               start: float | None = None, duration: float | None = None, realtime: bool = False,
               format: str | None = None, options: dict[str, str] | None = None,
               fps: float | None = None, timeout: float | None = 10.0,
               size: tuple[int, int] | None = None, pixel_format: str | None = None,
               sample_rate: int | None = None, channels: int | None = None,
               reconnect: bool | None = None, loop: bool | None = None, **extra: Any) -> Input:
    """Open what ``spec`` names, ready to read: see the README's table of inputs.

    ``video_track`` / ``audio_track`` pick the n-th track of that kind (None: none);
    ``start`` and ``duration`` are seconds; ``realtime`` paces a file to its timestamps.
    Devices (``cam0``, ``mic0``, ``screen``: see :mod:`mstg.inputs.devices`) take ``size``,
    ``fps``, ``pixel_format`` (or ``format``: ``mjpeg``), ``sample_rate`` and ``channels``;
    the demo takes ``size``, ``fps`` and ``sample_rate``. ``reconnect`` (URLs; default: on for
    live network streams) retries a stream that stalls or drops (see :mod:`mstg.inputs.reconnect`).
    ``loop`` repeats pictures until the run ends (FFmpeg's ``-loop 1``).
    """
    if extra:
        raise UsageError(f"unknown input option(s): {', '.join(sorted(extra))}")
    pictures = format is None and is_image_spec(spec) and not is_animated(spec)
    if not pictures:
        _refuse(loop=loop or None, where="pictures (photo.png, 'shots/*.jpg')")
    # live devices: cameras, microphones, the screen (mstg.inputs.devices) ----------------
    if is_device_spec(spec):
        return open_device(spec, size=size, fps=fps, pixel_format=pixel_format, format=format,
                           sample_rate=sample_rate, channels=channels, duration=duration)
    if spec == "demo":
        _refuse(pixel_format=pixel_format, channels=channels,
                where="cameras, microphones and the screen")
        _refuse(start=start, where=_SEEKABLE)
        width, height = size or (1280, 720)
        return DemoInput(duration=SYNTHETIC_DEFAULT_DURATION if duration is None else duration,
                         realtime=realtime, fps=fps or 30.0, width=width, height=height,
                         sample_rate=sample_rate or 48000, video=video_track is not None,
                         audio=audio_track is not None)
    if format == "rawvideo":  # raw pictures (stdin or a file) say nothing of themselves
        options = {**raw_video_options(size, pixel_format, fps), **(options or {})}
        size = pixel_format = None
    _refuse(size=size, pixel_format=pixel_format, sample_rate=sample_rate, channels=channels,
            where="cameras, microphones, the screen, the demo and raw video (--input-format rawvideo)")
    # ---------------------------------------------------------------------------------------
    graph = None if format else lavfi_graph(spec)
    if graph is not None:
        _refuse(start=start, where=_SEEKABLE)
        _refuse(fps=fps, where=f"images, cameras, the screen and the demo (for {spec}, put the "
                               "rate in it: testsrc=rate=60)")
        return MediaInput(graph, format="lavfi", options=options, realtime=realtime, label=spec,
                          duration=SYNTHETIC_DEFAULT_DURATION if duration is None else duration)
    common: dict[str, Any] = dict(format=format, options=options, video_track=video_track,
                                  audio_track=audio_track, start=start, duration=duration,
                                  realtime=realtime, fps=fps)
    parts = concat_parts(spec)
    if parts is not None:
        _refuse(start=start, where=f"{_SEEKABLE} (not a concatenation: give each part's own range)")
        return ConcatInput(parts, **{k: v for k, v in common.items() if k != "start"})
    if spec == "-":
        return MediaInput("pipe:0", label="stdin", **common)
    if _URL.match(spec) and spec.lower().startswith(("whip://", "whips://")):
        from ..webrtc import open_webrtc_input  # WHIP: an endpoint publishers send to

        return open_webrtc_input(spec, duration=duration)  # type: ignore[return-value]
    if _URL.match(spec):
        live = spec.split(":", 1)[0].lower() in LIVE_SCHEMES
        common.pop("fps")
        return MediaInput(spec, live=live, timeout=timeout, reconnect=reconnect, **common)
    if pictures:
        _refuse(start=start, where=_SEEKABLE)
        return ImageInput(spec, fps=fps or 25.0, duration=duration, realtime=realtime,
                          loop=bool(loop))
    if not os.path.exists(spec):
        raise InputNotFoundError(f"input not found: {spec}")
    if os.path.isdir(spec):
        raise InputNotFoundError(f"{spec} is a folder", hint=f"for its pictures use '{folder_glob(spec)}'")
    return MediaInput(spec, **common)
