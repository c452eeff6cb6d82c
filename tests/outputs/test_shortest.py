"""``--shortest`` (FFmpeg's ``-shortest``) and ``--to``: where a file ends.

Checked as a user would: decode the file and count what it holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_clip, probe, run_mstg


def seconds_of_audio(frames: list) -> float:
    return sum(frame.samples for _, frame in frames) / frames[0][1].sample_rate


@pytest.fixture(scope="module")
def picture_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 25 fps video, no audio."""
    return make_clip(tmp_path_factory.mktemp("media") / "two.mp4", seconds=2.0, size=(160, 120),
                     audio=False)


def test_shortest_ends_a_long_tone_with_a_short_video(tmp_path: Path, picture_only: Path) -> None:
    out = tmp_path / "short.mkv"
    done = run_mstg("run", "-q", "-i", str(picture_only), "-i", "sine", "--shortest", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    assert len(got["video"]) == 50
    assert 1.9 <= seconds_of_audio(got["audio"]) <= 2.1  # the tone alone lasts 10 s


def test_without_shortest_the_longest_track_decides(tmp_path: Path, picture_only: Path) -> None:
    out = tmp_path / "long.mkv"
    done = run_mstg("run", "-q", "-i", str(picture_only), "-i", "sine", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    assert len(got["video"]) == 50
    assert seconds_of_audio(got["audio"]) >= 9.9


def test_shortest_ends_the_video_with_a_short_sound(tmp_path: Path) -> None:
    sound = make_clip(tmp_path / "beep.mka", seconds=1.0, video=False, acodec="flac")
    out = tmp_path / "out.mp4"
    done = run_mstg("run", "-q", "-i", "testsrc", "--duration", "5", "-i", str(sound), "--shortest",
                    "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    stamps = [t for t, _ in got["video"]]
    assert 24 <= len(stamps) <= 26 and max(stamps) < 1.05  # testsrc is 25 fps
    assert 0.95 <= seconds_of_audio(got["audio"]) <= 1.05


def test_shortest_for_one_output_only(tmp_path: Path, picture_only: Path) -> None:
    full, cut = tmp_path / "full.mkv", tmp_path / "cut.mkv"
    done = run_mstg("run", "-q", "-i", str(picture_only), "-i", "sine", "--duration", "4",
                    "-o", str(full), "-o", f"{cut}::shortest")
    assert done.returncode == 0, done.stderr.decode()
    assert seconds_of_audio(probe(full)["audio"]) >= 3.9
    assert seconds_of_audio(probe(cut)["audio"]) <= 2.1


def test_to_stops_at_a_position_of_the_input(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=4.0, size=(160, 120))
    out = tmp_path / "mid.mkv"
    done = run_mstg("run", "-q", "-i", str(clip), "--start", "1", "--to", "2.5", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    assert len(got["video"]) == 38  # 1.5 s at 25 fps (the last frame starts before 2.5 s)
    assert 1.45 <= seconds_of_audio(got["audio"]) <= 1.55


@pytest.mark.parametrize("args, message", [
    (("--start", "3", "--to", "2"), "--to 2"),
    (("--duration", "1", "--to", "2"), "--to"),
])
def test_to_refuses_what_cannot_be_meant(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0, size=(160, 120))
    done = run_mstg("run", "-i", str(clip), *args, "-o", str(tmp_path / "x.mkv"))
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert lines[0].startswith("error:") and message in lines[0], lines
    assert "Traceback" not in done.stderr.decode()
    assert not (tmp_path / "x.mkv").exists()
