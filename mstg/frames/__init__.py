"""Frames as in WebCodecs: :class:`VideoFrame` and :class:`AudioData`.

Timestamps and durations are integers in microseconds. Pixels and samples are numpy arrays.
A frame keeps the representation it was made from (a decoded PyAV frame or an array) and
converts on request, once: every conversion is cached on the frame, so two transforms that
both want BGR pay for one conversion. Grey pictures come straight from the Y plane of a
decoded YUV frame without a copy.

>>> import numpy as np
>>> frame = VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="bgr24", timestamp=0)
>>> frame.width, frame.height, frame.to_ndarray("gray").shape
(64, 48, (48, 64))
"""

from __future__ import annotations

from .audio import AudioData, EncodedAudioChunk
from .base import MICROSECOND, PIXEL_FORMATS, SAMPLE_FORMATS, US, FrameOrigin
from .convert import keep_freed_buffers, limit_opencv_threads, reformat
from .video import VideoFrame

__all__ = ["VideoFrame", "AudioData", "EncodedAudioChunk", "Frame", "FrameOrigin", "PIXEL_FORMATS", "SAMPLE_FORMATS",
           "US", "MICROSECOND", "keep_freed_buffers", "limit_opencv_threads", "reformat"]

Frame = VideoFrame | AudioData
