"""ALSA capture and playback through the system's ``libasound`` (Linux microphones and speakers).

PyAV's wheels carry their own libasound, built to look for its configuration under a
folder that does not exist on users' machines: through it, ``default`` and every plugin
(PulseAudio, PipeWire, dmix) are unknown. The system library reads the system's
configuration and plugins, so mstg talks to it directly, with a handful of calls.

>>> pcm = Pcm("null", capture=False, sample_rate=48000, channels=2)  # doctest: +SKIP
>>> pcm.write(np.zeros((480, 2), np.int16)); pcm.close()  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DeviceError

_STREAM_PLAYBACK, _STREAM_CAPTURE = 0, 1
_FORMAT_S16_LE = 2
_ACCESS_RW_INTERLEAVED = 3
_STATE_RUNNING = 3
_EPIPE, _ESTRPIPE, _EAGAIN, _EINTR = 32, 86, 11, 4
_ENOENT, _EBUSY, _ENODEV = 2, 16, 19

_lib: Any = None
_lib_lock = threading.Lock()
# libasound prints its own errors on stderr unless given a handler; ours drops them (the
# message mstg raises says what went wrong). Kept referenced so it is never collected.
_ERROR_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                       ctypes.c_int, ctypes.c_char_p)
_quiet_handler = _ERROR_HANDLER_TYPE(lambda *args: None)


def library() -> Any:
    """The system's libasound, loaded once; :class:`DeviceError` where there is none."""
    global _lib
    with _lib_lock:
        if _lib is None:
            name = ctypes.util.find_library("asound") or "libasound.so.2"
            try:
                lib = ctypes.CDLL(name)
            except OSError as exc:
                raise DeviceError("ALSA is not available: libasound.so.2 was not found",
                                  hint="install ALSA's library (Debian: apt install libasound2)") from exc
            _declare(lib)
            lib.snd_lib_error_set_handler(_quiet_handler)
            _lib = lib
    return _lib


