"""Value checks for the job description's fields: plain data in, typed values out.

Each check takes what JSON, YAML or a command line gives (``"23"`` or ``23``) and returns the
field's value, or raises :class:`ValueError` saying what was expected:

>>> integer(0, 63)("23")
23
>>> integer(0, 63)("x")
Traceback (most recent call last):
ValueError: expected an integer 0..63, got 'x'
>>> size("1280x720")
(1280, 720)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Check", "text", "integer", "number", "size", "track", "flag", "choice", "mapping",
           "got"]

Check = Callable[[Any], Any]


def got(value: Any) -> str:
    """How a bad value is shown in a message: ``'x'``, ``[1, 2]``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return repr(value)


def text(value: Any) -> str:
    """A non-empty string (numbers given in YAML are taken as written)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected text, got {got(value)}")
    return value


def integer(low: int | None = None, high: int | None = None) -> Check:
    """An integer within ``low..high`` (either end open when None)."""
    span = f" {low}..{high}" if low is not None and high is not None else \
        f" >= {low}" if low is not None else ""

    def check(value: Any) -> int:
        try:
            if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
                raise ValueError
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected an integer{span}, got {got(value)}") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"expected an integer{span}, got {got(value)}")
        return number
    return check


def number(minimum: float = 0.0, *, open_min: bool = False) -> Check:
    """A number of at least ``minimum`` (above it when ``open_min``)."""
    span = f"above {minimum:g}" if open_min else f"{minimum:g} or more"

    def check(value: Any) -> float:
        try:
            if isinstance(value, bool):
                raise ValueError
            result = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number {span}, got {got(value)}") from None
        if result < minimum or (open_min and result == minimum) or result != result:
            raise ValueError(f"expected a number {span}, got {got(value)}")
        return result
    return check


def size(value: Any) -> tuple[int, int]:
    """``"1280x720"`` or ``[1280, 720]`` -> ``(1280, 720)``."""
    try:
        if isinstance(value, str):
            width, height = (int(v) for v in value.lower().split("x"))
        elif isinstance(value, (list, tuple)) and not any(isinstance(v, bool) for v in value):
            width, height = (int(v) for v in value)
        else:
            raise ValueError
        if width > 0 and height > 0:
            return width, height
    except (TypeError, ValueError):
        pass
    raise ValueError(f"expected WIDTHxHEIGHT (e.g. 1280x720), got {got(value)}")


def scaled_size(value: Any) -> tuple[int, int]:
    """An output size: ``"640x360"``, or ``"640x-2"`` / ``"-1x360"`` keeping the aspect."""
    from ..outputs.sizing import parse_size

    text = f"{value[0]}x{value[1]}" if isinstance(value, (list, tuple)) and len(value) == 2 else value
    if not isinstance(text, str) or not re.fullmatch(r"\s*-?\d+\s*[xX]\s*-?\d+\s*", text):
        raise ValueError(f"expected WIDTHxHEIGHT (e.g. 1280x720), got {got(value)}")
    try:
        return parse_size(text)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def track(value: Any) -> int | str:
    """A track number from 0, or ``"none"`` (that kind is left out)."""
    if isinstance(value, str) and value.lower() in ("none", "no", "-1"):
        return "none"
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
        if number >= 0:
            return number
    except (TypeError, ValueError):
        pass
    raise ValueError(f"expected a track number from 0, or 'none', got {got(value)}")


def flag(value: Any) -> bool:
    """true or false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected true or false, got {got(value)}")


def choice(*names: str) -> Check:
    """One of ``names``."""
    def check(value: Any) -> str:
        if isinstance(value, str) and value in names:
            return value
        raise ValueError(f"expected one of {', '.join(names)}, got {got(value)}")
    return check


def mapping(value: Any) -> dict[str, str]:
    """Option names to values, as FFmpeg takes them (every value becomes text)."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and k for k in value):
        raise ValueError(f"expected a mapping of option names to values, got {got(value)}")
    return {k: (("1" if v else "0") if isinstance(v, bool) else str(v)) for k, v in value.items()}
