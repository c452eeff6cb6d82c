"""``speaker``: sound played on the default output, or ``speaker:NAME`` (an ALSA device name).

Linux plays through the system's ALSA library (so ``default`` reaches PulseAudio or
PipeWire where they run), with a short device buffer (0.1 s) so that what is heard stays
close to what was captured::

    mstg run -i mic0 -t "gain:db=6" -o speaker
    mstg run -i talk.mp4 -o speaker:plughw:1,0
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..errors import DeviceError
from ..frames import AudioData
from ..tracks import MediaStreamTrackProcessor
from .live import US, LiveOutput, PlaybackClock


class SpeakerOutput(LiveOutput):
    """Plays the audio track; keeps ``clock`` (what is heard now) for a window to follow.

    The device is opened at the first frame's sample rate, in stereo (mono stays mono);
    other rates and layouts that come later are converted. ``on_play(timestamp_us,
    duration_us, heard_at)`` is called after each write with when its first sample will be
    heard (``time.monotonic()``).

    >>> out = SpeakerOutput("default")  # doctest: +SKIP
    """

    name = "speaker"
    wants = ("audio",)
    latency_kind = "audio"

    def __init__(self, device: str = "default", *, clock: PlaybackClock | None = None,
                 latency: float = 0.1, on_play: Callable[[int, int, float], None] | None = None,
                 check_now: bool = True) -> None:
        super().__init__()
        if check_now:  # fail before anything runs (``play`` waits: its input may have no sound)
            self._check()
        self.device = device
        self.name = "speaker" if device == "default" else f"speaker:{device}"
        self.clock = clock or PlaybackClock()
        self.latency = latency
        self.on_play = on_play
        #: Called with each frame before it is played; may wait (``play`` holds sound back
        #: until the pictures that go with it have come).
        self.before_play: Callable[[AudioData], None] | None = None
        self._pcm: Any = None
        self._resampler: Any = None

    @staticmethod
    def _check() -> None:
        if not sys.platform.startswith("linux"):
            raise DeviceError(f"the speaker output needs ALSA (Linux); not available on {sys.platform}",
                              hint="write a file, or pipe to a player: -o - | ffplay -")
        from ..alsa import library

        library()  # no libasound: DeviceError

    def _open(self, first: AudioData) -> tuple[Any, Any]:
        from ..alsa import Pcm

        self._check()

        channels = 1 if first.number_of_channels == 1 else 2
        self._pcm = Pcm(self.device, capture=False, sample_rate=first.sample_rate, channels=channels,
                        latency=self.latency)
        return self._pcm, self._new_resampler(self._pcm)

    @staticmethod
    def _new_resampler(pcm: Any) -> Any:
        import av

        layout = "mono" if pcm.channels == 1 else "stereo"
        return av.AudioResampler(format="s16", layout=layout, rate=pcm.sample_rate)

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        pcm = None
        for frame in processor.readable:
            try:
                if pcm is None:
                    pcm, self._resampler = self._open(frame)
                if self.before_play is not None:
                    self.before_play(frame)
                self._play(pcm, self._resampler, frame)
            finally:
                frame.close()
            if self._aborted.is_set():
                break

    def _play(self, pcm: Any, resampler: Any, frame: AudioData) -> None:
        with self.encode_lock:  # a decoded frame may be shared with other outputs
            av_frame = frame.to_av()
            av_frame.pts = frame.timestamp * frame.sample_rate // US
            av_frame.time_base = Fraction(1, frame.sample_rate)
            try:
                chunks = resampler.resample(av_frame)
            except ValueError:  # the rate or layout changed mid-stream: start a new converter
                resampler = self._resampler = self._new_resampler(pcm)
                chunks = resampler.resample(av_frame)
        for chunk in chunks:
            pcm.write(chunk.to_ndarray().reshape(-1, pcm.channels))
        delay_s = pcm.delay() / pcm.sample_rate
        end_us = frame.timestamp + frame.duration
        self.clock.update(position_us=end_us - int(delay_s * US), written_end_us=end_us,
                          running=pcm.running)
        self._record_latency(frame, extra_s=delay_s)
        self.frames_written["audio"] += 1
        if self.on_play is not None:
            heard_at = time.monotonic() + delay_s - frame.duration / US
            self.on_play(frame.timestamp, frame.duration, heard_at)

    def _finish(self) -> None:
        pcm, self._pcm = self._pcm, None
        if pcm is not None:
            pcm.close(drain=not self._aborted.is_set())
        self.clock.finish()
