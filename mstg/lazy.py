"""Modules imported when first used: numpy (and OpenCV) load with the first frame whose
pixels or samples are touched, so a plain transcode or stream copy starts without them.

>>> np = lazy_module("numpy")
>>> np.zeros(2).tolist()
[0.0, 0.0]
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it on first attribute access (Python's
    import lock makes that safe from any thread, unlike ``importlib.util.LazyLoader`` before
    Python 3.12)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (imported)' if self._module else ''}>"


def lazy_module(name: str) -> Any:
    """The module ``name``, imported on first use (typed ``Any``; modules that use it import the
    real one under ``TYPE_CHECKING`` for the type checker)."""
    return LazyModule(name)
