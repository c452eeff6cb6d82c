"""Concatenation: -i 'concat:a|b' plays the files one after another on one timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_clip, probe, run_mstg


def test_parts_of_different_sizes_and_rates_make_one_timeline(tmp_path: Path) -> None:
    first = make_clip(tmp_path / "a.mp4", seconds=1.0, size=(320, 240), fps=25)
    second = make_clip(tmp_path / "b.mkv", seconds=1.0, size=(160, 120), fps=10, freq=1000.0)
    out = tmp_path / "joined.mkv"
    result = run_mstg("run", "-i", f"concat:{first}|{second}", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    got = probe(out)
    times = [t for t, _ in got["video"]]
    assert len(times) == 35  # 25 + 10 frames
    # the second part starts where the first one's longest track (AAC: a few samples more) ends
    assert times[25] == pytest.approx(1.0, abs=0.01) and times[26] - times[25] == pytest.approx(0.1, abs=0.001)
    assert all(b > a for a, b in zip(times, times[1:]))
    assert {(f.width, f.height) for _, f in got["video"]} == {(320, 240)}  # the first part's size
    audio_end = got["audio"][-1][0] + got["audio"][-1][1].samples / got["audio"][-1][1].sample_rate
    assert audio_end == pytest.approx(2.0, abs=0.05)


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    first = make_clip(tmp_path / "a.mp4", seconds=0.2)
    result = run_mstg("run", "-i", f"concat:{first}|{tmp_path / 'nope.mp4'}", "-o", "null")
    assert result.returncode == 3 and b"nope.mp4" in result.stderr


def test_concat_with_duration_stops_in_the_second_part(tmp_path: Path) -> None:
    first = make_clip(tmp_path / "a.mp4", seconds=1.0, audio=False)
    out = tmp_path / "cut.mkv"
    result = run_mstg("run", "-i", f"concat:{first}|{first}", "--duration", "1.5", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert len(probe(out)["video"]) == 38  # 1.5 s at 25 fps, rounded up to whole frames
