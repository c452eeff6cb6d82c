"""Tracks, the processor that reads them and the generator that writes them.

The objects of *Insertable Streams for MediaStreamTrack*, for Python threads:

* :class:`MediaStreamTrack`: one stream of audio or video frames from a source;
* :class:`MediaStreamTrackProcessor`: reads a track as an iterator of frames
  (``for frame in processor.readable``, or ``async for`` in asyncio code), through a bounded buffer that drops its oldest frame when the
  source is live and makes the source wait when it is a file or pipe;
* :class:`MediaStreamTrackGenerator`: a track whose frames are written by the program
  (``generator.writable.write(frame)``).

>>> from mstg.frames import VideoFrame
>>> import numpy as np
>>> generator = MediaStreamTrackGenerator(kind="video")
>>> processor = MediaStreamTrackProcessor(generator, max_buffer_size=4)
>>> generator.writable.write(VideoFrame.from_ndarray(np.zeros((4, 4, 3), np.uint8), timestamp=0))
>>> generator.stop()
>>> [f.timestamp for f in processor.readable]
[0]
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from .errors import InvalidStateError
from .frames import AudioData, VideoFrame

Frame = VideoFrame | AudioData
KINDS = ("video", "audio")
_FRAME_TYPES: dict[str, type] = {"video": VideoFrame, "audio": AudioData}


class FrameBuffer:
    """A bounded frame queue between one source and one reader.

    With ``drop_oldest`` (live sources) a full buffer discards, closes and counts its oldest
    frame; without it (files, pipes) ``put`` waits until the reader makes room.
    """

    def __init__(self, max_size: int, *, drop_oldest: bool) -> None:
        if max_size < 1:
            raise ValueError("max_buffer_size must be at least 1")
        self.max_size = max_size
        self.drop_oldest = drop_oldest
        self.dropped = 0
        self._items: deque[Frame] = deque()
        self._ended = False
        self._cond = threading.Condition()

    def put(self, frame: Frame) -> bool:
        """Queue ``frame`` (which the buffer now owns); False if the buffer has ended."""
        with self._cond:
            while not self._ended and len(self._items) >= self.max_size:
                if self.drop_oldest:
                    self._items.popleft().close()
                    self.dropped += 1
                else:
                    self._cond.wait()
            if self._ended:
                frame.close()
                return False
            self._items.append(frame)
            self._cond.notify_all()
            return True

    def get(self, timeout: float | None = None) -> Frame | None:
        """The next frame, or None once the buffer has ended and is empty (or on timeout)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._items or self._ended, timeout):
                return None
            if not self._items:
                return None
            frame = self._items.popleft()
            self._cond.notify_all()
            return frame

    def end(self, *, discard: bool = False) -> None:
        """No more frames will come; with ``discard`` the queued ones are closed too."""
        with self._cond:
            self._ended = True
            if discard:
                while self._items:
                    self._items.popleft().close()
            self._cond.notify_all()

    @property
    def finished(self) -> bool:
        """Ended, and every frame taken."""
        with self._cond:
            return self._ended and not self._items

    def __len__(self) -> int:
        return len(self._items)


class TrackSource:
    """What a track and its clones share: the frames' origin, the settings, the consumers.

    Inputs and generators own one; :meth:`deliver` hands each frame to every live track.
    """

    def __init__(self, kind: str, *, live: bool = False) -> None:
        if kind not in KINDS:
            raise TypeError(f"kind must be 'video' or 'audio', not {kind!r}")
        self.kind = kind
        self.live = live
        self.settings: dict[str, Any] = {}
        self.tracks: list[MediaStreamTrack] = []
        self.ended = threading.Event()
        self.on_all_tracks_ended: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def deliver(self, frame: Frame) -> bool:
        """Give ``frame`` to every track; the source no longer owns it. False once all ended."""
        self._update_settings(frame)
        tracks = [t for t in self.tracks if t.ready_state == "live"]
        if not tracks:
            frame.close()
            return False
        for track in tracks:
            track._receive(frame.clone())
        frame.close()  # the writer's handle: consumers hold handles of their own
        return True

    def _update_settings(self, frame: Frame) -> None:
        if isinstance(frame, VideoFrame):
            self.settings["width"], self.settings["height"] = frame.width, frame.height
            if frame.duration:
                self.settings["frame_rate"] = round(1_000_000 / frame.duration, 3)
        else:
            self.settings["sample_rate"] = frame.sample_rate
            self.settings["channel_count"] = frame.number_of_channels

    def end(self) -> None:
        """The source has no more frames: every track ends."""
        self.ended.set()
        for track in list(self.tracks):
            track._end()

    def _track_stopped(self) -> None:
        with self._lock:
            if any(t.ready_state == "live" for t in self.tracks):
                return
        self.ended.set()
        if self.on_all_tracks_ended is not None:
            self.on_all_tracks_ended()


