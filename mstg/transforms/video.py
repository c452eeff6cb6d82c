"""Built-in video transforms (placeholder: grayscale and null until the transform work lands)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Transform


@dataclass
class Null(Transform):
    """Passes every frame on untouched (for measuring the framework's own cost)."""

    name = "null"
    summary = "Pass frames through unchanged."
    pixel_format = None

    def process(self, data: Any, frame: Any) -> Any:
        return frame


@dataclass
class Grayscale(Transform):
    """Drops the colour: equal channels, taken from the luma plane without conversion."""

    name = "grayscale"
    summary = "Black and white picture."
    pixel_format = "gray"

    def process(self, data: np.ndarray, frame: Any) -> np.ndarray:
        return data
