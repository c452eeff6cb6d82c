"""Pictures out: ``-o thumb.jpg`` (one picture) and ``-o 'frames/%04d.png'`` (a sequence).

Each picture is encoded on its own (PNG, JPEG, WebP, BMP, TIFF) and published as a whole
file: written under a temporary name beside its target, then given its name (an existing
picture is replaced only with ``overwrite``). A sequence's folder is made when the first
picture is written; its numbers start at 1, as FFmpeg's image2 muxer's do.

>>> out = PictureOutput("/tmp/mstg-doctest/%03d.png", overwrite=True)
>>> out.sequence, out.codec, out.name_for(7)
(True, 'png', '/tmp/mstg-doctest/007.png')
"""

from __future__ import annotations

import logging
import os
import re
from fractions import Fraction
from typing import Any

from ..errors import OutputError, OutputExistsError
from ..tracks import MediaStreamTrackProcessor
from .base import Output
from .file import EncodeOptions
from .staging import StagedFile

log = logging.getLogger(__name__)

#: Extension -> (encoder, pixel format, encoder options). JPEG at FFmpeg's ``-q:v 2``.
PICTURE_CODECS: dict[str, tuple[str, str, dict[str, str]]] = {
    ".png": ("png", "rgb24", {}),
    ".jpg": ("mjpeg", "yuvj420p", {"flags": "+qscale", "global_quality": str(2 * 118)}),
    ".jpeg": ("mjpeg", "yuvj420p", {"flags": "+qscale", "global_quality": str(2 * 118)}),
    ".webp": ("libwebp", "yuv420p", {"quality": "90"}),
    ".bmp": ("bmp", "bgr24", {}),
    ".tif": ("tiff", "rgb24", {}),
    ".tiff": ("tiff", "rgb24", {}),
}
#: A sequence's number: ``%d`` or ``%04d``, as FFmpeg's image2 muxer takes it.
NUMBER = re.compile(r"%0?(\d*)d")


def is_picture_output(path: str, format: str | None = None) -> bool:
    """Whether ``path`` names pictures (by extension; ``format`` image2 or none).

    >>> is_picture_output("thumb.jpg"), is_picture_output("f/%04d.png"), is_picture_output("a.gif")
    (True, True, False)
    """
    return format in (None, "image2") and os.path.splitext(path)[1].lower() in PICTURE_CODECS


class PictureOutput(Output):
    """One picture (the first frame) or, with ``%04d`` in the name, one picture per frame.

    ``options.size`` scales the pictures; ``options.video_codec`` names another encoder.
    """

    wants = ("video",)

    def __init__(self, path: str, *, options: EncodeOptions | None = None, overwrite: bool = False) -> None:
        super().__init__()
        self.path = self.name = path
        self.options = options or EncodeOptions()
        self.overwrite = overwrite
        numbers = NUMBER.findall(os.path.basename(path))
        if len(numbers) > 1:
            raise OutputError(f"{path}: one %d number in a picture sequence's name, not {len(numbers)}")
        if NUMBER.search(os.path.dirname(path)):
            raise OutputError(f"{path}: the %d number goes in the file name, not the folder")
        self.sequence = bool(numbers)
        codec, self.pix_fmt, self.codec_options = PICTURE_CODECS[os.path.splitext(path)[1].lower()]
        self.codec = self.options.video_codec or codec
        self.video_codec, self.audio_codec = self.codec, None
        self.written: list[str] = []
        if not self.options.video:
            raise OutputError(f"{path}: nothing to write (pictures hold no audio)")
        self._check(self.name_for(1))

    @property
    def files(self) -> list[str]:
        return [self.path]

    def name_for(self, number: int) -> str:
        """The file the ``number``-th picture goes to (counted from 1)."""
        if not self.sequence:
            return self.path
        folder, base = os.path.split(self.path)
        return os.path.join(folder, NUMBER.sub(lambda m: f"{number:0{m.group(1) or 0}d}", base, count=1))

    def _check(self, target: str) -> None:
        if os.path.isdir(target):
            raise OutputError(f"{target} is a folder")
        if os.path.exists(target) and not self.overwrite:
            raise OutputExistsError(f"{target} exists")
        folder = os.path.dirname(os.path.abspath(target))
        while not os.path.isdir(folder):  # made when the first picture is written
            if os.path.exists(folder):
                raise OutputError(f"cannot write {target}: {folder} is not a folder")
            folder = os.path.dirname(folder)
        if not os.access(folder, os.W_OK):
            raise OutputError(f"cannot write {target}: permission denied")

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        for frame in processor.readable:
            try:
                self._write(frame, self.frames_written["video"] + 1)
            finally:
                frame.close()
            self.frames_written["video"] += 1
            if not self.sequence:
                processor.cancel()  # one picture: the source need not wait for this output,
                processor.track.stop()  # and stops reading once no other output needs it
                return

    def _write(self, frame: Any, number: int) -> None:
        target = self.name_for(number)
        self._check(target)
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        data = self._encode(frame)
        staged = StagedFile(target, overwrite=self.overwrite)
        try:
            with open(staged.temporary or target, "wb") as file:
                file.write(data)
            staged.publish()
        except OSError as exc:
            if isinstance(exc, OutputExistsError):
                raise
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
        finally:
            staged.discard()
        self.written.append(target)
        log.debug("wrote %s", target)

    def _encode(self, frame: Any) -> bytes:
        import av

        from .sizing import output_size

        width, height = output_size(self.options.size, frame.width, frame.height, self.codec)
        try:
            ctx = av.CodecContext.create(self.codec, "w")
            ctx.width, ctx.height = width, height
            ctx.pix_fmt = self.options.pix_fmt or self._pix_fmt(ctx)
            ctx.time_base = Fraction(1, 25)
            ctx.options = dict(self.codec_options)
            picture = frame.to_av().reformat(width=width, height=height, format=ctx.pix_fmt)
            picture.pts = 0
            packets = list(ctx.encode(picture)) + list(ctx.encode(None))
        except (av.error.FFmpegError, ValueError) as exc:
            raise OutputError(f"{self.path}: cannot encode the picture with {self.codec}: {exc}") from exc
        return b"".join(bytes(p) for p in packets)

    def _pix_fmt(self, ctx: Any) -> str:
        supported = [f.name for f in (ctx.codec.video_formats or [])]
        return self.pix_fmt if not supported or self.pix_fmt in supported else supported[0]

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(path=self.path, pictures=len(self.written))
        return info
