"""The transform plugin base class.

A transform is a dataclass: its fields are its parameters. It says which kind of frame it
takes (``kind``) and the pixel or sample layout it wants (``pixel_format`` /
``sample_format``); the frame converts once and caches. :meth:`Transform.process` gets that
array and returns a new (or the same, changed) array, ``None`` to drop the frame, or a list of
arrays for several frames. Timing belongs to the pipeline: a transform never sets timestamps.

>>> from dataclasses import dataclass
>>> import numpy as np
>>> @dataclass
... class Invert(Transform):
...     name = "invert-example"
...     summary = "Negative picture."
...     def process(self, pixels, frame):
...         return 255 - pixels
>>> Invert().process(np.zeros((1, 1, 3), np.uint8), None)[0, 0].tolist()
[255, 255, 255]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ..frames import AudioData, VideoFrame

Frame = VideoFrame | AudioData
Result = np.ndarray | Frame | None | list[Any]


class Transform:
    """Base class of every transform plugin (see the module docs and ``docs/plugins.md``)."""

    #: The name users type after ``-t``.
    name: ClassVar[str] = ""
    #: One line for ``mstg transforms``.
    summary: ClassVar[str] = ""
    #: ``"video"`` or ``"audio"``.
    kind: ClassVar[str] = "video"
    #: Pixel layout ``process`` gets: bgr24, rgb24, bgra, gray or yuv420p (I420); None: no
    #: pixels at all (``process`` gets None and works on the frame object).
    pixel_format: ClassVar[str | None] = "bgr24"
    #: Sample layout ``process`` gets: fltp (channels x samples float32), s16p or flt.
    sample_format: ClassVar[str | None] = "fltp"
    #: Parameters whose value takes the rest of the ``-t`` string, commas included.
    verbatim_params: ClassVar[tuple[str, ...]] = ()
    #: True when returned frames carry their own timestamps (filters that hold frames back).
    keeps_timing: ClassVar[bool] = False

    _emit_callback: Callable[[dict[str, Any]], None] | None = None

    def setup(self, settings: dict[str, Any]) -> None:
        """Called once before the first frame with the track's settings."""

    def process(self, data: Any, frame: Frame) -> Result:
        """Transform one frame's pixels or samples; ``frame`` gives timing and size."""
        return data

    def flush(self) -> list[Any]:
        """Called at the end of the stream: frames (arrays) still held back, if any."""
        return []

    def emit(self, event: dict[str, Any]) -> None:
        """Report an event (a detection): ``type``, ``timestamp`` and ``frame`` are filled in."""
        if self._emit_callback is not None:
            self._emit_callback(event)

    @property
    def input_format(self) -> str | None:
        return self.pixel_format if self.kind == "video" else self.sample_format
