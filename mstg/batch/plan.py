"""From inputs and a job whose output paths are templates to a batch's jobs (plain data).

    from mstg.batch.plan import plan_jobs
    from mstg.job import OutputConfig, RunConfig

    template = RunConfig(transforms=["barcode"], outputs=[OutputConfig("out/{relpath}/{stem}.mp4", crf=28)],
                         events="out/{relpath}/{stem}.jsonl")
    jobs = plan_jobs(["clips/"], template)
    jobs[0]["input"], jobs[0]["outputs"]   # ('/abs/clips/a.mp4', ['/abs/out/a.mp4'])

Each job carries the whole ``mstg run`` job for its file (``config``: the template with that
file as the input and the templates expanded, as :meth:`~mstg.job.RunConfig.to_dict` data).
Paths are absolute, so a worker in another folder (or on another machine that sees the same
paths) finds them. Two jobs writing one file, and an output that is an input, are refused
before anything runs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from ..errors import OutputError, UsageError
from .discover import FoundInput, find_inputs
from .manifest import Manifest
from .template import check, expand, is_templated

Job = dict[str, Any]


def plan_jobs(inputs: Sequence[str], template: Any, *, extensions: Sequence[str] | None = None) -> list[Job]:
    """One job per input file found (see :func:`~mstg.batch.discover.find_inputs`);
    ``template`` is a :class:`~mstg.job.RunConfig` (or its plain data) whose output specs and
    ``events`` are templates and whose first input's options apply to every file."""
    from ..job import RunConfig

    config = template if isinstance(template, RunConfig) else RunConfig.from_dict(template)
    outputs = [o.spec or "" for o in config.outputs]
    _check_outputs(outputs, config.events)
    found = find_inputs(inputs, extensions=extensions)
    if len(found) > 1:
        for spec in [*outputs, *([config.events] if config.events else [])]:
            if spec != "null" and not is_templated(spec):
                raise UsageError(f"every file would be written to {spec}: name a field such as {{stem}}",
                                 hint="e.g. -o 'out/{stem}.mp4' or -o 'out/{relpath}/{stem}.mp4'")
    jobs = [_job(item, index, config) for index, item in enumerate(found)]
    _refuse_clashes(jobs)
    return jobs


def _check_outputs(outputs: Sequence[str], events: str | None) -> None:
    if not outputs or not all(outputs):
        raise UsageError("no output: give a template with -o (e.g. 'out/{stem}.mp4'), or null")
    for spec in [*outputs, *([events] if events else [])]:
        if spec == "-" or "://" in spec:
            raise UsageError(f"a batch writes files: {spec} cannot be shared by its jobs",
                             hint="write files (-o 'out/{stem}.mp4') or null")
        check(spec)


def _job(item: FoundInput, index: int, config: Any) -> Job:
    from ..job import InputConfig

    def path(spec: str) -> str:
        value = expand(spec, item, index)
        return value if value == "null" else os.path.abspath(value)

    source = dataclasses.replace(config.inputs[0] if config.inputs else InputConfig(),
                                 spec=os.path.abspath(item.path))
    outputs = [dataclasses.replace(o, spec=path(o.spec)) for o in config.outputs]
    events = path(config.events) if config.events else None
    job = dataclasses.replace(config, inputs=[source], outputs=outputs, events=events, quiet=None, verbose=None)
    return {"input": source.spec, "outputs": [o.spec for o in outputs], "events": events,
            "overwrite": [bool(o.overwrite) for o in outputs] + ([bool(config.overwrite)] if events else []),
            "config": job.to_dict()}


def _refuse_clashes(jobs: list[Job]) -> None:
    inputs = {os.path.realpath(job["input"]): job["input"] for job in jobs}
    written: dict[str, str] = {}
    for job in jobs:
        for target in [*job["outputs"], *([job["events"]] if job["events"] else [])]:
            if target == "null":
                continue
            real = os.path.realpath(target)
            if real in inputs or _same_as_an_input(target, inputs):
                raise OutputError(f"the output {target} is the input {inputs.get(real, target)}: "
                                  "writing it would destroy the input",
                                  hint="write to another folder or name (even -y never overwrites an input)")
            if real in written:
                raise UsageError(f"{written[real]} and {job['input']} would both write {target}",
                                 hint="add {relpath} or {parent} to the template")
            written[real] = job["input"]


def _same_as_an_input(target: str, inputs: dict[str, str]) -> bool:
    """A hard link to an input (the library's own check, where this version has it)."""
    try:
        from ..identity import refuse_inputs_as_outputs  # type: ignore[import-not-found]
    except ImportError:
        return False
    try:
        refuse_inputs_as_outputs(list(inputs.values()), [target])
    except OutputError:
        return True
    return False


def split_completed(jobs: list[Job], manifest: str) -> tuple[list[Job], list[Job]]:
    """(jobs to run, jobs the manifest says are complete with their outputs present)."""
    done = Manifest.completed(manifest)
    todo, skipped = [], []
    for job in jobs:
        record = done.get(os.path.realpath(job["input"]))
        complete = record is not None and {os.path.realpath(p) for p in record.get("outputs", [])} >= {
            os.path.realpath(p) for p in [*job["outputs"], *([job["events"]] if job["events"] else [])]
            if p != "null"}
        (skipped if complete else todo).append(job)
    return todo, skipped
