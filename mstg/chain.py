"""Runs one frame through an ordered list of transforms, keeping its timing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import TransformError, UsageError
from .frames import AudioData, VideoFrame
from .lazy import lazy_module
from .transforms.base import EMIT, STOP, Transform

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

Frame = VideoFrame | AudioData
EventSink = Callable[[dict[str, Any]], None]
ON_ERROR = ("fail", "skip", "pass")
_CHANNELS = {"bgr24": 3, "rgb24": 3, "bgra": 4, "rgba": 4}


class _Unusable(Exception):
    """A transform returned something that cannot become a frame (the reason is the message)."""


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, (TransformError, _Unusable)) else f"{type(exc).__name__}: {exc}"


def _array_problem(array: np.ndarray, fmt: str | None, video: bool) -> str | None:
    """Why ``array`` cannot be a picture (or samples) in ``fmt``, or None when it can."""
    if array.size == 0:
        return f"returned an empty array of shape {array.shape}"
    if not video:
        return None
    if array.dtype != np.uint8:
        return f"returned {array.dtype} pixels; a picture is uint8 (0-255): convert with .astype(np.uint8)"
    channels = _CHANNELS.get(fmt or "")
    if channels and array.ndim == 3 and array.shape[2] != channels:
        return f"returned {array.shape[2]} channels for {fmt} (which has {channels}): shape {array.shape}"
    if fmt == "yuv420p" and array.ndim == 2:
        rows, width = array.shape
        if rows % 3 or width % 2 or (rows * 2 // 3) % 2:
            return (f"returned shape {array.shape}: not an I420 picture (height * 3 / 2 rows, "
                    "even width and height)")
    return None


class TransformChain:
    """The transforms of one kind, in order; frames go in, zero or more frames come out.

    ``on_error``: ``fail`` raises :class:`~mstg.errors.TransformError` naming the transform and
    the timestamp; ``skip`` drops that frame; ``pass`` hands it on untouched.
    """

    def __init__(self, transforms: list[Transform], *, on_event: EventSink | None = None,
                 on_error: str = "fail", on_stop: Callable[[], None] | None = None) -> None:
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}")
        self.transforms = transforms
        self.on_event = on_event
        self.on_error = on_error
        #: What a transform's :meth:`~mstg.Transform.stop_run` calls (the pipeline's stop).
        self.on_stop = on_stop
        self.errors = 0
        self._current: Frame | None = None
        #: Frames each ``keeps_timing`` transform has given so far (their indexes).
        self._made: dict[int, int] = {}

    def _emit(self, transform: Transform, event: dict[str, Any]) -> None:
        """Where a transform's :meth:`~mstg.Transform.emit` goes while this chain runs it."""
        frame = self._current
        full = {"type": transform.name}
        if frame is not None:
            full.update(timestamp=frame.timestamp, frame=frame.index)
            if frame.origin is not None:
                full.update(frame.origin.event_fields())
        full.update(event)
        if self.on_event is not None:
            self.on_event(full)

    @contextlib.contextmanager
    def _running(self) -> Iterator[None]:
        token, stop_token = EMIT.set(self._emit), STOP.set(self.on_stop)
        try:
            yield
        finally:
            EMIT.reset(token)
            STOP.reset(stop_token)

    def prepare(self) -> None:
        """Each transform's one-time loading (:meth:`Transform.prepare`), before inputs start."""
        with self._running():
            for transform in self.transforms:
                try:
                    transform.prepare()
                except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
                    raise TransformError(f"transform '{transform.name}' cannot start: {_reason(exc)}") from exc

    def setup(self, settings: dict[str, Any]) -> None:
        with self._running():
            self._setup(settings)

    def _setup(self, settings: dict[str, Any]) -> None:
        current = dict(settings)
        for transform in self.transforms:
            try:
                transform.setup(current)  # one that changes the size writes the new one for the next
            except UsageError:  # a parameter that does not fit the picture (crop:x=2000 on 640 wide)
                raise
            except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
                raise TransformError(f"transform '{transform.name}' cannot start: {_reason(exc)}") from exc

    def push(self, frame: Frame) -> list[Frame]:
        """Run ``frame`` (owned by the chain from now on) through every transform."""
        frames = [frame]
        with self._running():
            for transform in self.transforms:
                frames = [out for item in frames for out in self._apply(transform, item)]
        return frames

    def flush(self) -> list[Frame]:
        """What transforms still hold at the end of the stream, run through the rest."""
        with self._running():
            return self._flush()

    def _flush(self) -> list[Frame]:
        out: list[Frame] = []
        for position, transform in enumerate(self.transforms):
            try:
                held = transform.flush()
                if not held or self._current is None:
                    continue
                frames = self._wrap(transform, held, self._current, own=False)
            except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
                self.errors += 1
                if self.on_error != "fail":
                    continue
                raise TransformError(f"transform '{transform.name}' failed at the end of the stream: "
                                     f"{_reason(exc)}") from exc
            for later in self.transforms[position + 1:]:
                frames = [o for item in frames for o in self._apply(later, item)]
            out.extend(frames)
        return out

    def _apply(self, transform: Transform, frame: Frame) -> list[Frame]:
        self._current = frame
        try:
            fmt = transform.input_format
            data = frame.to_ndarray(fmt) if fmt else None
            result = transform.process(data, frame)
            return self._wrap(transform, result, frame, own=True)
        except Exception as exc:  # noqa: BLE001 - a plugin may raise anything
            self.errors += 1
            if self.on_error == "pass":
                return [frame]  # as it came (unless the transform changed its pixels in place)
            frame.close()
            if self.on_error == "skip":
                return []
            raise TransformError(
                f"transform '{transform.name}' failed on the frame at "
                f"{frame.timestamp / 1e6:.3f}s: {_reason(exc)}") from exc

    def _wrap(self, transform: Transform, result: Any, frame: Frame, *, own: bool) -> list[Frame]:
        if result is None:
            if own:
                frame.close()
            return []
        if isinstance(result, (VideoFrame, AudioData)):
            return [self._retime(transform, result, frame, own)]
        if isinstance(result, np.ndarray):
            made = self._from_array(transform, result, frame)
            if own:
                frame.close()
            return [made]
        if isinstance(result, (list, tuple)):
            parts = [self._wrap(transform, item, frame, own=False) for item in result]
            flat = [f for part in parts for f in part]
            if not getattr(transform, "keeps_timing", False):
                self._spread(flat, frame)
            if own and not any(f is frame for f in flat):  # handed on in the list: still open
                frame.close()
            return flat
        raise _Unusable(f"returned {type(result).__name__}; expected an array, a frame, a list of "
                        "them, or None")

    def _from_array(self, transform: Transform, array: np.ndarray, frame: Frame) -> Frame:
        fmt = transform.input_format
        problem = _array_problem(array, fmt, isinstance(frame, VideoFrame))
        if problem is not None:
            raise _Unusable(problem)
        try:
            if isinstance(frame, VideoFrame):
                if fmt != "gray" and array.ndim == 2 and fmt != "yuv420p":
                    return frame.with_pixels(np.ascontiguousarray(array, np.uint8), "gray")
                return frame.with_pixels(array, fmt)
            return frame.with_samples(array, fmt)
        except (TypeError, ValueError) as exc:
            raise _Unusable(f"returned an unusable array: {exc}") from exc

    def _retime(self, transform: Transform, result: Frame, frame: Frame, own: bool) -> Frame:
        """A returned frame takes the input frame's timing, unless the transform keeps its own
        (``keeps_timing``: filters that hold frames back or change the rate, like FFmpeg's):
        then the frames it makes are numbered in the order they come out, as FFmpeg's ``n``
        is, and the frames it held back keep their own."""
        if result is not frame:
            result.capture_time = frame.capture_time
            if getattr(transform, "keeps_timing", False):
                if result.index is None:  # a frame it made (not one it held back)
                    result.index = self._made.get(id(transform), 0)
                    self._made[id(transform)] = result.index + 1
            else:
                result.index = frame.index
                result.timestamp = frame.timestamp
                if isinstance(result, VideoFrame):
                    result.duration = frame.duration
            if own:
                frame.close()
        return result

    @staticmethod
    def _spread(frames: list[Frame], origin: Frame) -> None:
        """Several frames out of one share its duration, in order."""
        if len(frames) < 2 or not origin.duration:
            return
        step = origin.duration // len(frames)
        for i, item in enumerate(frames):
            item.timestamp = origin.timestamp + i * step
            if isinstance(item, VideoFrame):
                item.duration = step
