"""``--loop`` (FFmpeg's ``-loop 1``): pictures repeated until the run ends; with a sound and
``--shortest``, the everyday "picture plus audio makes a video"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from helpers import make_clip, probe, run_mstg


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    """A 64x48 flat picture of ``colour`` (RGB), written by FFmpeg's CLI."""
    hex_colour = "0x%02x%02x%02x" % colour
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c={hex_colour}:size=64x48", "-frames:v", "1", str(path)], check=True)
    return path


def mean_rgb(frame) -> np.ndarray:
    return frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)


def test_a_picture_and_a_sound_make_a_video_as_long_as_the_sound(tmp_path: Path) -> None:
    cover = picture(tmp_path / "cover.png", (200, 40, 40))
    sound = make_clip(tmp_path / "talk.mka", seconds=3.0, video=False, acodec="flac")
    out = tmp_path / "talk.mp4"
    done = run_mstg("run", "-q", "-i", str(cover), "-i", str(sound), "--loop", "--shortest",
                    "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    assert 74 <= len(got["video"]) <= 76  # 3 s at 25 fps
    colours = [mean_rgb(f) for _, f in got["video"]]
    assert all(np.abs(c - colours[0]).max() < 1 for c in colours)  # the same picture throughout
    assert np.abs(colours[0] - (200, 40, 40)).max() < 8
    seconds = sum(f.samples for _, f in got["audio"]) / got["audio"][0][1].sample_rate
    assert 2.95 <= seconds <= 3.05


def test_pictures_repeat_in_order_until_the_duration(tmp_path: Path) -> None:
    picture(tmp_path / "1.png", (255, 0, 0))
    picture(tmp_path / "2.png", (0, 0, 255))
    out = tmp_path / "blink.mkv"
    done = run_mstg("run", "-q", "-i", f"{tmp_path}/*.png", "--input-fps", "5", "--loop",
                    "--duration", "2", "-cv", "ffv1", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    frames = probe(out)["video"]
    assert [round(t, 2) for t, _ in frames] == [round(i * 0.2, 2) for i in range(10)]
    reds = [mean_rgb(f)[0] > 128 for _, f in frames]
    assert reds == [i % 2 == 0 for i in range(10)]


def test_without_loop_a_picture_is_one_frame(tmp_path: Path) -> None:
    cover = picture(tmp_path / "cover.png", (0, 200, 0))
    out = tmp_path / "one.mkv"
    done = run_mstg("run", "-q", "-i", str(cover), "--duration", "2", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert len(probe(out)["video"]) == 1


@pytest.mark.parametrize("args", [("--loop",), ()])
def test_loop_is_refused_for_what_is_not_a_picture(tmp_path: Path, args: tuple[str, ...]) -> None:
    sound = make_clip(tmp_path / "talk.mka", seconds=1.0, video=False, acodec="flac")
    spec = str(sound) if args else f"{sound}::loop"
    done = run_mstg("run", "-i", spec, *args, "-o", str(tmp_path / "x.mkv"))
    assert done.returncode == 2
    err = done.stderr.decode()
    assert err.startswith("error:") and "only for pictures" in err.splitlines()[0], err
    assert not (tmp_path / "x.mkv").exists()
