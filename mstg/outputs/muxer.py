"""One output's container: the staged file, muxing, publishing, and the one place where the
operating system's errors (a full disk, a reader gone, a missing folder) become mstg's.

>>> muxer = Muxer("/tmp/mstg-doctest-muxer.mkv", "matroska", overwrite=True)
>>> muxer.container is None, muxer.muxed
(True, 0)
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from typing import Any

from ..errors import MstgError, OutputError
from .staging import StagedFile

__all__ = ["Muxer", "PUBLISH_AFTER_S", "os_error"]

log = logging.getLogger(__name__)
_DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
#: Seconds of one track after which a file takes its name even if another track has no packets.
PUBLISH_AFTER_S = 2


def os_error(name: str, exc: BaseException, action: str = "write") -> BaseException:
    """What ``exc`` (raised writing ``name``) is for the user: the reader of a pipe went away
    (BrokenPipeError), or an OutputError, with a hint when the disk is full."""
    if isinstance(exc, MstgError):
        return exc
    number = getattr(exc, "errno", None)
    if isinstance(exc, BrokenPipeError) or number == errno.EPIPE:
        return BrokenPipeError(errno.EPIPE, f"{name}: the reader went away")
    hint = "the disk is full, or a file size limit was reached" if number in _DISK_FULL else None
    reason = getattr(exc, "strerror", None) or exc
    return OutputError(f"cannot {action} {name}: {reason}", hint=hint)


#: Muxers that take an empty packet's side data (a new stream header: FLAC's sample count and
#: checksum) into the file's header, or drop such a packet themselves.
USES_EMPTY_PACKETS = frozenset({"matroska", "webm", "flac", "mp4", "mov", "ipod", "ismv", "3gp", "3g2",
                                "psp", "f4v"})


class Muxer:
    """The container of the file at ``path`` (FFmpeg opens ``url``: ``pipe:1`` for ``-``),
    written under a temporary name until it has begun
    (:class:`~mstg.outputs.staging.StagedFile`), muxed from several threads."""

    def __init__(self, path: str, container_format: str, *, url: str | None = None,
                 name: str | None = None, overwrite: bool = False, in_place: bool = False) -> None:
        self.path = path
        self.url = url or path
        self.name = name or path
        self.container_format = container_format
        self.overwrite = overwrite
        self.in_place = in_place
        self.container: Any = None
        self.file: StagedFile | None = None
        self.muxed = 0
        self.broken = False
        self._kinds: set[str] = set()
        self._muxed_kinds: set[str] = set()
        self._lock = threading.Lock()
        #: Named only when closed (faststart moves the index by the file's name at the end).
        self.publish_at_end = False
        #: Subtitles and cover art written beside the tracks (a :class:`~.sidetracks.SideWriter`).
        self.side: Any = None

    def open(self, kinds: set[str], options: dict[str, str]) -> None:
        """Create the (staged) file and the container that will hold ``kinds``."""
        import av

        self._kinds = set(kinds)
        self.file = StagedFile(self.path, overwrite=self.overwrite, in_place=self.in_place)
        try:
            self.container = av.open(self.file.temporary or self.url, "w",
                                     format=self.container_format, options=options)
        except av.error.FFmpegError as exc:
            self.file = None  # nothing was created
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from exc
        log.debug("%s: %s container opened (%s)", self.name, self.container_format,
                  self.file.temporary or "in place")

    def mux(self, packets: list[Any]) -> None:
        """Write ``packets`` (from any thread); the file takes its name once it has begun.

        An empty packet (the FLAC encoder's last, carrying only the final stream header) goes
        only to muxers that read it (:data:`USES_EMPTY_PACKETS`): others, NUT among them,
        would store it as a frame that decoders refuse ("Invalid argument").
        """
        if self.container_format not in USES_EMPTY_PACKETS:
            packets = [packet for packet in packets if packet.size]
        if not packets:
            return
        import av

        try:
            with self._lock:
                if self.side:  # covers first (MP3 and FLAC wait for them), cues due by then
                    self.container.mux(self.side.due(packets))
                self.container.mux(packets)
                self.muxed += len(packets)
                if self.file is not None and self.file.temporary and self._publishable(packets) \
                        and not self.publish_at_end:
                    self.file.publish()
        except MstgError:
            raise
        except OSError as exc:
            self.broken = self.broken or isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE
            raise os_error(self.name, exc) from exc
        except av.error.FFmpegError as exc:
            raise OutputError(f"cannot write {self.name}: {exc.strerror or exc}") from exc

    def _publishable(self, packets: list[Any]) -> bool:
        """Whether the file has begun: packets of every track are in, or two seconds of one."""
        self._muxed_kinds.update(p.stream.type for p in packets)
        if self._muxed_kinds >= self._kinds:
            return True
        last = packets[-1]
        return last.pts is not None and last.time_base is not None and \
            last.pts * last.time_base >= PUBLISH_AFTER_S

    def close(self, *, failed: bool, error: BaseException | None) -> BaseException | None:
        """Write the trailer and settle the file's name: published if it holds something
        (after a failed run: something of every track), else removed, an older file kept
        whole. Returns the error closing met (None: none, or one already reported)."""
        container, self.container = self.container, None
        if container is None:
            return None
        found: BaseException | None = None
        if self.side and self.muxed and error is None:
            self._last_cues(container)
        try:
            container.close()
        except Exception as exc:  # noqa: BLE001 - FFmpeg's trailer errors (disk full ...)
            pipe = getattr(exc, "errno", None) == errno.EPIPE
            if error is None and pipe:
                found = BrokenPipeError(errno.EPIPE, f"{self.name}: the reader went away")
            elif error is None and not self.broken:
                hint = "the disk is full, or a file size limit was reached" \
                    if getattr(exc, "errno", None) in _DISK_FULL else None
                found = OutputError(f"cannot finish {self.name}: {exc}", hint=hint)
            self.broken = self.broken or pipe
        if self.file is not None and self.file.temporary is not None:
            whole = self._muxed_kinds >= self._kinds
            if self.muxed and error is None and found is None and (whole or not failed):
                try:
                    self.file.publish()
                except OSError as exc:  # OutputExistsError too
                    found = os_error(self.name, exc)
            self.file.discard()
        return found

    def _last_cues(self, container: Any) -> None:
        """The cues that start before the end of what was written (a failure here shows
        again, and is reported, when the trailer is written)."""
        try:
            container.mux(self.side.rest())
        except Exception as exc:  # noqa: BLE001 - the trailer meets it too
            log.debug("%s: last subtitle cues not written: %s", self.name, exc)

    def discard(self) -> None:
        """Remove a file still under its temporary name."""
        if self.file is not None:
            self.file.discard()

    @property
    def published_size(self) -> int:
        """Bytes in the published file (0 for pipes, URLs and files never published)."""
        if self.file is not None and self.file.published and os.path.isfile(self.path):
            return os.path.getsize(self.path)
        return 0
