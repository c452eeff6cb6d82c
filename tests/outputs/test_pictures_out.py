"""Pictures out (one, or a numbered sequence), --frames N, --size with -1/-2, odd sizes kept."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import make_clip, pattern, run_mstg


def ffprobe(path: Path, entries: str = "stream=codec_name,codec_type,width,height,nb_read_frames") -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries", entries, "-of", "json",
                          str(path)], capture_output=True, check=True).stdout
    return json.loads(out)["streams"]


def picture(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgr24")


def bar_x(img: np.ndarray) -> int:
    """Where the pattern's bright bar is (conftest.pattern: x = 4 * frame index)."""
    return int(np.argmax(img[:, :, 0].mean(axis=0) > 200))


@pytest.mark.parametrize("name,codec", [("thumb.jpg", "mjpeg"), ("thumb.png", "png"),
                                        ("thumb.webp", "webp")])
def test_one_picture_at_start(clip: Path, tmp_path: Path, name: str, codec: str) -> None:
    out = tmp_path / name
    result = run_mstg("run", "-i", str(clip), "--start", "1", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert ffprobe(out)[0]["codec_name"] == codec
    img = picture(out)
    assert img.shape == (240, 320, 3)
    assert abs(bar_x(img) - bar_x(pattern(25, 320, 240))) <= 2  # the frame at 1 s (frame 25)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary left


def test_picture_sequence_one_file_per_frame(clip: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "frames" / "%04d.png"
    result = run_mstg("run", "-i", str(clip), "-o", str(target), "-q")
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "new" / "frames").iterdir())
    assert [f.name for f in files] == [f"{i:04d}.png" for i in range(1, 51)]  # 2 s at 25 fps
    for index in (0, 10, 49):
        assert abs(bar_x(picture(files[index])) - bar_x(pattern(index, 320, 240))) <= 2


def test_sequence_never_overwrites_without_y(clip: Path, tmp_path: Path) -> None:
    (tmp_path / "0001.png").write_bytes(b"mine")
    result = run_mstg("run", "-i", str(clip), "-o", str(tmp_path / "%04d.png"), "--frames", "3", "-q")
    assert result.returncode == 6
    assert (tmp_path / "0001.png").read_bytes() == b"mine"
    result = run_mstg("run", "-i", str(clip), "-o", str(tmp_path / "%04d.png"), "--frames", "3", "-q", "-y")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0001.png", "0002.png", "0003.png"]


def test_frames_limits_video_and_cuts_audio_there(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "ten.mkv"
    result = run_mstg("run", "-i", str(clip), "--frames", "10", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    video, audio = sorted(ffprobe(out), key=lambda s: s["codec_type"], reverse=True)
    assert int(video["nb_read_frames"]) == 10
    with av.open(str(out)) as container:
        last_audio = max(float(f.pts * f.time_base) for f in container.decode(audio=0))
    assert last_audio < 0.45  # 10 frames at 25 fps end at 0.4 s; one audio frame more at most


@pytest.mark.parametrize("size,expected", [("160x-2", (160, 120)), ("-1x60", (80, 60)), ("161x-1", (161, 121))])
def test_size_keeps_aspect(clip: Path, tmp_path: Path, size: str, expected: tuple[int, int]) -> None:
    out = tmp_path / "small.nut"  # FFV1: odd sides kept
    result = run_mstg("run", "-i", str(clip), "--duration", "0.2", "--size", size, "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    stream = ffprobe(out)[0]
    assert (stream["width"], stream["height"]) == expected


def test_size_refuses_two_free_sides(clip: Path, tmp_path: Path) -> None:
    result = run_mstg("run", "-i", str(clip), "--size", "-1x-2", "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2 and b"only one side" in result.stderr


@pytest.mark.parametrize("ext,size", [(".nut", (321, 241)), (".webm", (321, 241)), (".mp4", (320, 240))])
def test_odd_sizes_kept_where_the_codec_allows(tmp_path: Path, ext: str, size: tuple[int, int]) -> None:
    source = make_clip(tmp_path / "odd.mkv", seconds=0.4, size=(321, 241), vcodec="ffv1", audio=False)
    out = tmp_path / f"out{ext}"
    result = run_mstg("run", "-i", str(source), "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    stream = ffprobe(out)[0]
    assert (stream["width"], stream["height"]) == size


def test_one_picture_stops_reading_the_input(tmp_path: Path) -> None:
    from mstg import Pipeline, open_input, open_output

    source = make_clip(tmp_path / "long.mkv", seconds=8.0, size=(160, 120), vcodec="ffv1", audio=False)
    stats = Pipeline([open_input(str(source))], [open_output(str(tmp_path / "first.png"))]).run()
    assert (tmp_path / "first.png").exists()
    assert stats.frames_in["video"] < 100  # of 200: the run ends once the picture is written
