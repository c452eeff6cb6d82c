"""What a preset may hold, checked key by key: every problem located at its line and column.

A preset is a mapping: ``version: 1``, an optional ``name`` and ``description``, the
``transforms`` chain, and the keys of an :class:`Option` table (``mstg run``'s long flags,
from the job description's flag table: :func:`preset_keys`). A checked preset *is* a job:
:meth:`Preset.to_config`. Transform parameters go through the same validation as ``-t``
(:mod:`mstg.transforms.params`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chain import CHAIN_KEY, TransformStep, check_chain
from .document import (MappingNode, Node, Problem, ScalarNode, SequenceNode, describe, located,
                       scalar)

__all__ = ["Option", "TransformStep", "Preset", "Checker", "METADATA_KEYS", "CHAIN_KEY", "preset_keys"]

METADATA_KEYS = ("version", "name", "description")
VERSION = 1


@dataclass(frozen=True)
class Option:
    """A key a preset may hold, the option it sets, and how its value is checked.

    ``convert`` gets a str (a tuple of str when ``multiple``; a bool for a ``flag``), the
    way a command line gives it, and returns the value or raises ValueError.
    """

    key: str
    dest: str
    multiple: bool = False
    flag: bool = False
    convert: Callable[[Any], Any] | None = None


@dataclass
class Preset:
    """A checked preset: option values by destination, and its transform chain."""

    name: str
    path: Path
    source: str = "file"
    version: int = VERSION
    description: str = ""
    #: Option destination (``duration``, ``video_codec`` ...) -> converted value.
    options: dict[str, Any] = field(default_factory=dict)
    #: The chain, or None when the preset has no ``transforms`` key.
    transforms: list[TransformStep] | None = None

    def build_transforms(self) -> list[Any]:
        """Fresh transform objects for the chain (empty without one)."""
        from ..transforms.registry import Registry

        registry = Registry.discover()
        return [step.build(registry) for step in self.transforms or []]

    def to_config(self) -> Any:
        """The job this preset describes (a :class:`~mstg.job.RunConfig`)."""
        from ..job import from_flags

        job = from_flags(self.options)
        if self.transforms is not None:
            job.transforms = [{step.spec: dict(step.params)} for step in self.transforms]
        return job


def preset_keys() -> dict[str, Option]:
    """The keys a preset may hold besides version/name/description/transforms: one per flag
    of ``mstg run`` (:data:`mstg.job.FLAGS`), checked by the job field's own check.

    >>> preset_keys()["video-codec"].dest, preset_keys()["inputs"].multiple
    ('video_codec', True)
    """
    from ..job import FLAGS

    return {flag.key: Option(flag.key, flag.dest, multiple=flag.multiple, flag=flag.flag, convert=flag.check)
            for flag in FLAGS.values()}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Checker:
    """Walks a preset's node tree, filling a :class:`Preset` and collecting :class:`Problem`\\ s.

    ``deep=False`` reads only the version, name and description (for listings).
    """

    def __init__(self, file: str, base: Path, options: Mapping[str, Option] | None = None, *,
                 deep: bool = True) -> None:
        self.file = file
        self.base = base
        self.options = dict(preset_keys() if options is None else options)
        self.deep = deep
        self.problems: list[Problem] = []
        self._registry: Any = None

    def problem(self, node: Node | None, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(located(self.file, node, path, message, hint))

    # the document ---------------------------------------------------------------------------
    def document(self, root: Node | None, preset: Preset) -> None:
        if root is None:
            self.problem(None, "", "the file is empty", hint="a preset starts with: version: 1")
            return
        if not isinstance(root, MappingNode):
            self.problem(root, "", f"a preset is a mapping of keys (version: 1, inputs: ...), "
                                   f"got {describe(root)}")
            return
        seen: dict[str, int] = {}
        for key_node, value_node in root.value:
            key = self.key(key_node, "", seen)
            if key is not None:
                self.entry(key, key_node, value_node, preset)
        if "version" not in seen:
            self.problem(root, "", "missing key 'version'", hint="a preset starts with: version: 1")

    def key(self, node: Node, path: str, seen: dict[str, int]) -> str | None:
        value = scalar(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not value:
            self.problem(node, path, f"a key is a name, got {describe(node)}")
            return None
        if value in seen:
            self.problem(node, _join(path, value),
                         f"duplicate key '{value}' (first given at line {seen[value]})")
            return None
        seen[value] = node.start_mark.line + 1
        return value

    def entry(self, key: str, key_node: Node, node: Node, preset: Preset) -> None:
        if key == "version":
            value = scalar(node) if isinstance(node, ScalarNode) else None
            if value != VERSION or isinstance(value, bool):
                self.problem(node, key, f"unsupported preset version {describe(node)}: this mstg "
                                        f"reads version {VERSION}", hint="write: version: 1")
        elif key in ("name", "description"):
            value = scalar(node) if isinstance(node, ScalarNode) else None
            if isinstance(value, str):
                setattr(preset, key, value.strip())
            else:
                self.problem(node, key, f"expected text, got {describe(node)}")
        elif not self.deep:
            return
        elif key == CHAIN_KEY:
            preset.transforms = self.chain(node)
        elif key in self.options:
            self.option(self.options[key], node, preset)
        else:
            self.unknown(key, key_node)

    def unknown(self, key: str, node: Node) -> None:
        names = [*METADATA_KEYS, CHAIN_KEY, *self.options]
        dashed = key.replace("_", "-")
        close = [dashed] if dashed in names else difflib.get_close_matches(key, names, n=1)
        guess = f" (did you mean '{close[0]}'?)" if close else ""
        hint = None if close else ("a preset's keys are mstg run's long flags without the dashes "
                                   "('mstg run --help'), and version, name, description")
        self.problem(node, key, f"unknown key '{key}'{guess}", hint)

    # run options ----------------------------------------------------------------------------
    def option(self, option: Option, node: Node, preset: Preset) -> None:
        path = option.key
        value: Any
        if isinstance(node, ScalarNode) and scalar(node) is None:
            return  # null: as if the key were not there
        if option.flag:
            value = scalar(node) if isinstance(node, ScalarNode) else None
            if not isinstance(value, bool):
                self.problem(node, path, f"expected true or false, got {describe(node)}")
                return
        elif option.multiple:
            items = node.value if isinstance(node, SequenceNode) else [node]
            words = [NULL_SINK if option.dest == "outputs" and _is_null_sink(item)
                     else self.word(item, f"{path}[{i}]" if item is not node else path)
                     for i, item in enumerate(items)]
            if any(w is None for w in words):
                return
            value = tuple(words)
        else:
            value = self.word(node, path)
            if value is None:
                return
        if option.convert is not None:
            try:
                value = option.convert(value)
            except (ValueError, TypeError) as exc:
                self.problem(node, path, str(exc), getattr(exc, "hint", None))
                return
        preset.options[option.dest] = value

    def word(self, node: Node, path: str) -> str | None:
        """A scalar's text as written (what the command line would have), or None (a problem)."""
        value = scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(node, ScalarNode) and value is not None and not isinstance(value, bool):
            return node.value  # type: ignore[no-any-return]
        wanted = "one value" if isinstance(node, (SequenceNode, MappingNode)) else "a value"
        self.problem(node, path, f"expected {wanted}, got {describe(node)}")
        return None

    # the transform chain --------------------------------------------------------------------
    @property
    def registry(self) -> Any:
        if self._registry is None:
            from ..transforms.registry import Registry

            self._registry = Registry.discover()
        return self._registry

    def chain(self, node: Node) -> list[TransformStep]:
        return check_chain(self, node)


#: The output that writes nothing: YAML reads it unquoted as null.
NULL_SINK = "null"


def _is_null_sink(node: Node) -> bool:
    """``outputs: [null]`` written without quotes: YAML's null, meant as the ``null`` sink."""
    return isinstance(node, ScalarNode) and node.value == NULL_SINK and node.style is None
