"""What FFmpeg sees in an input: its container and every track, as plain data.

>>> info = probe("testsrc=size=64x48:rate=10", format="lavfi")
>>> info["tracks"][0]["kind"], info["tracks"][0]["width"], info["tracks"][0]["frame_rate"]
('video', 64, 10.0)
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

__all__ = ["probe", "probe_demo"]

#: FFmpeg's AVFieldOrder, named as ffprobe names them (0, unknown: None).
_FIELD_ORDERS = {1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}


def probe(url: str, *, format: str | None = None, options: dict[str, str] | None = None,
          timeout: float | None = 10.0, label: str | None = None) -> dict[str, Any]:
    """The container and tracks of ``url`` (a path, a URL, ``pipe:0`` or a lavfi graph).

    Each track gives its ``kind`` and ``number`` among the tracks of that kind (what
    ``--video-track`` / ``--audio-track`` take; cover art is not counted as video), codec,
    profile, sizes, rates, language and a ``cover_art`` flag. ``rotation`` (degrees, as FFmpeg
    reports the display matrix) comes from the first decoded picture.
    """
    from .inputs.media import open_container

    with open_container(url, format=format, options=options, timeout=timeout, label=label) as container:
        tracks = [_track(stream) for stream in container.streams]
        _number(tracks)
        _rotations(container, tracks)
        return {
            "input": label or url,
            "format": container.format.name,
            "format_name": container.format.long_name,
            "duration": _seconds(container.duration, Fraction(1, 1_000_000)),
            "start_time": _seconds(container.start_time, Fraction(1, 1_000_000)),
            "bit_rate": container.bit_rate or None,
            "size_bytes": os.path.getsize(url) if os.path.isfile(url) else None,
            "chapters": len(container.chapters()) if hasattr(container, "chapters") else None,
            "metadata": dict(container.metadata),
            "tracks": tracks,
        }


def probe_demo(*, duration: float = 10.0) -> dict[str, Any]:
    """What ``probe`` says of the built-in ``demo`` input (it is made in memory: nothing to open).

    >>> [(t["kind"], t["codec"]) for t in probe_demo()["tracks"]]
    [('video', 'rawvideo'), ('audio', 'pcm_f32le')]
    """
    from .inputs.demo import DemoInput

    made = DemoInput.__init__.__kwdefaults__ or {}
    common = {"codec_name": None, "profile": None, "duration": duration, "bit_rate": None,
              "frames": None, "language": None, "title": None, "default": True, "cover_art": False}
    video = {"index": 0, "kind": "video", "number": 0, "codec": "rawvideo", **common,
             "pixel_format": "bgr24", "width": made["width"], "height": made["height"],
             "rotation": 0, "frame_rate": made["fps"], "field_order": "progressive"}
    audio = {"index": 1, "kind": "audio", "number": 0, "codec": "pcm_f32le", **common,
             "sample_rate": made["sample_rate"], "channels": 2, "layout": "stereo",
             "sample_format": "fltp"}
    return {"input": "demo", "format": "demo", "format_name": "mstg's built-in demo scene",
            "duration": duration, "start_time": 0.0, "bit_rate": None, "size_bytes": None,
            "chapters": None, "metadata": {}, "tracks": [video, audio]}


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return round(float(value * time_base), 6)


def _rate(rate: Fraction | None) -> float | None:
    return round(float(rate), 3) if rate else None


def _track(stream: Any) -> dict[str, Any]:
    import av

    ctx = stream.codec_context
    codec = ctx.codec if ctx is not None else None
    metadata = dict(stream.metadata)
    disposition = stream.disposition
    track: dict[str, Any] = {
        "index": stream.index, "kind": stream.type, "number": None,
        "codec": ctx.name if ctx is not None else None,
        "codec_name": codec.long_name if codec is not None else None,
        "profile": ctx.profile if ctx is not None else None,
        "duration": _seconds(stream.duration or None, stream.time_base),  # 0: unknown (IVF)
        "bit_rate": (ctx.bit_rate or None) if ctx is not None else None,
        "frames": stream.frames or None,
        "language": metadata.get("language"), "title": metadata.get("title"),
        "default": bool(disposition & av.stream.Disposition.default),
        "cover_art": bool(disposition & av.stream.Disposition.attached_pic),
    }
    if stream.type == "video":
        track.update(pixel_format=ctx.format.name if ctx.format is not None else None,
                     width=ctx.width, height=ctx.height, rotation=None,
                     frame_rate=None if track["cover_art"] else _rate(stream.average_rate
                                                                        or stream.guessed_rate),
                     field_order=_FIELD_ORDERS.get(getattr(ctx, "field_order", 0) or 0))
    elif stream.type == "audio":
        layout = ctx.layout
        track.update(sample_rate=ctx.sample_rate, channels=layout.nb_channels,
                     layout=layout.name, sample_format=ctx.format.name if ctx.format else None)
    return track


def _number(tracks: list[dict[str, Any]]) -> None:
    """Each track's position among its kind, as ``--video-track N`` counts (cover art: none)."""
    counts: dict[str, int] = {}
    for track in tracks:
        if track["cover_art"]:
            continue
        track["number"] = counts.get(track["kind"], 0)
        counts[track["kind"]] = track["number"] + 1


def _rotations(container: Any, tracks: list[dict[str, Any]]) -> None:
    """Each video track's orientation, from its first picture, by the rule ``run`` follows
    (:mod:`mstg.inputs.orientation`): ``rotation`` (degrees, as FFmpeg reports it; 0 when
    there is none, None when no picture decodes), ``mirrored``, and ``shown_width`` /
    ``shown_height``, the size the pictures are shown and written at."""
    import av

    from .inputs.orientation import first_orientation, square_size, stream_sar

    videos = [t for t in tracks if t["kind"] == "video" and not t["cover_art"]]
    for count, track in enumerate(videos):
        stream = container.streams[track["index"]]
        if count:  # the track before read some packets: back to the start
            try:
                container.seek(0, stream=stream)
            except (av.error.FFmpegError, ValueError):
                pass
        sar = stream_sar(stream)
        found = first_orientation(container, stream)
        track["rotation"] = None if found is None else found.rotation
        track["mirrored"] = bool(found and found.mirrored)
        track["sample_aspect_ratio"] = f"{sar.numerator}:{sar.denominator}" if sar else None
        size = square_size(track["width"], track["height"], sar)
        track["shown_width"], track["shown_height"] = found.shown_size(*size) if found else size
