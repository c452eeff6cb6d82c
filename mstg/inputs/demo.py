"""``demo``: the built-in synthetic scene: moving barcodes of several symbologies and a tone.

Made in memory (no camera, no file): a 1280x720, 30 fps picture in which six barcodes
drift across a coloured background, and a 440 Hz tone that beeps louder once a second.
The barcode scanner has something to find on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..frames import AudioData, VideoFrame
from ..lazy import lazy_module
from .base import Frame, Input

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

#: What the demo shows: (format as in the barcode events, text, zxing-cpp module scale).
DEMO_BARCODES: tuple[tuple[str, str, int], ...] = (
    ("qr_code", "https://github.com/mstg/mstg#demo", 5),
    ("ean_13", "4006381333931", 3),
    ("code_128", "MSTG-DEMO-128", 3),
    ("data_matrix", "mstg data matrix", 7),
    ("pdf417", "mstg pdf417 demo", 3),
    ("aztec", "mstg aztec", 7),
)
_ZXING_NAMES = {"qr_code": "QRCode", "ean_13": "EAN13", "code_128": "Code128",
                "data_matrix": "DataMatrix", "pdf417": "PDF417", "aztec": "Aztec"}


def barcode_image(format: str, text: str, scale: int) -> np.ndarray:
    """A grey picture of one barcode with its quiet zone, made by zxing-cpp."""
    import zxingcpp

    symbol = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, _ZXING_NAMES[format]))
    return np.asarray(symbol.to_image(scale=scale), dtype=np.uint8)


class DemoInput(Input):
    """The built-in demo scene (video and audio), 10 seconds unless ``duration`` says otherwise.

    >>> demo = DemoInput(duration=0.1, width=320, height=240)
    >>> demo.video.kind, demo.audio.kind
    ('video', 'audio')
    """

    def __init__(self, *, width: int = 1280, height: int = 720, fps: float = 30.0,
                 sample_rate: int = 48000, duration: float | None = 10.0,
                 realtime: bool = False, video: bool = True, audio: bool = True) -> None:
        if width < 16 or height < 16:
            raise UsageError(f"the demo is at least 16x16 pixels, not {width}x{height}")
        super().__init__("demo", duration=duration, realtime=realtime)
        self.width, self.height, self.fps, self.sample_rate = width, height, fps, sample_rate
        self._video = self._add_source("video", "demo video") if video else None
        self._audio = self._add_source("audio", "demo tone") if audio else None
        self._background = self._make_background()
        self._codes = [(fmt, text, self._render(fmt, text, scale)) for fmt, text, scale in DEMO_BARCODES]

    def _render(self, format: str, text: str, scale: int) -> np.ndarray:
        """The code at the largest whole module scale (up to ``scale``) that fits its cell:
        resizing by a fraction would blur the modules and make linear codes unreadable.
        In a picture too small for even one pixel a module, the code is shrunk to fit (and
        may no longer read)."""
        cell_w = max(1.0, (self.width // 3 - 8) * 0.8)
        cell_h = max(1.0, (self.height // 2 - 8) * 0.8)
        picture = barcode_image(format, text, 1)
        fit = min(cell_w / picture.shape[1], cell_h / picture.shape[0])
        if fit >= 1:
            return barcode_image(format, text, min(scale, int(fit)))
        import cv2

        size = (max(1, int(picture.shape[1] * fit)), max(1, int(picture.shape[0] * fit)))
        return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)

    def _make_background(self) -> np.ndarray:
        w, h = self.width, self.height
        x = np.linspace(0, 1, 2 * w, dtype=np.float32)[None, :]
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
        wide = np.empty((h, 2 * w, 3), np.uint8)
        wide[..., 0] = (90 + 60 * np.sin(2 * np.pi * x) + 30 * y).astype(np.uint8)
        wide[..., 1] = (70 + 40 * np.cos(2 * np.pi * x) + 20 * y).astype(np.uint8)
        wide[..., 2] = (60 + 50 * np.sin(2 * np.pi * (x + y / 3))).astype(np.uint8)
        return wide

    def _picture(self, n: int) -> np.ndarray:
        w, h = self.width, self.height
        shift = (n * 4) % w
        out = self._background[:, shift: shift + w].copy()
        t = n / self.fps
        for i, (_, _, code) in enumerate(self._codes):
            cell_x, cell_y = (i % 3) * (w // 3), (i // 3) * (h // 2)
            room_x = max(0, w // 3 - code.shape[1] - 8)
            room_y = max(0, h // 2 - code.shape[0] - 8)
            x = cell_x + min(4, w // 12) + int(room_x * (0.5 + 0.5 * math.sin(0.7 * t + i)))
            y = cell_y + min(4, h // 8) + int(room_y * (0.5 + 0.5 * math.cos(0.5 * t + 2 * i)))
            visible = out[y: y + code.shape[0], x: x + code.shape[1]]
            visible[...] = code[: visible.shape[0], : visible.shape[1], None]
        return out

    def _tone(self, start: int, count: int) -> np.ndarray:
        t = (np.arange(start, start + count) / self.sample_rate).astype(np.float64)
        loud = (t % 1.0) < 0.1
        wave = np.sin(2 * np.pi * 440.0 * t) * np.where(loud, 0.5, 0.1)
        return np.repeat(wave.astype(np.float32)[None, :], 2, axis=0)

    def _frames(self) -> Iterator[tuple[int, Frame]]:
        step_us = 1_000_000 / self.fps
        chunk = 1024
        n_video = n_audio = 0
        while True:
            video_ts = round(n_video * step_us)
            audio_ts = n_audio * chunk * 1_000_000 // self.sample_rate
            if self._video is not None and (self._audio is None or video_ts <= audio_ts):
                frame: Frame = VideoFrame.from_ndarray(self._picture(n_video), format="bgr24",
                                                       timestamp=video_ts, duration=round(step_us),
                                                       index=n_video)
                n_video += 1
                yield self._video, frame
            elif self._audio is not None:
                frame = AudioData.from_ndarray(self._tone(n_audio * chunk, chunk),
                                               sample_rate=self.sample_rate, timestamp=audio_ts,
                                               index=n_audio)
                n_audio += 1
                yield self._audio, frame
            else:
                return
