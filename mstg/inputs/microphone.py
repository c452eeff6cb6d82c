"""Microphones: ``mic0`` (the default input), ``mic1``... (hardware), ``mic:NAME`` (any ALSA name).

Linux reads ALSA through the system's libasound (so ``default`` reaches PulseAudio or
PipeWire where they run); macOS and Windows go through FFmpeg's AVFoundation and
DirectShow devices. Sound comes in blocks of 20 ms, stamped by the samples counted::

    mstg run -i mic0 -t "gain:db=6" -o speaker
    mstg run -i mic:hw:1 --sample-rate 16000 --channels 1 -o voice.wav
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import DeviceError, InputError, InputNotFoundError, UsageError
from ..frames import AudioData
from ..lazy import lazy_module
from .base import Frame, Input
from .media import MediaInput

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

_INDEX = re.compile(r"^mic(\d*)$")
US = 1_000_000


def is_microphone_spec(spec: str) -> bool:
    """``mic``, ``micN`` or ``mic:NAME``."""
    return bool(_INDEX.match(spec)) or spec.startswith("mic:")


def alsa_name(spec: str) -> str:
    """The ALSA device a microphone spec names: ``mic0`` -> ``default``, ``mic:hw:1`` -> ``hw:1``."""
    if spec.startswith("mic:"):
        name = spec[len("mic:"):]
        if not name:
            raise UsageError("mic: needs a device name, e.g. mic:default or mic:hw:1")
        return name
    from ..alsa import capture_devices

    match = _INDEX.match(spec)
    number = int(match.group(1) or 0) if match else 0
    devices = capture_devices()
    if number < len(devices):
        return devices[number].alsa_name
    names = ", ".join(f"{d.spec} ({d.label})" for d in devices)
    raise DeviceError(f"no microphone {spec}: microphones here: {names}",
                      hint="'mstg devices' lists the microphones")


class MicrophoneInput(Input):
    """A live ALSA capture device (Linux), read in ``block`` second pieces.

    Timestamps count samples from the first one read, so they stay exact however late the
    reader is; a slow reader makes blocks drop (counted), never the device overrun.

    >>> mic = MicrophoneInput("mic0", sample_rate=16000, channels=1)  # doctest: +SKIP
    >>> mic.audio.kind  # doctest: +SKIP
    'audio'
    """

    live = True

    def __init__(self, spec: str = "mic0", *, sample_rate: int | None = None,
                 channels: int | None = None, duration: float | None = None,
                 block: float = 0.02, latency: float = 0.1) -> None:
        # Pacing to the timestamps is a no-op for a real device (it never runs ahead of the
        # clock) and keeps a clockless one (ALSA's null and file plugins) at real speed.
        super().__init__(spec, duration=duration, realtime=True)
        from ..alsa import Pcm

        self.device = alsa_name(spec)
        self.pcm = Pcm(self.device, capture=True, sample_rate=sample_rate or 48000,
                       channels=channels or 2, latency=latency)
        self.sample_rate, self.channels = self.pcm.sample_rate, self.pcm.channels
        self.block = max(1, int(round(self.sample_rate * block)))
        self._audio = self._add_source("audio", f"{spec} ({self.device})")

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        read = 0
        index = 0
        while not self.stopping:
            samples = self.pcm.read(self.block)
            captured = time.monotonic()
            planar = np.ascontiguousarray(samples.T)
            frame = AudioData.from_ndarray(planar, sample_rate=self.sample_rate, format="s16p",
                                           timestamp=read * US // self.sample_rate, index=index,
                                           capture_time=captured)
            read += self.block
            index += 1
            yield self._audio, frame

    def stop(self) -> None:
        super().stop()
        if self._thread is None:  # never started: nothing else will release the device
            self.pcm.close()

    def _close(self) -> None:
        self.pcm.close()


class FFmpegMicrophoneInput(MediaInput):
    """A microphone through FFmpeg's AVFoundation (macOS) or DirectShow (Windows) device."""

    live = True

    def __init__(self, spec: str, *, sample_rate: int | None = None, channels: int | None = None,
                 duration: float | None = None, platform: str | None = None) -> None:
        platform = platform or sys.platform
        match = _INDEX.match(spec)
        name = spec[len("mic:"):] if spec.startswith("mic:") else None
        options: dict[str, str] = {}
        if sample_rate:
            options["sample_rate"] = str(sample_rate)
        if channels:
            options["channels"] = str(channels)
        if platform == "darwin":
            url, format = f":{name if name is not None else int(match.group(1) or 0) if match else 0}", \
                "avfoundation"
        elif platform.startswith("win"):
            if name is None:
                raise UsageError("on Windows, name the microphone: -i 'mic:Microphone (USB Audio)'",
                                 hint="'mstg devices' lists the microphones")
            url, format = f"audio={name}", "dshow"
        else:
            raise DeviceError(f"microphones are not supported on {platform}")
        try:
            super().__init__(url, format=format, options=options, video_track=None,
                             duration=duration, live=True, label=spec)
        except (InputNotFoundError, InputError) as exc:
            raise DeviceError(str(exc), hint="'mstg devices' lists the microphones") from exc


def open_microphone(spec: str, *, sample_rate: int | None = None, channels: int | None = None,
                    duration: float | None = None) -> Input:
    """The microphone ``spec`` names, on this platform."""
    if sys.platform.startswith("linux"):
        return MicrophoneInput(spec, sample_rate=sample_rate, channels=channels, duration=duration)
    return FFmpegMicrophoneInput(spec, sample_rate=sample_rate, channels=channels, duration=duration)
