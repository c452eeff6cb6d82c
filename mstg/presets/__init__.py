"""Presets: YAML files holding what ``mstg run``'s flags hold, a whole pipeline by name.

Presets are looked up among the bundled ones, then in ``$XDG_CONFIG_HOME/mstg/presets``, or
read from a path. Reading is safe (YAML is composed into nodes; no tags, no code) and every
problem names its ``file:line:column`` and key path::

    from mstg.presets import load_preset

    preset = load_preset("barcode-scanner")     # the keys: mstg run's long flags
    preset.options["inputs"], [step.spec for step in preset.transforms]
    # (('cam0',), ['barcode'])
    job = preset.to_config()                    # a preset is a job: mstg.job.RunConfig

A broken preset raises :class:`PresetError` (a :class:`~mstg.errors.UsageError`) whose
``problems`` list everything found.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .document import PresetError, Problem, compose
from .lookup import PresetFile, bundled_dir, find_preset, is_path, list_presets, user_dir
from .schema import Checker, Option, Preset, TransformStep, preset_keys

__all__ = ["Preset", "PresetError", "PresetFile", "Problem", "Option", "TransformStep",
           "load_preset", "read_preset", "preset_keys", "find_preset", "list_presets", "bundled_dir",
           "user_dir", "is_path"]


def load_preset(ref: str, options: Mapping[str, Option] | None = None, *, deep: bool = True,
                environ: Mapping[str, str] | None = None) -> Preset:
    """The preset ``ref`` names (a bundled or user preset's name, or a path), checked.

    ``options`` are the keys besides version, name, description and transforms (default:
    :func:`~mstg.presets.schema.preset_keys`); ``deep=False`` reads only the name and description.
    """
    found = find_preset(ref, environ)
    return read_preset(found.path, options, deep=deep, source=found.source)


def read_preset(path: Path, options: Mapping[str, Option] | None = None, *, deep: bool = True,
                source: str = "file", shown: str | None = None) -> Preset:
    """Read and check the preset file ``path``; problems are one :class:`PresetError`."""
    label = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PresetError([Problem(label, 0, 0, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise PresetError([Problem(label, 0, 0, "", f"cannot read it: {exc.strerror}")]) from None
    preset = Preset(name=path.stem, path=path, source=source)
    checker = Checker(label, path.parent, options, deep=deep)
    refused: list[Problem] = []  # YAML tags and aliases: first, then the other problems
    checker.document(compose(text, label, refused), preset)
    problems = refused + checker.problems
    if problems:
        raise PresetError(problems)
    return preset
