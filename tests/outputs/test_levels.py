"""Pixel levels survive encoding: a flat grey, a flat colour and a grey gradient, read from
full-range pictures (PNG, JPEG) or raw grey on stdin, with no transform, a transform that asks for grey and one that
asks for BGR, written as H.264 (yuv420p), FFV1 and PNG, read back by FFmpeg's CLI within 2
levels of what FFmpeg itself writes from the same picture; colour tags as FFmpeg's."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers import run_mstg

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None,
                                reason="Debian's ffmpeg CLI is the reference (.ci/run installs it)")
W, H = 64, 48
#: Transforms that hand the pixels back as they got them, one per layout they ask for.
PASSES = '''
from dataclasses import dataclass
from mstg import Transform


@dataclass
class GreyPass(Transform):
    name = "greypass"
    summary = "The grey picture, as it came."
    pixel_format = "gray"

    def process(self, data, frame):
        return data.copy()


@dataclass
class BgrPass(Transform):
    name = "bgrpass"
    summary = "The BGR picture, as it came."
    pixel_format = "bgr24"

    def process(self, data, frame):
        return data.copy()
'''
OUTPUTS = {"h264.mp4": ["-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p"],
           "ffv1.nut": ["-c:v", "ffv1"], "picture.png": []}
BT601 = {"bt470bg": "bt601", "smpte170m": "bt601"}


def source(tmp_path: Path, kind: str, suffix: str) -> Path:
    """A picture written with OpenCV: a flat grey 40, a flat colour or a grey gradient."""
    if kind == "grey":
        pixels = np.full((H, W), 40, np.uint8)
    elif kind == "colour":
        pixels = np.empty((H, W, 3), np.uint8)
        pixels[:] = (200, 60, 30)
    else:
        pixels = np.repeat(np.linspace(0, 255, W).astype(np.uint8)[None, :], H, 0)
        pixels = cv2.merge([pixels] * 3)
    path = tmp_path / f"{kind}{suffix}"
    if suffix == ".raw":  # grey pictures on a pipe, tagged nothing: what `-f rawvideo` reads
        path.write_bytes(pixels.tobytes() * 3)
    else:
        assert cv2.imwrite(str(path), pixels, [cv2.IMWRITE_JPEG_QUALITY, 100])
    return path


def input_args(picture: Path) -> tuple[list[str], list[str]]:
    """How mstg and FFmpeg's CLI read ``picture`` (raw grey: from stdin, with its size)."""
    if picture.suffix != ".raw":
        return ["-i", str(picture)], ["-i", str(picture)]
    return (["-i", "-", "--input-format", "rawvideo", "--input-size", f"{W}x{H}", "--input-pixel-format", "gray"],
            ["-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{W}x{H}", "-i", str(picture)])


def read_back(path: Path, pix_fmt: str) -> np.ndarray:
    """The first picture of a file as FFmpeg's CLI decodes it, in ``pix_fmt``."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", pix_fmt, "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).astype(int)


def tags(path: Path) -> dict[str, str]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=pix_fmt,color_range,color_space", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    stream = json.loads(out)["streams"][0]
    return {key: stream.get(key, "unknown") for key in ("pix_fmt", "color_range", "color_space")}


@pytest.mark.parametrize("kind,suffix", [("grey", ".raw"), ("grey", ".png"), ("grey", ".jpg"),
                                         ("colour", ".png"), ("colour", ".jpg"), ("gradient", ".png")])
@pytest.mark.parametrize("transform", ["", "GreyPass", "BgrPass"])
def test_levels_match_ffmpeg(tmp_path: Path, kind: str, suffix: str, transform: str) -> None:
    picture = source(tmp_path, kind, suffix)
    (tmp_path / "passes.py").write_text(PASSES)
    outs = [tmp_path / f"out-{name}" for name in OUTPUTS]
    mstg_input, ffmpeg_input = input_args(picture)
    args = ["run", *mstg_input, "--crf", "0", "-q", "-y"]
    if transform:
        args += ["-t", f"{tmp_path / 'passes.py'}:{transform}"]
    result = run_mstg(*args, *(arg for out in outs for arg in ("-o", str(out))), cwd=tmp_path,
                      input=picture.read_bytes() if picture.suffix == ".raw" else None)
    assert result.returncode == 0, result.stderr
    grey_out = kind == "grey" or transform == "GreyPass"
    as_grey = ["-vf", "format=gray"] if transform == "GreyPass" else []
    for (name, codec), out in zip(OUTPUTS.items(), outs):
        ref = tmp_path / f"ref-{name}"
        subprocess.run(["ffmpeg", "-v", "error", *ffmpeg_input, *as_grey, *codec, "-frames:v", "1", str(ref)],
                       check=True)
        pix_fmt = "gray" if grey_out else "bgr24"
        got, want = read_back(out, pix_fmt), read_back(ref, pix_fmt)
        assert got.shape == want.shape == (W * H * (1 if grey_out else 3),)
        assert np.abs(got - want).max() <= 2, (name, got.mean(), want.mean())
        if kind == "grey":  # not the 25-28 that full-range pixels in a limited-range file read as
            assert abs(got.mean() - 40) <= 1, (name, got.mean())
        written, made = tags(out), tags(ref)
        if written["pix_fmt"].startswith("yuv4"):  # limited-range YUV: never tagged full range
            assert written["color_range"] in ("unknown", "tv"), (name, written)
        if not transform:
            assert BT601.get(written["color_space"], written["color_space"]) == \
                BT601.get(made["color_space"], made["color_space"]), (name, written, made)
