"""The job description: what to read, how to change it, where to write it.

A :class:`RunConfig` holds :class:`InputConfig` s (each with its own options), the transform
chain and :class:`OutputConfig` s (each with its own options). The command line builds one
from its flags, a preset file is one, Python builds one directly, and one goes through
plain data (``to_dict`` / ``from_dict``, JSON, YAML) unchanged. A field left ``None`` is
unset: the default applies, and :meth:`RunConfig.merge` takes it from the other side.

>>> from mstg.job import InputConfig, OutputConfig, RunConfig
>>> job = RunConfig([InputConfig("testsrc", duration=0.2)], ["grayscale"], [OutputConfig("null")])
>>> RunConfig.from_dict(job.to_dict()) == job
True
>>> job.to_dict()["inputs"]
[{'spec': 'testsrc', 'duration': 0.2}]
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import checks
from ..errors import ParameterError
from .plain import ConfigError, Reader, transforms_to_data

__all__ = ["InputConfig", "OutputConfig", "RunConfig", "TransformSpec", "VERSION"]

#: The version of the plain-data form (``to_dict``'s ``version``).
VERSION = 1
#: A transform as plain data: the ``-t`` text (``"blur:sigma=3"``) or ``{name: {params}}``.
TransformSpec = "str | dict[str, dict[str, Any]]"


def _opt(check: checks.Check, doc: str) -> Any:
    return field(default=None, metadata={"check": check, "doc": doc})


@dataclass
class InputConfig:
    """One input and its own options (see :func:`mstg.open_input`).

    >>> InputConfig("talk.mkv", start=10, duration=5).to_dict()
    {'spec': 'talk.mkv', 'start': 10, 'duration': 5}
    """

    #: What to read (``demo``, a path, ``-``, a URL, ``testsrc``...); None: not named here.
    spec: str | None = None
    start: float | None = _opt(checks.number(0), "seconds in to start")
    duration: float | None = _opt(checks.number(0, open_min=True), "seconds to read")
    to: float | None = _opt(checks.number(0, open_min=True), "position to stop at (instead of duration)")
    offset: float | None = _opt(checks.number(-86400), "seconds added to the timestamps (-itsoffset)")
    video_track: int | str | None = _opt(checks.track, "which video track (from 0), or 'none'")
    audio_track: int | str | None = _opt(checks.track, "which audio track (from 0), or 'none'")
    format: str | None = _opt(checks.text, "FFmpeg demuxer")
    options: dict[str, str] | None = _opt(checks.mapping, "demuxer/protocol options")
    fps: float | None = _opt(checks.number(0, open_min=True), "rate of images, cameras, the screen")
    size: tuple[int, int] | None = _opt(checks.size, "picture size of a camera, screen, the demo")
    pixel_format: str | None = _opt(checks.text, "what a camera sends (mjpeg, yuyv422...)")
    sample_rate: int | None = _opt(checks.integer(1000, 768000), "microphone/demo sample rate")
    channels: int | None = _opt(checks.integer(1, 32), "microphone channels")
    timeout: float | None = _opt(checks.number(0, open_min=True), "seconds a network input may stall")
    reconnect: bool | None = _opt(checks.flag, "retry a network stream that stalls or drops (None: live streams)")
    realtime: bool | None = _opt(checks.flag, "pace a file to its timestamps")
    loop: bool | None = _opt(checks.flag, "repeat pictures until the run ends")

    def to_dict(self) -> dict[str, Any]:
        """The set fields as plain data (sizes as ``"WxH"``)."""
        return _plain(self)

    def open_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`mstg.open_input` (unset fields left to its defaults)."""
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                 if f.name not in ("spec", "offset") and getattr(self, f.name) is not None}
        for name in ("video_track", "audio_track"):
            if given.get(name) == "none":
                given[name] = None
        if "to" in given:  # FFmpeg's -to: a position on the input's timeline
            to = given.pop("to")
            if "duration" in given:
                raise ParameterError("{to=} and {duration=} both say where to stop: give one",
                                     {"to": to, "duration": given["duration"]}, scope="input")
            if to <= given.get("start", 0):
                raise ParameterError("{to=} is not after {start=}",
                                     {"to": to, "start": given.get("start", 0)}, scope="input")
            given["duration"] = to - given.get("start", 0)
        return given


