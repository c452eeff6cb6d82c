"""Finding transforms by name: the built-ins and the ``mstg.transforms`` entry points.

Names are listed without importing any plugin; only a transform the user picks is loaded.

>>> from mstg.transforms.registry import load_transform
>>> load_transform("grayscale").name
'grayscale'
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import UsageError
from .base import Transform

#: Built-in transforms: name -> "module:Class" (imported only when picked).
BUILTINS: dict[str, str] = {
    "barcode": "mstg.transforms.barcode:Barcode",
    "grayscale": "mstg.transforms.video:Grayscale",
    "blur": "mstg.transforms.video:Blur",
    "sharpen": "mstg.transforms.video:Sharpen",
    "edges": "mstg.transforms.video:Edges",
    "flip": "mstg.transforms.video:Flip",
    "rotate": "mstg.transforms.video:Rotate",
    "resize": "mstg.transforms.video:Resize",
    "crop": "mstg.transforms.video:Crop",
    "pad": "mstg.transforms.video:Pad",
    "pixelate": "mstg.transforms.video:Pixelate",
    "invert": "mstg.transforms.video:Invert",
    "color": "mstg.transforms.video:Color",
    "text": "mstg.transforms.overlay:Text",
    "faceblur": "mstg.transforms.detect:FaceBlur",
    "motion": "mstg.transforms.detect:Motion",
    "gain": "mstg.transforms.audio:Gain",
    "mute": "mstg.transforms.audio:Mute",
    "mono": "mstg.transforms.audio:Mono",
    "resample": "mstg.transforms.audio:Resample",
    "level": "mstg.transforms.audio:Level",
    "ffmpeg": "mstg.transforms.ffmpeg:FFmpegFilter",
    "null": "mstg.transforms.video:Null",
}


def _load_class(target: str) -> type[Transform]:
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"transform {target!r} is not available: {exc}") from exc
    return cls  # type: ignore[no-any-return]


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"blur:sigma=3,size=5"`` -> ``("blur", {"sigma": "3", "size": "5"})``."""
    name, _, rest = spec.partition(":")
    params: dict[str, str] = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"transform '{name}': expected key=value, got {item!r}")
        params[key.strip()] = value
    return name.strip(), params


def load_transform(spec: str, params: dict[str, Any] | None = None) -> Transform:
    """A ready transform from ``"name:key=value,..."`` (and/or a mapping of parameters)."""
    name, given = parse_spec(spec)
    given.update(params or {})
    target = BUILTINS.get(name)
    if target is None:
        raise UsageError(f"unknown transform '{name}'", hint="'mstg transforms' lists them")
    cls = _load_class(target)
    try:
        return cls(**given)
    except TypeError as exc:
        raise UsageError(f"transform '{name}': {exc}") from exc
