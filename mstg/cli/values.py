"""Bad flag values in mstg's own words, as a preset's are worded (:mod:`mstg.job.checks`),
instead of click's ("'abc' is not a valid integer range.").

>>> import click
>>> crf = click.Option(["--crf"], type=click.IntRange(0, 63))
>>> bad_value(crf, "abc")
"expected an integer 0..63, got 'abc'"
>>> bad_value(click.Option(["--duration"], type=click.FloatRange(min=0, min_open=True)), "-1")
"expected a number above 0, got '-1'"
"""

from __future__ import annotations

import re
from typing import Any

import click

#: What click's own messages start with: the value, as click wrote it.
_CLICK_VALUE = re.compile(r"^(?P<value>.+?) is not (a valid |in the range |one of )")


def bad_value(param: click.Parameter, value: Any) -> str:
    """Why ``value``, which click refused, does not fit ``param``: the words a preset's value
    gets (``expected an integer 0..63, got 'abc'``)."""
    from ..job.checks import choice, got, integer, number

    kind = param.type
    if isinstance(kind, click.Choice):
        check = choice(*(str(c) for c in kind.choices))
    elif isinstance(kind, (click.IntRange, click.types.IntParamType)):
        check = integer(getattr(kind, "min", None), getattr(kind, "max", None))
    elif isinstance(kind, click.FloatRange) and kind.min is not None and kind.max is None:
        check = number(kind.min, open_min=kind.min_open)
    else:
        return f"expected {kind.name}, got {got(value)}"
    try:
        check(value)
    except ValueError as exc:
        return str(exc)
    return f"expected {kind.name}, got {got(value)}"


def usage_message(exc: click.UsageError) -> str:
    """The message of a command-line mistake; a bad value's in mstg's words
    (``--crf: expected an integer 0..63, got '99'``)."""
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter) \
            and exc.param is not None and exc.message:
        found = _CLICK_VALUE.match(exc.message)
        if found and isinstance(exc.param.type, _REWORDED):
            return f"{_flag(exc.param)}: {bad_value(exc.param, _unquote(found.group('value')))}"
        return f"{_flag(exc.param)}: {exc.message}"  # a callback's own words
    return exc.format_message()


_REWORDED = (click.Choice, click.IntRange, click.FloatRange, click.types.IntParamType,
             click.types.FloatParamType)


def _flag(param: click.Parameter) -> str:
    opts = getattr(param, "opts", None) or [param.name or "value"]
    return max(opts, key=len) if isinstance(param, click.Option) else param.human_readable_name


def _unquote(text: str) -> str:
    """The value as typed: click quotes text and writes numbers it converted (``-1.0``)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text
