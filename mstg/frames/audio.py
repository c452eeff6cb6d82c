"""WebCodecs' ``AudioData`` (samples) and ``EncodedAudioChunk`` (a packet for a stream copy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lazy import lazy_module
from .base import _INT_SCALE, SAMPLE_FORMATS, US, _EncodedChunk, _Frame

if TYPE_CHECKING:  # pragma: no cover
    import av
    import numpy as np
else:
    np = lazy_module("numpy")


class AudioData(_Frame):
    """A run of audio samples with its timing, like WebCodecs' ``AudioData``.

    >>> import numpy as np
    >>> a = AudioData.from_ndarray(np.zeros((2, 480), np.float32), sample_rate=48000, timestamp=0)
    >>> a.number_of_channels, a.number_of_frames, a.duration
    (2, 480, 10000)
    """

    __slots__ = ("format", "sample_rate", "number_of_channels", "number_of_frames", "layout")
    _av: av.AudioFrame | None

    def __init__(self, *, format: str, sample_rate: int, number_of_channels: int,
                 number_of_frames: int, timestamp: int, layout: str | None = None,
                 index: int | None = None, capture_time: float | None = None) -> None:
        self.format = format
        self.sample_rate = int(sample_rate)
        self.number_of_channels = int(number_of_channels)
        self.number_of_frames = int(number_of_frames)
        self.layout = layout or {1: "mono", 2: "stereo"}.get(number_of_channels, f"{number_of_channels}c")
        super().__init__(timestamp=timestamp, index=index, capture_time=capture_time,
                         duration=number_of_frames * US // self.sample_rate if self.sample_rate else 0)

    @classmethod
    def from_av(cls, frame: av.AudioFrame, *, timestamp: int, index: int | None = None,
                capture_time: float | None = None) -> AudioData:
        """Wrap a decoded PyAV audio frame without copying its samples."""
        out = cls(format=frame.format.name, sample_rate=frame.sample_rate,
                  number_of_channels=len(frame.layout.channels), number_of_frames=frame.samples,
                  layout=frame.layout.name, timestamp=timestamp, index=index,
                  capture_time=capture_time)
        out._av = frame
        return out

    @classmethod
    def from_ndarray(cls, array: np.ndarray, *, sample_rate: int, timestamp: int,
                     format: str = "fltp", layout: str | None = None, index: int | None = None,
                     capture_time: float | None = None) -> AudioData:
        """Wrap samples: ``fltp``/``s16p`` are ``(channels, samples)``, ``flt`` is ``(samples, channels)``."""
        if format not in SAMPLE_FORMATS:
            raise ValueError(f"unknown sample format {format!r}; use one of {', '.join(SAMPLE_FORMATS)}")
        want = np.int16 if format == "s16p" else np.float32
        if array.dtype != want or array.ndim != 2:
            raise TypeError(f"{format} samples are a 2-D {np.dtype(want).name} array, "
                            f"got {array.dtype} {array.shape}")
        channels, samples = (array.shape[1], array.shape[0]) if format == "flt" else array.shape
        out = cls(format=format, sample_rate=sample_rate, number_of_channels=channels,
                  number_of_frames=samples, layout=layout, timestamp=timestamp, index=index,
                  capture_time=capture_time)
        out._cache[format] = array
        return out

    def with_samples(self, array: np.ndarray, format: str, sample_rate: int | None = None) -> AudioData:
        """A new frame with these samples and this frame's timing (used by the pipeline)."""
        channels = array.shape[1] if format == "flt" else array.shape[0]
        layout = self.layout if channels == self.number_of_channels else None
        out = AudioData.from_ndarray(array, sample_rate=sample_rate or self.sample_rate,
                                     timestamp=self.timestamp, format=format, layout=layout)
        out.index, out.capture_time = self.index, self.capture_time
        return out

    def to_ndarray(self, format: str = "fltp") -> np.ndarray:
        """The samples in ``format`` (one of :data:`SAMPLE_FORMATS`), converted once and cached."""
        self._check_open()
        cached = self._cache.get(format)
        if cached is None:
            cached = self._cache[format] = self._convert(format)
        return cached

    def _convert(self, format: str) -> np.ndarray:
        if format not in SAMPLE_FORMATS:
            raise ValueError(f"unknown sample format {format!r}; use one of {', '.join(SAMPLE_FORMATS)}")
        if self._av is not None:
            planar = self._planar_float_from_av(self._av)
        else:
            source_format, source = next(iter(self._cache.items()))
            if source_format == "s16p":
                planar = source.astype(np.float32) / 32768.0
            elif source_format == "flt":
                planar = np.ascontiguousarray(source.T)
            else:
                planar = source
        if format == "fltp":
            return planar
        if format == "flt":
            return np.ascontiguousarray(planar.T)
        return (np.clip(planar, -1.0, 32767 / 32768) * 32768).astype(np.int16)

    def _planar_float_from_av(self, frame: av.AudioFrame) -> np.ndarray:
        data = frame.to_ndarray()
        if not frame.format.is_planar:
            data = data.reshape(-1, self.number_of_channels).T
        base = frame.format.name.removesuffix("p")
        if base == "u8":
            return (data.astype(np.float32) - 128.0) / 128.0
        scale = _INT_SCALE.get(base)
        if scale is None:
            return np.ascontiguousarray(data, dtype=np.float32)
        return (data / scale).astype(np.float32)

    def to_av(self) -> av.AudioFrame:
        """A PyAV frame for encoding (the decoded one itself when the samples are unchanged)."""
        self._check_open()
        import av

        if self._av is not None:
            return self._av
        planar = np.ascontiguousarray(self.to_ndarray("fltp"))
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=self.layout)
        frame.sample_rate = self.sample_rate
        return frame

    def clone(self) -> AudioData:
        """A second handle on the same samples (no copy)."""
        self._check_open()
        out = AudioData(format=self.format, sample_rate=self.sample_rate,
                        number_of_channels=self.number_of_channels,
                        number_of_frames=self.number_of_frames, layout=self.layout,
                        timestamp=self.timestamp)
        self._copy_timing(out)
        out._av = self._av
        out._cache = self._cache
        return out

    def silence(self) -> AudioData:
        """Silence of the same length, layout and timing (what a disabled track plays)."""
        out = AudioData.from_ndarray(
            np.zeros((self.number_of_channels, self.number_of_frames), np.float32),
            sample_rate=self.sample_rate, timestamp=self.timestamp, layout=self.layout)
        self._copy_timing(out)
        return out

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return (f"<AudioData {self.number_of_frames} samples {self.sample_rate} Hz "
                f"{self.layout} t={self.timestamp}us{state}>")


