"""Transform parameters: parsing ``-t name:key=value,...`` and validating every value.

A transform's parameters are its dataclass fields. Values from the command line (strings)
and from a mapping (a YAML preset: strings, numbers, booleans, lists) go through one
validation: :func:`validate` converts them to the field types and checks the ``min``,
``max`` and ``choices`` of the field metadata. Every problem is a
:class:`~mstg.errors.UsageError` naming the transform, the parameter and the value.

>>> parse_spec("barcode:formats=ean_13,upc_a,draw=false")
('barcode', {'formats': 'ean_13,upc_a', 'draw': 'false'})
>>> parse_spec("ffmpeg:vf=scale=320:-1,hflip", verbatim=("vf", "af"))
('ffmpeg', {'vf': 'scale=320:-1,hflip'})
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import math
import re
import types
import typing
from collections.abc import Collection, Mapping
from typing import Any

from ..errors import UsageError

#: Spellings of true and false accepted for a ``bool`` parameter.
TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "off"})
_TYPE_NAMES = {"int": int, "float": float, "bool": bool, "str": str}
_EXPECTS = {int: "an integer", float: "a number", bool: "true or false (yes/no, 1/0)",
            str: "text"}


class Required:
    """Marks a parameter without a default."""

    def __repr__(self) -> str:
        return "required"


REQUIRED = Required()


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a transform, as ``mstg transforms NAME`` shows it."""

    name: str
    type: Any
    default: Any = REQUIRED
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    #: A comma-separated list whose every item must be one of ``choices``.
    multiple: bool = False
    #: None is accepted (the annotation is ``X | None``).
    optional: bool = False

    @property
    def type_name(self) -> str:
        name = getattr(self.type, "__name__", str(self.type))
        return f"{name} | None" if self.optional else name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type_name,
                "default": None if self.default is REQUIRED else self.default,
                "required": self.default is REQUIRED, "help": self.help, "min": self.min,
                "max": self.max, "choices": list(self.choices) if self.choices else None,
                "multiple": self.multiple}


# --- parsing -------------------------------------------------------------------------------
def split_spec(spec: str) -> tuple[str, str]:
    """``"blur:sigma=3"`` -> ``("blur", "sigma=3")``: the name ends at the first ``:``."""
    name, _, rest = spec.partition(":")
    return name.strip(), rest


def parse_params(rest: str, transform: str, verbatim: Collection[str] = ()) -> dict[str, str]:
    """``"key=value,key=value"`` -> a dict of strings.

    Each item is split at its first ``=``; an item without ``=`` continues the previous
    parameter's value (a list: ``formats=ean_13,upc_a``); a key in ``verbatim`` takes the
    rest of the string as it is (an FFmpeg filter graph: ``vf=scale=320:-1,hflip``).
    """
    params: dict[str, str] = {}
    last: str | None = None
    pos = 0
    while pos <= len(rest):
        end = rest.find(",", pos)
        end = len(rest) if end < 0 else end
        item = rest[pos:end]
        key, eq, value = item.partition("=")
        key = key.strip()
        if eq and key in verbatim:
            _store(params, transform, key, rest[pos + item.index("=") + 1:])
            break
        if eq and key:
            _store(params, transform, key, value)
            last = key
        elif item.strip():
            if last is None:
                raise UsageError(f"transform '{transform}': expected key=value, got {item!r}",
                                 hint=f"e.g. -t \"{transform}:key=value\"")
            params[last] += "," + item
        pos = end + 1
    return params


def _store(params: dict[str, str], transform: str, key: str, value: str) -> None:
    if key in params:
        raise UsageError(f"transform '{transform}': parameter '{key}' is given twice")
    params[key] = value


def parse_spec(spec: str, verbatim: Collection[str] = ()) -> tuple[str, dict[str, str]]:
    """``"blur:sigma=3,size=5"`` -> ``("blur", {"sigma": "3", "size": "5"})``."""
    name, rest = split_spec(spec)
    return name, parse_params(rest, name, verbatim)


# --- describing ----------------------------------------------------------------------------
def parameters(cls: type) -> list[Param]:
    """The parameters of a transform class: its init fields not starting with ``_``."""
    if not dataclasses.is_dataclass(cls):
        return []
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - a plugin's annotations may not resolve
        hints = {}
    out = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_"):
            continue
        kind, optional = _resolve_type(hints.get(f.name, f.type))
        meta = f.metadata
        choices = meta.get("choices")
        out.append(Param(
            name=f.name, type=kind, default=_default(f), help=str(meta.get("help", "")),
            min=meta.get("min"), max=meta.get("max"),
            choices=tuple(choices) if choices is not None else None,
            multiple=bool(meta.get("multiple", False)), optional=optional))
    return out


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return REQUIRED


def _resolve_type(annotation: Any) -> tuple[Any, bool]:
    """(int/float/bool/str or the annotation itself, whether None is allowed)."""
    if isinstance(annotation, str):
        parts = [p.strip() for p in annotation.replace("Optional[", "").rstrip("]").split("|")]
        optional = "None" in parts or annotation.startswith("Optional[")
        named = [_TYPE_NAMES.get(p) for p in parts if p != "None"]
        return (named[0] if len(named) == 1 and named[0] else annotation), optional
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        kind = args[0] if len(args) == 1 else annotation
        return kind, len(args) < len(typing.get_args(annotation))
    return annotation, False


