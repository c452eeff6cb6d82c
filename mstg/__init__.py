"""mstg: Insertable Streams for MediaStreamTrack, for the command line and Python.

A processor track in, a chain of transforms, generator tracks out to every sink::

    import mstg

    source = mstg.open_input("demo", duration=2)
    sink = mstg.open_output("demo.mp4", overwrite=True)
    stats = mstg.Pipeline([source], [sink]).run()
    print(stats.frames_out)

Names are imported on first use, so ``import mstg`` (and ``mstg --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "VideoFrame": "frames", "AudioData": "frames",
    "MediaStreamTrack": "tracks", "MediaStreamTrackProcessor": "tracks",
    "MediaStreamTrackGenerator": "tracks",
    "Input": "inputs", "open_input": "inputs",
    "Output": "outputs", "open_output": "outputs", "EncodeOptions": "outputs",
    "FileOutput": "outputs", "NullOutput": "outputs",
    "Transform": "transforms.base", "transform": "transforms.base", "TransformChain": "chain",
    "load_transform": "transforms.registry",
    "Pipeline": "pipeline", "Stats": "pipeline",
    "MstgError": "errors", "ExitStatus": "errors", "InvalidStateError": "errors",
    "InputError": "errors", "InputNotFoundError": "errors", "OutputError": "errors",
    "OutputExistsError": "errors", "TransformError": "errors", "UsageError": "errors",
    "DeviceError": "errors", "OptionError": "errors", "ParameterError": "errors",
    "MstgWarning": "errors",
    "RunConfig": "job", "InputConfig": "job", "OutputConfig": "job", "ConfigError": "job",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover
    from .chain import TransformChain
    from .errors import (DeviceError, ExitStatus, InputError, InputNotFoundError, InvalidStateError,
                         MstgError, OptionError, OutputError, OutputExistsError, ParameterError,
                         TransformError, UsageError)
    from .errors import MstgWarning
    from .frames import AudioData, VideoFrame
    from .inputs import Input, open_input
    from .job import ConfigError, InputConfig, OutputConfig, RunConfig
    from .outputs import EncodeOptions, FileOutput, NullOutput, Output, open_output
    from .pipeline import Pipeline, Stats
    from .tracks import MediaStreamTrack, MediaStreamTrackGenerator, MediaStreamTrackProcessor
    from .transforms.base import Transform, transform
    from .transforms.registry import load_transform


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mstg' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
