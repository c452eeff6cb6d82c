"""Linux cameras as the kernel describes them: name, and the formats, sizes and rates each offers.

Read with the Video4Linux2 ioctls (``VIDIOC_QUERYCAP``, ``VIDIOC_ENUM_FMT``,
``VIDIOC_ENUM_FRAMESIZES``, ``VIDIOC_ENUM_FRAMEINTERVALS``) on ``/dev/video*``; opening a
node to ask does not disturb a program that is capturing from it.

>>> [c.path for c in list_cameras()]  # doctest: +SKIP
['/dev/video0']
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import struct
from dataclasses import dataclass, field
from typing import Any


def _iowr(nr: int, size: int, read_only: bool = False) -> int:
    direction = 2 if read_only else 3
    return (direction << 30) | (size << 16) | (ord("V") << 8) | nr


_CAP = struct.Struct("16s32s32sIII12x")  # struct v4l2_capability (104 bytes)
_FMTDESC = struct.Struct("III32sII12x")  # struct v4l2_fmtdesc (64 bytes)
_FRMSIZE = struct.Struct("III6I8x")  # struct v4l2_frmsizeenum (44 bytes)
_FRMIVAL = struct.Struct("IIIII6I8x")  # struct v4l2_frmivalenum (52 bytes)
VIDIOC_QUERYCAP = _iowr(0, _CAP.size, read_only=True)
VIDIOC_ENUM_FMT = _iowr(2, _FMTDESC.size)
VIDIOC_ENUM_FRAMESIZES = _iowr(74, _FRMSIZE.size)
VIDIOC_ENUM_FRAMEINTERVALS = _iowr(75, _FRMIVAL.size)
_CAP_VIDEO_CAPTURE, _CAP_VIDEO_CAPTURE_MPLANE, _CAP_DEVICE_CAPS = 0x1, 0x1000, 0x80000000
_BUF_TYPE_VIDEO_CAPTURE = 1
_DISCRETE = 1
#: Most sizes listed per format (a stepwise camera could list thousands).
MAX_SIZES = 12

#: V4L2 fourcc -> the name FFmpeg's ``input_format`` option takes.
FOURCC_NAMES = {
    "MJPG": "mjpeg", "JPEG": "mjpeg", "H264": "h264", "HEVC": "hevc", "YUYV": "yuyv422",
    "UYVY": "uyvy422", "NV12": "nv12", "NV21": "nv21", "YU12": "yuv420p", "YV12": "yuv420p",
    "RGB3": "rgb24", "BGR3": "bgr24", "GREY": "gray", "Y16 ": "gray16le", "RGBP": "rgb565le",
}


@dataclass
class CameraMode:
    """One way a camera can deliver pictures: a format, a size, and its frame rates."""

    format: str
    width: int
    height: int
    rates: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"format": self.format, "width": self.width, "height": self.height, "fps": self.rates}

    def __str__(self) -> str:
        rates = "/".join(f"{r:g}" for r in self.rates)
        return f"{self.format} {self.width}x{self.height}" + (f" @ {rates} fps" if rates else "")


@dataclass
class Camera:
    """A capture device: ``spec`` (``cam0``...), its node, its name and what it offers."""

    spec: str
    path: str
    name: str
    driver: str = ""
    bus: str = ""
    modes: list[CameraMode] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"spec": self.spec, "device": self.path, "name": self.name,
                               "driver": self.driver, "bus": self.bus,
                               "modes": [m.as_dict() for m in self.modes]}
        if self.error:
            out["error"] = self.error
        return out


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode(errors="replace").strip()


def _fourcc(code: int) -> str:
    return struct.pack("<I", code).decode("ascii", errors="replace")


def _ioctl(fd: int, request: int, layout: struct.Struct, *fields: Any) -> tuple[Any, ...] | None:
    buffer = bytearray(layout.pack(*fields))
    try:
        fcntl.ioctl(fd, request, buffer)
    except OSError:
        return None
    return layout.unpack(bytes(buffer))


def _formats(fd: int) -> list[tuple[int, str]]:
    found = []
    for index in range(64):
        got = _ioctl(fd, VIDIOC_ENUM_FMT, _FMTDESC, index, _BUF_TYPE_VIDEO_CAPTURE, 0, b"", 0, 0)
        if got is None:
            break
        fourcc = _fourcc(got[4])
        found.append((got[4], FOURCC_NAMES.get(fourcc, fourcc.strip())))
    return found


def _sizes(fd: int, pixel_format: int) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []
    for index in range(64):
        got = _ioctl(fd, VIDIOC_ENUM_FRAMESIZES, _FRMSIZE, index, pixel_format, 0, 0, 0, 0, 0, 0, 0)
        if got is None:
            break
        if got[2] == _DISCRETE:
            sizes.append((got[3], got[4]))
        else:  # continuous or stepwise: the smallest and the largest
            sizes.extend([(got[3], got[6]), (got[4], got[7])])
            break
    sizes.sort(key=lambda s: s[0] * s[1], reverse=True)
    return sizes[:MAX_SIZES]


def _rates(fd: int, pixel_format: int, width: int, height: int) -> list[float]:
    rates: list[float] = []
    for index in range(32):
        got = _ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, _FRMIVAL, index, pixel_format, width, height,
                     0, 0, 0, 0, 0, 0, 0)
        if got is None:
            break
        numerator, denominator = got[5], got[6]
        if numerator:
            rates.append(round(denominator / numerator, 3))
        if got[4] != _DISCRETE:
            break
    return sorted(set(rates), reverse=True)


def describe(path: str, spec: str = "", *, modes: bool = True) -> Camera | None:
    """The camera at ``path``, or None when the node does not capture video (metadata nodes)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError as exc:
        return Camera(spec, path, os.path.basename(path), error=exc.strerror or str(exc))
    try:
        cap = _ioctl(fd, VIDIOC_QUERYCAP, _CAP, b"", b"", b"", 0, 0, 0)
        if cap is None:
            return None
        caps = cap[5] if cap[4] & _CAP_DEVICE_CAPS else cap[4]
        if not caps & (_CAP_VIDEO_CAPTURE | _CAP_VIDEO_CAPTURE_MPLANE):
            return None
        camera = Camera(spec, path, _text(cap[1]), driver=_text(cap[0]), bus=_text(cap[2]))
        if modes:
            for code, name in _formats(fd):
                for width, height in _sizes(fd, code):
                    camera.modes.append(CameraMode(name, width, height, _rates(fd, code, width, height)))
        return camera
    finally:
        os.close(fd)


def video_nodes() -> list[str]:
    """``/dev/video*`` in number order."""
    def number(path: str) -> int:
        match = re.search(r"(\d+)$", path)
        return int(match.group(1)) if match else 1 << 30

    return sorted(glob.glob("/dev/video*"), key=number)


def list_cameras(*, modes: bool = True) -> list[Camera]:
    """Every capture node, numbered ``cam0``, ``cam1``... in ``/dev/video*`` order."""
    cameras: list[Camera] = []
    for path in video_nodes():
        camera = describe(path, modes=modes)
        if camera is not None:
            camera.spec = f"cam{len(cameras)}"
            cameras.append(camera)
    return cameras