@dataclass
class OutputConfig:
    """One output and its own options (see :func:`mstg.open_output`).

    >>> OutputConfig("clip.webm", crf=30, audio=False).to_dict()
    {'spec': 'clip.webm', 'crf': 30, 'audio': False}
    """

    #: Where to write (a path, ``-``, ``null``, a URL, ``window``...); None: not named here.
    spec: str | None = None
    video_codec: str | None = _opt(checks.text, "video encoder (libx264, ffv1...)")
    audio_codec: str | None = _opt(checks.text, "audio encoder (aac, libopus...), or copy")
    crf: int | None = _opt(checks.integer(0, 63), "constant quality")
    bitrate: str | None = _opt(checks.text, "video bitrate (2M)")
    audio_bitrate: str | None = _opt(checks.text, "audio bitrate (128k)")
    preset: str | None = _opt(checks.text, "encoder preset (veryfast)")
    size: tuple[int, int] | None = _opt(checks.scaled_size, "scale the video (-1/-2: keep the aspect)")
    fps: float | None = _opt(checks.number(0, open_min=True), "constant output frame rate")
    pix_fmt: str | None = _opt(checks.text, "output pixel format")
    format: str | None = _opt(checks.text, "FFmpeg muxer")
    fragmented: bool | None = _opt(checks.flag, "crash-tolerant layout (None: for live inputs)")
    overwrite: bool | None = _opt(checks.flag, "replace a file that exists")
    video: bool | None = _opt(checks.flag, "write the video (default true)")
    audio: bool | None = _opt(checks.flag, "write the audio (default true)")
    subtitles: bool | None = _opt(checks.flag, "write the input's text subtitles (default true)")
    codec_options: dict[str, str] | None = _opt(checks.mapping, "encoder options")
    muxer_options: dict[str, str] | None = _opt(checks.mapping, "muxer options")
    audio_rate: int | None = _opt(checks.integer(1000, 768000), "audio sample rate (-ar)")
    audio_channels: int | None = _opt(checks.integer(1, 8), "audio channels (-ac)")
    gop: int | None = _opt(checks.integer(1), "keyframe interval in frames (-g)")
    tune: str | None = _opt(checks.text, "encoder tune (film, zerolatency...)")
    profile: str | None = _opt(checks.text, "encoder profile (baseline, main, high...)")
    level: str | None = _opt(checks.text, "encoder level (3.1, 4.0...)")
    maxrate: str | None = _opt(checks.text, "peak video bitrate (3M)")
    bufsize: str | None = _opt(checks.text, "rate-control buffer (6M)")
    x264_params: str | None = _opt(checks.text, "libx264's own parameters (k=v:k=v)")
    x265_params: str | None = _opt(checks.text, "libx265's own parameters (k=v:k=v)")
    metadata: dict[str, str] | None = _opt(checks.mapping, "global tags (title, artist...)")
    strip_metadata: bool | None = _opt(checks.flag, "leave the input's tags out (-map_metadata -1)")
    frames: int | None = _opt(checks.integer(1), "stop after this many video frames")
    shortest: bool | None = _opt(checks.flag, "end every track where the shortest ends")

    def to_dict(self) -> dict[str, Any]:
        """The set fields as plain data."""
        return _plain(self)

    def encode_options(self) -> Any:
        """The :class:`~mstg.outputs.EncodeOptions` these fields describe."""
        from ..outputs import EncodeOptions
        from ..outputs.encoding import encoder_control

        control = encoder_control(gop=self.gop, tune=self.tune, profile=self.profile, level=self.level,
                                  maxrate=self.maxrate, bufsize=self.bufsize,
                                  x264_params=self.x264_params, x265_params=self.x265_params)
        return EncodeOptions(
            video_codec=self.video_codec, audio_codec=self.audio_codec, crf=self.crf,
            bitrate=self.bitrate, audio_bitrate=self.audio_bitrate, preset=self.preset,
            size=self.size, fps=self.fps, pix_fmt=self.pix_fmt, video=self.video is not False,
            audio=self.audio is not False, codec_options={**control, **(self.codec_options or {})},
            format_options=dict(self.muxer_options or {}), fragmented=self.fragmented,
            sample_rate=self.audio_rate, channels=self.audio_channels, metadata=dict(self.metadata or {}),
            strip_metadata=bool(self.strip_metadata),
            subtitles=self.subtitles is not False)


