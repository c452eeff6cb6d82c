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
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar, Union

from ..frames import PIXEL_FORMATS, SAMPLE_FORMATS, AudioData, VideoFrame
from ..lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

Frame = VideoFrame | AudioData
Result = Union["np.ndarray", Frame, None, list[Any]]
#: Where :meth:`Transform.emit` sends events: set by the chain running the transform, on its
#: own thread, so one transform object can serve two chains and is never written to.
EMIT: ContextVar[Callable[[Transform, dict[str, Any]], None] | None] = ContextVar("mstg_emit", default=None)
#: What :meth:`Transform.stop_run` calls: set by the chain running the transform, as ``EMIT``.
STOP: ContextVar[Callable[[], None] | None] = ContextVar("mstg_stop", default=None)


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

    def prepare(self) -> None:
        """Called once before any input starts: load what the first frame would otherwise wait
        for (fonts, models), so that a live source's first frames are not late."""

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
        sink = EMIT.get()
        if sink is not None:
            sink(self, event)

    def stop_run(self) -> None:
        """End the whole run cleanly after this frame (every output finished), as Ctrl-C does:
        a scanner that has found what it looked for (``barcode:once=true``). Outside a run,
        nothing happens."""
        stop = STOP.get()
        if stop is not None:
            stop()

    @property
    def input_format(self) -> str | None:
        return self.pixel_format if self.kind == "video" else self.sample_format


class FunctionTransform(Transform):
    """A transform made of a plain function ``func(data, frame)``: see :func:`transform`."""

    def __init__(self, func: Callable[[Any, Frame], Result], *, name: str | None = None,
                 kind: str = "video", pixel_format: str | None = "bgr24",
                 sample_format: str | None = "fltp") -> None:
        if kind not in ("video", "audio"):
            raise ValueError(f"kind must be 'video' or 'audio', not {kind!r}")
        if pixel_format not in (None, *PIXEL_FORMATS):
            raise ValueError(f"pixel_format must be one of {', '.join(PIXEL_FORMATS)} or None, "
                             f"not {pixel_format!r}")
        if sample_format not in (None, *SAMPLE_FORMATS):
            raise ValueError(f"sample_format must be one of {', '.join(SAMPLE_FORMATS)} or None, "
                             f"not {sample_format!r}")
        self.func = func
        self.name = name or getattr(func, "__name__", "function")  # type: ignore[misc]
        self.summary = (func.__doc__ or "").strip().split("\n")[0]  # type: ignore[misc]
        self.kind = kind  # type: ignore[misc]
        self.pixel_format = pixel_format  # type: ignore[misc]
        self.sample_format = sample_format  # type: ignore[misc]
        self._wants_emit = _takes_three(func)

    def process(self, data: Any, frame: Frame) -> Result:
        if self._wants_emit:
            return self.func(data, frame, self.emit)  # type: ignore[call-arg]
        return self.func(data, frame)

    def __repr__(self) -> str:
        return f"<transform {self.name} ({self.kind}, {self.input_format})>"


def _takes_three(func: Callable[..., Any]) -> bool:
    """Whether ``func`` takes a third positional argument (``emit``)."""
    import inspect

    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature
        return False
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3


def transform(func: Callable[[Any, Frame], Result] | None = None, *, name: str | None = None,
              kind: str = "video", pixel_format: str | None = "bgr24",
              sample_format: str | None = "fltp") -> Any:
    """A transform of a function ``func(data, frame)``, returning what ``process`` returns.

    For a quick transform in a script, with no class. As a call or as a decorator::

        mirror = mstg.transform(lambda pixels, frame: pixels[:, ::-1])

        @mstg.transform(pixel_format="gray")
        def threshold(pixels, frame):
            return np.where(pixels > 128, 255, 0).astype(np.uint8)

    ``kind="audio"`` gives a function the samples (``sample_format``, fltp by default). A
    function with a third parameter gets ``emit``, to report events (detections) as
    :meth:`Transform.emit` does: ``def f(pixels, frame, emit): emit({"count": 3})``; their
    ``type`` is the transform's name unless the event says otherwise.
    :class:`~mstg.Pipeline` also takes a bare function, as a bgr24 video transform.

    >>> transform(lambda pixels, frame: 255 - pixels, name="negative")
    <transform negative (video, bgr24)>
    """
    def make(f: Callable[[Any, Frame], Result]) -> FunctionTransform:
        return FunctionTransform(f, name=name, kind=kind, pixel_format=pixel_format,
                                 sample_format=sample_format)
    return make if func is None else make(func)
