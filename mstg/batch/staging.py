"""A job's files stay under temporary names until the whole file is done.

``mstg run`` gives a file its name once it holds media (so an interrupted recording keeps
what it has); a batch is stricter: a file under its final name is a finished file, so
``--resume`` can trust it. Each output is written as ``.NAME.mstg-PID.partEXT`` beside its
target (the extension kept, so the format is the same) and takes its name when the job
succeeds; a failed or stopped job leaves nothing::

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> staged = JobFiles([os.path.join(folder, "a.mp4"), "null"], overwrite=False)
    >>> os.path.basename(staged.temporary[0]).startswith(".a.mp4.mstg-")
    True
    >>> staged.temporary[1]
    'null'
"""

from __future__ import annotations

import os

from ..errors import OutputExistsError


def temporary_name(path: str) -> str:
    """``dir/.NAME.mstg-PID.partEXT`` for ``dir/NAME`` (``.mp4`` kept at the end)."""
    folder, base = os.path.split(path)
    return os.path.join(folder, f".{base[:200]}.mstg-{os.getpid()}.part{os.path.splitext(base)[1]}")


class JobFiles:
    """The final and temporary names of a job's files (``null`` is not a file)."""

    def __init__(self, targets: list[str], *, overwrite: bool | list[bool]) -> None:
        self.targets = list(targets)
        self.overwrite = list(overwrite) if isinstance(overwrite, list) else [overwrite] * len(self.targets)
        self.temporary = [t if t == "null" else temporary_name(t) for t in self.targets]

    def check(self) -> None:
        """Before the job starts: an existing target needs ``overwrite``; folders are made."""
        for target, overwrite in zip(self.targets, self.overwrite):
            if target == "null":
                continue
            if os.path.exists(target) and not overwrite:
                raise OutputExistsError(f"{target} exists")
            if os.path.dirname(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)

    def publish(self) -> None:
        """The job succeeded: every file takes its name (an existing one replaced only with
        ``overwrite``; one that appeared meanwhile is an :class:`OutputExistsError`)."""
        for temporary, target, overwrite in zip(self.temporary, self.targets, self.overwrite):
            if target == "null" or not os.path.exists(temporary):
                continue
            if overwrite:
                os.replace(temporary, target)
                continue
            try:
                os.link(temporary, target)
            except FileExistsError:
                raise OutputExistsError(f"{target} exists") from None
            except OSError:  # no hard links here
                if os.path.exists(target):
                    raise OutputExistsError(f"{target} exists") from None
                os.replace(temporary, target)
            else:
                os.unlink(temporary)

    def discard(self) -> None:
        """Remove every temporary file (a failed or stopped job)."""
        for temporary in self.temporary:
            if temporary != "null":
                try:
                    os.unlink(temporary)
                except OSError:
                    pass


def remove_leftovers(targets: list[str]) -> list[str]:
    """Remove the temporary files of ``targets`` left by processes that no longer run (a
    worker killed outright); returns what was removed."""
    import re

    removed = []
    for target in targets:
        if target == "null":
            continue
        folder, base = os.path.split(target)
        # ours (.NAME.mstg-PID.partEXT) and the file output's own inside it (..NAME...part)
        pattern = re.compile(r"^\.+" + re.escape(base[:200]) + r"\.mstg-(\d+)\.part")
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            found = pattern.match(name)
            if found and not _alive(int(found.group(1))):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed.append(os.path.join(folder, name))
                except OSError:
                    pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
