"""Sepia tone for mstg: the example plugin of docs/plugins.md."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from mstg import Transform

# Rows give B, G, R out; columns take B, G, R in (OpenCV's channel order).
SEPIA = np.array([[0.131, 0.534, 0.272],
                  [0.168, 0.686, 0.349],
                  [0.189, 0.769, 0.393]], np.float32)

# The tests check that listing plugins does not import them: note each import.
if os.environ.get("MSTG_SEPIA_IMPORT_LOG"):
    with open(os.environ["MSTG_SEPIA_IMPORT_LOG"], "a") as log:
        log.write("imported\n")


@dataclass
class Sepia(Transform):
    """Old-photo brown tones; ``strength`` mixes them with the original colours.

    Example: ``mstg run -i in.mp4 -t "sepia:strength=0.8" -o old.mp4``
    """

    name = "sepia"
    summary = "Old-photo brown tones."
    kind = "video"
    pixel_format = "bgr24"

    strength: float = field(default=1.0, metadata={
        "help": "1 is full sepia, 0 leaves the picture alone.", "min": 0.0, "max": 1.0})

    def __post_init__(self) -> None:
        identity = np.eye(3, dtype=np.float32)
        self._matrix = self.strength * SEPIA + (1.0 - self.strength) * identity

    def process(self, pixels: np.ndarray, frame: Any) -> np.ndarray:
        return cv2.transform(pixels, self._matrix)
