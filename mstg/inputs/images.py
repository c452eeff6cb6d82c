"""Still images and image sequences: each picture one frame, sizes free to differ."""

from __future__ import annotations

import glob
import os
import re
import warnings
from collections.abc import Iterator

from ..errors import InputError, InputNotFoundError, MstgWarning
from ..frames import FrameOrigin, VideoFrame
from .base import Frame, Input
from .media import open_container

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".pgm",
                    ".ppm", ".pbm", ".jxl", ".avif", ".exr", ".tga", ".dpx"}
GLOB_CHARS = re.compile(r"[*?\[]")


def natural_key(path: str) -> list[object]:
    """A sort key that puts ``2.png`` before ``10.png`` (the digits compared as numbers).

    >>> sorted(["10.png", "2.png", "1.png"], key=natural_key)
    ['1.png', '2.png', '10.png']
    """
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def is_image_spec(spec: str) -> bool:
    """True for ``photo.png`` or a glob such as ``shots/*.jpg`` or ``shots/*`` (a glob reads
    the pictures it matches)."""
    if is_glob(spec):
        return True
    return os.path.splitext(spec)[1].lower() in IMAGE_EXTENSIONS and (
        os.path.isfile(spec) or not os.path.exists(spec))


def is_glob(spec: str) -> bool:
    """True for a pattern (``*``, ``?``, ``[``) that is not the name of an existing file."""
    return bool(GLOB_CHARS.search(spec)) and not os.path.exists(spec)


def is_picture(path: str) -> bool:
    """True for a file whose extension is a picture format's."""
    return os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS and os.path.isfile(path)


def folder_glob(folder: str) -> str:
    """The glob for a folder's pictures, by the extension most of them have (one slash,
    whatever the folder was written with).

    >>> folder_glob("/nonexistent/shots/")
    '/nonexistent/shots/*.png'
    """
    counts: dict[str, int] = {}
    try:
        names = os.listdir(folder)
    except OSError:
        names = []
    for name in names:
        extension = os.path.splitext(name)[1]
        if extension.lower() in IMAGE_EXTENSIONS:
            counts[extension] = counts.get(extension, 0) + 1
    extension = max(sorted(counts), key=lambda e: counts[e]) if counts else ".png"
    return os.path.join(folder.rstrip("/") or "/", f"*{extension}")


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
                 realtime: bool = False, loop: bool = False) -> None:
        super().__init__(spec, duration=duration, realtime=realtime)
        #: Start again after the last picture, until the run ends (FFmpeg's ``-loop 1``).
        self.loop = loop
        #: What the glob matched that is not a picture (a warning names them).
        self.skipped: list[str] = []
        if is_glob(spec):
            self.paths = self._glob(spec)
        else:
            if not os.path.exists(spec):
                raise InputNotFoundError(f"input not found: {spec}")
            self.paths = [spec]
        if fps <= 0:
            raise InputError("image fps must be positive")
        self.fps = fps
        self._add_source("video", spec)

    @property
    def files(self) -> list[str]:
        return list(self.paths)

    def _glob(self, spec: str) -> list[str]:
        """The pictures ``spec`` matches, in natural order; the other matches are skipped
        with a warning (``shots/*`` over pictures and notes)."""
        matches = sorted(glob.glob(spec), key=natural_key)
        if not matches:
            raise InputNotFoundError(f"no file matches {spec}")
        paths = [path for path in matches if is_picture(path)]
        self.skipped = [path for path in matches if path not in set(paths)]
        if not paths:
            raise InputNotFoundError(f"no picture among the {len(matches)} match(es) of {spec}",
                                     hint="a glob reads pictures (.png, .jpg, .webp ...); give a "
                                          "video as its own -i")
        if self.skipped:
            shown = ", ".join(os.path.basename(p) for p in self.skipped[:3])
            more = f" and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else ""
            warnings.warn(f"{spec}: skipped {len(self.skipped)} match(es) that are not pictures: "
                          f"{shown}{more}", MstgWarning, stacklevel=3)
        return paths

    @property
    def duration_us(self) -> int | None:
        if self.loop:
            return self.limit_us
        total = int(len(self.paths) * 1_000_000 / self.fps)
        return total if self.limit_us is None else min(total, self.limit_us)

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        step = 1_000_000 / self.fps
        index = 0
        while True:
            for path in self.paths:  # decoded again each time: a transform may draw on a frame
                yield 0, read_picture(path, timestamp=round(index * step), duration=round(step),
                                      index=index)
                index += 1
            if not self.loop:
                return


def read_picture(path: str, *, timestamp: int = 0, duration: int | None = None,
                 index: int = 0) -> VideoFrame:
    """The first picture in ``path`` as a frame whose origin is the path (events name the
    picture, not the sequence). A file FFmpeg cannot decode, or one with no picture, raises
    :class:`~mstg.errors.InputError`.

    >>> read_picture("/nonexistent/photo.png")
    Traceback (most recent call last):
    ...
    mstg.errors.InputNotFoundError: input not found: /nonexistent/photo.png
    """
    container = open_container(path, label=path)
    try:
        picture = next(container.decode(video=0), None)
    except Exception as exc:  # noqa: BLE001 - FFmpeg's decode errors vary by format
        raise InputError(f"cannot decode image {path}: {exc}") from exc
    finally:
        container.close()
    if picture is None:
        raise InputError(f"{path} holds no picture")
    frame = VideoFrame.from_av(picture, timestamp=timestamp, duration=duration, index=index)
    frame.origin = FrameOrigin(path)
    return frame
