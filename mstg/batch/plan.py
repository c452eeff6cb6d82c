"""From inputs, output templates and options to a batch's jobs (plain dictionaries).

    from mstg.batch.plan import plan_jobs

    jobs = plan_jobs(["clips/"], ["out/{relpath}/{stem}.mp4"], events="out/{stem}.jsonl",
                     options={"crf": 28}, transforms=[["barcode", {}]])
    jobs[0]["input"], jobs[0]["outputs"]   # ('/abs/clips/a.mp4', ['/abs/out/a.mp4'])

Paths in jobs are absolute, so a worker in another folder (or on another machine that sees
the same paths) finds them. Two jobs writing one file, and an output that is an input, are
refused before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..errors import OutputError, UsageError
from .discover import FoundInput, find_inputs
from .manifest import Manifest
from .template import check, expand, is_templated

Job = dict[str, Any]


def plan_jobs(inputs: Sequence[str], outputs: Sequence[str], *, events: str | None = None,
              options: dict[str, Any] | None = None, transforms: Sequence[Sequence[Any]] = (),
              extensions: Sequence[str] | None = None) -> list[Job]:
    """One job per input file found (see :func:`~mstg.batch.discover.find_inputs`)."""
    _check_outputs(outputs, events)
    found = find_inputs(inputs, extensions=extensions)
    many = len(found) > 1
    for template in [*outputs, *([events] if events else [])]:
        if many and template != "null" and not is_templated(template):
            raise UsageError(f"every file would be written to {template}: name a field such as {{stem}}",
                             hint="e.g. -o 'out/{stem}.mp4' or -o 'out/{relpath}/{stem}.mp4'")
    jobs = [_job(item, index, outputs, events, options or {}, transforms) for index, item in enumerate(found)]
    _refuse_clashes(jobs)
    return jobs


def _check_outputs(outputs: Sequence[str], events: str | None) -> None:
    if not outputs:
        raise UsageError("no output: give a template with -o (e.g. 'out/{stem}.mp4'), or null")
    for template in [*outputs, *([events] if events else [])]:
        if template == "-" or "://" in template:
            raise UsageError(f"a batch writes files: {template} cannot be shared by its jobs",
                             hint="write files (-o 'out/{stem}.mp4') or null")
        check(template)


def _job(item: FoundInput, index: int, outputs: Sequence[str], events: str | None,
         options: dict[str, Any], transforms: Sequence[Sequence[Any]]) -> Job:
    def path(template: str) -> str:
        value = expand(template, item, index)
        return value if value == "null" else os.path.abspath(value)

    return {"input": os.path.abspath(item.path), "outputs": [path(t) for t in outputs],
            "events": path(events) if events else None, "options": dict(options),
            "transforms": [[spec, dict(params or {})] for spec, params in transforms]}


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
