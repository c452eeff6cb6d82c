"""Reading a preset file: YAML composed into nodes that keep their line and column.

Nothing in the file is constructed into Python objects by PyYAML: the text is composed into a
node tree (so every value knows where it was written), explicit tags (``!!python/object``,
``!foo``) and aliases (``*name``) are refused, and :func:`scalar` turns a scalar node into a
str, int, float, bool or None.

>>> node = compose("version: 1\\nduration: 0.5\\n", "mine.yaml")
>>> [(k.value, scalar(v), v.start_mark.line + 1) for k, v in node.value]
[('version', 1, 1), ('duration', 0.5, 2)]
>>> compose("inputs: !!python/object:os.system x\\n", "mine.yaml")
Traceback (most recent call last):
mstg.presets.document.PresetError: mine.yaml:1:9: YAML tags are not allowed in a preset (found !!python/object:os.system)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import UsageError

__all__ = ["Problem", "PresetError", "compose", "scalar", "describe", "located",
           "MappingNode", "Node", "ScalarNode", "SequenceNode"]

_CORE = "tag:yaml.org,2002:"
#: Implicitly resolved scalar tags built into Python values; every other scalar is text.
_TYPED = frozenset(_CORE + t for t in ("int", "float", "bool", "null"))


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a preset, where it is and which key (``transforms[1].blur.sigma``)."""

    file: str
    line: int  #: 1-based; 0 when the problem is the file itself
    column: int  #: 1-based
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PresetError(UsageError):
    """A preset that cannot be used; ``problems`` lists everything found, the message the first."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        hint = first.hint
        if len(problems) > 1:
            more = f"{len(problems) - 1} more problem(s): mstg presets validate {first.file}"
            hint = f"{hint}; {more}" if hint else more
        super().__init__(str(first), hint=hint)
        self.problems = list(problems)


def located(file: str, node: Node | None, path: str, message: str,
            hint: str | None = None) -> Problem:
    """A :class:`Problem` at ``node``'s start (line and column counted from 1)."""
    if node is None:
        return Problem(file, 0, 0, path, message, hint)
    mark = node.start_mark
    return Problem(file, mark.line + 1, mark.column + 1, path, message, hint)


class PresetLoader(yaml.SafeLoader):
    """A SafeLoader that only composes: explicit tags and aliases are refused where written.

    With a ``refused`` list, each refusal is added to it and composing goes on (a tagged value
    is read as if untagged, an alias as null), so that the file's other problems are found
    too; without one, the first refusal raises.
    """

    def __init__(self, stream: str, refused: list[tuple[str, Any]] | None = None) -> None:
        super().__init__(stream)
        self.refused = refused

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._refuse(f"YAML aliases (*{event.anchor}) are not allowed in a preset", event.start_mark)
            self.get_event()
            return ScalarNode(_CORE + "null", "", event.start_mark, event.end_mark)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
            self._refuse(f"YAML tags are not allowed in a preset (found {shown})", event.start_mark)
            return self._untagged(super().compose_node(parent, index))
        return super().compose_node(parent, index)  # type: ignore[no-any-return]

    def _refuse(self, message: str, mark: Any) -> None:
        if self.refused is None:
            raise _Refused(message, mark)
        self.refused.append((message, mark))

    def _untagged(self, node: Node) -> Node:
        """``node`` as if written without its tag."""
        if isinstance(node, ScalarNode):
            node.tag = self.resolve(ScalarNode, node.value, (True, False))
        else:
            node.tag = self.DEFAULT_MAPPING_TAG if isinstance(node, MappingNode) else self.DEFAULT_SEQUENCE_TAG
        return node


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(problem=message, problem_mark=mark)


def compose(text: str, file: str, problems: list[Problem] | None = None) -> Node | None:
    """The node tree of ``text`` (None for an empty file); YAML errors are a :class:`PresetError`.

    With a ``problems`` list, YAML tags and aliases are added to it as problems and the rest of
    the file is composed (``presets validate`` reports every problem, not only the first).
    """
    refused: list[tuple[str, Any]] | None = None if problems is None else []
    loader = PresetLoader(text, refused)
    try:
        node = loader.get_single_node()
        for message, mark in refused or ():
            problems.append(Problem(file, mark.line + 1, mark.column + 1, "", message))  # type: ignore[union-attr]
        return node  # type: ignore[no-any-return]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = str(exc.problem) if isinstance(exc, _Refused) else _syntax_message(exc)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise PresetError([Problem(file, line, column, "", message)]) from None
    except yaml.YAMLError as exc:  # a reader error: bytes that are not text
        raise PresetError([Problem(file, 0, 0, "", f"not a YAML text file: {exc}")]) from None
    finally:
        loader.dispose()


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None \
            and exc.context_mark.line != exc.problem_mark.line:
        problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return f"YAML syntax error: {problem}"


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def scalar(node: ScalarNode) -> Any:
    """A scalar node as str, int, float, bool or None (dates and the like stay text)."""
    if node.tag in _TYPED:
        value = _CONSTRUCTOR.construct_object(node)
        _CONSTRUCTOR.constructed_objects.clear()
        return value
    return node.value


def describe(node: Node) -> str:
    """What a value is, for messages: ``a list``, ``a mapping`` or the value itself."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    value = scalar(node)  # type: ignore[arg-type]
    return "nothing (null)" if value is None else repr(value)