class MediaStreamTrack:
    """One stream of video or audio frames, like the DOM's ``MediaStreamTrack``.

    ``enabled = False`` gives this track's consumers black video or silent audio; ``stop()``
    ends this track alone; ``clone()`` gives a second track from the same source.
    ``on_ended`` (or :meth:`add_ended_callback`) is called once when the track ends.
    """

    def __init__(self, source: TrackSource, *, label: str = "") -> None:
        self.kind = source.kind
        self.id = str(uuid.uuid4())
        self.label = label
        self.enabled = True
        self.ready_state = "live"
        self._source = source
        self._consumers: list[FrameBuffer] = []
        self._ended_callbacks: list[Callable[[MediaStreamTrack], None]] = []
        self._lock = threading.Lock()
        source.tracks.append(self)

    @property
    def muted(self) -> bool:
        """True while the source gives no frames (a muted generator)."""
        return bool(getattr(self._source, "muted", False))

    @property
    def live(self) -> bool:
        """True when the source runs in real time (camera, microphone, network stream)."""
        return self._source.live

    def get_settings(self) -> dict[str, Any]:
        """Width, height and frame rate (video) or sample rate and channel count (audio)."""
        return dict(self._source.settings)

    def add_ended_callback(self, callback: Callable[[MediaStreamTrack], None]) -> None:
        """Call ``callback(track)`` once when the track ends (at once if it has)."""
        if self.ready_state == "ended":
            callback(self)
        else:
            self._ended_callbacks.append(callback)

    def clone(self) -> MediaStreamTrack:
        """A new track fed by the same source, without reading the source twice."""
        if self.ready_state == "ended":
            raise InvalidStateError("cannot clone an ended track")
        twin = MediaStreamTrack(self._source, label=self.label)
        twin.enabled = self.enabled
        return twin

    def stop(self) -> None:
        """End this track: its readers finish; the source stops once all its tracks have."""
        if self._end():
            self._source._track_stopped()

    def _end(self) -> bool:
        with self._lock:
            if self.ready_state == "ended":
                return False
            self.ready_state = "ended"
            consumers = list(self._consumers)
        for buffer in consumers:
            buffer.end()
        for callback in self._ended_callbacks:
            callback(self)
        self._ended_callbacks.clear()
        return True

    def _attach(self, buffer: FrameBuffer) -> None:
        with self._lock:
            if self.ready_state == "ended":
                buffer.end()
            self._consumers.append(buffer)

    def _detach(self, buffer: FrameBuffer) -> None:
        with self._lock:
            if buffer in self._consumers:
                self._consumers.remove(buffer)

    def _receive(self, frame: Frame) -> None:
        if not self.enabled:
            blank = frame.black() if isinstance(frame, VideoFrame) else frame.silence()
            frame.close()
            frame = blank
        with self._lock:  # a snapshot: a reader may detach (cancel) meanwhile
            consumers = list(self._consumers)
        if not consumers:
            frame.close()
            return
        for buffer in consumers[:-1]:
            buffer.put(frame.clone())
        consumers[-1].put(frame)

    def __repr__(self) -> str:
        return f"<MediaStreamTrack {self.kind} {self.label!r} {self.ready_state}>"


