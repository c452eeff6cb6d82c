"""Live capture devices by name: cameras, microphones and the screen.

>>> is_device_spec("cam0"), is_device_spec("mic:hw:1"), is_device_spec("screen"), is_device_spec("a.mp4")
(True, True, True, False)
"""

from __future__ import annotations

import sys
from typing import Any

# PyAV before OpenCV, always: both wheels ship libxcb-shm (and -shape, -xfixes) under the
# same file names, built against different libxcb copies; the copy loaded first serves both
# libraries, and FFmpeg's x11grab crashes when it is OpenCV's. Transforms import cv2 when
# they load, and the command line imports this package before it loads them.
import av  # noqa: F401

from ..errors import ParameterError, braces
from .base import Input
from .camera import CameraInput, is_camera_spec
from .microphone import is_microphone_spec, open_microphone
from .screen import ScreenInput, is_screen_spec

__all__ = ["is_device_spec", "open_device", "list_devices"]


def is_device_spec(spec: str) -> bool:
    """True for what names a camera, a microphone or the screen."""
    return is_camera_spec(spec) or is_microphone_spec(spec) or is_screen_spec(spec)


#: Demuxer names that may come with ``--input-format`` and mean "the device's own".
DEVICE_DEMUXERS = frozenset({"v4l2", "video4linux2", "avfoundation", "dshow", "x11grab", "alsa",
                             "gdigrab"})


def open_device(spec: str, *, size: tuple[int, int] | None = None, fps: float | None = None,
                pixel_format: str | None = None, format: str | None = None,
                sample_rate: int | None = None, channels: int | None = None,
                duration: float | None = None) -> Input:
    """Open the device ``spec`` names, with the capture settings that apply to it.

    ``format`` (``--input-format``) is the camera's stream format here (``mjpeg``, ``h264``,
    ``yuyv422``), the same as ``pixel_format``; a device demuxer's name there is ignored.
    """
    if format is not None and format not in DEVICE_DEMUXERS:
        if pixel_format is not None and pixel_format != format:
            raise ParameterError("{format=} and {pixel_format=} disagree: give one",
                                 {"format": format, "pixel_format": pixel_format}, scope="input")
        pixel_format = format
    if is_microphone_spec(spec):
        _refuse(spec, "a microphone", size=size, fps=fps, pixel_format=pixel_format)
        return open_microphone(spec, sample_rate=sample_rate, channels=channels, duration=duration)
    if is_screen_spec(spec):
        _refuse(spec, "the screen", sample_rate=sample_rate, channels=channels,
                pixel_format=pixel_format)
        return ScreenInput(spec, size=size, fps=fps, duration=duration)
    _refuse(spec, "a camera", sample_rate=sample_rate, channels=channels)
    return CameraInput(spec, size=size, fps=fps, pixel_format=pixel_format, duration=duration)


def _refuse(spec: str, what: str, **settings: Any) -> None:
    """A :class:`~mstg.errors.ParameterError` naming the capture settings given for a device
    that has no use for them (the command line names its flags instead)."""
    given = {name: value for name, value in settings.items() if value is not None}
    if given:
        verb = "does" if len(given) == 1 else "do"
        names = " and ".join("{%s}" % name for name in given)
        raise ParameterError(f"{names} {verb} not apply to {braces(spec)} ({what})", given, scope="input")


def list_devices() -> dict[str, list[dict[str, Any]]]:
    """Cameras (with their modes) and microphones on this machine, as plain dicts."""
    if sys.platform.startswith("linux"):
        from ..alsa import capture_devices, playback_devices
        from .v4l2 import list_cameras

        return {"cameras": [c.as_dict() for c in list_cameras()],
                "microphones": [d.as_dict() for d in capture_devices()],
                "speakers": [d.as_dict() for d in playback_devices()]}
    return _ffmpeg_listing()


def _ffmpeg_listing() -> dict[str, list[dict[str, Any]]]:
    """macOS and Windows: what FFmpeg's AVFoundation or DirectShow device reports."""
    import av

    format = "avfoundation" if sys.platform == "darwin" else "dshow"
    url = "" if format == "avfoundation" else "dummy"
    lines: list[str] = []
    with av.logging.Capture(True) as logs:
        try:
            av.open(url, format=format, options={"list_devices": "true"}).close()
        except Exception:  # noqa: BLE001 - listing always "fails" after printing the list
            pass
        lines = [message for _level, _name, message in logs]
    return _parse_listing(lines, format)


def _parse_listing(lines: list[str], format: str) -> dict[str, list[dict[str, Any]]]:
    cameras: list[dict[str, Any]] = []
    microphones: list[dict[str, Any]] = []
    target = cameras
    for line in (x.strip() for text in lines for x in text.splitlines()):
        lower = line.lower()
        if "video devices" in lower:
            target = cameras
        elif "audio devices" in lower:
            target = microphones
        elif format == "avfoundation" and line.startswith("[") and "]" in line:
            name = line.split("]", 1)[1].strip()
            kind = "cam" if target is cameras else "mic"
            if not name.lower().startswith("capture screen"):
                target.append({"spec": f"{kind}{len(target)}", "name": name, "modes": []})
        elif format == "dshow" and line.startswith('"'):
            name = line.split('"')[1]
            kind = "cam" if "(video)" in lower else "mic"
            bucket = cameras if kind == "cam" else microphones
            bucket.append({"spec": f"{kind}:{name}", "name": name, "modes": []})
    return {"cameras": cameras, "microphones": microphones, "speakers": []}
