"""Which files a batch reads: paths, folders (recursive), globs and list files.

Each input found keeps the folder it was found under (its *root*), so an output template can
rebuild the tree below it (``{relpath}``)::

    from mstg.batch.discover import find_inputs

    for found in find_inputs(["clips/", "extra/*.mkv", "@todo.txt"]):
        print(found.path, found.relpath)   # clips/a/b.mp4 a
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InputNotFoundError, UsageError

log = logging.getLogger(__name__)

#: What a folder contributes: files with these extensions (``--ext`` chooses others).
MEDIA_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".flv", ".wmv",
    ".mpg", ".mpeg", ".ogv", ".3gp", ".nut", ".y4m", ".gif",
    ".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".mka", ".aac",
    ".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff",
})


@dataclass(frozen=True)
class FoundInput:
    """One input file of a batch: its path and the folder it was found under."""

    path: str
    root: str

    @property
    def relpath(self) -> str:
        """The file's folder relative to its root (``""`` when it lies in the root itself)."""
        rel = os.path.relpath(os.path.dirname(os.path.abspath(self.path)), os.path.abspath(self.root))
        return "" if rel == "." else rel


def find_inputs(specs: Iterable[str], *, extensions: Iterable[str] | None = None) -> list[FoundInput]:
    """The files ``specs`` name, in order, each once. A spec is a file, a folder (searched
    recursively for media files), a glob (``'shots/**/*.jpg'``) or ``@LIST`` (a text file
    naming one input a line; blank lines and ``#`` comments skipped).

    Raises :class:`~mstg.errors.InputNotFoundError` for a path that does not exist or a glob
    or folder that matches nothing.
    """
    exts = frozenset(e.lower() if e.startswith(".") else "." + e.lower() for e in extensions) \
        if extensions else MEDIA_EXTENSIONS
    found: dict[str, FoundInput] = {}
    for spec in specs:
        for item in _expand(spec, exts):
            found.setdefault(os.path.realpath(item.path), item)
    return list(found.values())


def _expand(spec: str, exts: frozenset[str]) -> list[FoundInput]:
    if spec.startswith("@"):
        return _from_list(spec[1:], exts)
    if os.path.isdir(spec):
        found = _walk(spec, exts)
        if not found:
            raise InputNotFoundError(f"no media files under {spec} (extensions: {_shown(exts)})")
        return found
    if os.path.isfile(spec):
        return [FoundInput(spec, os.path.dirname(spec) or ".")]
    if glob.has_magic(spec):
        matches = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
        if not matches:
            raise InputNotFoundError(f"no file matches {spec}")
        return [FoundInput(p, _glob_root(spec)) for p in matches]
    raise InputNotFoundError(f"{spec} does not exist")


def _walk(folder: str, exts: frozenset[str]) -> list[FoundInput]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in exts:
                found.append(FoundInput(os.path.join(dirpath, name), folder))
    return found


def _glob_root(spec: str) -> str:
    """The part of a glob before its first wildcard: ``clips/**/*.mp4`` -> ``clips``."""
    parts = spec.split(os.sep)
    fixed = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return os.sep.join(fixed) or ("/" if spec.startswith("/") else ".")


def _from_list(list_file: str, exts: frozenset[str]) -> list[FoundInput]:
    """A list file's entries; relative ones are relative to the list file's folder."""
    try:
        with open(list_file, encoding="utf-8") as stream:
            lines = [line.strip() for line in stream]
    except FileNotFoundError as exc:
        raise InputNotFoundError(f"list file {list_file} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the list file {list_file}: {exc}") from exc
    base = os.path.dirname(list_file) or "."
    found = []
    for line in lines:
        if line and not line.startswith("#"):
            path = line if os.path.isabs(line) else os.path.join(base, line)
            found.extend(FoundInput(f.path, base if f.root == (os.path.dirname(path) or ".") else f.root)
                         for f in _expand(path, exts))
    log.debug("%s names %d inputs", list_file, len(found))
    return found


def _shown(exts: frozenset[str]) -> str:
    return " ".join(sorted(exts)) if len(exts) <= 8 else f"{len(exts)} media types; --ext picks others"
