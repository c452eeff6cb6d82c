"""``mstg run``: parse the flags into inputs, transforms and outputs, run, report."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import click

from ..errors import ExitStatus, UsageError
from .checks import refuse_binary_on_terminal
from .completion import complete_transforms
from .errors import Interrupted, handle_errors
from .presets_cmd import complete_presets


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        w, h = (int(v) for v in value.lower().split("x"))
        if w > 0 and h > 0:
            return w, h
    except ValueError:
        pass
    raise click.BadParameter(f"{value!r} is not WIDTHxHEIGHT, e.g. 1280x720")


def _output_size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    from ..outputs.sizing import parse_size

    try:
        return None if value is None else parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _key_values(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str] | None:
    from ..outputs.encoding import parse_options

    try:
        return parse_options(value, f"--{param.name}".replace("_", "-")) or None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


RUN_EPILOG = """\b
Inputs (-i, several allowed): demo, a file, '-' (stdin), a URL, testsrc, sine,
  another lavfi source (testsrc2=size=1280x720), photo.png, 'shots/*.jpg',
  cam0, mic0, screen ('mstg devices' lists them).
Outputs (-o, several allowed): a file (.mp4 .mkv .webm .mov .gif .wav .flac .mp3 .ogg
  .opus ...), '-' (stdout, NUT), null, a network URL (udp:// srt:// rtsp:// rtmp://),
  window, speaker, play (both), v4l2:/dev/video10 (a virtual camera).
\b
Examples:
  mstg run -i demo -o demo.mp4
  mstg run -i talk.mkv --start 10 --duration 5 -o clip.webm
  mstg run -i testsrc -i sine --duration 5 -o tone.mp4
  mstg run -i talk.mkv -o - | mstg run -i - -o out.webm
  mstg run --preset to-gif -i clip.mp4 -o clip.gif
"""


@click.command(epilog=RUN_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-i", "--input", "inputs", multiple=True, metavar="INPUT",
              help="What to read (default: demo).")
@click.option("-t", "--transform", "transforms", multiple=True, metavar="NAME[:K=V,...]",
              help="A transform to apply, in order; repeat for a chain.", shell_complete=complete_transforms)
@click.option("-o", "--output", "outputs", multiple=True, metavar="OUTPUT",
              help="Where to write; repeat to write several at once.")
@click.option("--preset", metavar="NAME|PATH", shell_complete=complete_presets,
              help="Start from a preset ('mstg presets' lists them); flags given here win.")
@click.option("--events", metavar="FILE|-", help="Write transform events as JSON Lines here.")
@click.option("-y", "--overwrite", is_flag=True, help="Overwrite output files that exist.")
@click.option("--start", type=click.FloatRange(min=0), help="Start this many seconds in.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Stop after this many seconds (synthetic inputs: default 10).")
@click.option("--to", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop at this position of the input (FFmpeg -to; instead of --duration).")
@click.option("--offset", type=float, metavar="SECONDS",
              help="Shift the input's timestamps by this much (FFmpeg -itsoffset): per input, "
                   "-i 'voice.wav::offset=0.3' makes it start 0.3 s later.")
@click.option("--video-track", metavar="N|none", help="Which video track of the input (from 0).")
@click.option("--audio-track", metavar="N|none", help="Which audio track of the input (from 0).")
@click.option("--input-format", metavar="FMT", help="FFmpeg demuxer for the input (e.g. nut, lavfi).")
@click.option("--input-fps", type=click.FloatRange(min=0, min_open=True),
              help="Frame rate for image inputs (default 25), cameras and the screen; for a "
                   "file or pipe, its video is stamped at this rate (raw H.264, IVF, raw video).")
@click.option("--input-size", callback=_size, metavar="WxH",
              help="Picture size asked of a camera or the screen, made by the demo, or of raw "
                   "video (--input-format rawvideo) (e.g. 1280x720).")
@click.option("--input-pixel-format", metavar="FMT",
              help="What a camera sends: mjpeg, h264, yuyv422 ... (--input-format also does); "
                   "raw video's pixel format (default yuv420p).")
@click.option("--sample-rate", type=click.IntRange(min=1000, max=768000), metavar="HZ",
              help="Microphone (or demo tone) sample rate (default 48000).")
@click.option("--channels", type=click.IntRange(min=1, max=32), metavar="N",
              help="Microphone channels (default 2).")
@click.option("-f", "--format", "output_format", metavar="FMT",
              help="FFmpeg muxer for the outputs (default: from the extension; NUT on stdout).")
@click.option("--video-codec", "-cv", metavar="CODEC",
              help="Video encoder (e.g. libx264, ffv1), or copy: the input's video as it is "
                   "(with --start, from the keyframe before it).")
@click.option("--audio-codec", "-ca", metavar="CODEC", help="Audio encoder (e.g. aac, libopus), or copy: the input's audio as it is.")
@click.option("--crf", type=click.IntRange(0, 63), help="Constant quality (x264: 23 by default).")
@click.option("--bitrate", "-b", metavar="RATE", help="Video bitrate, e.g. 2M (instead of --crf).")
@click.option("--audio-bitrate", metavar="RATE", help="Audio bitrate, e.g. 128k.")
@click.option("--encoder-preset", metavar="NAME", help="x264 preset (default veryfast).")
@click.option("--size", callback=_output_size, metavar="WxH",
              help="Scale the output video; -1 or -2 for one side keeps the aspect (-2: even).")
@click.option("--fps", type=click.FloatRange(min=0, min_open=True),
              help="Constant output frame rate (frames dropped or kept to fit).")
@click.option("-ar", "--audio-rate", type=click.IntRange(min=1000, max=768000), metavar="HZ",
              help="Output audio sample rate (default: the input's, where the encoder takes it).")
@click.option("-ac", "--audio-channels", type=click.IntRange(min=1, max=8), metavar="N",
              help="Output audio channels (2: stereo, 1: mono; default: the input's).")
@click.option("-g", "--gop", type=click.IntRange(min=1), metavar="N",
              help="Keyframe interval in frames (FFmpeg -g).")
@click.option("--tune", metavar="NAME", help="Encoder tune (x264/x265: film, animation, zerolatency ...).")
@click.option("--profile", metavar="NAME", help="Encoder profile (x264: baseline, main, high).")
@click.option("--level", metavar="L", help="Encoder level (x264: 3.1, 4.0 ...).")
@click.option("--maxrate", metavar="RATE", help="Peak video bitrate, e.g. 3M (with --crf: capped quality).")
@click.option("--bufsize", metavar="RATE", help="Rate-control buffer, e.g. 6M (with --maxrate).")
@click.option("--x264-params", metavar="K=V:K=V", help="libx264's own parameters (FFmpeg -x264-params).")
@click.option("--x265-params", metavar="K=V:K=V", help="libx265's own parameters (FFmpeg -x265-params).")
@click.option("--codec-option", "codec_options", multiple=True, callback=_key_values, metavar="KEY=VALUE",
              help="Any encoder option ('mstg encoders' names the encoders); repeatable.")
@click.option("--format-option", "format_options", multiple=True, callback=_key_values, metavar="KEY=VALUE",
              help="Any muxer option (e.g. movflags=+faststart); repeatable.")
@click.option("--metadata", multiple=True, callback=_key_values, metavar="KEY=VALUE",
              help="A global tag of the output files (title=..., artist=...); repeatable.")
@click.option("--no-metadata", is_flag=True,
              help="Leave the input's tags out, global and per track (FFmpeg -map_metadata -1); "
                   "--metadata tags are still written.")
@click.option("--frames", type=click.IntRange(min=1), metavar="N",
              help="Stop each output after N video frames (its audio at their end).")
@click.option("--shortest", is_flag=True,
              help="End each output where its shortest track ends (FFmpeg -shortest).")
@click.option("--pix-fmt", metavar="FMT", help="Output pixel format (e.g. yuv444p).")
@click.option("--no-video", is_flag=True, help="Leave the video out.")
@click.option("--no-audio", is_flag=True, help="Leave the audio out.")
@click.option("--loop", is_flag=True,
              help="Repeat the pictures until --duration, --to or --shortest ends the run "
                   "(FFmpeg -loop 1).")
@click.option("--no-subtitles", "-sn", is_flag=True,
              help="Leave out the input's text subtitles (kept by default where the container holds them).")
@click.option("--realtime", is_flag=True, help="Pace file inputs to their timestamps.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Give up on a network input that sends nothing for this long (default 10).")
@click.option("--reconnect/--no-reconnect", default=None,
              help="Retry a network input that stalls or drops, within --timeout (default: for "
                   "live streams: rtsp, rtmp, srt, tcp, udp).")
@click.option("--fragmented/--no-fragmented", default=None,
              help="Crash-tolerant files (fragmented MP4, Matroska flushed each second) that keep "
                   "what was written if the run is killed (default: for live and --realtime inputs).")
@click.option("--max-buffer", type=click.IntRange(min=1), metavar="N",
              help="Frames held for a slow reader (live default 1: drop the oldest).")
@click.option("--on-error", type=click.Choice(["fail", "skip", "pass"]), default=None,
              show_default="fail", help="When a transform fails on a frame.")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors.")
@click.option("-v", "--verbose", is_flag=True,
              help="Say what is read and written, and the summary, even when stderr is not a terminal.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@handle_errors
def run(**opts: Any) -> None:
    """Read inputs as processor tracks, run the transforms, write every output.

    The first video track and the first audio track among the inputs are used. Progress
    and the summary go to stderr; stdout carries only media or events.
    """
    from ..pipeline import Pipeline
    from .progress import Reporter

    signals = _Signals()  # before anything is opened: an early Ctrl-C/SIGTERM leaves nothing
    job = job_from_context(click.get_current_context(), opts)
    quiet, verbose = bool(job.quiet), bool(job.verbose) and not job.quiet
    _logging(quiet=quiet, verbose=verbose, debug=bool(opts.get("debug")))
    # the command line owns its process: OpenCV's threads and the allocator are tuned for it
    pipeline = _with_warnings(lambda: Pipeline.from_config(job, tune_process=True), quiet=quiet)
    reporter = Reporter(enabled=not quiet)
    if verbose:
        _describe(pipeline.inputs, pipeline.transforms, pipeline.outputs)
    interrupted = signals.attach(pipeline)
    with reporter:
        stats = pipeline.run(progress=reporter.update)
    reporter.summary(stats, pipeline.outputs, interrupted)
    if verbose:
        from .progress import summary_line

        click.echo(summary_line(stats, interrupted), err=True)
    if not quiet:
        _warn(stats, pipeline.outputs, job.on_error or "fail")
    if interrupted:
        sys.exit(int(interrupted[-1]))


def job_from_context(ctx: click.Context, opts: dict[str, Any]) -> Any:
    """The job (:class:`~mstg.job.RunConfig`) ``mstg run``'s flags describe: the flags given on
    the command line over the preset's (:data:`mstg.job.FLAGS` maps each flag onto a field)."""
    from click.core import ParameterSource

    from ..job import from_flags
    from ..job.inline import apply_inline

    given = {name: value for name, value in opts.items()
             if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)}
    job = from_flags(given)
    if opts.get("preset"):
        from .presets_cmd import preset_job

        job = preset_job(opts["preset"]).merge(job)
        usage = f"e.g. mstg run --preset {opts['preset']} -i INPUT -o OUTPUT"
        name = os.path.splitext(os.path.basename(opts["preset"]))[0]
        if not any(i.spec for i in job.inputs):
            raise UsageError(f"preset '{name}' names no input: give one with -i", hint=usage)
        if not any(o.spec for o in job.outputs):
            raise UsageError(f"preset '{name}' names no output: give one with -o", hint=usage)
    job = apply_inline(job)  # -i 'a.mkv::start=10': that input's own options, over the rest
    if not any(o.spec for o in job.outputs):
        raise UsageError("no output: give one with -o (a file, '-' for stdout, or null)")
    for out in job.outputs:
        refuse_binary_on_terminal([out.spec or ""], out.format)
    if job.events == "-" and any(o.spec == "-" for o in job.outputs):
        raise UsageError("stdout cannot carry both media (-o -) and events (--events -)")
    return job


