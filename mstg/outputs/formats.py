"""Which container and codecs an output file gets from its extension."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ContainerDefaults:
    """FFmpeg muxer name and default encoders (None: the container takes no such track)."""

    format: str
    video_codec: str | None
    audio_codec: str | None


#: Extension -> container and codecs (see the README's output table).
BY_EXTENSION: dict[str, ContainerDefaults] = {
    ".mp4": ContainerDefaults("mp4", "libx264", "aac"),
    ".m4v": ContainerDefaults("mp4", "libx264", "aac"),
    ".mov": ContainerDefaults("mov", "libx264", "aac"),
    ".mkv": ContainerDefaults("matroska", "libx264", "aac"),
    ".webm": ContainerDefaults("webm", "libvpx-vp9", "libopus"),
    ".ts": ContainerDefaults("mpegts", "libx264", "aac"),
    ".m2ts": ContainerDefaults("mpegts", "libx264", "aac"),
    ".flv": ContainerDefaults("flv", "libx264", "aac"),
    ".avi": ContainerDefaults("avi", "mpeg4", "libmp3lame"),
    ".nut": ContainerDefaults("nut", "ffv1", "flac"),
    ".y4m": ContainerDefaults("yuv4mpegpipe", "rawvideo", None),
    ".gif": ContainerDefaults("gif", "gif", None),
    ".wav": ContainerDefaults("wav", None, "pcm_s16le"),
    ".flac": ContainerDefaults("flac", None, "flac"),
    ".mp3": ContainerDefaults("mp3", None, "libmp3lame"),
    ".ogg": ContainerDefaults("ogg", None, "libopus"),
    ".oga": ContainerDefaults("ogg", None, "libopus"),
    ".opus": ContainerDefaults("opus", None, "libopus"),
    ".m4a": ContainerDefaults("ipod", None, "aac"),
    ".aac": ContainerDefaults("adts", None, "aac"),
    ".mka": ContainerDefaults("matroska", None, "libopus"),
}

#: By muxer name, for ``--format`` (and for stdout, NUT with raw video and PCM: cheap, lossless).
BY_FORMAT: dict[str, ContainerDefaults] = {d.format: d for d in BY_EXTENSION.values()}
BY_FORMAT["nut"] = ContainerDefaults("nut", "rawvideo", "pcm_s16le")
BY_FORMAT["matroska"] = ContainerDefaults("matroska", "libx264", "aac")

#: Encoders whose time base may be as fine as a microsecond (others get 1/1000).
FINE_TIME_BASE = {"libx264", "libx265", "libvpx", "libvpx-vp9", "libaom-av1", "libsvtav1",
                  "ffv1", "rawvideo", "h264_v4l2m2m", "utvideo", "prores_ks", "libopenh264"}


def defaults_for(path: str, format: str | None) -> ContainerDefaults | None:
    """The container for ``format`` or, failing that, for the file's extension."""
    if format is not None:
        known = BY_FORMAT.get(format)
        return known or ContainerDefaults(format, "libx264", "aac")
    return BY_EXTENSION.get(os.path.splitext(path)[1].lower())
