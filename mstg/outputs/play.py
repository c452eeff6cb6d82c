"""``play``: a window and the speaker at once, the picture kept in step with the sound.

The speaker's clock is the master: each picture is shown when its sound is heard (within
one frame) and late pictures are skipped. Sound that comes before its pictures (a video
decoder or a transform holds pictures back) waits for them, so that no picture is late
for its sound. A file is paced to its timestamps::

    mstg run -i talk.mp4 -o play
    mstg run -i cam0 -i mic0 -t barcode -o play
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable

from ..context import RunContext
from ..frames import AudioData
from ..tracks import MediaStreamTrack, MediaStreamTrackProcessor
from .live import US, Frame, LiveOutput, PlaybackClock
from .speaker import SpeakerOutput
from .window import WindowOutput

#: Pictures whose lateness says how much the sound waits.
LAG_FRAMES = 25
#: Sound waits at most this long for its pictures (a stalled video never silences it).
MAX_HOLD_S = 0.5


class VideoLag:
    """How late pictures come compared with their timestamps: the least over recent frames
    (jitter makes some later; the decoder's and the transforms' delay is the floor)."""

    def __init__(self) -> None:
        self._lags: deque[float] = deque(maxlen=LAG_FRAMES)
        self.seen = False

    def saw(self, frame: Frame) -> None:
        self._lags.append(time.monotonic() - frame.timestamp / US)
        self.seen = True

    @property
    def lag(self) -> float | None:
        return min(self._lags) if self._lags else None


class PlayOutput(LiveOutput):
    """A :class:`WindowOutput` and a :class:`SpeakerOutput` sharing one :class:`PlaybackClock`.

    Without sound (a video-only input) the window shows frames as they come; without
    pictures, the speaker plays alone.

    >>> out = PlayOutput()  # doctest: +SKIP
    >>> out.window, out.speaker  # doctest: +SKIP
    """

    name = "play"
    wants = ("video", "audio")

    def __init__(self, device: str = "default", *, title: str = "mstg",
                 on_present: Callable[[int, float], None] | None = None,
                 on_play: Callable[[int, int, float], None] | None = None) -> None:
        super().__init__()
        self.clock = PlaybackClock()
        self.speaker = SpeakerOutput(device, clock=self.clock, on_play=on_play, check_now=False)
        self.window = WindowOutput(title, clock=self.clock, on_present=on_present)
        self.video_lag = VideoLag()
        self.window.on_arrival = self.video_lag.saw
        self.speaker.before_play = self._hold_sound
        for part in (self.window, self.speaker):
            part.frames_written = self.frames_written

    def attach(self, track: MediaStreamTrack, *, max_buffer_size: int | None = None) -> None:
        super().attach(track, max_buffer_size=max_buffer_size)
        if track.kind in self.processors:  # a part reads through the same processor
            part = self.window if track.kind == "video" else self.speaker
            part.processors[track.kind] = self.processors[track.kind]

    def start(self, context: RunContext | None = None) -> None:
        if "audio" not in self.processors:
            self.window.clock = None
        # the parts present what this output is given: one latency sink, one stop, one lock
        given = context or self.context
        self.window.context = given
        self.speaker.context = dataclasses.replace(given, latencies_ms=None)  # the window measures
        super().start(context)

    def abort(self) -> None:
        self.window._aborted.set()
        self.speaker._aborted.set()
        super().abort()

    def _hold_sound(self, frame: AudioData) -> None:
        """Wait until the pictures that go with ``frame`` have come (at most MAX_HOLD_S)."""
        video = self.processors.get("video")
        if video is None:
            return
        began = time.monotonic()
        while not self._aborted.is_set():
            lag = self.video_lag.lag
            now = time.monotonic()
            if lag is None:  # no picture yet: wait for the first, a while
                if video.track.ready_state == "ended" or now - began > MAX_HOLD_S:
                    return
                self._aborted.wait(0.005)
                continue
            wait = lag - (now - (frame.timestamp + frame.duration) / US)  # its last sample
            if wait <= 0 or now - began > MAX_HOLD_S:
                return
            self._aborted.wait(min(wait, MAX_HOLD_S - (now - began)))

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        if kind == "video":
            self.window._consume(kind, processor)
        else:
            self.speaker._consume(kind, processor)

    def _finish(self) -> None:
        self.speaker._finish()
        self.window._finish()

    @property
    def late_frames(self) -> int:
        return self.window.late_frames
