"""What an input says of itself beyond its pictures and sound, carried to the outputs as FFmpeg
does by default: global tags (title, artist ...), chapters, and each track's language and title.

Chapters are moved with ``--start`` (those that end before it are left out); the file's own
technical tags (encoder, brands, durations) are not copied: the output's muxer writes its own.

>>> md = SourceMetadata(tags={"title": "Talk"}, chapters=[(0, 2_000_000, "Intro"), (2_000_000, 5_000_000, "Main")])
>>> md.shifted(3_000_000).chapters
[(0, 2000000, 'Main')]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

US = 1_000_000
#: Tags that describe a file's making, not its content: left for the output's muxer to write.
TECHNICAL_TAGS = frozenset({"encoder", "major_brand", "minor_version", "compatible_brands", "duration",
                            "creation_time", "handler_name", "vendor_id", "_statistics_tags",
                            "_statistics_writing_app", "_statistics_writing_date_utc",
                            "number_of_frames", "number_of_bytes", "bps"})
#: Track tags carried over.
TRACK_TAGS = ("language", "title")


@dataclass
class SourceMetadata:
    """Global ``tags``, ``chapters`` as (start_us, end_us, title), and ``tracks``: the tags
    of the video and audio tracks read, by kind."""

    tags: dict[str, str] = field(default_factory=dict)
    chapters: list[tuple[int, int, str]] = field(default_factory=list)
    tracks: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Subtitles and cover art (a :class:`~mstg.inputs.sidetracks.SideTracks`), or None.
    side: Any = None

    def shifted(self, start_us: int) -> SourceMetadata:
        """The same, its chapters as seen from ``start_us`` on."""
        chapters = [(max(0, s - start_us), e - start_us, t) for s, e, t in self.chapters if e > start_us]
        return dataclasses.replace(self, chapters=chapters)


def _content_tags(tags: Any) -> dict[str, str]:
    return {k: str(v) for k, v in dict(tags or {}).items() if k.lower() not in TECHNICAL_TAGS
            and not k.upper().startswith("DURATION")}


def read_metadata(container: Any, streams: list[Any]) -> SourceMetadata:
    """The metadata of an open PyAV input ``container``, with the tags of ``streams``; none
    where it cannot be read (tags that are not UTF-8 in a damaged file)."""
    try:
        return _read(container, streams)
    except (UnicodeDecodeError, ValueError, TypeError, KeyError):
        return SourceMetadata()


def _read(container: Any, streams: list[Any]) -> SourceMetadata:
    chapters = []
    for chapter in container.chapters() if hasattr(container, "chapters") else []:
        tb = chapter["time_base"]
        title = str((chapter.get("metadata") or {}).get("title", ""))
        chapters.append((int(chapter["start"] * tb * US), int(chapter["end"] * tb * US), title))
    tracks = {s.type: {k: str(v) for k, v in dict(s.metadata or {}).items() if k.lower() in TRACK_TAGS}
              for s in streams}
    return SourceMetadata(_content_tags(container.metadata), chapters, tracks)


def write_metadata(container: Any, streams: dict[str, Any], source: SourceMetadata | None,
                   tags: dict[str, str] | None = None, *, strip: bool = False) -> None:
    """Put ``source``'s tags, chapters and track tags into an output ``container`` (before
    its header is written), then ``tags`` (``--metadata``) over the global ones. ``strip``
    (``--no-metadata``, FFmpeg's ``-map_metadata -1``) leaves the source's tags out, global,
    per track and per chapter; the chapters' times stay, as in FFmpeg."""
    if source is not None and strip:
        source = SourceMetadata(chapters=[(start, end, "") for start, end, _ in source.chapters])
    if source is not None:
        container.metadata.update(source.tags)
        if source.chapters:
            container.set_chapters([{"id": n + 1, "start": s, "end": e, "time_base": Fraction(1, US),
                                     "metadata": {"title": t} if t else {}}
                                    for n, (s, e, t) in enumerate(source.chapters)])
        for kind, stream in streams.items():
            stream.metadata.update(source.tracks.get(kind, {}))
    container.metadata.update(tags or {})
