"""Opening a job: its inputs, transform chain, outputs and events file, ready for a pipeline.

Everything opened so far is closed again when a later part fails, so a job that cannot start
leaves no device held and no file behind.

>>> from mstg.job import RunConfig
>>> parts = open_job(RunConfig(["testsrc"], ["grayscale"], ["null"]))
>>> [t.name for t in parts.transforms], parts.outputs
(['grayscale'], [<NullOutput 'null'>])
>>> parts.close()
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..identity import refuse_inputs_as_outputs
from .config import InputConfig, OutputConfig, RunConfig
from .events import EventWriter

__all__ = ["OpenedJob", "open_job", "open_transforms", "DEFAULT_INPUT"]

log = logging.getLogger(__name__)
#: What is read when a job names no input.
DEFAULT_INPUT = "demo"


@dataclass
class OpenedJob:
    """A job's parts, opened: what :class:`~mstg.Pipeline` runs."""

    inputs: list[Any] = field(default_factory=list)
    transforms: list[Any] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)
    events: EventWriter | None = None

    def close(self) -> None:
        """Let go of what was opened (before a run, or when the run will not happen)."""
        for source in self.inputs:
            source.stop()
        for out in self.outputs:
            out.discard_partial()
        if self.events is not None:
            self.events.close()


def open_transforms(steps: list[Any] | None) -> list[Any]:
    """The chain's transforms: ``-t`` texts and ``{name: {params}}`` loaded (the plugin
    registry scanned once), Transform objects and functions passed on as they are."""
    from ..transforms.base import Transform, transform

    if not steps:
        return []  # no registry scan at all for a plain run
    from ..transforms.registry import Registry, load_transform

    registry = Registry.discover() if any(isinstance(s, (str, dict)) for s in steps) else None
    if registry is not None:
        registry.warn()
    chain: list[Any] = []
    for step in steps:
        if isinstance(step, str):
            chain.append(load_transform(step, registry=registry))
        elif isinstance(step, dict):
            (name, params), = step.items()
            chain.append(load_transform(name, params or {}, registry=registry))
        elif isinstance(step, Transform):
            chain.append(step)
        else:
            chain.append(transform(step))
    return chain


def _open_input(config: InputConfig) -> Any:
    from ..inputs import open_input

    source = open_input(config.spec or DEFAULT_INPUT, **config.open_kwargs())
    source.offset_us = round((config.offset or 0) * 1_000_000)  # --offset (FFmpeg -itsoffset)
    return source


def _open_output(config: OutputConfig) -> Any:
    from ..outputs import open_output

    if config.spec is None:
        raise UsageError("an output has no spec (a file, '-' for stdout, or null)")
    out = open_output(config.spec, options=config.encode_options(), format=config.format,
                      overwrite=bool(config.overwrite))
    out.max_frames = config.frames  # --frames N (mstg.outputs.limit)
    out.shortest = bool(config.shortest)  # --shortest (the same)
    return out


def check_job(config: RunConfig) -> None:
    """What makes a job impossible before anything is opened (UsageError)."""
    if not config.outputs:
        raise UsageError("no output (a file, '-' for stdout, or null)")
    specs = [o.spec for o in config.outputs]
    if config.events == "-" and "-" in specs:
        raise UsageError("stdout cannot carry both media and events")
    if [i.spec for i in config.inputs].count("-") > 1:
        raise UsageError("stdin can be read only once")
    if specs.count("-") > 1:
        raise UsageError("stdout can be written only once")
    files = [os.path.realpath(s) if "://" not in s else s for s in specs
             if s is not None and s not in ("-", "null")]
    if len(set(files)) != len(files):
        raise UsageError("the same output is named twice")


def open_job(config: RunConfig) -> OpenedJob:
    """Open every part of ``config``: transforms first (a bad parameter opens nothing), then
    the inputs, the outputs and the events file."""
    from .inline import apply_inline

    config = apply_inline(config)  # "talk.mkv::start=10": options written after a name
    check_job(config)
    parts = OpenedJob(transforms=open_transforms(config.transforms))
    try:
        for source in config.inputs or [InputConfig()]:
            parts.inputs.append(_open_input(source))
            log.debug("input %s opened", parts.inputs[-1].name)
        # -y or not, an output (or the events file) never replaces an input
        refuse_inputs_as_outputs(parts.inputs, [*(o.spec for o in config.outputs if o.spec),
                                                *([config.events] if config.events else [])])
        for sink in config.outputs:
            parts.outputs.append(_open_output(sink))
            log.debug("output %s opened", parts.outputs[-1].name)
        if config.events:
            parts.events = EventWriter.open(config.events, overwrite=bool(config.overwrite))
    except BaseException:
        parts.close()
        raise
    return parts
