"""Copying a preset into the user's folder under a new name, to change it there.

>>> import os, tempfile
>>> home = tempfile.mkdtemp()
>>> path = copy_preset("to-gif", "my-gif", environ={"XDG_CONFIG_HOME": home})
>>> path.relative_to(home).as_posix(), "name: my-gif" in path.read_text()
('mstg/presets/my-gif.yaml', True)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import OutputExistsError, UsageError
from .lookup import bundled_dir, find_preset, user_dir

__all__ = ["copy_preset", "renamed"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_NAME_LINE = re.compile(r"^name:.*$", re.M)
_VERSION_LINE = re.compile(r"^version:.*\n", re.M)


def renamed(text: str, old: str, new: str) -> str:
    """A preset's YAML with its ``name:`` (and the name in its comments) changed to ``new``.

    >>> print(renamed("# to-gif: a GIF\\nversion: 1\\nname: to-gif\\nfps: 12\\n", "to-gif", "my-gif"))
    # my-gif: a GIF
    version: 1
    name: my-gif
    fps: 12
    <BLANKLINE>
    """
    word = re.compile(rf"(?<![\\w-]){re.escape(old)}(?![\\w-])")
    lines = [word.sub(new, line) if line.lstrip().startswith("#") else line
             for line in text.splitlines(keepends=True)]
    text = "".join(lines)
    if _NAME_LINE.search(text):
        return _NAME_LINE.sub(f"name: {new}", text, count=1)
    version = _VERSION_LINE.search(text)
    at = version.end() if version else 0
    return f"{text[:at]}name: {new}\n{text[at:]}"


def copy_preset(ref: str, new: str, *, overwrite: bool = False,
                environ: Mapping[str, str] | None = None) -> Path:
    """Copy the preset ``ref`` (a name or a path) to ``NEW.yaml`` in the user's folder
    (``$XDG_CONFIG_HOME/mstg/presets``, made if missing), renamed ``new``; its path.

    An existing file is kept unless ``overwrite``; a name a bundled preset has is refused (the
    bundled one would hide the copy).
    """
    if not _NAME.match(new) or new.lower().endswith((".yaml", ".yml")):
        raise UsageError(f"'{new}' is not a preset name: letters, digits, '.', '_' and '-'",
                         hint=f"the copy goes to {user_dir(environ)}; e.g. mstg presets copy {ref} my-{ref}")
    if (bundled_dir() / f"{new}.yaml").is_file():
        raise UsageError(f"'{new}' is the name of a bundled preset, which would hide the copy",
                         hint=f"pick another name, e.g. my-{new}")
    source = find_preset(ref, environ)
    target = user_dir(environ) / f"{new}.yaml"
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target} exists", hint="pass -y to overwrite it")
    text = renamed(source.path.read_text(encoding="utf-8"), source.name, new)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
    return target
