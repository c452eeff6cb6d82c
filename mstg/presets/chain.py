"""A preset's ``transforms`` key: each step checked by the same code as ``-t``.

A step is a name (``- grayscale``), the ``-t`` syntax (``- "blur:sigma=3"``) or one
``name: {parameters}`` pair (``- blur: {sigma: 3}``). Parameters are handed over as written
(the text of each YAML scalar), so ``sigma: 3`` in a preset and ``-t blur:sigma=3`` go through
one validation. Each problem is located at the parameter's key (unknown) or value (bad).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MstgError
from .document import MappingNode, Node, ScalarNode, SequenceNode, describe, scalar

if TYPE_CHECKING:
    from .schema import Checker

__all__ = ["check_chain", "TransformStep"]

CHAIN_KEY = "transforms"
_BAD = object()
Param = tuple[str, Node, Any, Node]


@dataclass(frozen=True)
class TransformStep:
    """One transform of a preset's chain: its name (or ``file.py:Class``) and parameters."""

    spec: str
    params: dict[str, Any] = field(default_factory=dict)

    def build(self, registry: Any = None) -> Any:
        """The transform, validated the way ``-t`` is."""
        from ..transforms.registry import load_transform

        return load_transform(self.spec, self.params, registry=registry)


def check_chain(checker: Checker, node: Node) -> list[TransformStep]:
    """The steps of the ``transforms`` value ``node``; problems go to ``checker``."""
    if isinstance(node, ScalarNode) and scalar(node) is None:
        return []
    if isinstance(node, MappingNode):
        checker.problem(node, CHAIN_KEY, "expected a list of transforms, got a mapping",
                        hint="write each transform on its own line: '- blur: {sigma: 3}'")
        return []
    items = node.value if isinstance(node, SequenceNode) else [node]
    steps = [_step(checker, item, f"{CHAIN_KEY}[{i}]") for i, item in enumerate(items)]
    return [s for s in steps if s is not None]


def _step(checker: Checker, node: Node, path: str) -> TransformStep | None:
    if isinstance(node, ScalarNode):
        return _spec_step(checker, node, path)
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        got = f"{len(node.value)} keys" if isinstance(node, MappingNode) else describe(node)
        checker.problem(node, path, f"a transform is a name or one 'name: {{parameters}}' pair, "
                                    f"got {got}", hint="start each transform with its own '- '")
        return None
    name_node, params_node = node.value[0]
    name = scalar(name_node) if isinstance(name_node, ScalarNode) else None
    if not isinstance(name, str) or not name:
        checker.problem(name_node, path, f"expected a transform name, got {describe(name_node)}")
        return None
    return _mapping_step(checker, _local(checker, name), name_node, params_node, f"{path}.{name}")


def _spec_step(checker: Checker, node: ScalarNode, path: str) -> TransformStep | None:
    """``- "blur:sigma=3"``: the ``-t`` syntax, checked by the same code."""
    from ..transforms.registry import load_transform

    text = scalar(node)
    if not isinstance(text, str) or not text.strip():
        checker.problem(node, path, f"expected a transform name, got {describe(node)}")
        return None
    spec = _local(checker, text.strip())
    try:
        load_transform(spec, registry=checker.registry)
    except MstgError as exc:
        checker.problem(node, path, str(exc), exc.hint)
        return None
    return TransformStep(spec)


def _mapping_step(checker: Checker, spec: str, name_node: Node, params_node: Node,
                  path: str) -> TransformStep | None:
    """``- blur: {sigma: 3}``: each parameter checked alone (to say which), then all together."""
    from ..transforms.params import convert, parameters, validate
    from ..transforms.registry import create

    params = _params(checker, params_node, path)
    cls, label = _transform_class(checker, spec, name_node, path)
    if cls is None or params is None:
        return None
    fields = {p.name: p for p in parameters(cls)}
    values: dict[str, Any] = {}
    for key, key_node, value, value_node in params:
        try:
            if key in fields:
                convert(fields[key], value, label)
            else:
                validate(cls, label, {key: value})  # raises: unknown parameter (did you mean)
            values[key] = value
        except MstgError as exc:
            at = value_node if key in fields else key_node
            checker.problem(at, f"{path}.{key}", _bare(exc, label), exc.hint)
    if len(values) < len(params):
        return None
    try:
        create(cls, label, values)  # required parameters, the transform's own checks
    except MstgError as exc:
        checker.problem(name_node, path, _bare(exc, label), exc.hint)
        return None
    return TransformStep(spec, values)


def _transform_class(checker: Checker, spec: str, node: Node, path: str) -> tuple[Any, str]:
    """(the transform class or None, the label its messages use)."""
    from ..transforms.params import split_spec
    from ..transforms.registry import Entry, parse_file_spec

    local = parse_file_spec(spec)
    rest = local[2] if local is not None else split_spec(spec)[1]
    if rest:
        checker.problem(node, path, "parameters go in the mapping, not after ':'",
                        hint="e.g. '- blur: {sigma: 3}'")
        return None, spec
    try:
        if local is not None:
            label = f"{local[0]}:{local[1]}"
            return Entry(local[1], label, "file").load(), label
        return checker.registry.load_class(spec), spec
    except MstgError as exc:
        checker.problem(node, path, str(exc), exc.hint)
        return None, spec


def _params(checker: Checker, node: Node, path: str) -> list[Param] | None:
    """The parameters as (key, key node, value, value node), or None after a problem."""
    if isinstance(node, ScalarNode) and scalar(node) is None:
        return []
    if not isinstance(node, MappingNode):
        checker.problem(node, path, f"parameters are a mapping (key: value), got {describe(node)}",
                        hint="e.g. '- blur: {sigma: 3}'")
        return None
    seen: dict[str, int] = {}
    out: list[Param] = []
    for key_node, value_node in node.value:
        key = checker.key(key_node, path, seen)
        value = _param_value(checker, value_node, f"{path}.{key or '?'}")
        if key is not None and value is not _BAD:
            out.append((key, key_node, value, value_node))
    return out if len(out) == len(node.value) else None


def _param_value(checker: Checker, node: Node, path: str) -> Any:
    """A parameter's text as written (null: None; a list: a list of texts)."""
    if isinstance(node, ScalarNode):
        return None if scalar(node) is None else node.value
    if isinstance(node, SequenceNode) and all(isinstance(n, ScalarNode) for n in node.value):
        return [n.value for n in node.value]
    checker.problem(node, path, f"expected a value or a list of values, got {describe(node)}")
    return _BAD


def _local(checker: Checker, spec: str) -> str:
    """A ``file.py:Class`` spec with a relative path is relative to the preset's folder."""
    from ..transforms.registry import parse_file_spec

    local = parse_file_spec(spec)
    if local is None or Path(local[0]).expanduser().is_absolute():
        return spec
    rest = f":{local[2]}" if local[2] else ""
    return f"{checker.base / local[0]}:{local[1]}{rest}"


def _bare(exc: MstgError, label: str) -> str:
    """The message without its ``transform 'blur': `` prefix (the key path says it)."""
    message = str(exc)
    prefix = f"transform '{label}': "
    return message[len(prefix):] if message.startswith(prefix) else message
