"""Transforms that find things in the picture and report them as events: faces and motion.

Both look at a small grey copy of the luma plane (fast at any resolution) and only touch the
full picture when they have something to change: then they take it as I420 (or BGR for odd
sizes), change the found regions in place and hand on a new frame. Boxes in events are in the
coordinates of the full frame, shaped like the Shape Detection API's ``boundingBox``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ..frames import VideoFrame
from .pictures import VideoTransform, contiguous, param, parse_color, plane_pairs, scratch
from .video import pixelate

Box = tuple[int, int, int, int]
DEFAULT_CASCADE = "haarcascade_frontalface_default.xml"


def bounding_box(box: Box) -> dict[str, int]:
    """``(x, y, w, h)`` -> ``{"x": x, "y": y, "width": w, "height": h}``."""
    x, y, w, h = box
    return {"x": int(x), "y": int(y), "width": int(w), "height": int(h)}


def shrink(gray: np.ndarray, width: int, buffer: np.ndarray | None) -> tuple[np.ndarray, float]:
    """``gray`` scaled down to ``width`` (0 or wider: as it is) and the factor back to full size."""
    full_h, full_w = gray.shape
    if width <= 0 or width >= full_w:
        return gray, 1.0
    height = max(1, round(full_h * width / full_w))
    small = scratch(buffer, (height, width))
    cv2.resize(gray, (width, height), dst=small, interpolation=cv2.INTER_AREA)
    return small, full_w / width


def grow(box: Box, factor: float, margin: float, width: int, height: int, even: bool) -> Box | None:
    """A box found at 1/``factor`` scale, in full-frame pixels, grown by ``margin``, clipped."""
    x, y, w, h = (v * factor for v in box)
    dx, dy = w * margin, h * margin
    x0, y0 = max(0, math.floor(x - dx)), max(0, math.floor(y - dy))
    x1, y1 = min(width, math.ceil(x + w + dx)), min(height, math.ceil(y + h + dy))
    if even:
        x0, y0, x1, y1 = x0 & ~1, y0 & ~1, min(width, x1 + x1 % 2), min(height, y1 + y1 % 2)
    return (x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None


def writable_pixels(frame: VideoFrame) -> tuple[np.ndarray, str]:
    """The frame's pixels to change in place: I420 when both sides are even, else BGR."""
    fmt = "yuv420p" if frame.width % 2 == 0 and frame.height % 2 == 0 else "bgr24"
    return contiguous(frame.to_ndarray(fmt)), fmt


# faces ------------------------------------------------------------------------------------
class FaceFinder(Protocol):
    def find(self, gray: np.ndarray) -> list[tuple[Box, float | None]]:
        """Faces in a grey picture: ((x, y, w, h), score or None)."""


class HaarFaces:
    """OpenCV's Viola-Jones cascade (``cv2.CascadeClassifier``, OpenCV 4)."""

    def __init__(self, path: str) -> None:
        if not hasattr(cv2, "CascadeClassifier"):
            raise ValueError(f"OpenCV {cv2.__version__} has no CascadeClassifier for {Path(path).name}: "
                             "use a YuNet .onnx model instead (model=face_detection_yunet_2023mar.onnx)")
        self.classifier = cv2.CascadeClassifier(path)
        if self.classifier.empty():
            raise ValueError(f"cannot load the Haar cascade {path}")

    def find(self, gray: np.ndarray) -> list[tuple[Box, float | None]]:
        equalized = cv2.equalizeHist(gray)
        found = self.classifier.detectMultiScale(equalized, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))
        return [(tuple(int(v) for v in box), None) for box in found]  # type: ignore[misc]


