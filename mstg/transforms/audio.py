"""Built-in audio transforms: gain, mute, mono, resample and level.

Each works on planar float samples (``fltp``): an array of shape (channels, samples), full
scale at 1.0.

>>> import numpy as np
>>> Gain(db=6.0206).process(np.full((1, 4), 0.25, np.float32), None).round(3).tolist()
[[0.5, 0.5, 0.5, 0.5]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..frames import AudioData
from .base import Transform
from .params import validate_params

#: dBFS reported for digital silence (JSON has no -infinity).
SILENCE_DB = -120.0


@dataclass
class Gain(Transform):
    """Louder or quieter by ``db`` decibels (+6.02 dB doubles the amplitude).

    Example: ``mstg run -i talk.mp4 -t "gain:db=-6" -o quieter.mp4``
    """

    name = "gain"
    summary = "Change the volume by a number of decibels."
    kind = "audio"
    sample_format = "fltp"

    db: float = field(default=0.0, metadata={"help": "Gain in dB (negative: quieter).",
                                              "min": -120.0, "max": 60.0})

    def __post_init__(self) -> None:
        validate_params(self)
        self._factor = np.float32(10.0 ** (self.db / 20.0))

    def process(self, samples: np.ndarray, frame: Any) -> np.ndarray:
        if samples.flags.writeable:
            return np.multiply(samples, self._factor, out=samples)
        return samples * self._factor


@dataclass
class Mute(Transform):
    """Silence: every sample becomes 0 (the track keeps its timing and layout).

    Example: ``mstg run -i talk.mp4 -t mute -o silent.mp4``
    """

    name = "mute"
    summary = "Silence the audio."
    kind = "audio"
    sample_format = "fltp"

    def process(self, samples: np.ndarray, frame: Any) -> np.ndarray:
        if samples.flags.writeable:
            samples.fill(0.0)
            return samples
        return np.zeros_like(samples)


@dataclass
class Mono(Transform):
    """Downmix to the mean of all channels; ``channels=2`` puts that mix in both channels.

    Example: ``mstg run -i stereo.wav -t mono -o mono.wav``
    """

    name = "mono"
    summary = "Downmix every channel into one (or the same mix in two)."
    kind = "audio"
    sample_format = "fltp"

    channels: int = field(default=1, metadata={"help": "Output channels carrying the mix.",
                                               "choices": (1, 2)})

    def __post_init__(self) -> None:
        validate_params(self)
        if self.channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, not {self.channels}")

    def setup(self, settings: dict[str, Any]) -> None:
        settings["channel_count"] = self.channels

    def process(self, samples: np.ndarray, frame: Any) -> np.ndarray:
        mix = samples.mean(axis=0, dtype=np.float32, keepdims=True)
        return np.repeat(mix, 2, axis=0) if self.channels == 2 else mix


@dataclass
class Resample(Transform):
    """A new sample rate (FFmpeg's resampler); duration and pitch stay the same.

    Every output frame holds exactly the samples of its input frame's time span, so the
    timestamps stay continuous (the resampler's own delay, under a millisecond, is
    filled with silence at the start).

    Example: ``mstg run -i in.wav -t "resample:rate=16000" -o speech.wav``
    """

    name = "resample"
    summary = "Change the sample rate."
    kind = "audio"
    sample_format = "fltp"

    rate: int = field(default=48000, metadata={"help": "Output sample rate in Hz.",
                                                "min": 1000, "max": 384000})

    def __post_init__(self) -> None:
        validate_params(self)
        self._resampler: Any = None
        self._key: tuple[int, int] | None = None
        self._fifo = np.zeros((0, 0), np.float32)
        self._in_total = 0
        self._out_total = 0

    def setup(self, settings: dict[str, Any]) -> None:
        settings["sample_rate"] = self.rate

    def process(self, samples: np.ndarray, frame: AudioData) -> Any:
        if frame.sample_rate == self.rate and self._resampler is None:
            return frame
        key = (frame.sample_rate, samples.shape[0])
        if key != self._key:
            self._start(key, frame.layout)
        produced = self._resample(samples, frame.sample_rate, frame.layout)
        self._in_total += samples.shape[1]
        due = self._in_total * self.rate // frame.sample_rate - self._out_total
        self._fifo = produced if self._fifo.shape[1] == 0 else np.concatenate((self._fifo, produced), 1)
        short = due - self._fifo.shape[1]
        if short > 0:  # the resampler's delay, at the very start
            self._fifo = np.concatenate((np.zeros((key[1], short), np.float32), self._fifo), 1)
        out, self._fifo = self._fifo[:, :due], self._fifo[:, due:]
        self._out_total += due
        return frame.with_samples(np.ascontiguousarray(out), "fltp", sample_rate=self.rate)

    def _start(self, key: tuple[int, int], layout: str) -> None:
        import av

        self._key = key
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=self.rate)
        self._fifo = np.zeros((key[1], 0), np.float32)
        self._in_total = self._out_total = 0

    def _resample(self, samples: np.ndarray, rate: int, layout: str) -> np.ndarray:
        import av

        channels = samples.shape[0]
        source = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32),
                                            format="fltp", layout=layout)
        source.sample_rate = rate
        source.pts = self._in_total
        source.time_base = Fraction(1, rate)
        parts = [f.to_ndarray() for f in self._resampler.resample(source)]
        if not parts:
            return np.zeros((channels, 0), np.float32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)


@dataclass
class Level(Transform):
    """Measures the level: a ``level`` event every ``interval`` seconds with the RMS and
    the peak of each channel in dBFS (-120 is silence). The audio passes unchanged.

    Example: ``mstg run -i talk.mp4 -t "level:interval=0.5" -o null --events -``
    """

    name = "level"
    summary = "Report RMS and peak levels (dBFS) as events."
    kind = "audio"
    sample_format = "fltp"

    interval: float = field(default=1.0, metadata={"help": "Seconds per measurement.",
                                                    "min": 0.01, "max": 3600.0})

    def __post_init__(self) -> None:
        validate_params(self)
        if not self.interval > 0:
            raise ValueError(f"interval must be positive, not {self.interval}")
        self._squares: np.ndarray | None = None
        self._peaks: np.ndarray | None = None
        self._count = 0
        self._start_us: int | None = None
        self._start_frame: int | None = None
        self._rate = 0
        self._seen = 0
        self._anchor: tuple[int, int] | None = None

    def process(self, samples: np.ndarray, frame: AudioData) -> AudioData:
        rate = frame.sample_rate
        if self._rate != rate or self._squares is None or self._squares.shape[0] != samples.shape[0]:
            self._emit_window()
            self._reset(samples.shape[0], rate)
            self._anchor = None
        self._align(frame)
        window = max(1, round(self.interval * rate))
        pos = 0
        while pos < samples.shape[1]:
            if self._start_us is None:
                self._start_us, self._start_frame = self._time_us(pos), frame.index
            take = min(window - self._count, samples.shape[1] - pos)
            self._add(samples[:, pos:pos + take])
            pos += take
            if self._count >= window:
                self._emit_window()
        self._seen += samples.shape[1]
        return frame

    def _align(self, frame: AudioData) -> None:
        """Times come from a sample count since the first frame, exact to the sample; a
        gap of more than 2 ms (a dropped frame) starts the count again from that frame."""
        if self._anchor is None or abs(self._time_us(0) - frame.timestamp) > 2000:
            self._anchor = (frame.timestamp, self._seen)

    def _time_us(self, pos: int) -> int:
        assert self._anchor is not None
        start_us, start_sample = self._anchor
        return start_us + round((self._seen + pos - start_sample) * 1_000_000 / self._rate)

    def flush(self) -> list[Any]:
        self._emit_window()
        return []

    def _reset(self, channels: int, rate: int) -> None:
        self._squares = np.zeros(channels, np.float64)
        self._peaks = np.zeros(channels, np.float64)
        self._count, self._start_us, self._rate = 0, None, rate

    def _add(self, part: np.ndarray) -> None:
        assert self._squares is not None and self._peaks is not None
        self._squares += np.einsum("ij,ij->i", part, part, dtype=np.float64)
        np.maximum(self._peaks, np.abs(part).max(axis=1), out=self._peaks)
        self._count += part.shape[1]

    def _emit_window(self) -> None:
        if not self._count or self._squares is None or self._peaks is None:
            return
        rms = np.sqrt(self._squares / self._count)
        self.emit({"timestamp": self._start_us, "frame": self._start_frame,
                   "duration": round(self._count / self._rate, 6),
                   "channels": len(rms), "rms": [_dbfs(v) for v in rms],
                   "peak": [_dbfs(v) for v in self._peaks]})
        self._reset(len(rms), self._rate)


def _dbfs(value: float) -> float:
    return round(max(SILENCE_DB, 20.0 * math.log10(value)) if value > 0 else SILENCE_DB, 2)