@dataclass
class RunConfig:
    """A whole job: inputs, the transform chain, outputs, and how the run behaves.

    ``transforms`` holds ``-t`` texts (``"blur:sigma=3"``), ``{name: {params}}`` mappings,
    or (in Python only, not as plain data) Transform objects and functions; None: not given
    here. ``events`` is a JSON Lines file, or ``-`` for stdout.

    >>> job = RunConfig.from_dict({"inputs": ["demo"], "outputs": [{"spec": "x.mp4", "crf": 30}]})
    >>> job.outputs[0].crf, job.inputs[0].spec
    (30, 'demo')
    """

    inputs: list[InputConfig] = field(default_factory=list)
    transforms: list[Any] | None = None
    outputs: list[OutputConfig] = field(default_factory=list)
    events: str | None = _opt(checks.text, "JSON Lines file for events, or - for stdout")
    #: Replace an events file that exists (each output has its own ``overwrite``).
    overwrite: bool | None = _opt(checks.flag, "replace an events file that exists")
    on_error: str | None = _opt(checks.choice("fail", "skip", "pass"), "when a transform fails")
    max_buffer: int | None = _opt(checks.integer(1), "frames held for a slow reader")
    quiet: bool | None = _opt(checks.flag, "the command line: nothing on stderr but errors")
    verbose: bool | None = _opt(checks.flag, "the command line: say what is read and written")

    def __post_init__(self) -> None:
        self.inputs = [InputConfig(i) if isinstance(i, str) else i for i in self.inputs]
        self.outputs = [OutputConfig(o) if isinstance(o, str) else o for o in self.outputs]

    # plain data -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON/YAML-ready) that :meth:`from_dict` reads back to an equal job."""
        data: dict[str, Any] = {"version": VERSION, "inputs": [i.to_dict() for i in self.inputs]}
        if self.transforms is not None:
            data["transforms"] = transforms_to_data(self.transforms)
        data["outputs"] = [o.to_dict() for o in self.outputs]
        data.update(_plain(self, skip=("inputs", "outputs", "transforms")))
        return data

    @classmethod
    def from_dict(cls, data: Any) -> RunConfig:
        """The job ``data`` describes, checked; every problem is named with its place
        (``outputs[1].crf: expected an integer 0..63, got 'x'``) in one ConfigError."""
        if not isinstance(data, Mapping):
            raise ConfigError([("", f"a job is a mapping (inputs, transforms, outputs ...), got "
                                    f"{type(data).__name__}")])
        reader, body = Reader(), dict(data)
        version = body.pop("version", VERSION)
        if version != VERSION or isinstance(version, bool):
            reader.problems.append(("version", f"unsupported version {version!r}: this mstg reads {VERSION}"))
        job = cls(reader.items(InputConfig, body.pop("inputs", None), "inputs"),
                  reader.transforms(body.pop("transforms", None), "transforms"),
                  reader.items(OutputConfig, body.pop("outputs", None), "outputs"),
                  **reader.fields(cls, body, "", skip=("inputs", "outputs", "transforms")))
        if reader.problems:
            raise ConfigError(reader.problems)
        return job

    def to_json(self, **dumps: Any) -> str:
        """The job as JSON text."""
        return json.dumps(self.to_dict(), **dumps)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        """The job a JSON text describes (see :meth:`from_dict`)."""
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ConfigError([("", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from None

    def to_yaml(self) -> str:
        """The job as YAML text."""
        import yaml

        return str(yaml.safe_dump(self.to_dict(), sort_keys=False))

    @classmethod
    def from_yaml(cls, text: str) -> RunConfig:
        """The job a YAML text describes (safe loading: no tags, no code)."""
        import yaml

        try:
            return cls.from_dict(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise ConfigError([("", f"not YAML: {exc}")]) from None

    # combining ----------------------------------------------------------------------------------
    def merge(self, other: RunConfig) -> RunConfig:
        """This job with ``other`` over it (flags over a preset): what ``other`` sets wins.

        ``other``'s inputs (outputs) replace these whole when it names any; the options it
        sets apply to every input (output) over the ones set here. A transform chain is
        replaced whole.

        >>> preset = RunConfig(["cam0"], outputs=[OutputConfig("rec.mp4", crf=20)])
        >>> flags = RunConfig([InputConfig(duration=1)], outputs=[OutputConfig("x.mkv")])
        >>> job = preset.merge(flags)
        >>> job.inputs[0].spec, job.inputs[0].duration, job.outputs[0].spec, job.outputs[0].crf
        ('cam0', 1, 'x.mkv', 20)
        """
        merged = RunConfig(_merge_list(self.inputs, other.inputs), outputs=_merge_list(self.outputs, other.outputs),
                           transforms=other.transforms if other.transforms is not None else self.transforms)
        for f in _scalar_fields(self, skip=("inputs", "outputs", "transforms")):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            setattr(merged, f.name, theirs if theirs is not None else mine)
        return merged


def _merge_list(base: list[Any], over: list[Any]) -> list[Any]:
    """Items of ``over`` (its names, or ``base``'s when it names none), options of ``over``
    set over ``base``'s (the n-th over the n-th, the last over any beyond)."""
    if any(o.spec is not None for o in over) or not base:
        specs = [o.spec for o in over]
    else:
        specs = [b.spec for b in base]
    result = []
    for index, spec in enumerate(specs):
        under = base[min(index, len(base) - 1)] if base else None
        top = over[min(index, len(over) - 1)] if over else None
        item = type(under if under is not None else top)(spec)  # type: ignore[misc]
        for f in _scalar_fields(item, skip=("spec",)):
            value = getattr(top, f.name) if top is not None else None
            if value is None and under is not None:
                value = getattr(under, f.name)
            setattr(item, f.name, value)
        result.append(item)
    return result


def _scalar_fields(obj: Any, skip: tuple[str, ...] = ()) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(obj) if f.name not in skip]


def _plain(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in _scalar_fields(obj, skip):
        value = getattr(obj, f.name)
        if value is None:
            continue
        if isinstance(value, tuple):
            value = f"{value[0]}x{value[1]}"
        elif isinstance(value, dict):
            value = dict(value)
        data[f.name] = value
    return data
