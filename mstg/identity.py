"""Outputs never destroy inputs: an output that is one of the run's inputs is refused.

Two names are the same file when they share a device and an inode (``os.stat``): the same
path, a path through a symbolic link, or a hard link. FFmpeg refuses the same way ("Output
same as Input"); mstg refuses with or without ``overwrite`` (``-y``), before anything is
written.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> talk = os.path.join(folder, "talk.mkv")
>>> open(talk, "wb").close()
>>> os.symlink(talk, os.path.join(folder, "link.mkv"))
>>> refuse_inputs_as_outputs([talk], [os.path.join(folder, "link.mkv")])
Traceback (most recent call last):
...
mstg.errors.OutputError: the output .../link.mkv is the input .../talk.mkv: writing it would destroy the input
>>> refuse_inputs_as_outputs([talk], [os.path.join(folder, "new.mkv")])  # a new file: fine
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from typing import Any

from .errors import OutputError

__all__ = ["file_paths", "refuse_inputs_as_outputs", "same_file"]


def file_paths(thing: Any) -> list[str]:
    """The local files ``thing`` reads or writes: a path string itself, or what an input or an
    output object names (``paths`` of a picture sequence, ``url`` or ``path`` of a file). URLs,
    ``-``, ``null``, devices and synthetic sources name no file.

    >>> file_paths("clip.mp4"), file_paths("-"), file_paths("rtsp://cam/stream")
    (['clip.mp4'], [], [])
    """
    if isinstance(thing, (str, os.PathLike)):
        names = [os.fspath(thing)]
    else:
        names = list(getattr(thing, "paths", None) or ())
        for attribute in ("url", "path"):
            value = getattr(thing, attribute, None)
            if isinstance(value, str):
                names.append(value)
    return [n for n in dict.fromkeys(names)
            if n and n not in ("-", "null") and "://" not in n and not n.startswith("pipe:")]


def _identity(path: str) -> tuple[int, int] | None:
    """Device and inode of a regular file (devices, FIFOs and terminals are not data to lose)."""
    try:
        found = os.stat(path)  # follows links: a link to the input is the input
    except (OSError, ValueError):
        return None
    return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else None


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one existing regular file (same device and inode).

    >>> same_file(__file__, __file__)
    True
    """
    ida = _identity(a)
    return ida is not None and ida == _identity(b)


def refuse_inputs_as_outputs(inputs: Iterable[Any], outputs: Iterable[Any]) -> None:
    """Raise :class:`~mstg.errors.OutputError` (exit status 5) when an output is one of the
    inputs. ``inputs`` and ``outputs`` are paths, or opened inputs and outputs (see
    :func:`file_paths`). Nothing is touched; ``overwrite`` makes no difference."""
    seen: dict[tuple[int, int], str] = {}
    for source in inputs:
        for name in file_paths(source):
            identity = _identity(name)
            if identity is not None:
                seen.setdefault(identity, name)
    if not seen:
        return
    for sink in outputs:
        for name in file_paths(sink):
            identity = _identity(name)
            if identity is not None and identity in seen:
                raise OutputError(f"the output {name} is the input {seen[identity]}: writing it "
                                  "would destroy the input",
                                  hint="write to another file (even -y never overwrites an input)")
