"""``mstg batch``: one ``mstg run`` job per input file, on a local process pool or on Ray."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import click

from ..errors import ExitStatus, UsageError
from .errors import handle_errors
from .run import run as run_command

BATCH_EPILOG = """\b
Inputs: files, folders (searched recursively for media files), globs ('clips/**/*.mkv'),
  or @LIST (a text file naming one input a line).
Output templates: {stem} {name} {ext} {relpath} {parent} {index}; folders are created.
\b
Examples:
  mstg batch clips/ -o 'out/{relpath}/{stem}.mp4' --crf 28
  mstg batch 'scans/*.mp4' -t barcode -o null --events 'out/{stem}.jsonl'
  mstg batch @todo.txt -o 'web/{stem}.webm' --jobs 4 --manifest web/batch.jsonl
  mstg batch clips/ -o 'out/{stem}.mp4' --resume
  mstg batch /shared/clips -o '/shared/out/{stem}.mp4' --engine ray --address head:6379
"""

#: ``mstg run`` options a batch does not take from it (its own, or for live inputs only).
NOT_FROM_RUN = frozenset({"inputs", "outputs", "events", "quiet", "verbose", "debug", "realtime",
                          "timeout", "max_buffer", "input_size", "input_pixel_format", "sample_rate",
                          "channels", "fragmented"})
#: The batch's own options: not part of the job each file gets.
BATCH_ONLY = frozenset({"input_args", "inputs", "jobs", "engine", "address", "retries", "manifest",
                        "resume", "extensions", "quiet", "verbose", "debug", "preset"})


@click.command(epilog=BATCH_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_args", nargs=-1, metavar="[INPUT]...")
@click.option("-i", "--input", "inputs", multiple=True, metavar="INPUT",
              help="A file, folder, glob or @LIST (as the arguments).")
@click.option("-o", "--output", "outputs", multiple=True, metavar="TEMPLATE",
              help="Where each file's result goes, e.g. 'out/{relpath}/{stem}.mp4' (or null).")
@click.option("--events", metavar="TEMPLATE", help="Each file's events as JSON Lines, e.g. 'out/{stem}.jsonl'.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Files at once (default: the cores; with Ray: the cluster's CPUs).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="A local process pool, or Ray tasks (the extra mstg[ray]).")
@click.option("--address", metavar="HOST:PORT", help="The Ray cluster (default: RAY_ADDRESS, else Ray on this machine).")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="Ray: times a job is retried when its worker or node dies.")
@click.option("--manifest", metavar="FILE", default="mstg-batch.jsonl", show_default=True,
              help="The results, one JSON line per file, appended as files finish.")
@click.option("--resume", is_flag=True, help="Skip files the manifest records as done (outputs present).")
@click.option("--ext", "extensions", metavar="EXT,...",
              help="Which files a folder gives (default: common video, audio and image types).")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors.")
@click.option("-v", "--verbose", is_flag=True, help="A line per file as it finishes, even off a terminal.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def batch(**opts: Any) -> None:
    """Run the same job on many files: transforms, presets and output options as for
    'mstg run', one job per input file, several files at once.

    Exit status 0 when every file succeeded, 9 when some failed (the manifest says which
    and why), 130 after Ctrl-C (running files finish first; a second Ctrl-C stops at once).
    """
    from ..batch import plan_jobs, run_batch, split_completed
    from .batch_progress import BatchReporter

    template = template_job(click.get_current_context(), opts)
    jobs = plan_jobs([*opts["input_args"], *opts["inputs"]], template,
                     extensions=opts["extensions"].split(",") if opts["extensions"] else None)
    skipped: list[Any] = []
    if opts["resume"]:
        jobs, skipped = split_completed(jobs, opts["manifest"])
    engine = _engine(opts)
    reporter = BatchReporter(quiet=opts["quiet"], verbose=opts["verbose"])
    stop = _Signals(engine, reporter)
    with reporter:
        summary = run_batch(jobs, engine, opts["manifest"], skipped=len(skipped), on_update=reporter.update)
    reporter.summary(summary, opts["manifest"])
    if stop.received:
        sys.exit(int(stop.received[-1]))
    if summary.failed:
        sys.exit(int(ExitStatus.BATCH_FAILED))


def template_job(ctx: click.Context, opts: dict[str, Any]) -> Any:
    """The ``mstg run`` job every file gets (a :class:`~mstg.job.RunConfig` whose output paths
    and events path are templates): the flags given over the preset's, transforms checked."""
    from click.core import ParameterSource

    from ..job import from_flags, open_transforms

    given = {name: value for name, value in opts.items() if name not in BATCH_ONLY and
             ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)}
    job = from_flags(given)
    if opts.get("preset"):
        from .presets_cmd import preset_job

        job = preset_job(opts["preset"]).merge(job)
    if not any(o.spec for o in job.outputs):
        raise UsageError("no output: give a template with -o (e.g. 'out/{stem}.mp4'), or null")
    open_transforms(job.transforms)  # a wrong name or parameter: one error now, not one per file
    return job


def _engine(opts: dict[str, Any]) -> Any:
    if opts["engine"] == "ray":
        from ..batch.ray_engine import RayEngine

        return RayEngine(opts["address"], jobs=opts["jobs"], retries=opts["retries"])
    if opts["address"]:
        raise UsageError("--address is for --engine ray")
    from ..batch.local import LocalEngine

    return LocalEngine(opts["jobs"])


class _Signals:
    """The first Ctrl-C (or SIGTERM) starts no more files and lets the running ones finish;
    a second stops at once (their files staged under temporary names are removed)."""

    def __init__(self, engine: Any, reporter: Any) -> None:
        self.engine = engine
        self.reporter = reporter
        self.received: list[ExitStatus] = []
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        status = ExitStatus.INTERRUPTED if signum == signal.SIGINT else ExitStatus.TERMINATED
        if self.received:
            self.engine.kill()
            self.reporter.close()
            os._exit(int(status))
        self.received.append(status)
        self.engine.stop()
        self.reporter.note("stopping: the running files finish (Ctrl-C again to stop at once)")


# The batch takes mstg run's transform, preset and output options as they are.
# (An option of run named like one of the batch's own is left out: the batch's wins.)
_OWN = {opt for p in batch.params for opt in (*p.opts, *p.secondary_opts)}
batch.params[-3:-3] = [p for p in run_command.params if p.name not in NOT_FROM_RUN
                       and not _OWN.intersection((*p.opts, *p.secondary_opts))]
