"""``barcode``: find and decode barcodes in pictures and video, report them as events, outline them.

The command-line form of the browser's barcode scanner (``BarcodeDetector`` inside a
``TransformStream``). zxing-cpp reads every format of the web's ``BarcodeDetector`` from the luma
plane (:mod:`.barcode_read`, with photo mode's retry ladder); in video, reads become events
through tracks, confirmation and de-duplication (:mod:`.barcode_track`); each code is outlined
and labelled straight into the I420 planes that the encoder takes (:mod:`.barcode_draw`).

Example::

    mstg run -i cam0 -t barcode -o play
    mstg run -i shelf.mp4 -t "barcode:formats=ean_13,upc_a,confirm=2/3" -o null --events scans.jsonl

>>> Barcode(formats="qr_code,ean_13").format_names
('qr_code', 'ean_13')
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import av
import cv2
import numpy as np

from ..frames import VideoFrame
from .barcode_draw import Painter
from .barcode_formats import (FORMATS, Detection, clockwise_from_top_left, parse_formats,
                              web_value)
from .barcode_read import DEFAULT_CAP_S, Reader
from .barcode_sequence import Joiner, joined_value
from .barcode_track import Tracker, parse_confirm, parse_dedupe
from .base import Transform
from .keepup import KeepUp
from .readahead import ReadAhead, auto_threads

__all__ = ["Barcode", "Detection", "FORMATS", "Painter", "clockwise_from_top_left",
           "parse_formats", "web_value"]

log = logging.getLogger(__name__)

PHOTO_MODES = ("auto", "on", "cycle", "off")


@dataclass
class Barcode(Transform):
    """Detects barcodes (all of the web's ``BarcodeDetector`` formats), emits and outlines them.

    Each detection is an event like ``{"type": "barcode", "timestamp": 1533333, "frame": 46,
    "source": "shelf.mp4", "sourceTimestamp": 1533333, "sourceFrame": 46, "format": "qr_code",
    "rawValue": "...", "sighting": "first", "track": 1, "boundingBox": {...}, "cornerPoints": [...]}``.
    See docs/barcode.md for the conventions of ``rawValue`` and ``cornerPoints``.

    Example: ``mstg run -i cam0 -t "barcode:formats=qr_code,confirm=2/3" -o play --events -``
    """

    name = "barcode"
    summary = "Find and decode barcodes (QR, EAN, Code 128, ...): events and outlines."
    kind = "video"
    #: The frame object itself: detection reads its luma (a view, for decoded YUV video) and
    #: the picture is converted (to I420, or BGR for odd sizes) only when something is drawn.
    pixel_format = None

    formats: str = field(default="all", metadata={
        "help": "Comma-separated formats to look for (default all of them).",
        "choices": ("all", *FORMATS), "multiple": True})
    scale: float = field(default=1.0, metadata={
        "help": "Detect on the luma plane downscaled by this factor (faster, misses small codes).",
        "min": 0.1, "max": 1.0})
    every: int = field(default=1, metadata={
        "help": "Detect on every Nth frame; the frames between keep the last result.",
        "min": 1, "max": 100})
    photo: str = field(default="auto", metadata={
        "help": "Retry hard pictures (contrast, upscaling): auto (pictures yes, video no), on, "
                "cycle (video: one retry per frame, in turn), off.",
        "choices": PHOTO_MODES})
    photo_cap: float = field(default=DEFAULT_CAP_S, metadata={
        "help": "Photo mode: seconds per picture after which no more retries are tried.",
        "min": 0.0, "max": 60.0})
    dedupe: str = field(default="view", metadata={
        "help": "Report a code: view (once while in view), once (once per run), off (every "
                "frame), or seconds between repeats."})
    confirm: str = field(default="1", metadata={
        "help": "N or N/M: report a code after N agreeing reads within M frames."})
    absent: int = field(default=30, metadata={
        "help": "Frames a code must be missing before it is a new sighting.",
        "min": 1, "max": 100000})
    roi: str = field(default="", metadata={
        "help": "Search only x,y,w,h (pixels, or fractions of the frame when all <= 1)."})
    once: bool = field(default=False, metadata={
        "help": "End the run after the first confirmed code."})
    empty: bool = field(default=False, metadata={
        "help": "Pictures: report the pictures where nothing was found (type barcode-none)."})
    highlight: bool = field(default=True, metadata={
        "help": "Outline each code and label it with its track, format and value."})
    threads: int = field(default=0, metadata={
        "help": "Files: frames read at once, on other cores (0: one per core, at most 4; 1: "
                "each in turn). Live sources and pictures are read in turn.",
        "min": 0, "max": 64})
    keep_up: bool = field(default=True, metadata={
        "help": "Live sources: leave detection out on a frame that is running late (the "
                "outlines are held) rather than let the source drop frames."})
    sequences: bool = field(default=True, metadata={
        "help": "Join structured-append QR, Aztec, Data Matrix and Macro PDF417 sequences "
                "(parts in any pictures or frames) into one barcode-sequence event."})

    def __post_init__(self) -> None:
        self.format_names = parse_formats(self.formats)
        if not 0.1 <= self.scale <= 1.0:
            raise ValueError(f"barcode: scale must be between 0.1 and 1, not {self.scale}")
        if not 1 <= self.every <= 100:
            raise ValueError(f"barcode: every must be between 1 and 100, not {self.every}")
        if not 1 <= self.absent <= 100_000:
            raise ValueError(f"barcode: absent must be 1 to 100000 frames, not {self.absent}")
        if self.photo not in PHOTO_MODES:
            raise ValueError(f"barcode: photo must be one of {', '.join(PHOTO_MODES)}, not {self.photo!r}")
        if not 0 <= self.threads <= 64:
            raise ValueError(f"barcode: threads must be 0 to 64, not {self.threads}")
        if not 0 <= self.photo_cap <= 60:
            raise ValueError(f"barcode: photo_cap must be 0 to 60 seconds, not {self.photo_cap}")
        self._confirm = parse_confirm(self.confirm)
        self._dedupe = parse_dedupe(self.dedupe)
        self._roi = parse_roi(self.roi)
        self._reader = self._new_reader()
        self._threads = auto_threads() if self.threads == 0 else self.threads
        self._ahead: ReadAhead | None = None
        self._painter = Painter()
        self.setup({})

    def prepare(self) -> None:
        if self.highlight:  # the first label loads the font: ~40 ms a live source's first frame would wait
            self._painter.prepare()

    def setup(self, settings: dict[str, Any]) -> None:
        self._count = 0
        self._searched = 0
        self._size: tuple[int, int] | None = None
        self._held: list[Detection] = []
        self._tracker = Tracker(confirm=self._confirm, dedupe=self._dedupe, absent=self.absent)
        self._joiner = Joiner()
        self._keep_up = KeepUp()
        self._done = False
        self._variant = 0  # photo=cycle's ladder step for the next frame read ahead
        self._local = threading.local()
        if getattr(self, "_ahead", None) is not None:
            self._ahead.close()
            self._ahead = None

    @property
    def keeps_timing(self) -> bool:  # type: ignore[override]
        """Frames read ahead come out later, each with its own timing."""
        return self._ahead is not None

    def process(self, data: Any, frame: VideoFrame) -> VideoFrame | list[VideoFrame]:
        picture = frame.origin is not None and frame.origin.timestamp is None
        if not picture and frame.capture_time is None and self._threads > 1:
            return self._read_ahead(frame)
        before = [self._finish(*item, False) for item in self._ahead.drain()] if self._ahead else []
        found = None
        if self._wanted(frame):
            with self._keep_up.timed():
                found = self.detect(_luma(frame), picture=picture)
            if picture and not found and _see_through(frame):  # a light code meant to go on dark
                found = self.detect(_over(frame.to_ndarray("bgra"), 0), picture=True)
        out = self._finish(frame, found, picture)
        return [*before, out] if before else out

    def _wanted(self, frame: VideoFrame) -> bool:
        """Whether this frame is searched: every Nth, a new size, unless live and late."""
        size = (frame.width, frame.height)
        wanted = not self._done and (self._count % self.every == 0 or size != self._size) and not (
            self.keep_up and size == self._size and self._keep_up.skip(frame))
        self._count += 1
        if wanted:
            self._size = size
        return wanted

    def _read_ahead(self, frame: VideoFrame) -> list[VideoFrame]:
        """A file's frame: its read starts on a worker; the frames whose reads are done come
        out, in order (``threads``; :mod:`.readahead`)."""
        if self._ahead is None:
            self._ahead = ReadAhead(self._detect_in_worker, self._threads)
        wanted = self._wanted(frame)
        finished = self._ahead.add(frame.clone(), _luma(frame) if wanted else None,
                                   self._variant, run=wanted)
        self._variant += wanted
        return [self._finish(held, found, False) for held, found in finished]

    def _detect_in_worker(self, luma: np.ndarray, variant: int) -> list[Detection]:
        reader = getattr(self._local, "reader", None)
        if reader is None:  # each worker its own (a reader keeps buffers and a memory)
            reader = self._local.reader = self._new_reader()
        return self._detect_with(reader, luma, False, variant)

    def _finish(self, frame: VideoFrame, found: list[Detection] | None, picture: bool) -> VideoFrame:
        """Report what ``frame``'s read found (None: not searched) and draw the outlines."""
        if self._done:
            self._held = []
        elif found is not None:
            self._report(found, frame, picture)
        if not self.highlight or not self._held:
            return frame
        if frame.width % 2 == 0 and frame.height % 2 == 0:
            canvas = frame.to_ndarray("yuv420p")
            self._painter.draw_i420(canvas, frame.width, frame.height, self._held)
            return frame.with_pixels(canvas, "yuv420p")
        canvas = frame.to_ndarray("bgr24")
        self._painter.draw_bgr(canvas, self._held)
        return frame.with_pixels(canvas, "bgr24")

    @property
    def unread(self) -> int:
        """Live frames not read to keep up (``keep_up``)."""
        return self._keep_up.skipped

    def flush(self) -> list[Any]:
        if self.unread:
            log.info("barcode: %d of %d frames not read, to keep up with the live source",
                     self.unread, self._count)
        if self._ahead is None:
            return []
        rest = [self._finish(held, found, False) for held, found in self._ahead.drain()]
        self._ahead.close()
        return rest

    def detect(self, luma: np.ndarray, *, picture: bool = False) -> list[Detection]:
        """Decode the barcodes in a grey picture; corners in that picture's full resolution.

        ``picture``: a still (photo mode's ladder with ``photo=auto``)."""
        return self._detect_with(self._reader, luma, picture, self._searched)

    def _detect_with(self, reader: Reader, luma: np.ndarray, picture: bool,
                     variant: int) -> list[Detection]:
        height, width = luma.shape[:2]
        roi = _roi_pixels(self._roi, width, height)
        if self.photo == "cycle":
            return reader.read(luma, roi, variant=variant)
        reader.photo = self.photo == "on" or (self.photo == "auto" and picture)
        return reader.read(luma, roi)

    def _new_reader(self) -> Reader:
        return Reader(self.format_names, scale=self.scale, photo=self.photo == "on",
                      cap_s=self.photo_cap, sequences=self.sequences)

    def _report(self, found: list[Detection], frame: VideoFrame, picture: bool) -> None:
        """Events for what the tracker lets through; what is drawn is the confirmed codes."""
        if picture:  # every picture is its own sighting
            self._tracker = Tracker(confirm=(1, 1), dedupe="off", absent=self.absent)
        results = self._tracker.update(found, frame=self._searched, seconds=frame.timestamp / 1e6)
        self._searched += 1
        self._held = self._tracker.tracked(found)
        where = _where(frame)  # this frame's, also when it was read ahead of later ones
        for item, sighting in results:
            event = item.event()
            part = item.sequence
            if part is not None:
                event["sequence"] = {"index": part.index, "count": part.count, "id": part.id}
            self.emit({**where, "format": event.pop("format"), "rawValue": event.pop("rawValue"),
                       "sighting": sighting, "track": item.track, **event})
            if part is not None:
                self._join(item, frame)
        if picture and not found and self.empty:
            self.emit({**where, "type": "barcode-none"})
        if self.once and results:
            self._done = True
            self.stop_run()


    def _join(self, item: Detection, frame: VideoFrame) -> None:
        """Add a sequence part; when it completes its sequence, a ``barcode-sequence`` event
        with the whole value and where each part was seen."""
        where = _where(frame)
        whole = self._joiner.add(item.sequence, {k: v for k, v in where.items() if k != "timestamp"})
        if whole is None:
            return
        part = item.sequence
        self.emit({**where, "type": "barcode-sequence", "format": item.format,
                   "rawValue": joined_value([p for p, _ in whole]),
                   "sequence": {"count": len(whole), "id": part.id},
                   "parts": [{"index": p.index, "rawValue": p.text, **w} for p, w in whole]})


def _where(frame: VideoFrame) -> dict[str, Any]:
    """The fields that place an event on ``frame``: its time and index, and in its source."""
    return {"timestamp": frame.timestamp, "frame": frame.index,
            **(frame.origin.event_fields() if frame.origin else {})}


def parse_roi(text: str) -> tuple[float, float, float, float] | None:
    """``"x,y,w,h"`` -> numbers (pixels, or fractions of the frame when all are <= 1); "" -> None."""
    if not str(text).strip():
        return None
    try:
        values = tuple(float(v) for v in str(text).split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or min(values) < 0 or values[2] <= 0 or values[3] <= 0:
        raise ValueError(f"barcode: roi must be x,y,w,h (pixels or fractions), not {text!r}")
    return values  # type: ignore[return-value]


def _roi_pixels(roi: tuple[float, ...] | None, width: int, height: int) -> tuple[int, int, int, int] | None:
    if roi is None:
        return None
    x, y, w, h = roi
    if max(roi) <= 1.0:
        x, y, w, h = x * width, y * height, w * width, h * height
    x0, y0 = min(int(x), width - 1), min(int(y), height - 1)
    return x0, y0, max(1, min(round(w), width - x0)), max(1, min(round(h), height - y0))


def _luma(frame: VideoFrame) -> np.ndarray:
    """The grey picture to detect on: the Y plane as it is (a view when the frame is decoded
    I420: zxing-cpp needs no particular range), else the frame's full-range grey."""
    planes = frame.yuv_planes()
    if planes is not None:
        return planes[0]
    if _see_through(frame):  # a code on a transparent background: read it as a viewer shows it
        return _over(frame.to_ndarray("bgra"), 255)
    even = frame.width % 2 == 0 and frame.height % 2 == 0
    if frame.format in ("bgr24", "bgra") and even:
        # one conversion to I420, reused by the drawing and the encoder; its Y rows are the luma
        return frame.to_ndarray("yuv420p")[: frame.height]
    # decoded pictures (rgb24 PNG, JPEG): their full-range grey, as these were read before
    # I420 conversions kept the encoder's limited range (the measured photo rates)
    return frame.to_ndarray("gray")


def _see_through(frame: VideoFrame) -> bool:
    """Whether ``frame`` is a file's picture that may be transparent (the BGRA arrays that
    transforms make are opaque: they take the I420 path, shared with the drawing)."""
    return frame.decoded and _has_alpha(frame.format)


@functools.lru_cache(maxsize=64)
def _has_alpha(pixel_format: str) -> bool:
    """Whether pictures in ``pixel_format`` may be see-through (an alpha plane, or a palette)."""
    try:
        described = av.VideoFormat(pixel_format)
    except ValueError:
        return False
    return described.has_palette or any(c.is_alpha for c in described.components)


def _over(bgra: np.ndarray, background: int) -> np.ndarray:
    """The grey of a BGRA picture laid over a grey ``background`` (255: white, as a viewer and
    ZXing show it, so that a code drawn on a transparent background, whose hidden colour is
    often black, reads dark on light; 0: black, for a light code meant for a dark page).

    >>> _over(np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [255, 255, 255, 128]]], np.uint8), 255)
    array([[255,   0, 255]], dtype=uint8)
    >>> _over(np.array([[[255, 255, 255, 0], [255, 255, 255, 255]]], np.uint8), 0)
    array([[  0, 255]], dtype=uint8)
    """
    alpha = bgra[..., 3].astype(np.uint16)
    grey = cv2.cvtColor(bgra, cv2.COLOR_BGRA2GRAY).astype(np.uint16)
    return ((grey * alpha + background * (255 - alpha) + 127) // 255).astype(np.uint8)
