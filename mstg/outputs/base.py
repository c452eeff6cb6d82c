"""The output base class: a generator sink that reads one video and one audio track.

:class:`Output` declares everything the pipeline uses of an output (with defaults); what the
pipeline gives an output arrives in one :class:`~mstg.context.RunContext` at :meth:`Output.start`.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Any

from ..context import RunContext
from ..frames import AudioData, VideoFrame
from ..tracks import MediaStreamTrack, MediaStreamTrackProcessor

Frame = VideoFrame | AudioData


class Output(ABC):
    """A sink for the pipeline's tracks, each read on a thread of its own.

    Subclasses implement :meth:`_consume` (one track, until its end) and may override
    :meth:`_finish` (called once, after every track is done, also after an error).

    ``wants`` says which kinds the output takes; the pipeline attaches one track of each.
    What the pipeline reads of an output is declared here: ``wants``, ``live``, ``copies``,
    ``latency_kind``, ``late_frames``, ``frames_written``, ``processors``, ``error``.
    """

    name = "output"
    wants: tuple[str, ...] = ("video", "audio")
    #: A live output (window, speaker, network) that should see a file paced to its timestamps.
    live = False
    #: The kinds written as the input's packets, undecoded (``--audio-codec copy``).
    copies: tuple[str, ...] = ()
    #: The kind whose capture-to-output latency this output can measure where it presents.
    latency_kind: str | None = None
    #: ``--frames N``: stop after this many video frames, the audio at the end of the last one.
    max_frames: int | None = None
    #: ``--shortest``: end every track where the first one to end ends (FFmpeg ``-shortest``).
    shortest = False

    def __init__(self) -> None:
        self.processors: dict[str, MediaStreamTrackProcessor] = {}
        self.frames_written: dict[str, int] = {"video": 0, "audio": 0}
        self.error: BaseException | None = None
        #: What the pipeline gave at :meth:`start` (the defaults until then).
        self.context = RunContext()
        self._threads: list[threading.Thread] = []
        self._pending = 0
        self._lock = threading.Lock()
        self._track_limit: Any = None  # mstg.outputs.limit.TrackLimit, made by the first reader

    def attach(self, track: MediaStreamTrack, *, max_buffer_size: int | None = None) -> None:
        """Read ``track`` (one per kind) once started."""
        if track.kind not in self.wants:
            return
        self.processors[track.kind] = MediaStreamTrackProcessor(track, max_buffer_size=max_buffer_size)

    # what the run gave, as the output's code reads it ---------------------------------------------
    @property
    def live_source(self) -> bool:
        """The tracks come from a live source, or one paced to its timestamps (a recording in
        real time): a file should survive the run being killed."""
        return self.context.live_source

    @property
    def run_failed(self) -> bool:
        """The run failed: a file not begun for every track leaves nothing behind."""
        return self.context.failed.is_set()

    @property
    def encode_lock(self) -> threading.Lock:
        """Held while converting or encoding a frame other outputs may share."""
        return self.context.lock

    @property
    def late_frames(self) -> int:
        """Frames that came too late to show (a window, a player); 0 for the others."""
        return 0

    def start(self, context: RunContext | None = None) -> None:
        """Start one thread per attached track; ``context`` is what the pipeline gives."""
        if context is not None:
            self.context = context
        self._pending = len(self.processors)
        for kind, processor in self.processors.items():
            thread = threading.Thread(target=self._run, args=(kind, processor),
                                      name=f"output:{self.name}:{kind}", daemon=True)
            self._threads.append(thread)
            thread.start()
        if not self.processors:
            self._finish()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every thread; True once all have finished."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def abort(self) -> None:
        """Stop reading at once: queued frames are dropped and upstream writers unblock."""
        for processor in self.processors.values():
            processor.cancel()

    def _run(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        try:
            self._consume(kind, self._limited(kind, processor))
        except BaseException as exc:  # reported by the pipeline
            if self.error is None:
                self.error = exc
            self.abort()
        finally:
            with self._lock:
                self._pending -= 1
                last = self._pending == 0
            if last:
                try:
                    self._finish()
                except BaseException as exc:
                    if self.error is None:
                        self.error = exc

    def _limited(self, kind: str, processor: MediaStreamTrackProcessor) -> Any:
        """``processor``, or a reader cut after ``max_frames`` video frames or where the
        shortest track ends (see :mod:`mstg.outputs.limit`)."""
        frames = bool(self.max_frames) and "video" in self.processors
        if not frames and not (self.shortest and len(self.processors) > 1):
            return processor
        from .limit import LimitedReader, TrackLimit

        with self._lock:
            if self._track_limit is None:
                self._track_limit = TrackLimit(tuple(self.processors), shortest=self.shortest,
                                               max_frames=self.max_frames if frames else None)
        return LimitedReader(processor, kind, self._track_limit)

    @abstractmethod
    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:  # pragma: no cover
        """Read and write one track until it ends."""

    def _finish(self) -> None:
        """Called once when every track is done."""

    def discard_partial(self) -> None:
        """Remove what is not finished (a file under its temporary name): a second Ctrl-C,
        or a job that cannot start. Nothing by default."""

    @property
    def files(self) -> list[str]:
        """The local files this output writes (none for null, devices and the network)."""
        return []

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "frames": dict(self.frames_written)}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class NullOutput(Output):
    """Reads every frame and writes nothing (``-o null``): decode and transform only.

    >>> NullOutput().name
    'null'
    """

    name = "null"

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        for frame in processor.readable:
            self.frames_written[kind] += 1
            frame.close()
