"""Bad flag and preset values in mstg's own words (as transform parameters are worded),
instead of click's ("'abc' is not a valid integer range.").

>>> import click
>>> crf = click.Option(["--crf"], type=click.IntRange(0, 63))
>>> bad_value(crf, "abc")
"expects an integer between 0 and 63, got 'abc'"
>>> bad_value(crf, "99")
'must be between 0 and 63, got 99'
"""

from __future__ import annotations

import re
from typing import Any

import click

#: What click's own messages start with: the value, as click wrote it.
_CLICK_VALUE = re.compile(r"^(?P<value>.+?) is not (a valid |in the range |one of )")
_KINDS = {"integer": "an integer", "float": "a number", "boolean": "true or false"}


def bad_value(param: click.Parameter, value: Any) -> str:
    """Why ``value``, which click refused, does not fit ``param``: ``expects an integer, got
    'abc'``, ``must be between 0 and 63, got 99``, ``must be one of fail, skip, pass; got
    'later'``."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return f"must be one of {', '.join(map(str, kind.choices))}; got {value!r}"
    number = _number(kind, value)
    if number is None:
        limits = _range(kind)
        within = f" {limits}" if limits != "valid" else ""
        return f"expects {_KINDS.get(_base(kind), kind.name)}{within}, got {value!r}"
    return f"must be {_range(kind)}, got {number:g}" if isinstance(number, float) else \
        f"must be {_range(kind)}, got {number}"


def usage_message(exc: click.UsageError) -> str:
    """The message of a command-line mistake; a bad value's in mstg's words
    (``--crf must be between 0 and 63, got 99``)."""
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter) \
            and exc.param is not None and exc.message:
        found = _CLICK_VALUE.match(exc.message)
        if found and _reworded(exc.param):
            return f"{_flag(exc.param)} {bad_value(exc.param, _unquote(found.group('value')))}"
        return f"{_flag(exc.param)}: {exc.message}"  # a callback's own words
    return exc.format_message()


def _reworded(param: click.Parameter) -> bool:
    return isinstance(param.type, (click.Choice, click.IntRange, click.FloatRange,
                                   click.types.IntParamType, click.types.FloatParamType))


def _flag(param: click.Parameter) -> str:
    opts = getattr(param, "opts", None) or [param.name or "value"]
    return max(opts, key=len) if isinstance(param, click.Option) else param.human_readable_name


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def _base(kind: click.ParamType) -> str:
    return "integer" if isinstance(kind, (click.IntRange, click.types.IntParamType)) else \
        "float" if isinstance(kind, (click.FloatRange, click.types.FloatParamType)) else kind.name


def _number(kind: click.ParamType, value: Any) -> int | float | None:
    """``value`` as the number ``kind`` takes, or None when it is not one."""
    base = _base(kind)
    if isinstance(value, bool) or base not in ("integer", "float"):
        return None
    try:
        number = int(str(value).strip()) if base == "integer" else float(str(value).strip())
    except ValueError:
        return None
    return number


def _range(kind: click.ParamType) -> str:
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    low_open, high_open = getattr(kind, "min_open", False), getattr(kind, "max_open", False)
    if low is not None and high is not None and not (low_open or high_open):
        return f"between {low:g} and {high:g}"
    parts = []
    if low is not None:
        parts.append(f"above {low:g}" if low_open else f"at least {low:g}")
    if high is not None:
        parts.append(f"below {high:g}" if high_open else f"at most {high:g}")
    return " and ".join(parts) or "valid"