def job_from_args(args: list[str]) -> Any:
    """The job of ``mstg run ARGS`` without running it (for tests and tools).

    >>> job_from_args(["-i", "testsrc", "--duration", "1", "-o", "null"]).inputs[0].duration
    1.0
    """
    ctx = run.make_context("run", list(args))
    with ctx:
        return job_from_context(ctx, dict(ctx.params))


def _logging(*, quiet: bool, verbose: bool, debug: bool) -> None:
    """Log lines (mstg's, FFmpeg's, the encoders') on stderr: -v shows them, --debug all."""
    from .. import logs

    logs.configure(logs.DEBUG if debug else logs.QUIET if quiet else logs.VERBOSE if verbose else logs.NORMAL)


def _with_warnings(build: Any, *, quiet: bool) -> Any:
    """Run ``build``; the warnings it raises (a broken plugin nobody picked) go to stderr."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = build()
    for warning in caught if not quiet else ():
        click.echo(f"warning: {warning.message}", err=True)
    return result


def _describe(inputs: list[Any], transforms: list[Any], outputs: list[Any]) -> None:
    """-v: one line per input, the transform chain, and one line per output, on stderr."""
    for source in inputs:
        tracks = ", ".join(f"{t.kind} {t.label}" for t in source.tracks) or "no tracks"
        click.echo(f"input: {source.name} ({tracks})", err=True)
    if transforms:
        click.echo("transforms: " + " -> ".join(t.name for t in transforms), err=True)
    for out in outputs:
        codecs = " + ".join(c for c in (getattr(out, "video_codec", None), getattr(out, "audio_codec", None)) if c)
        form = getattr(out, "container_format", None)
        detail = f" ({form}: {codecs})" if form else ""
        click.echo(f"output: {out.name}{detail}", err=True)


def _warn(stats: Any, outputs: list[Any], on_error: str) -> None:
    """What went wrong without stopping the run, on stderr (the terminal's summary already
    counts corrupt packets)."""
    if stats.decode_errors and not sys.stderr.isatty():
        click.echo(f"warning: {stats.decode_errors} corrupt packet(s) skipped", err=True)
    if stats.reconnects and not sys.stderr.isatty():
        click.echo(f"warning: the input stalled or dropped and was reconnected {stats.reconnects} "
                   "time(s); the gaps are in the timestamps", err=True)
    for unused in stats.unused_inputs:
        click.echo(f"warning: input not used: {unused} (pick tracks per input: "
                   "-i 'FILE::audio-track=none')", err=True)
    for unused in stats.unused_transforms:
        click.echo(f"warning: not run: {unused}", err=True)
    for out in outputs:
        if not any(out.frames_written.values()) and not stats.stopped:
            click.echo(f"warning: nothing was written to {out.name}: no frames reached it "
                       "(past the end with --start? an empty input?)", err=True)
    if stats.transform_errors:
        done = "dropped" if on_error == "skip" else "passed on untouched"
        click.echo(f"warning: the transforms failed on {stats.transform_errors} frame(s), {done} "
                   f"(--on-error {on_error})", err=True)


class _Signals:
    """Ctrl-C and SIGTERM. The first finishes cleanly: every output is flushed and finalized
    (before the run has started, it stops at once: nothing was written). A second stops at
    once, removing any file not yet begun."""

    def __init__(self) -> None:
        self.received: list[ExitStatus] = []
        self.pipeline: Any = None
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def attach(self, pipeline: Any) -> list[ExitStatus]:
        """From now on a signal stops ``pipeline`` cleanly; returns the signals received."""
        self.pipeline = pipeline
        if self.received:
            pipeline.stop()
        return self.received

    def _handle(self, signum: int, _frame: Any) -> None:
        status = ExitStatus.INTERRUPTED if signum == signal.SIGINT else ExitStatus.TERMINATED
        if self.received:
            for out in self.pipeline.outputs if self.pipeline is not None else ():
                out.discard_partial()
            os._exit(int(status))
        self.received.append(status)
        if self.pipeline is None:
            raise Interrupted(status)
        self.pipeline.stop()
