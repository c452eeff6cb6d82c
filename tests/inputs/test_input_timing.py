"""Inputs without usable timing get a rate (--input-fps), raw video on stdin is described
(--input-size, --input-pixel-format), and a picture named like a glob is used as it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import make_clip, pattern, probe, run_mstg


def encode_with_ffmpeg(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=2",
                    *args, str(path)], check=True)
    return path


@pytest.mark.parametrize("name,args", [("raw.h264", ["-c:v", "libx264", "-f", "h264"]),
                                       ("clip.ivf", ["-c:v", "libvpx", "-f", "ivf"])])
def test_input_fps_restamps_a_stream_without_usable_timing(tmp_path: Path, name: str, args: list[str]) -> None:
    source = encode_with_ffmpeg(tmp_path / name, *args)
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "--input-fps", "5", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    times = [t for t, _ in probe(out)["video"]]
    assert len(times) == 20  # every frame, 0.2 s apart: 4 s instead of 2
    assert times == pytest.approx([i * 0.2 for i in range(20)], abs=0.002)


def test_input_fps_with_start_skips_by_the_given_rate(tmp_path: Path) -> None:
    source = encode_with_ffmpeg(tmp_path / "raw.h264", "-c:v", "libx264", "-f", "h264")
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "--input-fps", "5", "--start", "2", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert len(probe(out)["video"]) == 10


def test_raw_video_on_stdin(tmp_path: Path) -> None:
    width, height = 64, 48
    pictures = [pattern(i, width, height) for i in range(12)]
    raw = b"".join(p.tobytes() for p in pictures)
    out = tmp_path / "out.nut"
    result = run_mstg("run", "-i", "-", "--input-format", "rawvideo", "--input-size", "64x48",
                      "--input-pixel-format", "bgr24", "--input-fps", "12", "-o", str(out), "-q", input=raw)
    assert result.returncode == 0, result.stderr
    frames = probe(out)["video"]
    assert len(frames) == 12 and frames[-1][0] == pytest.approx(11 / 12, abs=0.002)
    got = frames[5][1].to_ndarray(format="bgr24").astype(int)
    assert np.abs(got - pictures[5]).mean() < 2  # the sixth picture (4:2:0 chroma rounds a little)
    assert np.abs(got - pictures[6]).mean() > 10


def test_raw_video_needs_its_size(tmp_path: Path) -> None:
    result = run_mstg("run", "-i", "-", "--input-format", "rawvideo", "-o", str(tmp_path / "x.mkv"), input=b"")
    assert result.returncode == 2 and b"--input-size" in result.stderr


def test_a_picture_named_like_a_glob_is_used_as_it_is(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mkv", seconds=0.04, size=(32, 24), vcodec="ffv1", audio=False)
    with av.open(str(source)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="bgr24")
    named = tmp_path / "photo [2].png"
    av_frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
    with av.open(str(named), "w", format="image2") as out:
        stream = out.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = 32, 24, "rgb24"
        out.mux(stream.encode(av_frame.reformat(format="rgb24")))
        out.mux(stream.encode(None))
    out = tmp_path / "out.mkv"
    # lossless (--crf 0): the comparison is about the picture, not H.264's loss on 32x24 pixels
    result = run_mstg("run", "-i", str(named), "-o", str(out), "--crf", "0", "-q")
    assert result.returncode == 0, result.stderr
    frames = probe(out)["video"]
    assert len(frames) == 1
    assert np.abs(frames[0][1].to_ndarray(format="bgr24").astype(int) - picture).mean() < 3
