"""``mstg run``'s flags onto the job description: one table, read by the command line and by
presets (whose keys are the flags' long names).

>>> job = from_flags({"inputs": ("talk.mkv",), "start": 10, "outputs": ("a.mp4", "b.webm"), "crf": 30})
>>> job.inputs[0].start, [o.crf for o in job.outputs]
(10.0, [30, 30])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import checks
from .config import InputConfig, OutputConfig, RunConfig

__all__ = ["Flag", "FLAGS", "from_flags", "flag_for"]


@dataclass(frozen=True)
class Flag:
    """A flag of ``mstg run`` (by its click name ``dest``) and the job fields it sets:
    ``input.start``, ``output.crf``, ``run.events``. ``invert``: the flag says "no" (``--no-video``)."""

    dest: str
    fields: tuple[str, ...]
    long: str
    multiple: bool = False
    flag: bool = False
    invert: bool = False

    @property
    def key(self) -> str:
        """The preset key: the long flag (plural for a repeatable one)."""
        return self.dest if self.multiple else self.long

    def check(self, value: Any) -> Any:
        """The field's own check on ``value`` as a preset or command line gives it."""
        if self.flag:
            return checks.flag(value)
        scope, name = self.fields[0].split(".")
        if scope == "input" and name == "spec" or scope == "output" and name == "spec":
            return tuple(checks.text(v) for v in value)
        check = _field(scope, name).metadata.get("check")
        return check(value) if check else value


def _field(scope: str, name: str) -> dataclasses.Field[Any]:
    cls = {"input": InputConfig, "output": OutputConfig, "run": RunConfig}[scope]
    return next(f for f in dataclasses.fields(cls) if f.name == name)


def _flags(*rows: tuple[Any, ...]) -> dict[str, Flag]:
    return {row[0]: Flag(row[0], tuple(row[1].split()), *row[2:]) for row in rows}


#: Each flag of ``mstg run`` (click's name), the job fields it sets, its long name, and
#: whether it repeats, is an on/off switch, says "no". (streamlink's ``_ARGUMENT_TO_SESSIONOPTION``.)
FLAGS: dict[str, Flag] = _flags(
    ("inputs", "input.spec", "input", True),
    ("transforms", "run.transforms", "transform", True),
    ("outputs", "output.spec", "output", True),
    ("events", "run.events", "events"),
    ("overwrite", "output.overwrite run.overwrite", "overwrite", False, True),
    ("start", "input.start", "start"),
    ("duration", "input.duration", "duration"),
    ("to", "input.to", "to"),
    ("offset", "input.offset", "offset"),
    ("video_track", "input.video_track", "video-track"),
    ("audio_track", "input.audio_track", "audio-track"),
    ("input_format", "input.format", "input-format"),
    ("input_fps", "input.fps", "input-fps"),
    ("input_size", "input.size", "input-size"),
    ("input_pixel_format", "input.pixel_format", "input-pixel-format"),
    ("sample_rate", "input.sample_rate", "sample-rate"),
    ("channels", "input.channels", "channels"),
    ("output_format", "output.format", "format"),
    ("video_codec", "output.video_codec", "video-codec"),
    ("audio_codec", "output.audio_codec", "audio-codec"),
    ("crf", "output.crf", "crf"),
    ("bitrate", "output.bitrate", "bitrate"),
    ("audio_bitrate", "output.audio_bitrate", "audio-bitrate"),
    ("encoder_preset", "output.preset", "encoder-preset"),
    ("size", "output.size", "size"),
    ("fps", "output.fps", "fps"),
    ("pix_fmt", "output.pix_fmt", "pix-fmt"),
    ("audio_rate", "output.audio_rate", "audio-rate"),
    ("audio_channels", "output.audio_channels", "audio-channels"),
    ("gop", "output.gop", "gop"),
    ("tune", "output.tune", "tune"),
    ("profile", "output.profile", "profile"),
    ("level", "output.level", "level"),
    ("maxrate", "output.maxrate", "maxrate"),
    ("bufsize", "output.bufsize", "bufsize"),
    ("x264_params", "output.x264_params", "x264-params"),
    ("x265_params", "output.x265_params", "x265-params"),
    ("codec_options", "output.codec_options", "codec-option"),
    ("format_options", "output.muxer_options", "format-option"),
    ("metadata", "output.metadata", "metadata"),
    ("no_metadata", "output.strip_metadata", "no-metadata", False, True),
    ("frames", "output.frames", "frames"),
    ("shortest", "output.shortest", "shortest", False, True),
    ("no_video", "output.video", "no-video", False, True, True),
    ("no_audio", "output.audio", "no-audio", False, True, True),
    ("no_subtitles", "output.subtitles", "no-subtitles", False, True, True),
    ("realtime", "input.realtime", "realtime", False, True),
    ("loop", "input.loop", "loop", False, True),
    ("timeout", "input.timeout", "timeout"),
    ("reconnect", "input.reconnect", "reconnect", False, True),
    ("fragmented", "output.fragmented", "fragmented", False, True),
    ("max_buffer", "run.max_buffer", "max-buffer"),
    ("on_error", "run.on_error", "on-error"),
    ("quiet", "run.quiet", "quiet", False, True),
    ("verbose", "run.verbose", "verbose", False, True),
)


def flag_for(field_path: str) -> str | None:
    """The flag that sets a job field (``"output.crf"`` -> ``"--crf"``), for messages."""
    return next((f"--{f.long}" for f in FLAGS.values() if field_path in f.fields), None)


def from_flags(opts: Mapping[str, Any]) -> RunConfig:
    """The job that ``mstg run``'s flags describe (click names to values; None, False and
    empty mean "not given"). Input options go to every input, output options to every output."""
    from ..errors import UsageError

    per: dict[str, dict[str, Any]] = {"input": {}, "output": {}, "run": {}}
    for dest, value in opts.items():
        flag = FLAGS.get(dest)
        if flag is None or value is None or value == () or (flag.flag and value is False and dest not in ("fragmented", "reconnect")):
            continue
        if dest != "transforms":
            try:
                value = flag.check(value)
            except ValueError as exc:
                raise UsageError(f"--{flag.long}: {exc}") from None
        for path in flag.fields:
            scope, name = path.split(".")
            per[scope][name] = (not value) if flag.invert else value
    inputs = per["input"].pop("spec", ()) or (None,)
    outputs = per["output"].pop("spec", ()) or (None,)
    transforms = per["run"].pop("transforms", None)
    loops = _looped(inputs) if per["input"].pop("loop", None) else set()
    return RunConfig(
        [InputConfig(spec, **per["input"], loop=True if i in loops else None)
         for i, spec in enumerate(inputs)] if per["input"] or loops or inputs != (None,) else [],
        list(transforms) if transforms else None,
        [OutputConfig(spec, **per["output"]) for spec in outputs] if per["output"] or outputs != (None,) else [],
        **per["run"])


def _looped(inputs: tuple[str | None, ...]) -> set[int]:
    """The inputs ``--loop`` repeats: the pictures among them (a tone or a video given beside
    a picture is not looped, as FFmpeg's ``-loop 1`` is written before the picture alone)."""
    from ..errors import UsageError
    from ..inputs.images import is_animated, is_image_spec

    looped = {i for i, spec in enumerate(inputs)
              if spec and is_image_spec(spec.split("::")[0]) and not is_animated(spec.split("::")[0])}
    if not looped:
        raise UsageError("--loop: only for pictures (photo.png, 'shots/*.jpg'), and no input is one")
    return looped
