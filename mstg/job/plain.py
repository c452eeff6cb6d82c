"""Reading a job from plain data (dict, JSON, YAML), every problem named with its place.

>>> from mstg.job import RunConfig
>>> RunConfig.from_dict({"outputs": [{"spec": "a.mp4"}, {"spec": "b.mp4", "crf": "x"}]})
Traceback (most recent call last):
mstg.job.plain.ConfigError: outputs[1].crf: expected an integer 0..63, got 'x'
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError

__all__ = ["ConfigError", "Reader", "transforms_to_data"]

Problem = tuple[str, str]  # (where: "outputs[1].crf", what)


class ConfigError(UsageError):
    """A job description that does not hold together: ``problems`` lists each
    ``(path, message)``; the message is the first, with a count of the others."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        first = ": ".join(p for p in self.problems[0] if p)
        more = len(self.problems) - 1
        super().__init__(first, hint=f"{more} more problem(s)" if more else None)


def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)


class Reader:
    """Reads dataclass fields from plain data, collecting every problem with its place."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fields(self, cls: type, data: Mapping[str, Any], path: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        known = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
        values: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = str(raw_key).replace("-", "_")
            where = _join(path, key)
            if key not in known:
                close = difflib.get_close_matches(key, list(known), n=1)
                self.problems.append((where, f"unknown key '{raw_key}'"
                                      + (f" (did you mean '{close[0]}'?)" if close else "")))
                continue
            if value is None:
                continue
            check = known[key].metadata.get("check")
            try:
                values[key] = check(value) if check else value
            except ValueError as exc:
                self.problems.append((where, str(exc)))
        return values

    def item(self, cls: type, value: Any, path: str) -> Any:
        if isinstance(value, str):
            return cls(value)
        if not isinstance(value, Mapping):
            self.problems.append((path, f"expected a name or a mapping with 'spec', got {type(value).__name__}"))
            return None
        values = self.fields(cls, value, path)
        if "spec" in values and not isinstance(values["spec"], str):
            self.problems.append((_join(path, "spec"), "expected text"))
            return None
        return cls(**values)

    def items(self, cls: type, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        read = [self.item(cls, v, _join(path, i) if isinstance(value, list) else path)
                for i, v in enumerate(items)]
        return [r for r in read if r is not None]

    def transforms(self, value: Any, path: str) -> list[Any] | None:
        if value is None:
            return None
        steps = value if isinstance(value, list) else [value]
        for index, step in enumerate(steps):
            where = _join(path, index)
            if isinstance(step, str) and step:
                continue
            if isinstance(step, Mapping) and len(step) == 1:
                (name, params), = step.items()
                if isinstance(name, str) and (params is None or isinstance(params, Mapping)):
                    continue
            self.problems.append((where, "expected a '-t' text ('blur:sigma=3') or one "
                                         "{name: {parameters}} mapping"))
        return [dict(s) if isinstance(s, Mapping) else s for s in steps]


def transforms_to_data(steps: list[Any]) -> list[Any]:
    """The chain as plain data; Transform objects and functions have none (ConfigError)."""
    out: list[Any] = []
    for index, step in enumerate(steps):
        if isinstance(step, str):
            out.append(step)
        elif isinstance(step, Mapping):
            out.append({name: dict(params or {}) for name, params in step.items()})
        else:
            raise ConfigError([(f"transforms[{index}]", f"{step!r} is a Python object: only '-t' "
                                                        "texts and {name: {parameters}} go into plain data")])
    return out
