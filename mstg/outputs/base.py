"""The output base class: a generator sink that reads one video and one audio track."""

from __future__ import annotations

import threading
from typing import Any

from ..frames import AudioData, VideoFrame
from ..tracks import MediaStreamTrack, MediaStreamTrackProcessor

Frame = VideoFrame | AudioData


class Output:
    """A sink for the pipeline's tracks, each read on a thread of its own.

    Subclasses implement :meth:`_consume` (one track, until its end) and may override
    :meth:`_finish` (called once, after every track is done, also after an error).

    ``wants`` says which kinds the output takes; the pipeline attaches one track of each.
    """

    name = "output"
    wants: tuple[str, ...] = ("video", "audio")
    #: A live output (window, speaker, network) that should see a file paced to its timestamps.
    live = False
    #: Set by the pipeline before :meth:`start`: the tracks come from a live source (camera,
    #: microphone, screen, network stream), so a file should survive the run being killed.
    live_source = False
    #: Set by the pipeline when the run fails (a transform or an output): a file output that
    #: has not begun for every track leaves nothing behind, and an older file stays whole.
    run_failed = False
    #: ``--frames N``: stop after this many video frames, the audio at the end of the last one.
    max_frames: int | None = None

    def __init__(self) -> None:
        self.processors: dict[str, MediaStreamTrackProcessor] = {}
        self.frames_written: dict[str, int] = {"video": 0, "audio": 0}
        self.error: BaseException | None = None
        self.encode_lock: threading.Lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._pending = 0
        self._lock = threading.Lock()

    def attach(self, track: MediaStreamTrack, *, max_buffer_size: int | None = None) -> None:
        """Read ``track`` (one per kind) once started."""
        if track.kind not in self.wants:
            return
        self.processors[track.kind] = MediaStreamTrackProcessor(track, max_buffer_size=max_buffer_size)

    def start(self) -> None:
        """Start one thread per attached track."""
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
        """``processor``, or a reader cut after ``max_frames`` (see :mod:`mstg.outputs.limit`)."""
        if not self.max_frames or "video" not in self.processors:
            return processor
        from .limit import FrameLimit, LimitedReader

        with self._lock:
            if getattr(self, "_frame_limit", None) is None:
                self._frame_limit = FrameLimit(self.max_frames)
        return LimitedReader(processor, kind, self._frame_limit)

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:  # pragma: no cover
        raise NotImplementedError

    def _finish(self) -> None:
        """Called once when every track is done."""

    def discard_partial(self) -> None:
        """Remove what is not finished (a file under its temporary name): a second Ctrl-C,
        or a job that cannot start. Nothing by default."""

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
