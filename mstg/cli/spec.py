"""Flags -> library objects: inputs, transforms and outputs."""

from __future__ import annotations

import os
from typing import Any

from ..errors import UsageError


def build_transforms(specs: tuple[str, ...] | list[str], *, quiet: bool = False) -> list[Any]:
    """The transforms the flags name; plugin warnings (a broken plugin nobody picked) go to stderr."""
    if not specs:
        return []  # no registry scan at all for a plain run
    import warnings

    import click

    from ..transforms.registry import Registry, load_transform

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = Registry.discover()
        registry.warn()
    chain = [load_transform(spec, registry=registry) for spec in specs]
    for warning in caught if not quiet else ():
        click.echo(f"warning: {warning.message}", err=True)
    return chain


def _track(value: str | None) -> int | None:
    if value is None:
        return 0
    if value.lower() in ("none", "no", "-1"):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise UsageError(f"track {value!r} is not a number (or 'none')") from exc


def build_inputs(opts: dict[str, Any]) -> list[Any]:
    from ..inputs import open_input

    specs = list(opts.get("inputs") or ()) or ["demo"]
    if specs.count("-") > 1:
        raise UsageError("stdin can be read only once")
    opened: list[Any] = []
    try:
        for spec in specs:
            opened.append(open_input(
                spec, video_track=_track(opts.get("video_track")),
                audio_track=_track(opts.get("audio_track")), start=opts.get("start"),
                duration=opts.get("duration"), realtime=bool(opts.get("realtime")),
                format=opts.get("input_format"), fps=opts.get("input_fps"),
                size=opts.get("input_size"), pixel_format=opts.get("input_pixel_format"),
                sample_rate=opts.get("sample_rate"), channels=opts.get("channels"),
                **({"timeout": opts["timeout"]} if opts.get("timeout") else {})))
    except BaseException:
        for source in opened:
            source.stop()
        raise
    return opened


def _codec_options(opts: dict[str, Any]) -> dict[str, str]:
    """Encoder control flags (--gop, --tune ...) and --codec-option, the latter winning."""
    from ..outputs.encoding import encoder_control, parse_options

    control = encoder_control(**{key: opts.get(key) for key in (
        "gop", "tune", "profile", "level", "maxrate", "bufsize", "x264_params", "x265_params")})
    return {**control, **parse_options(opts.get("codec_options") or (), "--codec-option")}


def build_outputs(opts: dict[str, Any]) -> list[Any]:
    from ..outputs import EncodeOptions, open_output
    from ..outputs.encoding import parse_options

    specs = list(opts["outputs"])
    if specs.count("-") > 1:
        raise UsageError("stdout can be written only once")
    files = [os.path.realpath(s) if "://" not in s else s for s in specs if s not in ("-", "null")]
    if len(set(files)) != len(files):
        raise UsageError("the same output is named twice")
    encode = EncodeOptions(
        video_codec=opts.get("video_codec"), audio_codec=opts.get("audio_codec"),
        crf=opts.get("crf"), bitrate=opts.get("bitrate"), audio_bitrate=opts.get("audio_bitrate"),
        preset=opts.get("encoder_preset"), size=opts.get("size"), fps=opts.get("fps"),
        pix_fmt=opts.get("pix_fmt"), video=not opts.get("no_video"), audio=not opts.get("no_audio"),
        sample_rate=opts.get("audio_rate"), channels=opts.get("audio_channels"),
        codec_options=_codec_options(opts), metadata=parse_options(opts.get("metadata") or (), "--metadata"),
        format_options=parse_options(opts.get("format_options") or (), "--format-option"))
    outputs = [open_output(spec, options=encode, format=opts.get("output_format"),
                           overwrite=bool(opts.get("overwrite"))) for spec in specs]
    for out in outputs:
        out.max_frames = opts.get("frames")
    return outputs
