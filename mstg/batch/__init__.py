"""Many files at once: ``mstg batch`` as a library.

A batch is one job per input file (a plain dictionary, see :mod:`mstg.batch.worker`), run by an
engine (a local process pool, or Ray tasks on a cluster), each result appended to a JSON Lines
manifest as it arrives::

    from mstg.batch import LocalEngine, plan_jobs, run_batch
    from mstg.job import OutputConfig, RunConfig

    template = RunConfig(outputs=[OutputConfig("out/{relpath}/{stem}.mp4", crf=28)])
    summary = run_batch(plan_jobs(["clips/"], template), LocalEngine(jobs=4), manifest="out/batch.jsonl")
    print(summary.ok, summary.failed, summary.frames)
"""

from __future__ import annotations

from .discover import FoundInput, find_inputs
from .engine import Callbacks, Engine
from .local import LocalEngine
from .manifest import Manifest
from .plan import plan_jobs, split_completed
from .runner import BatchSummary, run_batch
from .worker import run_job

__all__ = ["BatchSummary", "Callbacks", "Engine", "FoundInput", "LocalEngine", "Manifest",
           "RayEngine", "find_inputs", "plan_jobs", "run_batch", "run_job", "split_completed"]


def __getattr__(name: str) -> object:
    if name == "RayEngine":  # Ray is an optional extra, imported only when asked for
        from .ray_engine import RayEngine

        return RayEngine
    raise AttributeError(name)
