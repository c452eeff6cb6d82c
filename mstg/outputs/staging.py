"""Writing a file without ever costing the user one: a temporary name until the file has begun.

>>> staged = StagedFile("/tmp/out.mp4", overwrite=False)
>>> staged.temporary.startswith("/tmp/.out.mp4.mstg-") and staged.temporary.endswith(".part")
True
>>> StagedFile("/dev/null", overwrite=True).temporary is None  # written in place
True
"""

from __future__ import annotations

import os
import stat

from ..errors import OutputExistsError


class StagedFile:
    """The name an output file is written under, and its move to the real name.

    A regular file is written under a temporary name beside the target
    (``.NAME.mstg-PID.part``) until it has begun; :meth:`publish` then gives it its real name
    atomically, replacing an existing file only with ``overwrite``. Devices, FIFOs, links
    (``/dev/stdout``) and ``in_place`` targets (pipes, URLs) are written where they are and
    never renamed over.
    """

    def __init__(self, path: str, *, overwrite: bool, in_place: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        #: Where the file is being written until it is published (None: at ``path`` itself).
        self.temporary = None if in_place else self._temporary_name(path)
        self.published = False

    @staticmethod
    def _temporary_name(path: str) -> str | None:
        if os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path)):
            return None  # /dev/stdout, /dev/null, a FIFO, a link: written in place
        folder, base = os.path.split(os.path.abspath(path))
        return os.path.join(folder, f".{base[:200]}.mstg-{os.getpid()}.part")

    def publish(self) -> None:
        """The file has begun: it takes its real name. From now on an interrupted run is
        found there. :class:`~mstg.errors.OutputExistsError` when the target appeared
        meanwhile and ``overwrite`` is off."""
        temporary = self.temporary
        if temporary is None:
            return
        if self.overwrite:
            if os.path.isfile(self.path):  # the replaced file's permissions carry over
                os.chmod(temporary, stat.S_IMODE(os.stat(self.path).st_mode))
            os.replace(temporary, self.path)
        else:
            try:
                os.link(temporary, self.path)  # fails if the target appeared meanwhile
            except FileExistsError:
                raise OutputExistsError(f"{self.path} exists") from None
            except OSError:  # no hard links on this file system
                if os.path.exists(self.path):
                    raise OutputExistsError(f"{self.path} exists") from None
                os.replace(temporary, self.path)
            else:
                os.unlink(temporary)
        self.temporary = None
        self.published = True

    def discard(self) -> None:
        """Remove a file still under its temporary name (an older file at the target stays)."""
        temporary, self.temporary = self.temporary, None
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
