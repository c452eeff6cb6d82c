"""The pipeline: processor tracks in, transform chains, generator tracks out to every sink.

Each input reads on its own thread; each kind (video, audio) runs its transform chain on its
own thread; each output encodes each kind on its own thread. Bounded frame buffers join
them: a live source drops its oldest frame rather than lag, a file makes the reader wait.

>>> from mstg import Pipeline, open_input, open_output
>>> stats = Pipeline([open_input("testsrc", duration=0.2)], [open_output("null")]).run()
>>> stats.frames_in["video"]
5
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .chain import EventSink, TransformChain
from .context import RunContext
from .errors import InputError, InvalidStateError, MstgError, OutputError, ParameterError, UsageError, braces
from .frames import keep_freed_buffers, limit_opencv_threads
from .identity import refuse_inputs_as_outputs
from .inputs.base import Input
from .outputs.base import NullOutput, Output
from .stats import Stats, unused_inputs
from .tracks import MediaStreamTrack, MediaStreamTrackGenerator, MediaStreamTrackProcessor
from .transforms.base import Transform, transform

if TYPE_CHECKING:  # pragma: no cover
    from .job import RunConfig

Progress = Callable[["Stats"], None]
#: Frames held by each buffer of a file's video track (unless ``max_buffer_size``). A file's
#: reader waits rather than drops; a few frames of slack let the decoder run on while the
#: encoder's threads are all busy, and more only cost memory (3 MB per 1080p picture):
#: 1080p transcodes measured here ran as fast with 6 as with 8, and slower with 4.
FILE_VIDEO_BUFFER = 6
#: Seconds an input may stay blocked in a read after a stop before its tracks are ended anyway.
STOP_GRACE_S = 2.0


def _as_transform(given: Transform | str | Callable[..., Any]) -> Transform:
    """A transform from what :class:`Pipeline` was given: one, a ``-t`` string or a function."""
    if isinstance(given, Transform):
        return given
    if isinstance(given, str):
        from .transforms.registry import load_transform

        return load_transform(given)
    if callable(given):
        return transform(given)
    raise TypeError(f"not a transform: {given!r} (a Transform, a '-t' string or a function)")


class Pipeline:
    """Reads ``inputs``, runs ``transforms`` in order, writes every frame to all ``outputs``.

    The first video track and the first audio track among the inputs are used (as FFmpeg maps
    by default); ``video=False`` / ``audio=False`` leave one out. ``on_event`` receives each
    transform event; ``on_error`` is ``fail``, ``skip`` or ``pass`` (see
    :class:`~mstg.chain.TransformChain`); ``max_buffer_size`` bounds the reader's buffer.
    A transform may also be given as a string, as after ``-t`` (``"blur:sigma=3"``), or as a
    bare function ``f(pixels, frame)``: a bgr24 video transform (see :func:`mstg.transform`
    for other layouts and audio).
    """

    def __init__(self, inputs: list[Input], outputs: list[Output], transforms: list[Transform | str | Callable[..., Any]] = (),  # type: ignore[assignment]
                 *, on_event: EventSink | None = None, on_error: str = "fail", video: bool = True,
                 audio: bool = True, max_buffer_size: int | None = None, tune_process: bool = False) -> None:
        if not inputs:
            raise UsageError("no input")
        if not outputs:
            raise UsageError("no output")
        refuse_inputs_as_outputs(inputs, outputs)  # -y or not: an output never replaces an input
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.transforms = [_as_transform(t) for t in transforms]
        self.on_event = on_event
        self.on_error = on_error
        self.max_buffer_size = max_buffer_size
        #: Opt-in process tuning at run: OpenCV's threads limited, freed picture memory kept
        #: for reuse (see :func:`mstg.frames.limit_opencv_threads`, ``keep_freed_buffers``).
        self.tune_process = tune_process
        self.stats = Stats()
        self._want = {"video": video, "audio": audio}
        self._stop_requested = threading.Event()
        self._stop_at: float | None = None
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._processors: dict[str, MediaStreamTrackProcessor] = {}
        self._events = 0
        self._latency_at_output = False
        self._reported: set[int] = set()  # ids of components whose error was taken
        self._failed = threading.Event()
        self._contexts: dict[int, RunContext] = {}
        #: What the pipeline opened itself (an events file) and closes after the run.
        self._owned: list[Callable[[], None]] = []

    @classmethod
    def from_config(cls, config: RunConfig, *, on_event: EventSink | None = None,
                    tune_process: bool = False) -> Pipeline:
        """The pipeline of the job ``config`` (see :mod:`mstg.job`), every part opened.

        Events go to ``on_event`` when given, else to ``config.events`` (a JSON Lines file).

        >>> from mstg.job import RunConfig
        >>> Pipeline.from_config(RunConfig(["testsrc"], outputs=["null"])).outputs
        [<NullOutput 'null'>]
        """
        from .job import open_job

        parts = open_job(config if on_event is None else dataclasses.replace(config, events=None))
        wants = {"video": any(o.video is not False for o in config.outputs),
                 "audio": any(o.audio is not False for o in config.outputs)}
        pipeline = cls(parts.inputs, parts.outputs, parts.transforms, on_error=config.on_error or "fail",
                       on_event=on_event or (parts.events.write if parts.events else None),
                       max_buffer_size=config.max_buffer, tune_process=tune_process, **wants)
        if parts.events is not None:
            pipeline._owned.append(parts.events.close)
        return pipeline

    # building -----------------------------------------------------------------------------
    def _selected_tracks(self) -> dict[str, MediaStreamTrack]:
        wanted_by_outputs = {k for out in self.outputs for k in out.wants}
        chosen: dict[str, MediaStreamTrack] = {}
        for source in self.inputs:
            for track in source.tracks:
                use = self._want[track.kind] and track.kind in wanted_by_outputs
                if use and track.kind not in chosen:
                    chosen[track.kind] = track
                else:
                    track.stop()
        self.stats.unused_inputs.extend(unused_inputs(self.inputs, chosen))
        if not chosen:
            names = ", ".join(i.name for i in self.inputs)
            raise InputError(f"nothing to process: {names} has no track the outputs can take")
        for out in self.outputs:
            if not any(kind in chosen for kind in out.wants):
                kinds = " or ".join(out.wants)
                raise OutputError(f"nothing to write to {out.name}: no input has {kinds}"
                                  + ("" if all(self._want[k] for k in out.wants) else " (or it is left out)"),
                                  hint="leave that output out, or give an input that has it")
        return chosen

    def _build(self) -> None:
        tracks = self._selected_tracks()
        self._note_unused_transforms(set(tracks))
        self.stats.live = any(t.live for t in tracks.values())
        first = tracks.get("video") or next(iter(tracks.values()))  # its input's tags and chapters go on
        self._source_metadata = next((i.metadata for i in self.inputs if first in i.tracks), None)
        self._make_contexts(set(tracks))
        for kind, track in tracks.items():
            file_depth = FILE_VIDEO_BUFFER if kind == "video" and not track.live else None
            processor = MediaStreamTrackProcessor(track, max_buffer_size=self.max_buffer_size
                                                  if kind == "video" and self.max_buffer_size
                                                  else file_depth)
            self._processors[kind] = processor
            chain = TransformChain([t for t in self.transforms if t.kind == kind],
                                   on_event=self._event, on_error=self.on_error, on_stop=self.stop)
            chain.prepare()
            generator = MediaStreamTrackGenerator(kind, live=track.live, label=f"{kind} out")
            if not chain.transforms:  # what the input declares is what comes out, until frames say
                generator._source.settings.update(track.get_settings())
            consumers = [out for out in self.outputs if kind in out.wants]
            if any(kind in out.copies for out in consumers):
                self._copy_packets(kind, track, chain, consumers)
            for position, out in enumerate(consumers):
                out.attach(generator if position == 0 else generator.clone(), max_buffer_size=file_depth)
            self._threads.append(threading.Thread(
                target=self._work, args=(kind, processor, chain, generator, track),
                name=f"transform:{kind}", daemon=True))

    def _note_unused_transforms(self, kinds: set[str]) -> None:
        """Name the transforms of a kind that no selected track has, and why."""
        for kind in ("video", "audio"):
            names = [t.name for t in self.transforms if t.kind == kind]
            if not names or kind in kinds:
                continue
            if not any(t.kind == kind for source in self.inputs for t in source.tracks):
                why = f"no input has {kind}"
            elif not self._want[kind]:
                why = f"the {kind} is left out"
            else:
                why = f"no output takes {kind}"
            self.stats.unused_transforms.append(f"{', '.join(names)}: {why}")

    def _copy_packets(self, kind: str, track: MediaStreamTrack, chain: TransformChain,
                      consumers: list[Output]) -> None:
        """A stream copy (``--audio-codec copy``): the input hands over its packets undecoded.
        Only where nothing needs the samples: no transform of that kind, every consumer
        copying (or the null output), an input that reads packets (a file, pipe or URL)."""
        param = f"{kind}_codec"
        flag = "{%s=}" % param
        given = {param: "copy"}
        if chain.transforms:
            names = braces(", ".join(t.name for t in chain.transforms))
            raise ParameterError(f"{flag}: the {kind} transforms ({names}) need decoded {kind}", given,
                                 scope="output", hint="name an encoder instead, e.g. {%s} %s"
                                 % (param, "libx264" if kind == "video" else "aac"))
        for out in consumers:
            if kind not in out.copies and not isinstance(out, NullOutput):
                raise ParameterError(f"{flag}: {braces(out.name)} needs decoded {kind}, which a copy "
                                     "does not give", given, scope="output")
        source = next(i for i in self.inputs if track in i.tracks)
        try:
            source.copy_packets(kind)
        except NotImplementedError:
            raise ParameterError(f"{flag}: {braces(source.name)} makes its {kind} itself; there are "
                                 "no packets to copy", given, scope="output",
                                 hint="copies are of files, pipes and streams") from None

    def _make_contexts(self, kinds: set[str]) -> None:
        """What each component gets at start. Live outputs (window, speaker, stream): files
        feeding them are paced to their timestamps; latency is measured where the first of
        them presents; any of them may end the run (a closed window). Outputs fed the same
        frames share one lock."""
        live = any(out.live for out in self.outputs)
        # a recording in real time (a live source, or one paced to its timestamps: --realtime,
        # or feeding a live output) is laid out to survive a kill
        recording = self.stats.live or live or any(source.realtime for source in self.inputs)
        kind = "video" if "video" in kinds else "audio"
        shared = threading.Lock()
        for out in self.outputs:
            sink = None
            if out.live and not self._latency_at_output and out.latency_kind == kind:
                sink, self._latency_at_output = self.stats.latencies_ms, True
            self._contexts[id(out)] = RunContext(
                live_source=recording, request_stop=self.stop, latencies_ms=sink,
                failed=self._failed, lock=shared if len(self.outputs) > 1 else threading.Lock(),
                metadata=self._source_metadata)
        for source in self.inputs:
            self._contexts[id(source)] = RunContext(live_source=source.live, realtime=live and not source.live,
                                                    request_stop=self.stop, failed=self._failed)

    def _event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._events += 1
        if self.on_event is not None:
            self.on_event(event)

    # running ------------------------------------------------------------------------------
    def _work(self, kind: str, processor: MediaStreamTrackProcessor, chain: TransformChain,
              generator: MediaStreamTrackGenerator, track: MediaStreamTrack) -> None:
        writable = generator.writable
        try:
            settings_done = False
            for frame in processor.readable:
                self.stats.frames_in[kind] += 1
                if not settings_done:
                    chain.setup(track.get_settings())
                    settings_done = True
                for out in chain.push(frame):
                    self._write(writable, out)
            for out in chain.flush():
                self._write(writable, out)
        except InvalidStateError:
            processor.cancel()  # every sink of this kind is gone (or done: --frames, one picture)
            track.stop()  # so the input stops reading it
        except BaseException as exc:
            self._fail(exc)
            processor.cancel()
        finally:
            self.stats.transform_errors += chain.errors
            writable.close()

    def _write(self, writable: Any, frame: Any) -> None:
        captured = frame.capture_time
        writable.write(frame)
        if captured is not None and not self._latency_at_output:
            self.stats.latencies_ms.append((time.monotonic() - captured) * 1000)

    def _fail(self, exc: BaseException, *, abort: bool = True) -> None:
        with self._lock:
            self._errors.append(exc)
        if abort:
            self._failed.set()
        self._shutdown(abort=abort)

    def _shutdown(self, *, abort: bool) -> None:
        if self._stop_at is None:
            self._stop_at = time.monotonic()
        for source in self.inputs:
            source.stop()
        if abort:
            for processor in self._processors.values():
                processor.cancel()

    def stop(self) -> None:
        """Finish early and cleanly: the inputs stop, every output is finalized (Ctrl-C)."""
        self._stop_requested.set()
        self.stats.stopped = True
        self._shutdown(abort=False)

    def run(self, *, progress: Progress | None = None, interval: float = 0.25) -> Stats:
        """Run to the end (or :meth:`stop`); raises the first error after finalizing outputs."""
        try:
            return self._run(progress, interval)
        finally:
            for close in self._owned:
                close()

    def _run(self, progress: Progress | None, interval: float) -> Stats:
        started = time.monotonic()
        self._build()
        if self.tune_process:
            limit_opencv_threads()  # the transforms have loaded OpenCV by now, if they use it
            keep_freed_buffers()
        self.stats.duration_us = next((i.duration_us for i in self.inputs if i.duration_us), None)
        for out in self.outputs:
            out.start(self._contexts[id(out)])
        for thread in self._threads:
            thread.start()
        for source in self.inputs:
            source.start(self._contexts[id(source)])
        try:
            while not self._done(timeout=interval):
                self._check_components()
                self._update(started)
                if progress is not None:
                    progress(self.stats)
        except KeyboardInterrupt:
            self.stop()
            self._wait_all()
            raise
        self._check_components()
        self._wait_all()
        self._update(started)
        if progress is not None:
            progress(self.stats)
        self._raise_first()
        return self.stats

    def _done(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for out in self.outputs:
            if not out.join(max(0.0, deadline - time.monotonic())):
                return False
        return all(not t.is_alive() for t in self._threads)

    def _wait_all(self) -> None:
        while not self._done(timeout=0.25):
            self._check_components()

    def _abandon_stalled(self) -> None:
        """After a stop, an input still blocked in a read (a stalled network stream or pipe)
        has its tracks ended anyway, so every output finishes; its thread ends on its own."""
        if self._stop_at is None or time.monotonic() - self._stop_at < STOP_GRACE_S:
            return
        for source in self.inputs:
            if not source.join(0):
                source.abandon()

    def _check_components(self) -> None:
        self._abandon_stalled()
        for component in (*self.inputs, *self.outputs):
            error = component.error
            if error is not None and id(component) not in self._reported:
                self._reported.add(id(component))
                # an input that failed (a camera unplugged) has ended its tracks: what it
                # read before still goes through; a failed output stops everything at once
                self._fail(error, abort=component not in self.inputs)

    def _update(self, started: float) -> None:
        stats = self.stats
        stats.wall_s = time.monotonic() - started
        stats.position_us = max((i.position_us for i in self.inputs), default=0)
        stats.decode_errors = sum(i.decode_errors for i in self.inputs)
        stats.reconnects = sum(i.reconnects for i in self.inputs)
        stats.events = self._events
        # frames lost in a full buffer, and frames a window or player came to too late to show
        stats.dropped = sum(p.dropped for p in self._processors.values()) + sum(
            p.dropped for out in self.outputs for p in out.processors.values()) + sum(
            out.late_frames for out in self.outputs)
        for kind in ("video", "audio"):
            stats.frames_out[kind] = max((out.frames_written[kind] for out in self.outputs), default=0)

    def _raise_first(self) -> None:
        if not self._errors:
            return
        error = self._errors[0]
        if isinstance(error, MstgError):
            raise error
        raise _translate(error)


def _translate(error: BaseException) -> BaseException:
    """FFmpeg's errors raised mid-run as mstg's, so the command line can explain them."""
    try:
        import av
    except ImportError:  # pragma: no cover
        return error
    if isinstance(error, av.error.FFmpegError):
        out = InputError(f"cannot decode: {error.strerror or error}")
        out.__cause__ = error
        return out
    return error
