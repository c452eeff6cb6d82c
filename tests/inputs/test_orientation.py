"""Rotation, flips and sample aspect ratios: pictures come out as FFmpeg's autorotate shows them,
on every path (whole file, --duration, a late track), and probe says the same size."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import run_mstg

from mstg.inputs import open_input
from mstg.inputs.orientation import Orientation
from mstg.tracks import MediaStreamTrackProcessor

WIDTH, HEIGHT, FPS = 192, 108, 25
needs_display_matrix = pytest.mark.skipif(not hasattr(av.video.stream.VideoStream, "set_display_rotation"),
                                          reason="this PyAV cannot write a display matrix")


def picture() -> np.ndarray:
    """BGR: red top-left, blue bottom-right, green top-right, grey elsewhere: every turn and
    mirror of it is different."""
    img = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    img[: HEIGHT // 3, : WIDTH // 3] = (0, 0, 255)
    img[-HEIGHT // 3:, -WIDTH // 3:] = (255, 0, 0)
    img[: HEIGHT // 3, -WIDTH // 3:] = (0, 255, 0)
    return img


def shown(rotation: int, hflip: bool = False, vflip: bool = False) -> np.ndarray:
    """The picture as a player shows it: turned counter-clockwise by ``rotation``, then mirrored."""
    img = np.rot90(picture(), k=(rotation // 90) % 4)
    if hflip:
        img = img[:, ::-1]
    if vflip:
        img = img[::-1]
    return np.ascontiguousarray(img)


def make(path: Path, *, rotation: int = 0, hflip: bool = False, vflip: bool = False,
         codec: str = "libx264", pix_fmt: str = "yuv420p", editlist: bool = True, seconds: float = 2.0,
         audio: bool = False, video_start: float = 0.0, sar: Fraction | None = None) -> Path:
    """A clip of :func:`picture` with a display matrix (PyAV writes it), B-frames (so MP4 gets
    an edit list unless ``editlist=False``), optionally silence from 0 s and video from ``video_start``."""
    with av.open(str(path), "w", options={} if editlist else {"use_editlist": "0"}) as out:
        video = out.add_stream(codec, rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, pix_fmt
        video.options = {"x265-params": "log-level=error"} if codec == "libx265" else {"crf": "12"}
        if sar:
            video.codec_context.sample_aspect_ratio = sar
        if rotation or hflip or vflip:
            video.set_display_rotation(rotation, hflip=hflip, vflip=vflip)
        sound = out.add_stream("aac", rate=48000) if audio else None
        if sound is not None:
            sound.layout = "mono"
            for start in range(0, int((seconds + video_start) * 48000), 1024):
                frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = 48000, start, Fraction(1, 48000)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
        first = round(video_start * FPS)
        for i in range(int(seconds * FPS)):
            frame = av.VideoFrame.from_ndarray(picture(), format="bgr24")
            frame.pts, frame.time_base = first + i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


def first_picture_in(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="bgr24")


def frames_in_first_second(path: Path) -> int:
    """Pictures shown in the file's first second, counted from the container's start."""
    with av.open(str(path)) as container:
        start = (container.start_time or 0) / 1e6
        return sum(1 for f in container.decode(video=0) if f.time - start < 1.0)


def assert_looks_like(got: np.ndarray, want: np.ndarray) -> None:
    """Same size, and the same picture up to coding noise."""
    assert got.shape == want.shape
    diff = np.abs(got.astype(int) - want.astype(int)).mean()
    assert diff < 12, f"mean difference {diff:.1f}: turned or mirrored the wrong way"


def mstg_pictures(path: Path, *args: str) -> tuple[np.ndarray, int]:
    """The first picture and the frame count of what ``mstg run`` writes (lossless NUT)."""
    out = path.with_name(path.stem + "-out.nut")
    result = run_mstg("run", "-i", str(path), *args, "-o", str(out), "-y")
    assert result.returncode == 0, result.stderr.decode()
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    return frames[0], len(frames)


@needs_display_matrix
@pytest.mark.parametrize("rotation", [90, -90, 180, 270])
@pytest.mark.parametrize("flip", ["", "hflip", "vflip"])
def test_every_turn_and_mirror_is_shown_upright(tmp_path: Path, rotation: int, flip: str) -> None:
    clip = make(tmp_path / "clip.mp4", rotation=rotation, hflip=flip == "hflip", vflip=flip == "vflip",
                seconds=0.4)
    source = open_input(str(clip))
    frames = MediaStreamTrackProcessor(source.video).readable
    source.start()
    first = next(iter(frames))
    try:
        assert_looks_like(first.to_ndarray("bgr24"), shown(rotation, flip == "hflip", flip == "vflip"))
        assert source.video.get_settings()["width"] == first.width
    finally:
        first.close()
        source.stop()
    info = json.loads(run_mstg("probe", str(clip), "--json").stdout)["tracks"][0]
    assert (info["shown_width"], info["shown_height"]) == (first.width, first.height)
    assert info["mirrored"] == bool(flip)


@needs_display_matrix
@pytest.mark.parametrize(("codec", "pix_fmt"), [("libx264", "yuv420p"), ("libx264", "yuv420p10le"),
                                                ("libx265", "yuv420p"), ("libx265", "yuv420p10le")])
@pytest.mark.parametrize("editlist", [True, False])
def test_whole_file_and_duration_runs_turn_as_ffmpeg_does(tmp_path: Path, codec: str, pix_fmt: str,
                                                          editlist: bool) -> None:
    clip = make(tmp_path / "phone.mp4", rotation=-90, codec=codec, pix_fmt=pix_fmt, editlist=editlist,
                audio=True)
    want = shown(-90)
    whole, count = mstg_pictures(clip)
    assert_looks_like(whole, want)
    assert count == 2 * FPS
    part, count = mstg_pictures(clip, "--duration", "1")
    assert_looks_like(part, want)
    assert count == frames_in_first_second(clip)  # as ffmpeg -t 1: the B-frame delay counts
    if shutil.which("ffmpeg"):
        reference = tmp_path / "ffmpeg.nut"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-c:v", "ffv1", str(reference)],
                       check=True, timeout=120)
        assert_looks_like(whole, first_picture_in(reference))


@needs_display_matrix
def test_a_late_video_track_is_turned_too(tmp_path: Path) -> None:
    """Audio from 0 s, video from 1.5 s: the file's video stream is set up from what the input
    declares before the first picture comes, and must have the size shown."""
    clip = make(tmp_path / "late.mp4", rotation=-90, codec="libx265", pix_fmt="yuv420p10le", audio=True,
                video_start=1.5)
    first, count = mstg_pictures(clip)
    assert_looks_like(first, shown(-90))
    assert count == 2 * FPS


def test_non_square_pixels_are_shown_at_their_width(tmp_path: Path) -> None:
    clip = make(tmp_path / "wide.mkv", sar=Fraction(2, 1), seconds=0.4)
    first, _ = mstg_pictures(clip)
    assert first.shape[:2] == (HEIGHT, 2 * WIDTH)
    assert_looks_like(first, np.ascontiguousarray(np.repeat(picture(), 2, axis=1)))
    info = json.loads(run_mstg("probe", str(clip), "--json").stdout)["tracks"][0]
    assert (info["shown_width"], info["shown_height"], info["sample_aspect_ratio"]) == (2 * WIDTH, HEIGHT, "2:1")


@pytest.mark.parametrize(("matrix", "rotation", "mirrored"), [
    ([65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30], 0, False),
    ([0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30], -90, False),
    ([0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30], 90, False),
    ([-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30], 180, False),
    ([-65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30], 0, True),
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, False),  # garbage: shown as stored
])
def test_display_matrices_read_as_ffmpeg_reports_them(matrix: list[int], rotation: int, mirrored: bool) -> None:
    found = Orientation.from_matrix(matrix)
    assert (found.rotation, found.mirrored) == (rotation, mirrored)
