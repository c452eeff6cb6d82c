"""Encoder control and container defaults, as pure functions of the flags.

FFmpeg's ``-g``, ``-tune``, ``-profile:v``, ``-level``, ``-maxrate``, ``-bufsize``,
``-x264-params`` and ``-x265-params`` become encoder options (what ``ctx.options`` takes);
MP4 and MOV files get their index up front (``-movflags +faststart``) unless fragmented.

>>> encoder_control(gop=50, tune="film", profile="high", maxrate="2M", bufsize="4M")
{'g': '50', 'tune': 'film', 'profile': 'high', 'maxrate': '2M', 'bufsize': '4M'}
>>> file_defaults("mp4")
{'movflags': '+faststart'}
>>> file_defaults("matroska")
{}
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ParameterError, UsageError

#: Muxers of the MP4 family, where the index (moov) can be moved before the media (mdat).
MP4_FAMILY = frozenset({"mp4", "mov", "ipod", "3gp", "3g2", "psp", "f4v", "ismv"})


def parse_options(items: Iterable[str], flag: str) -> dict[str, str]:
    """``["key=value", ...]`` (repeated ``--codec-option`` ...) as a dict.

    >>> parse_options(["preset=slow", "aq-mode=2"], "--codec-option")
    {'preset': 'slow', 'aq-mode': '2'}
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} {item!r}: use KEY=VALUE")
        out[key.strip()] = value
    return out


def encoder_control(*, gop: int | None = None, tune: str | None = None, profile: str | None = None,
                    level: str | None = None, maxrate: str | None = None, bufsize: str | None = None,
                    x264_params: str | None = None, x265_params: str | None = None) -> dict[str, str]:
    """The encoder options the video flags ask for (None: left to the encoder)."""
    named = {"g": gop, "tune": tune, "profile": profile, "level": level, "maxrate": maxrate,
             "bufsize": bufsize, "x264-params": x264_params, "x265-params": x265_params}
    if bufsize is not None and maxrate is None:
        raise ParameterError("{bufsize} needs {maxrate} (the rate the buffer drains at)",
                             {"bufsize": bufsize, "maxrate": maxrate}, scope="output")
    return {key: str(value) for key, value in named.items() if value is not None}


def file_defaults(container_format: str, *, fragmented: bool = False, pipe: bool = False) -> dict[str, str]:
    """Muxer options a file gets unless the user names them: MP4/MOV with the index first
    (a browser plays it before it has all of it), where the file is not fragmented or a pipe."""
    if container_format in MP4_FAMILY and not fragmented and not pipe:
        return {"movflags": "+faststart"}
    return {}