class EncodedAudioChunk(_EncodedChunk, AudioData):
    """Audio that stays encoded: one packet of an input's audio track, for a stream copy
    (``--audio-codec copy``), like WebCodecs' ``EncodedAudioChunk``.

    It travels through the tracks where an :class:`AudioData` does (same timing, sample rate
    and channel count) but has no samples: ``to_ndarray`` and ``to_av`` raise. ``packet`` is the
    PyAV packet with its timestamps already rebased like the decoded frames' (in its own
    ``time_base``); ``template`` is the input stream it came from, whose codec parameters the
    output copies.
    """

    __slots__ = ("packet", "template")
    _kind, _content, _copy_flag = "audio", "samples", "--audio-codec copy"

    def __init__(self, packet: av.Packet, template: Any, *, timestamp: int, sample_rate: int,
                 number_of_channels: int, number_of_frames: int, layout: str | None = None,
                 index: int | None = None, capture_time: float | None = None) -> None:
        super().__init__(format="encoded", sample_rate=sample_rate,
                         number_of_channels=number_of_channels, number_of_frames=number_of_frames,
                         timestamp=timestamp, layout=layout, index=index, capture_time=capture_time)
        self.packet: av.Packet | None = packet
        self.template = template

    def clone(self) -> EncodedAudioChunk:
        """A second handle on the same packet (no copy)."""
        self._check_open()
        out = EncodedAudioChunk(self.packet, self.template, timestamp=self.timestamp,  # type: ignore[arg-type]
                                sample_rate=self.sample_rate,
                                number_of_channels=self.number_of_channels,
                                number_of_frames=self.number_of_frames, layout=self.layout)
        self._copy_timing(out)
        return out

    def _repr_detail(self) -> str:
        return f" d={self.duration}"
