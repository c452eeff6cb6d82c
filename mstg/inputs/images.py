"""Still images and image sequences: each picture one frame, sizes free to differ."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator

from ..errors import InputError, InputNotFoundError
from ..frames import FrameOrigin, VideoFrame
from .base import Frame, Input
from .media import open_container

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".pgm",
                    ".ppm", ".pbm", ".jxl", ".avif", ".exr", ".tga", ".dpx"}
GLOB_CHARS = re.compile(r"[*?\[]")


def _natural_key(path: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def is_image_spec(spec: str) -> bool:
    """True for ``photo.png`` or a glob such as ``shots/*.jpg``."""
    return os.path.splitext(spec)[1].lower() in IMAGE_EXTENSIONS and (
        bool(GLOB_CHARS.search(spec)) or os.path.isfile(spec) or not os.path.exists(spec))


#: Picture formats that may hold an animation (several frames in one file).
ANIMATED_EXTENSIONS = {".gif", ".webp", ".png", ".apng"}


def is_animated(path: str) -> bool:
    """True for one file holding several pictures (an animated GIF, WebP or PNG): a video,
    read as one, not as a still."""
    if os.path.splitext(path)[1].lower() not in ANIMATED_EXTENSIONS or not os.path.isfile(path):
        return False
    import av

    try:
        with av.open(path) as container:
            if not container.streams.video:
                return False
            frames = 0
            for _ in container.decode(video=0):
                frames += 1
                if frames > 1:
                    return True
    except (av.error.FFmpegError, OSError, ValueError):
        return False
    return False


class ImageInput(Input):
    """Pictures read one by one: a path or a glob, in natural order (``2.png`` before ``10.png``).

    Each picture is one video frame, ``1/fps`` seconds apart (25 fps, as FFmpeg's image2);
    ``frame.index`` is its position in the sorted list (see :attr:`paths`), ``frame.origin``
    names its file.
    """

    def __init__(self, spec: str, *, fps: float = 25.0, duration: float | None = None,
                 realtime: bool = False) -> None:
        super().__init__(spec, duration=duration, realtime=realtime)
        if GLOB_CHARS.search(spec):
            self.paths = sorted(glob.glob(spec), key=_natural_key)
            if not self.paths:
                raise InputNotFoundError(f"no file matches {spec}")
        else:
            if not os.path.exists(spec):
                raise InputNotFoundError(f"input not found: {spec}")
            self.paths = [spec]
        if fps <= 0:
            raise InputError("image fps must be positive")
        self.fps = fps
        self._add_source("video", spec)

    @property
    def duration_us(self) -> int | None:
        total = int(len(self.paths) * 1_000_000 / self.fps)
        return total if self.limit_us is None else min(total, self.limit_us)

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        step = 1_000_000 / self.fps
        for index, path in enumerate(self.paths):
            container = open_container(path, label=path)
            try:
                picture = next(container.decode(video=0), None)
            except Exception as exc:  # noqa: BLE001 - FFmpeg's decode errors vary by format
                raise InputError(f"cannot decode image {path}: {exc}") from exc
            finally:
                container.close()
            if picture is None:
                raise InputError(f"{path} holds no picture")
            frame = VideoFrame.from_av(picture, timestamp=round(index * step), duration=round(step),
                                       index=index)
            frame.origin = FrameOrigin(path)  # events name the picture, not the sequence
            yield 0, frame
