"""``v4l2:/dev/videoN``: a virtual camera other programs (browsers, video calls) can open.

Frames go to a v4l2loopback device through FFmpeg's v4l2 output as raw yuv420p video, at
the size of the first frame (Linux only)::

    sudo modprobe v4l2loopback video_nr=10 card_label=mstg exclusive_caps=1
    mstg run -i cam0 -t faceblur -o v4l2:/dev/video10
"""

from __future__ import annotations

import os
import stat
import sys
from fractions import Fraction
from typing import Any

from ..errors import DeviceError
from ..frames import VideoFrame, reformat
from ..tracks import MediaStreamTrackProcessor
from .live import US, LiveOutput

#: The device number Linux gives every Video4Linux node.
VIDEO4LINUX_MAJOR = 81
MODPROBE_HINT = ("load the v4l2loopback module for a virtual camera: "
                 "sudo modprobe v4l2loopback video_nr={n} card_label=mstg exclusive_caps=1")


def check_loopback(path: str) -> None:
    """Raise :class:`DeviceError` unless ``path`` is a video device we can write."""
    number = "".join(ch for ch in os.path.basename(path) if ch.isdigit()) or "10"
    if not sys.platform.startswith("linux"):
        raise DeviceError(f"virtual cameras (v4l2) need Linux; not available on {sys.platform}")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise DeviceError(f"no video device {path}", hint=MODPROBE_HINT.format(n=number)) from None
    if not stat.S_ISCHR(mode) or os.major(os.stat(path).st_rdev) != VIDEO4LINUX_MAJOR:
        raise DeviceError(f"{path} is not a video device", hint=MODPROBE_HINT.format(n=number))
    if not os.access(path, os.W_OK):
        raise DeviceError(f"cannot write {path}: permission denied",
                          hint="add yourself to the 'video' group, or make the device writable")


class VirtualCameraOutput(LiveOutput):
    """Writes the video track into a v4l2loopback device.

    >>> out = VirtualCameraOutput("/dev/video10")  # doctest: +SKIP
    """

    wants = ("video",)

    def __init__(self, device: str) -> None:
        super().__init__()
        check_loopback(device)
        self.device = device
        self.name = f"v4l2:{device}"
        self._container: Any = None

    def _open(self, first: VideoFrame) -> Any:
        import av

        try:
            container = av.open(self.device, "w", format="v4l2")
            rate = Fraction(round(US / first.duration)) if first.duration else Fraction(30)
            stream = container.add_stream("rawvideo", rate=rate)
            stream.width, stream.height = first.width - first.width % 2, first.height - first.height % 2
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = Fraction(1, US)
        except (av.error.FFmpegError, ValueError) as exc:
            raise DeviceError(f"cannot open the virtual camera {self.device}: {exc}") from exc
        self._container = container
        return stream

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        import av

        stream = None
        last_pts = -1
        for frame in processor.readable:
            try:
                if stream is None:
                    stream = self._open(frame)
                width, height = stream.width, stream.height
                pts = max(frame.timestamp, last_pts + 1)
                last_pts = pts
                with self.encode_lock:
                    if (frame.width, frame.height) == (width, height):
                        av_frame = frame.to_av("yuv420p")
                    else:
                        av_frame = reformat(frame.to_av(), width=width, height=height, format="yuv420p")
                    av_frame.pts, av_frame.time_base = pts, Fraction(1, US)
                    packets = stream.encode(av_frame)
                try:
                    self._container.mux(packets)
                except (av.error.FFmpegError, OSError) as exc:
                    raise DeviceError(f"cannot write to {self.device}: {exc}") from exc
                self._record_latency(frame)
                self.frames_written["video"] += 1
            finally:
                frame.close()

    def _finish(self) -> None:
        container, self._container = self._container, None
        if container is not None:
            try:
                container.close()
            except Exception:  # noqa: BLE001 - the device may be gone; nothing left to save
                pass