def _declare(lib: Any) -> None:
    p, c_long, c_ulong, c_uint = ctypes.c_void_p, ctypes.c_long, ctypes.c_ulong, ctypes.c_uint
    signatures = {
        "snd_pcm_open": ([ctypes.POINTER(p), ctypes.c_char_p, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        "snd_pcm_set_params": ([p, ctypes.c_int, ctypes.c_int, c_uint, c_uint, ctypes.c_int, c_uint],
                               ctypes.c_int),
        "snd_pcm_get_params": ([p, ctypes.POINTER(c_ulong), ctypes.POINTER(c_ulong)], ctypes.c_int),
        "snd_pcm_readi": ([p, p, c_ulong], c_long),
        "snd_pcm_writei": ([p, p, c_ulong], c_long),
        "snd_pcm_recover": ([p, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        "snd_pcm_delay": ([p, ctypes.POINTER(c_long)], ctypes.c_int),
        "snd_pcm_state": ([p], ctypes.c_int),
        "snd_pcm_drain": ([p], ctypes.c_int),
        "snd_pcm_drop": ([p], ctypes.c_int),
        "snd_pcm_close": ([p], ctypes.c_int),
        "snd_strerror": ([ctypes.c_int], ctypes.c_char_p),
        "snd_lib_error_set_handler": ([_ERROR_HANDLER_TYPE], ctypes.c_int),
    }
    for name, (args, result) in signatures.items():
        func = getattr(lib, name)
        func.argtypes, func.restype = args, result


def _strerror(code: int) -> str:
    return (library().snd_strerror(code) or b"error").decode(errors="replace")


class Pcm:
    """One open ALSA device: 16-bit interleaved samples, read or written in blocking calls.

    ``latency`` (seconds) is the device buffer ALSA is asked for: what a speaker holds
    ahead of what is heard, or a microphone before it is read.
    """

    def __init__(self, device: str, *, capture: bool, sample_rate: int, channels: int,
                 latency: float = 0.1) -> None:
        lib = library()
        self.device, self.capture = device, capture
        self.sample_rate, self.channels = int(sample_rate), int(channels)
        handle = ctypes.c_void_p()
        role = "microphone" if capture else "speaker"
        code = lib.snd_pcm_open(ctypes.byref(handle), device.encode(),
                                _STREAM_CAPTURE if capture else _STREAM_PLAYBACK, 0)
        if code < 0:
            raise _open_error(role, device, code)
        self._pcm = handle
        code = lib.snd_pcm_set_params(handle, _FORMAT_S16_LE, _ACCESS_RW_INTERLEAVED, self.channels,
                                      self.sample_rate, 1, int(latency * 1_000_000))
        if code < 0:
            lib.snd_pcm_close(handle)
            self._pcm = None
            raise DeviceError(f"{role} {device!r} cannot take {self.sample_rate} Hz, "
                              f"{self.channels} channel(s): {_strerror(code)}",
                              hint="try another --sample-rate or --channels, or the 'plughw:' device")
        buffer_size, period_size = ctypes.c_ulong(), ctypes.c_ulong()
        lib.snd_pcm_get_params(handle, ctypes.byref(buffer_size), ctypes.byref(period_size))
        self.buffer_size, self.period_size = buffer_size.value, period_size.value

    def read(self, frames: int) -> np.ndarray:
        """``frames`` samples per channel, shape ``(frames, channels)`` int16 (blocks until read)."""
        out = np.empty((frames, self.channels), np.int16)
        done = 0
        while done < frames:
            view = out[done:]
            got = library().snd_pcm_readi(self._handle(), view.ctypes.data, frames - done)
            if got < 0:
                self._recover(int(got))
                continue
            done += got
        return out

    def write(self, samples: np.ndarray) -> None:
        """Play ``(frames, channels)`` int16 samples (blocks while the device buffer is full)."""
        samples = np.ascontiguousarray(samples, dtype=np.int16)
        done, total = 0, samples.shape[0]
        while done < total:
            view = samples[done:]
            got = library().snd_pcm_writei(self._handle(), view.ctypes.data, total - done)
            if got < 0:
                self._recover(int(got))
                continue
            done += got

    def delay(self) -> int:
        """Frames between the application and the loudspeaker (or microphone) right now."""
        value = ctypes.c_long()
        if library().snd_pcm_delay(self._handle(), ctypes.byref(value)) < 0:
            return 0
        return max(0, value.value)

    @property
    def running(self) -> bool:
        """True while the device plays (or records): the delay shrinks as time goes."""
        return bool(library().snd_pcm_state(self._handle()) == _STATE_RUNNING)

    def close(self, *, drain: bool = True) -> None:
        """Play what is queued (``drain``) and release the device. Idempotent."""
        handle, self._pcm = self._pcm, None
        if handle is None:
            return
        lib = library()
        if drain and not self.capture:
            lib.snd_pcm_drain(handle)
        else:
            lib.snd_pcm_drop(handle)
        lib.snd_pcm_close(handle)

    def _handle(self) -> ctypes.c_void_p:
        if self._pcm is None:
            raise DeviceError(f"ALSA device {self.device!r} is closed")
        return self._pcm

    def _recover(self, code: int) -> None:
        if code in (-_EAGAIN, -_EINTR):
            return
        if library().snd_pcm_recover(self._handle(), code, 1) < 0:
            raise DeviceError(f"ALSA device {self.device!r} failed: {_strerror(code)}")

    def __enter__(self) -> Pcm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_error(role: str, device: str, code: int) -> DeviceError:
    reason = _strerror(code)
    if -code == _EBUSY:
        return DeviceError(f"{role} {device!r} is busy: {reason}",
                           hint="another program holds it; the 'default' device shares it")
    plural = "microphones" if role == "microphone" else "speakers"
    devices = capture_devices() if role == "microphone" else playback_devices()
    names = ", ".join(d.spec for d in devices)
    listing = f" ({plural} here: {names})" if names else ""
    return DeviceError(f"cannot open {role} {device!r}: {reason}{listing}",
                       hint=f"'mstg devices' lists the {plural}; ALSA names look like "
                            "default, hw:1 or plughw:1,0")


class AlsaDevice:
    """A capture or playback device as ``/proc/asound`` lists it."""

    def __init__(self, spec: str, alsa_name: str, label: str) -> None:
        self.spec, self.alsa_name, self.label = spec, alsa_name, label

    def as_dict(self) -> dict[str, str]:
        return {"spec": self.spec, "device": self.alsa_name, "name": self.label}

    def __repr__(self) -> str:
        return f"<AlsaDevice {self.spec} {self.alsa_name} {self.label!r}>"


def _card_names(root: Path) -> dict[int, str]:
    names: dict[int, str] = {}
    try:
        lines = (root / "cards").read_text().splitlines()
    except OSError:
        return names
    for line in lines:
        head, _, rest = line.partition(":")
        parts = head.split()
        if parts and parts[0].isdigit() and rest:
            names[int(parts[0])] = rest.split(" - ", 1)[-1].strip() or rest.strip()
    return names


def hardware_pcms(kind: str = "capture", root: Path = Path("/proc/asound")) -> list[tuple[int, int, str]]:
    """(card, device, name) of every hardware PCM that can ``kind`` (capture or playback)."""
    found: list[tuple[int, int, str]] = []
    try:
        lines = (root / "pcm").read_text().splitlines()
    except OSError:
        return found
    cards = _card_names(root)
    for line in lines:
        fields = [f.strip() for f in line.split(":")]
        if len(fields) < 3 or "-" not in fields[0] or not any(f.startswith(kind) for f in fields[3:]):
            continue
        card_text, device_text = fields[0].split("-", 1)
        if not (card_text.isdigit() and device_text.isdigit()):
            continue
        card, device = int(card_text), int(device_text)
        label = cards.get(card, f"card {card}")
        if fields[2] and fields[2] != label:
            label = f"{label}: {fields[2]}"
        found.append((card, device, label))
    return found


def capture_devices(root: Path = Path("/proc/asound")) -> list[AlsaDevice]:
    """The microphones: ``mic0`` is ALSA's default device, ``mic1``... the hardware ones."""
    devices = [AlsaDevice("mic0", "default", "default input (the sound server's, where one runs)")]
    for n, (card, device, label) in enumerate(hardware_pcms("capture", root), start=1):
        devices.append(AlsaDevice(f"mic{n}", f"plughw:{card},{device}", label))
    return devices


def playback_devices(root: Path = Path("/proc/asound")) -> list[AlsaDevice]:
    """The speakers: ``speaker`` is ALSA's default device, then the hardware ones."""
    devices = [AlsaDevice("speaker", "default", "default output")]
    for card, device, label in hardware_pcms("playback", root):
        devices.append(AlsaDevice(f"speaker:plughw:{card},{device}", f"plughw:{card},{device}", label))
    return devices
