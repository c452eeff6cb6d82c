"""Per-track workers of an encoded output: each reads its track's frames and hands packets to
the output's :class:`~mstg.outputs.muxer.Muxer`.

A worker is given its stream, the muxer, the lock shared with other outputs fed the same
frames, and where to count what it wrote; :meth:`TrackWriter.run` takes the frames.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ..errors import OutputError
from ..frames import reformat
from .muxer import Muxer
from .slots import REPEAT, place

__all__ = ["TrackWriter", "VideoEncoder", "AudioEncoder", "PacketCopier", "sane_samples", "sample_pts"]

US = 1_000_000


@functools.cache
def _picture_type_none() -> Any:
    from av.video.frame import PictureType

    return PictureType.NONE


def sane_samples(frame: Any) -> Any:
    """Float samples with NaN, infinities or absurd values (garbage decoded from a damaged
    file, or made by a transform) zeroed and clipped: encoders refuse them. Others unchanged."""
    if frame.format.name not in ("flt", "fltp", "dbl", "dblp"):
        return frame
    import av
    import numpy as np

    samples = frame.to_ndarray()
    peak = np.abs(samples).max(initial=0.0)
    if peak <= 1000.0:  # NaN compares False too
        return frame
    fixed = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    out = av.AudioFrame.from_ndarray(fixed.astype(samples.dtype, copy=False), format=frame.format.name,
                                     layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out


def sample_pts(timestamp: int, rate: int, next_pts: int | None) -> int:
    """Where samples stamped ``timestamp`` (microseconds) start, in samples at ``rate``: the
    nearest sample (microseconds round 1024 samples at 44.1 kHz down to 23219, not 23219.95),
    never before ``next_pts``, where the samples so far end (muxers refuse going back in time:
    an overlap plays on after what came before; a stamp a sample early is that rounding).

    >>> sample_pts(23219, 44100, None), sample_pts(23219, 44100, 1024), sample_pts(23219, 44100, 1030)
    (1024, 1024, 1030)
    """
    pts = (timestamp * rate + US // 2) // US
    return pts if next_pts is None else max(pts, next_pts)


class TrackWriter:
    """One track of one output: frames in, packets to the muxer."""

    kind = "video"

    def __init__(self, stream: Any, muxer: Muxer, *, lock: threading.Lock, written: dict[str, int],
                 codec: str | None = None) -> None:
        self.stream = stream
        self.muxer = muxer
        self.lock = lock
        self.written = written
        self.codec = codec

    def failed(self, timestamp: int, exc: Exception) -> OutputError:
        """The encoder's failure, for the user."""
        reason = getattr(exc, "strerror", None) or exc
        return OutputError(f"{self.muxer.name}: the {self.codec} encoder failed on the {self.kind} at "
                           f"{timestamp / US:.3f}s: {reason}")

    def run(self, frames: Iterable[Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class VideoEncoder(TrackWriter):
    """Encodes every frame at its own time; with ``constant_rate`` (``--fps``) into the slots
    of that rate (see :mod:`mstg.outputs.slots`)."""

    def __init__(self, *args: Any, constant_rate: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.constant_rate = constant_rate

    def run(self, frames: Iterable[Any]) -> None:
        ctx = self.stream.codec_context
        width, height, pix_fmt, tb = ctx.width, ctx.height, ctx.pix_fmt, ctx.time_base
        previous: Any = None  # the last picture encoded (repeated into empty slots with fps)
        for frame, pts in place(frames, tb, constant=self.constant_rate):
            if frame is REPEAT:
                self._encode(previous, pts, pts * US * tb.numerator // tb.denominator)
                continue
            try:
                if pts is None:
                    continue
                if frame.width == width and frame.height == height:
                    av_frame = frame.to_av(pix_fmt)
                else:
                    av_frame = reformat(frame.to_av(), width=width, height=height, format=pix_fmt)
                self._encode(av_frame, pts, frame.timestamp)
                previous = av_frame if self.constant_rate else None
            finally:
                frame.close()
        self.muxer.mux(self.stream.encode(None))

    def _encode(self, av_frame: Any, pts: int, timestamp: int) -> None:
        import av

        try:
            with self.lock:
                av_frame.pts, av_frame.time_base = pts, self.stream.codec_context.time_base
                # the decoder's I/P/B type would force the encoder's hand (libx264 copies it):
                # the encoder decides, as with FFmpeg's CLI
                av_frame.pict_type = _picture_type_none()
                packets = self.stream.encode(av_frame)
        except av.error.FFmpegError as exc:
            raise self.failed(timestamp, exc) from exc
        self.muxer.mux(packets)
        self.written["video"] += 1


class AudioEncoder(TrackWriter):
    """Resamples to what the encoder takes and encodes, never back in time."""

    kind = "audio"

    def run(self, frames: Iterable[Any]) -> None:
        import av

        ctx = self.stream.codec_context

        def new_resampler() -> Any:
            return av.AudioResampler(format=ctx.format.name, layout=ctx.layout.name, rate=ctx.sample_rate,
                                     frame_size=ctx.frame_size or None)

        resampler, setup = new_resampler(), None
        next_pts: int | None = None  # where the samples so far end, in 1 / the input's rate
        for frame in frames:
            try:
                av_frame = sane_samples(frame.to_av())
                rate = frame.sample_rate
                if setup not in (None, (av_frame.format.name, av_frame.layout.name, rate)):
                    # the samples change layout or rate mid-stream (a DVB ad break, a damaged
                    # file): what the old resampler holds goes out, a new one takes the rest
                    self.muxer.mux([p for chunk in resampler.resample(None) for p in self.stream.encode(chunk)])
                    resampler = new_resampler()
                    next_pts = None if next_pts is None else -(-next_pts * rate // setup[2])
                setup = (av_frame.format.name, av_frame.layout.name, rate)
                pts = sample_pts(frame.timestamp, rate, next_pts)
                next_pts = pts + av_frame.samples
                with self.lock:
                    av_frame.pts = pts
                    av_frame.time_base = Fraction(1, rate)
                    chunks = resampler.resample(av_frame)
                try:
                    packets = [p for chunk in chunks for p in self.stream.encode(chunk)]
                except av.error.FFmpegError as exc:
                    raise self.failed(frame.timestamp, exc) from exc
                self.muxer.mux(packets)
                self.written[self.kind] += 1
            finally:
                frame.close()
        for chunk in resampler.resample(None):
            self.muxer.mux(self.stream.encode(chunk))
        self.muxer.mux(self.stream.encode(None))


class PacketCopier(TrackWriter):
    """Muxes the input's packets as they are (``--audio-codec copy``, ``--video-codec copy``:
    ``kind`` says which); a disabled track's
    decoded silence is left out (there is nothing to copy). Under the shared lock, as outputs
    copying the same packet take turns; its timing is put back after each, as muxing
    rebases it in place."""

    kind = "audio"

    def run(self, frames: Iterable[Any]) -> None:
        for frame in frames:
            try:
                packet = getattr(frame, "packet", None)  # an encoded chunk (audio or video)
                if packet is None:
                    continue
                with self.lock:
                    saved = packet.pts, packet.dts, packet.duration, packet.time_base
                    packet.stream = self.stream
                    try:
                        self.muxer.mux([packet])
                    finally:
                        packet.pts, packet.dts, packet.duration, packet.time_base = saved
                self.written[self.kind] += 1
            finally:
                frame.close()
