"""Segmented outputs: HLS (``-o hls/out.m3u8``) and DASH (``-o dash/out.mpd``).

A playlist (or manifest) plus media segments beside it, as browsers' players (hls.js,
dash.js, Safari) read them. The safe-publish rule differs from a single file's: each segment
is written under a temporary name and renamed once complete, and the playlist is rewritten
(temporary name, then rename) only after that, so it never names a segment that is not whole.
The folder is made as needed; an existing playlist or segment is replaced only with ``overwrite``.
A keyframe every 2 seconds (unless ``codec_options`` has ``g``) lets segments be cut there.

>>> out = SegmentedOutput("/tmp/mstg-doctest-hls/out.m3u8", overwrite=True)
>>> out.container_format, out.video_codec, out.segment_pattern
('hls', 'libx264', '/tmp/mstg-doctest-hls/out_*.ts')
"""

from __future__ import annotations

import dataclasses
import glob
import os
from typing import Any

from ..errors import OutputError, OutputExistsError
from .file import EncodeOptions, FileOutput

#: Extension -> muxer.
SEGMENTED_FORMATS = {".m3u8": "hls", ".mpd": "dash"}
#: Seconds between keyframes (where a segment may be cut) unless the codec options say.
KEYFRAME_INTERVAL_S = 2.0
#: Target segment length, seconds.
SEGMENT_S = 4


def is_segmented_output(path: str, format: str | None = None) -> bool:
    """Whether ``path`` (or ``format``) names an HLS or DASH output.

    >>> is_segmented_output("hls/out.m3u8"), is_segmented_output("x.mp4", "dash"), is_segmented_output("x.mp4")
    (True, True, False)
    """
    if format is not None:
        return format in ("hls", "dash")
    return os.path.splitext(path)[1].lower() in SEGMENTED_FORMATS


class SegmentedOutput(FileOutput):
    """HLS or DASH: a playlist and its segments, written in the playlist's folder."""

    writes_in_place = True

    def __init__(self, path: str, *, format: str | None = None, options: EncodeOptions | None = None,
                 overwrite: bool = False) -> None:
        format = format or SEGMENTED_FORMATS[os.path.splitext(path)[1].lower()]
        options = dataclasses.replace(options or EncodeOptions(), format_options=dict(
            (options or EncodeOptions()).format_options))
        stem = os.path.splitext(os.path.abspath(path))[0]
        self.segment_pattern = stem + ("_*.ts" if format == "hls" else "-*.m4s")
        name = os.path.basename(stem)
        if format == "hls":
            defaults = {"hls_time": str(SEGMENT_S), "hls_list_size": "0",
                        "hls_flags": "temp_file+independent_segments",
                        "hls_segment_filename": f"{stem}_%05d.ts"}
        else:
            defaults = {"seg_duration": str(SEGMENT_S), "use_template": "1", "use_timeline": "1",
                        "init_seg_name": f"{name}-init-$RepresentationID$.m4s",
                        "media_seg_name": f"{name}-$RepresentationID$-$Number%05d$.m4s"}
        for key, value in defaults.items():
            options.format_options.setdefault(key, value)
        super().__init__(path, format=format, options=options, overwrite=overwrite)

    def _check_path(self, overwrite: bool) -> None:
        path = self.path
        if os.path.isdir(path):
            raise OutputError(f"{path} is a folder")
        if not overwrite:
            if os.path.exists(path):
                raise OutputExistsError(f"{path} exists")
            clash = sorted(glob.glob(glob.escape(self.segment_pattern[:-5]) + self.segment_pattern[-5:]))
            if clash:
                raise OutputExistsError(f"{clash[0]} exists (a segment of an earlier run)")
        folder = os.path.dirname(os.path.abspath(path))
        while not os.path.isdir(folder):  # made when the output opens
            if os.path.exists(folder):
                raise OutputError(f"cannot write {path}: {folder} is not a folder")
            folder = os.path.dirname(folder)
        if not os.access(folder, os.W_OK):
            raise OutputError(f"cannot write {path}: permission denied")

    def _open(self, firsts: dict[str, Any]) -> None:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        super()._open(firsts)

    def _add_video(self, first: Any) -> Any:
        stream = super()._add_video(first)
        ctx = stream.codec_context
        if "g" not in self.options.codec_options and ctx.framerate:
            ctx.gop_size = max(1, round(KEYFRAME_INTERVAL_S * float(ctx.framerate)))
        return stream

    @property
    def segments(self) -> list[str]:
        """The segment files written so far, in order."""
        return sorted(glob.glob(glob.escape(self.segment_pattern[:-5]) + self.segment_pattern[-5:]))
