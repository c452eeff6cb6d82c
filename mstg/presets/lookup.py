"""Where presets live: bundled with mstg, in the user's folder, or at any path.

A name is looked up among the bundled presets, then in ``$XDG_CONFIG_HOME/mstg/presets``
(``~/.config/mstg/presets`` by default); a reference containing ``/`` or ending in ``.yaml``
/ ``.yml`` is a path.

>>> find_preset("barcode-scanner").source
'bundled'
>>> is_path("./mine.yaml"), is_path("mine")
(True, False)
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

__all__ = ["PresetFile", "bundled_dir", "user_dir", "is_path", "find_preset", "list_presets"]

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class PresetFile:
    """A preset file and where it was found: ``bundled``, ``user`` or ``file``."""

    name: str
    path: Path
    source: str
    #: A bundled preset of the same name hides this user preset from lookup by name.
    shadowed: bool = False


def bundled_dir() -> Path:
    """The folder of the presets shipped with mstg (the package ``mstg.presets_data``)."""
    import importlib.resources

    try:
        return Path(str(importlib.resources.files("mstg.presets_data")))
    except ModuleNotFoundError:
        # an editable install made before the presets were packaged: the checkout's folder
        return Path(__file__).resolve().parents[2] / "presets"


def user_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/mstg/presets``, or ``~/.config/mstg/presets``."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mstg" / "presets"


def is_path(ref: str) -> bool:
    """Whether ``ref`` names a file rather than a preset (it has a ``/`` or a YAML suffix)."""
    return "/" in ref or os.sep in ref or ref.lower().endswith(SUFFIXES)


def _files(folder: Path, source: str) -> list[PresetFile]:
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()]
    return [PresetFile(p.stem, p, source) for p in sorted(found)]


def list_presets(environ: Mapping[str, str] | None = None) -> list[PresetFile]:
    """The bundled presets, then the user's (one hidden by a bundled name is ``shadowed``)."""
    bundled = _files(bundled_dir(), "bundled")
    names = {p.name for p in bundled}
    user = [PresetFile(p.name, p.path, p.source, shadowed=p.name in names)
            for p in _files(user_dir(environ), "user")]
    return bundled + user


def find_preset(ref: str, environ: Mapping[str, str] | None = None) -> PresetFile:
    """The preset ``ref`` names; an unknown name or a missing file is a UsageError."""
    if is_path(ref):
        path = Path(ref).expanduser()
        if not path.is_file():
            what = "is a folder, not a preset file" if path.is_dir() else "not found"
            raise UsageError(f"preset file {what}: {ref}")
        return PresetFile(path.stem, path, "file")
    presets = [p for p in list_presets(environ) if not p.shadowed]
    for preset in presets:
        if preset.name == ref:
            return preset
    close = difflib.get_close_matches(ref, [p.name for p in presets], n=1)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    raise UsageError(f"no preset named '{ref}'{guess}",
                     hint=f"'mstg presets' lists them; a file is named by its path (./{ref}.yaml)")