class YuNetFaces:
    """OpenCV's YuNet CNN face detector (``cv2.FaceDetectorYN``) from an ONNX file."""

    def __init__(self, path: str, threshold: float) -> None:
        try:
            self.detector = cv2.FaceDetectorYN.create(path, "", (320, 320), threshold)
        except cv2.error as exc:
            raise ValueError(f"cannot load the YuNet model {path}: {exc}") from None

    def find(self, gray: np.ndarray) -> list[tuple[Box, float | None]]:
        self.detector.setInputSize((gray.shape[1], gray.shape[0]))
        _, faces = self.detector.detect(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
        if faces is None:
            return []
        return [((int(f[0]), int(f[1]), int(f[2]), int(f[3])), round(float(f[14]), 3)) for f in faces]


def default_cascade() -> str:
    """The path of OpenCV's bundled frontal-face cascade; ``ValueError`` when it has none."""
    folder = getattr(getattr(cv2, "data", None), "haarcascades", "")
    path = Path(folder) / DEFAULT_CASCADE if folder else None
    if path is not None and path.is_file() and hasattr(cv2, "CascadeClassifier"):
        return str(path)
    raise ValueError(f"OpenCV {cv2.__version__} comes without the Haar face cascade ({DEFAULT_CASCADE}; "
                     "OpenCV 5 dropped it): give model=PATH to a YuNet face_detection_yunet_2023mar.onnx, "
                     "or install opencv-python 4 for the bundled cascade")


def face_finder(model: str, threshold: float) -> FaceFinder:
    """A face detector for ``model`` (.xml Haar cascade or .onnx YuNet; empty: the default)."""
    if not model:
        return HaarFaces(default_cascade())
    path = Path(model).expanduser()
    if not path.is_file():
        raise ValueError(f"face model {model} not found")
    if path.suffix.lower() == ".onnx":
        return YuNetFaces(str(path), threshold)
    if path.suffix.lower() == ".xml":
        return HaarFaces(str(path))
    raise ValueError(f"face model {model}: expected a Haar cascade (.xml) or a YuNet model (.onnx)")


@dataclass
class FaceBlur(VideoTransform):
    """Find faces and blur or pixelate them; each face is also a ``face`` event.

    Faces are looked for in a grey copy ``detect_width`` pixels wide. The model is OpenCV's
    bundled Haar cascade where OpenCV has one (4.x), or the one ``model`` names.

    Example: ``mstg run -i cam0 -t faceblur:mode=pixelate -o play --events faces.jsonl``
    """

    name = "faceblur"
    summary = "Blur or pixelate faces (and report them)."
    pixel_format = "gray"
    mode: str = param("blur", "How to hide a face.", choices=("blur", "pixelate"))
    model: str = param("", "Face model: a Haar cascade .xml or a YuNet .onnx (default: OpenCV's cascade).")
    detect_width: int = param(480, "Width of the grey picture faces are looked for in; 0: full size.",
                              min=0, max=8192)
    margin: float = param(0.15, "Grow each face box by this fraction of its size on every side.",
                          min=0.0, max=2.0)
    threshold: float = param(0.7, "Lowest score of a face (YuNet models).", min=0.0, max=1.0)

    def prepare(self) -> None:
        self._finder = face_finder(self.model, self.threshold)
        self._small: np.ndarray | None = None

    def process(self, data: np.ndarray, frame: VideoFrame) -> Any:
        small, factor = shrink(data, self.detect_width, self._small)
        self._small = small if small is not data else self._small
        height, width = data.shape
        boxes = []
        for found, score in self._finder.find(small):
            box = grow(found, factor, 0.0, width, height, even=False)
            if box is None:
                continue
            boxes.append(box)
            self.emit({"type": "face", "boundingBox": bounding_box(box),
                       **({"score": score} if score is not None else {})})
        if not boxes:
            return frame
        pixels, fmt = writable_pixels(frame)
        conceal(pixels, boxes, mode=self.mode, margin=self.margin)
        return frame.with_pixels(pixels, fmt)


def conceal(pixels: np.ndarray, boxes: list[Box], *, mode: str = "blur", margin: float = 0.0) -> np.ndarray:
    """Blur or pixelate these full-frame boxes (grown by ``margin``) of an I420 or BGR picture, in place."""
    planar = pixels.ndim == 2
    height = pixels.shape[0] * 2 // 3 if planar else pixels.shape[0]
    width = pixels.shape[1]
    for face in boxes:
        box = grow(face, 1.0, margin, width, height, even=planar)
        if box is None:
            continue
        x, y, w, h = box
        for plane, _target, _fill, scale in plane_pairs(pixels, pixels):
            left, top = int(x * scale), int(y * scale)
            roi = plane[top: top + int(h * scale), left: left + int(w * scale)]
            if roi.size == 0:
                continue
            if mode == "pixelate":
                pixelate(roi, max(2, round(min(roi.shape[:2]) / 8)))
            else:
                cv2.GaussianBlur(roi, (0, 0), max(2.0, min(roi.shape[:2]) / 5), dst=roi)
    return pixels


# motion -----------------------------------------------------------------------------------
@dataclass
class Motion(VideoTransform):
    """Find what moves: a ``motion`` event per frame with the moving regions and how much moved.

    ``mog2`` keeps a background model (lighting drift and camera noise fade into it); ``diff``
    compares each frame with the one before. Regions are boxes in full-frame pixels.

    Example: ``mstg run -i cam0 -t "motion:highlight=true,min_area=0.005" -o play --events motion.jsonl``
    """

    name = "motion"
    summary = "Detect moving regions (events), optionally outline them."
    pixel_format = "gray"
    method: str = param("mog2", "Background model: mog2 or diff (change since the previous frame).",
                        choices=("mog2", "diff"))
    threshold: float = param(25.0, "Change that counts as motion: grey levels (diff), or MOG2's "
                             "varThreshold (mog2).", min=1.0, max=255.0)
    min_area: float = param(0.001, "Smallest region reported, as a fraction of the frame area.",
                            min=0.0, max=1.0)
    history: int = param(100, "Frames the mog2 background model remembers.", min=1, max=10000)
    detect_width: int = param(320, "Width of the grey picture motion is looked for in; 0: full size.",
                              min=0, max=8192)
    highlight: bool = param(False, "Outline the moving regions in the picture.")
    color: str = param("red", "Outline colour (name or #RRGGBB).")

    def prepare(self) -> None:
        self._color = parse_color(self.color)
        self.reset()

    def reset(self) -> None:
        """Forget the background (a new scene or a new stream)."""
        self._model: Any = None
        self._previous: np.ndarray | None = None
        self._small: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def setup(self, settings: dict[str, Any]) -> None:
        self.reset()

    def process(self, data: np.ndarray, frame: VideoFrame) -> Any:
        small, factor = shrink(data, self.detect_width, self._small)
        if small is not data:
            self._small = small
        mask = self._foreground(small)
        if mask is None:
            return frame
        height, width = data.shape
        regions, moved = self._regions(mask, factor, width, height)
        if not regions:
            return frame
        self.emit({"regions": [bounding_box(r) for r in regions], "fraction": round(moved, 6)})
        if not self.highlight:
            return frame
        pixels, fmt = writable_pixels(frame)
        thickness = max(2, round(height / 240) * 2)
        for target, _t, value, scale in plane_pairs(pixels, pixels, self._color):
            for x, y, w, h in regions:
                cv2.rectangle(target, (int(x * scale), int(y * scale)),
                              (int((x + w - 1) * scale), int((y + h - 1) * scale)),
                              value, max(1, int(thickness * scale)))
        return frame.with_pixels(pixels, fmt)

    def _foreground(self, small: np.ndarray) -> np.ndarray | None:
        """A 0/255 mask of what moved, or None while there is nothing to compare with."""
        smooth = cv2.GaussianBlur(small, (5, 5), 0)
        if self._previous is not None and self._previous.shape != smooth.shape:
            self.reset()
        first = self._previous is None
        if self.method == "mog2":
            if self._model is None:
                self._model = cv2.createBackgroundSubtractorMOG2(
                    history=self.history, varThreshold=self.threshold, detectShadows=False)
            # A fixed rate from the start: an object that stops is absorbed after ~history frames.
            mask = self._model.apply(smooth, learningRate=1.0 / self.history)
        else:
            mask = None if first else cv2.absdiff(smooth, self._previous)
            if mask is not None:
                cv2.threshold(mask, self.threshold, 255, cv2.THRESH_BINARY, dst=mask)
        self._previous = smooth
        if first or mask is None:
            return None
        cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL3, dst=mask)
        return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _KERNEL5, dst=mask)

    def _regions(self, mask: np.ndarray, factor: float, width: int, height: int) -> tuple[list[Box], float]:
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        least = self.min_area * mask.size
        regions: list[Box] = []
        area = 0
        for x, y, w, h, pixels in stats[1:count]:
            if pixels < max(1.0, least):
                continue
            box = grow((x, y, w, h), factor, 0.0, width, height, even=False)
            if box is not None:
                regions.append(box)
                area += int(pixels)
        return regions, area / mask.size


_KERNEL3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_KERNEL5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
