"""``play``: a window and the speaker at once, the picture kept in step with the sound.

The speaker's clock is the master: each picture is shown when its sound is heard (within
one frame), late pictures are skipped, and a file is paced to its timestamps::

    mstg run -i talk.mp4 -o play
    mstg run -i cam0 -i mic0 -t barcode -o play
"""

from __future__ import annotations

from collections.abc import Callable

from ..tracks import MediaStreamTrack, MediaStreamTrackProcessor
from .live import LiveOutput, PlaybackClock
from .speaker import SpeakerOutput
from .window import WindowOutput


class PlayOutput(LiveOutput):
    """A :class:`WindowOutput` and a :class:`SpeakerOutput` sharing one :class:`PlaybackClock`.

    Without sound (a video-only input) the window shows frames as they come.

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
        self.window = WindowOutput(title, clock=self.clock, on_present=on_present)
        self.speaker = SpeakerOutput(device, clock=self.clock, on_play=on_play)
        for part in (self.window, self.speaker):
            part.frames_written = self.frames_written
            part.request_stop = self._ask_to_stop

    def attach(self, track: MediaStreamTrack, *, max_buffer_size: int | None = None) -> None:
        super().attach(track, max_buffer_size=max_buffer_size)
        if track.kind in self.processors:  # a part reads through the same processor
            part = self.window if track.kind == "video" else self.speaker
            part.processors[track.kind] = self.processors[track.kind]

    def start(self) -> None:
        if "audio" not in self.processors:
            self.window.clock = None
        super().start()

    def abort(self) -> None:
        self.window._aborted.set()
        self.speaker._aborted.set()
        super().abort()

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        if kind == "video":
            self.window.latencies_ms = self.latencies_ms
            self.window._consume(kind, processor)
        else:
            self.speaker.encode_lock = self.encode_lock
            self.speaker._consume(kind, processor)

    def _finish(self) -> None:
        self.speaker._finish()
        self.window._finish()

    @property
    def late_frames(self) -> int:
        return self.window.late_frames
