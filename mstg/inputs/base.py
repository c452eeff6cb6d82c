"""The input base class: a source of tracks read on a thread of its own.

:class:`Input` declares everything the pipeline uses of an input (with defaults); what the
pipeline gives it arrives in one :class:`~mstg.context.RunContext` at :meth:`Input.start`.
"""

from __future__ import annotations

import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from ..context import RunContext
from ..frames import AudioData, FrameOrigin, VideoFrame
from ..tracks import MediaStreamTrack, TrackSource

Frame = VideoFrame | AudioData
#: The threads inputs read on (see :func:`reading_threads`).
_READERS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def reading_threads() -> list[threading.Thread]:
    """The inputs' reading threads still alive (a stalled stream may block one in a read).

    >>> reading_threads()
    []
    """
    return [t for t in list(_READERS) if t.is_alive()]


class Input(ABC):
    """An opened input: its tracks (``video``, ``audio``), read once :meth:`start` is called.

    Subclasses say what their tracks are (``_add_source``) and yield ``(source_index, frame)``
    pairs in timestamp order from :meth:`_frames`; the base class runs that on a thread,
    paces it to the timestamps when ``realtime`` is set, and ends the tracks when it stops.

    ``live`` inputs (camera, microphone, screen, network streams) never wait for a slow
    reader; the others (files, pipes, synthetic sources) make the source wait instead.
    What the pipeline reads of an input is declared here: ``tracks``, ``live``, ``name``,
    ``error``, ``position_us``, ``decode_errors``, ``reconnects``, ``duration_us``, ``metadata``, ``files``,
    :meth:`copy_packets`.
    """

    live: bool = False
    #: What the input says of itself for the outputs to carry over: tags, chapters, track
    #: languages (a :class:`~mstg.metadata.SourceMetadata`), or None.
    metadata: Any = None

    def __init__(self, name: str, *, duration: float | None = None, realtime: bool = False) -> None:
        self.name = name
        self.realtime = realtime
        self.limit_us: int | None = None if duration is None else int(duration * 1_000_000)
        #: Added to every timestamp (FFmpeg's ``-itsoffset``): a positive offset makes this input
        #: start later against the others; frames pushed before 0 by a negative one are dropped.
        self.offset_us = 0
        self.tracks: list[MediaStreamTrack] = []
        self._sources: list[TrackSource] = []
        self.frames_read = 0
        self.decode_errors = 0
        self.error: BaseException | None = None
        self.position_us = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: What the pipeline gave at :meth:`start` (the defaults until then).
        self.context = RunContext()
        #: Tags, chapters and track languages the outputs carry over (:mod:`mstg.metadata`), or None.
        self.metadata: Any = None

    # what subclasses use ------------------------------------------------------------------
    def _add_source(self, kind: str, label: str, settings: dict[str, Any] | None = None) -> int:
        """A new track; ``settings`` are what it is declared to hold until its first frame says."""
        source = TrackSource(kind, live=self.live)
        source.settings.update(settings or {})
        self._sources.append(source)
        self.tracks.append(MediaStreamTrack(source, label=label))
        return len(self._sources) - 1

    @abstractmethod
    def _frames(self) -> Iterator[tuple[int, Frame]]:  # pragma: no cover - abstract
        """``(track_index, frame)`` pairs in timestamp order, until the input ends."""

    def _close(self) -> None:
        """Release what the input holds (called on the reading thread at the end)."""

    # public --------------------------------------------------------------------------------
    @property
    def video(self) -> MediaStreamTrack | None:
        """The input's video track, or None."""
        return next((t for t in self.tracks if t.kind == "video"), None)

    @property
    def audio(self) -> MediaStreamTrack | None:
        """The input's audio track, or None."""
        return next((t for t in self.tracks if t.kind == "audio"), None)

    @property
    def duration_us(self) -> int | None:
        """Expected length in microseconds, when known (for progress)."""
        return self.limit_us

    def copy_packets(self, kind: str) -> None:
        """Deliver the ``kind`` track's packets undecoded (a stream copy), before :meth:`start`.
        Inputs that make their frames themselves have no packets: NotImplementedError."""
        raise NotImplementedError(f"{self.name} makes its {kind} itself")

    def start(self, context: RunContext | None = None) -> None:
        """Start reading on a thread of its own; ``context`` is what the pipeline gives
        (``realtime``: pace to the timestamps, as ``realtime=True`` does)."""
        if context is not None:
            self.context = context
        self._thread = threading.Thread(target=self._run, name=f"input:{self.name}", daemon=True)
        _READERS.add(self._thread)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading: the tracks end after the frame in hand."""
        self._stop.set()

    def abandon(self) -> None:
        """End the tracks now, even while the reading thread is blocked in a read (a stalled
        stream or pipe): readers finish with what they have; the thread ends on its own."""
        self._stop.set()
        for source in self._sources:
            source.end()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the reading thread; True once it has finished."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        anchor: float | None = None
        try:
            for index, frame in self._frames():
                if self._stop.is_set():
                    frame.close()
                    break
                if self.limit_us is not None and frame.timestamp >= self.limit_us:
                    frame.close()
                    if self._all_past_limit(index):
                        break
                    continue
                if self.realtime or self.context.realtime:
                    anchor = self._pace(frame, anchor)
                if frame.origin is None:  # live and synthetic inputs: their own timeline
                    frame.origin = FrameOrigin(self.name, frame.timestamp, frame.index)
                if self.offset_us:
                    frame.timestamp += self.offset_us
                    if frame.timestamp < 0:
                        frame.close()
                        continue
                self.frames_read += 1
                self.position_us = max(self.position_us, frame.timestamp)
                if not self._sources[index].deliver(frame) and self._all_stopped():
                    break
        except BaseException as exc:  # reported by the pipeline, once
            self.error = exc
        finally:
            for source in self._sources:
                source.end()
            try:
                self._close()
            except Exception:  # noqa: BLE001 - closing must not hide the real outcome
                pass

    def _all_past_limit(self, index: int) -> bool:
        self._sources[index].ended.set()
        return all(s.ended.is_set() for s in self._sources)

    def _all_stopped(self) -> bool:
        return all(all(t.ready_state == "ended" for t in s.tracks) for s in self._sources)

    def _pace(self, frame: Frame, anchor: float | None) -> float:
        now = time.monotonic()
        if anchor is None:
            return now - frame.timestamp / 1e6
        wait = anchor + frame.timestamp / 1e6 - now
        if wait > 0:
            self._stop.wait(wait)
        return anchor

    @property
    def reconnects(self) -> int:
        """Times a network source was reopened after a stall or a drop (``--reconnect``)."""
        return 0

    @property
    def files(self) -> list[str]:
        """The local files this input reads (none for devices and synthetic sources): an
        output that is one of them is refused (:mod:`mstg.identity`)."""
        return []

    def __repr__(self) -> str:
        kinds = "+".join(t.kind for t in self.tracks)
        return f"<{type(self).__name__} {self.name!r} {kinds}>"
