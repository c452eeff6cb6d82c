"""Cameras: ``cam0``, ``cam1``..., ``cam:NAME`` or ``/dev/video0``, through FFmpeg's device layer.

Linux reads Video4Linux2 devices, macOS AVFoundation and Windows DirectShow. The size,
frame rate and the camera's own format (``mjpeg``, ``h264``, ``yuyv422`` ...) are asked for
with ``size``, ``fps`` and ``pixel_format``; without them the camera's default is used::

    mstg run -i cam0 --input-size 1280x720 --input-fps 30 --input-format mjpeg -o window
"""

from __future__ import annotations

import os
import re
import sys

from ..errors import DeviceError, UsageError
from .capture import DeviceInput
from .v4l2 import Camera, list_cameras

_INDEX = re.compile(r"^cam(\d*)$")


def is_camera_spec(spec: str) -> bool:
    """``cam``, ``camN``, ``cam:NAME`` or a ``/dev/videoN`` node."""
    return bool(_INDEX.match(spec)) or spec.startswith("cam:") or bool(re.match(r"^/dev/video\d+$", spec))


def _listing(cameras: list[Camera]) -> str:
    if not cameras:
        return "this machine has no camera"
    return "cameras here: " + ", ".join(f"{c.spec} {c.path} {c.name!r}" for c in cameras)


def _linux_device(spec: str) -> tuple[str, str]:
    """(device node, listing of what exists) for a camera spec on Linux."""
    if spec.startswith("/dev/"):
        if not os.path.exists(spec):
            cameras = list_cameras(modes=False)
            raise DeviceError(f"no camera {spec}: {_listing(cameras)}", hint=_linux_hint(cameras))
        return spec, ""
    cameras = list_cameras(modes=False)
    match = _INDEX.match(spec)
    if match:
        number = int(match.group(1) or 0)
        if number < len(cameras):
            return cameras[number].path, _listing(cameras)
        raise DeviceError(f"no camera {spec}: {_listing(cameras)}", hint=_linux_hint(cameras))
    wanted = spec[len("cam:"):].lower()
    for camera in cameras:
        if wanted in camera.name.lower() or wanted == camera.path:
            return camera.path, _listing(cameras)
    raise DeviceError(f"no camera named {spec[4:]!r}: {_listing(cameras)}", hint=_linux_hint(cameras))


def _linux_hint(cameras: list[Camera]) -> str:
    if cameras:
        return "'mstg devices' lists the cameras and the modes each offers"
    return "plug a camera in (or load v4l2loopback for a virtual one); 'mstg devices' lists them"


class CameraInput(DeviceInput):
    """A live camera. ``size`` is (width, height), ``fps`` frames per second, ``pixel_format``
    what the camera sends (``mjpeg`` for most USB cameras at high resolutions).

    >>> cam = CameraInput("cam0", size=(1280, 720), fps=30, pixel_format="mjpeg")  # doctest: +SKIP
    >>> cam.video.get_settings()  # doctest: +SKIP
    """

    def __init__(self, spec: str = "cam0", *, size: tuple[int, int] | None = None,
                 fps: float | None = None, pixel_format: str | None = None,
                 duration: float | None = None) -> None:
        url, format, listing = self.resolve(spec)
        options: dict[str, str] = {}
        if size is not None:
            options["video_size"] = f"{size[0]}x{size[1]}"
        if fps is not None:
            options["framerate"] = f"{fps:g}"
        if pixel_format:
            key = "input_format" if format == "v4l2" else "pixel_format"
            if format == "dshow" and pixel_format in ("mjpeg", "h264"):
                key = "vcodec"
            options[key] = pixel_format
        hint = "'mstg devices' lists the cameras and their modes; a busy camera is held by another program"
        super().__init__(url, format=format, options=options, label=spec, duration=duration,
                         available=listing, hint=hint)

    @staticmethod
    def resolve(spec: str, platform: str | None = None) -> tuple[str, str, str]:
        """(FFmpeg url, demuxer, listing of what exists) for ``spec`` on this platform."""
        platform = platform or sys.platform
        if platform.startswith("linux"):
            device, listing = _linux_device(spec)
            return device, "v4l2", listing
        match = _INDEX.match(spec)
        name = spec[len("cam:"):] if spec.startswith("cam:") else None
        if platform == "darwin":
            return (name if name is not None else str(int(match.group(1) or 0) if match else 0)), \
                "avfoundation", ""
        if platform.startswith("win"):
            if name is None:
                raise UsageError("on Windows, name the camera: -i 'cam:Integrated Camera'",
                                 hint="'mstg devices' lists the cameras")
            return f"video={name}", "dshow", ""
        raise DeviceError(f"cameras are not supported on {platform}")
