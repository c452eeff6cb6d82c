"""Options of one input or one output, written after its name: ``-i 'talk.mkv::start=10'``,
``-o 'preview.mp4::size=640x-2,crf=30'``.

The keys are ``mstg run``'s long flags (``video-track``, ``audio-codec``, ``no-audio`` ...),
the same as a preset's; they win over the flags given for every input or output. This is
how one run reads video from one file and audio from another (FFmpeg's ``-map``), or writes a
1080p file and a 360p preview.

>>> split_inline("preview.mp4::size=640x-2,crf=30")
('preview.mp4', {'size': '640x-2', 'crf': '30'})
>>> split_inline("rtsp://127.0.0.1/cam")
('rtsp://127.0.0.1/cam', {})
>>> job = apply_inline(RunConfig([InputConfig("a.mkv::audio-track=none")], None, [OutputConfig("b.mp4::no-audio")]))
>>> job.inputs[0].spec, job.inputs[0].audio_track, job.outputs[0].audio
('a.mkv', 'none', False)
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import UsageError
from . import checks
from .config import InputConfig, OutputConfig, RunConfig

#: Between a name and its options.
SEPARATOR = "::"


def split_inline(spec: str) -> tuple[str, dict[str, str]]:
    """``NAME::key=value,key`` -> (NAME, {key: value, key: ""})."""
    if SEPARATOR not in spec:
        return spec, {}
    name, _, rest = spec.partition(SEPARATOR)
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, _, value = item.partition("=")
        options[key.strip()] = value.strip()
    return name, options


def _field_for(scope: str, key: str) -> tuple[str, bool]:
    """The config field a key sets, and whether the key says "no" (``no-audio``)."""
    from .flags import FLAGS

    for flag in FLAGS.values():
        for path in flag.fields:
            if path.startswith(f"{scope}.") and key in (flag.long, flag.dest) and not flag.multiple:
                return path.split(".")[1], flag.invert
    cls = InputConfig if scope == "input" else OutputConfig
    name = key.replace("-", "_")
    if name != "spec" and name in {f.name for f in dataclasses.fields(cls)}:
        return name, False
    raise UsageError(f"unknown {scope} option {key!r} after '{SEPARATOR}'",
                     hint="the keys are mstg run's long flags: start, video-track, size, crf ...")


def _apply(item: Any, scope: str) -> Any:
    if item.spec is None:
        return item
    name, options = split_inline(item.spec)
    if not options:
        return item
    item = dataclasses.replace(item, spec=name)
    fields = {f.name: f for f in dataclasses.fields(item)}
    for key, text in options.items():
        field_name, invert = _field_for(scope, key)
        check = fields[field_name].metadata.get("check")
        value: Any = text
        if check is checks.flag:
            value = (text or "true").lower()  # "no-audio" alone says yes
        try:
            value = check(value) if check is not None else value
        except ValueError as exc:
            raise UsageError(f"{name}: {key}: {exc}") from None
        if isinstance(value, dict):
            raise UsageError(f"{name}: {key} cannot be given after '{SEPARATOR}' (use the flag)")
        setattr(item, field_name, (not value) if invert else value)
    return item


def apply_inline(job: RunConfig) -> RunConfig:
    """``job`` with each input's and output's ``NAME::options`` moved into its fields."""
    job.inputs = [_apply(i, "input") for i in job.inputs]
    job.outputs = [_apply(o, "output") for o in job.outputs]
    return job