class MediaStreamTrackProcessor:
    """Reads a track as a stream of frames: ``for frame in processor.readable``.

    ``max_buffer_size`` bounds the frames held for a slow reader: live sources drop the
    oldest (counted in :attr:`dropped`); file and pipe sources wait instead. The default is 1
    for live video, 10 for live audio and 8 otherwise.
    """

    def __init__(self, track: MediaStreamTrack, *, max_buffer_size: int | None = None) -> None:
        if not isinstance(track, MediaStreamTrack):
            raise TypeError("MediaStreamTrackProcessor needs a MediaStreamTrack")
        if max_buffer_size is None:
            max_buffer_size = (1 if track.kind == "video" else 10) if track.live else 8
        self.track = track
        self._buffer = FrameBuffer(max_buffer_size, drop_oldest=track.live)
        track._attach(self._buffer)

    @property
    def max_buffer_size(self) -> int:
        return self._buffer.max_size

    @property
    def dropped(self) -> int:
        """Frames discarded because the reader was slower than a live source."""
        return self._buffer.dropped

    def read(self, timeout: float | None = None) -> Frame | None:
        """The next frame (the caller owns and closes it), or None at the end of the track."""
        return self._buffer.get(timeout)

    @property
    def readable(self) -> _Readable:
        """The frames, in order, until the track ends: ``for frame in processor.readable``,
        or ``async for`` in a coroutine (the wait happens in a worker thread)."""
        return _Readable(self._buffer)

    def cancel(self) -> None:
        """Stop reading: queued frames are closed and the track no longer feeds this reader."""
        self.track._detach(self._buffer)
        self._buffer.end(discard=True)


class _Readable:
    """The readable side of a processor: iterate it with ``for`` or ``async for``."""

    #: How long one wait of ``async for`` in a worker thread lasts before it looks again.
    POLL_S = 0.05

    def __init__(self, buffer: FrameBuffer) -> None:
        self._buffer = buffer

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self._buffer.get()
            if frame is None:
                return
            yield frame

    async def __aiter__(self) -> AsyncIterator[Frame]:
        import asyncio

        buffer = self._buffer
        while True:
            # short waits, so that a cancelled reader leaves no thread blocked for long
            frame = buffer.get(0)
            if frame is None:
                frame = await asyncio.to_thread(buffer.get, self.POLL_S)
            else:
                await asyncio.sleep(0)  # let the loop's other tasks run between frames
            if frame is not None:
                yield frame
            elif buffer.finished:
                return


class _Writable:
    """The writable side of a generator: ``write(frame)`` and ``close()``."""

    def __init__(self, generator: MediaStreamTrackGenerator) -> None:
        self._generator = generator

    def write(self, frame: Frame) -> None:
        """Send ``frame`` to every track of the generator; the write closes it.

        Raises ``TypeError`` for a frame of the wrong kind, a closed frame or a non-frame, and
        :class:`~mstg.errors.InvalidStateError` (leaving the frame open) once every track fed
        by the generator has ended.
        """
        generator = self._generator
        expected = _FRAME_TYPES[generator.kind]
        if not isinstance(frame, expected):
            raise TypeError(f"a {generator.kind} generator takes {expected.__name__}, "
                            f"not {type(frame).__name__}")
        if frame.closed:
            raise TypeError("cannot write a closed frame")
        source = generator._source
        if source.ended.is_set():
            raise InvalidStateError("the generator's tracks have all ended")
        if source.muted:
            frame.close()
            return
        source.deliver(frame)

    async def awrite(self, frame: Frame) -> None:
        """:meth:`write` for a coroutine: a file or pipe pipeline may make a write wait until
        its reader catches up, and that wait happens in a worker thread."""
        import asyncio

        await asyncio.to_thread(self.write, frame)

    def close(self) -> None:
        """No more frames: every track fed by the generator ends."""
        self._generator._source.end()

    def __enter__(self) -> _Writable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _GeneratorSource(TrackSource):
    muted = False


class MediaStreamTrackGenerator(MediaStreamTrack):
    """A track whose frames the program writes: ``generator.writable.write(frame)``.

    ``muted = True`` drops every written frame; ``clone()`` gives another track fed by the same
    writes (one source, several consumers); the writable closes when the generator and all
    its clones have stopped.
    """

    def __init__(self, kind: str, *, live: bool = False, label: str = "") -> None:
        super().__init__(_GeneratorSource(kind, live=live), label=label)
        self.writable = _Writable(self)

    @property
    def muted(self) -> bool:  # type: ignore[override]
        return self._source.muted  # type: ignore[attr-defined, no-any-return]

    @muted.setter
    def muted(self, value: bool) -> None:
        self._source.muted = bool(value)  # type: ignore[attr-defined]