# --- validating ----------------------------------------------------------------------------
def validate(cls: type, transform: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert ``given`` against the parameters of ``cls``: keyword arguments for it.

    >>> from dataclasses import dataclass, field
    >>> @dataclass
    ... class Blur:
    ...     sigma: float = field(default=2.0, metadata={"min": 0, "max": 50})
    >>> validate(Blur, "blur", {"sigma": "3"})
    {'sigma': 3.0}
    >>> validate(Blur, "blur", {"sigmaa": "3"})
    Traceback (most recent call last):
    mstg.errors.UsageError: transform 'blur': unknown parameter 'sigmaa' (did you mean 'sigma'?)
    """
    params = {p.name: p for p in parameters(cls)}
    values: dict[str, Any] = {}
    for key, value in given.items():
        param = params.get(key)
        if param is None:
            raise _unknown(transform, key, list(params))
        values[key] = convert(param, value, transform)
    missing = [p.name for p in params.values() if p.default is REQUIRED and p.name not in values]
    if missing:
        raise UsageError(f"transform '{transform}': parameter '{missing[0]}' is required",
                         hint=f"e.g. -t \"{transform}:{missing[0]}=...\"")
    return values


def _unknown(transform: str, key: str, names: list[str]) -> UsageError:
    close = difflib.get_close_matches(key, names, n=1)
    if close:
        return UsageError(f"transform '{transform}': unknown parameter '{key}' "
                          f"(did you mean '{close[0]}'?)")
    hint = (f"its parameters: {', '.join(names)}" if names
            else f"'{transform}' takes no parameters")
    return UsageError(f"transform '{transform}': unknown parameter '{key}'", hint=hint)


def convert(param: Param, value: Any, transform: str) -> Any:
    """``value`` (a string or a native value) as ``param``'s type, range and choices checked."""
    if value is None or (param.optional and isinstance(value, str)
                         and value.strip().lower() in ("none", "null", "")):
        if param.optional:
            return None
        raise _wrong(param, value, transform, _EXPECTS.get(param.type, param.type_name))
    converted = _to_type(param, value, transform)
    _check_range(param, converted, transform)
    _check_choices(param, converted, transform)
    return converted


def _to_type(param: Param, value: Any, transform: str) -> Any:
    kind = param.type
    if kind is bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, (str, int)) else None
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
    elif kind is float:
        number = _float(value)
        if number is not None:
            return number
    elif kind is str:
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    else:
        return value  # a type mstg does not know: the transform checks it
    raise _wrong(param, value, transform, _EXPECTS[kind])


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _wrong(param: Param, value: Any, transform: str, expected: str) -> UsageError:
    return UsageError(f"transform '{transform}': parameter '{param.name}' expects {expected}, "
                      f"got {value!r}")


def _check_range(param: Param, value: Any, transform: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    low, high = param.min, param.max
    if (low is None or value >= low) and (high is None or value <= high):
        return
    if low is not None and high is not None:
        wanted = f"between {low} and {high}"
    else:
        wanted = f"at least {low}" if low is not None else f"at most {high}"
    raise UsageError(f"transform '{transform}': parameter '{param.name}' must be {wanted}, "
                     f"got {value}")


def _check_choices(param: Param, value: Any, transform: str) -> None:
    if not param.choices:
        return
    items = [v.strip() for v in value.split(",")] if param.multiple and isinstance(value, str) \
        else [value]
    allowed = [str(c) for c in param.choices]
    for item in items:
        if item in param.choices:
            continue
        close = difflib.get_close_matches(str(item), allowed, n=1)
        guess = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"transform '{transform}': parameter '{param.name}' must be one of "
                         f"{', '.join(allowed)}; got {item!r}{guess}")


# --- documenting ---------------------------------------------------------------------------
_EXAMPLE = re.compile(r"mstg run [^`\n]*")


def describe_class(cls: type, label: str) -> dict[str, Any]:
    """What ``mstg transforms NAME`` shows: kind, summary, docs, parameters, an example."""
    doc = inspect.getdoc(cls) or ""
    if doc.startswith(f"{cls.__name__}("):  # the signature dataclasses write for no docstring
        doc = ""
    params = parameters(cls)
    shown = "\n".join(line for line in doc.splitlines() if not line.startswith("Example:"))
    return {"kind": getattr(cls, "kind", None), "summary": getattr(cls, "summary", "") or "",
            "doc": shown.strip(), "parameters": [p.to_dict() for p in params],
            "example": example(cls, label, doc, params)}


def example(cls: type, label: str, doc: str = "", params: list[Param] | None = None) -> str:
    """The first ``mstg run ...`` line of the docstring, or one made from the parameters."""
    found = _EXAMPLE.search(doc)
    if found:
        return found.group(0).strip()
    params = parameters(cls) if params is None else params
    shown = next((p for p in params if p.default not in (REQUIRED, None, "")), None)
    spec = label if shown is None else f"{label}:{shown.name}={_text(shown.default)}"
    media = "in.wav" if getattr(cls, "kind", "video") == "audio" else "in.mp4"
    return f'mstg run -i {media} -t "{spec}" -o out{media[2:]}'


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def validate_params(transform: Any) -> None:
    """Give each parameter its field's type and check its limits (a ``ValueError`` if wrong).

    The command line and presets validate before construction already; this covers
    ``Blur(sigma="3")`` in Python, with the same messages.
    """
    for spec in parameters(type(transform)):
        setattr(transform, spec.name, convert(spec, getattr(transform, spec.name), transform.name))
