"""Several inputs: per-input and per-output options after '::' (FFmpeg's -map and per-file
options), every input used or named in a warning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import make_clip, probe, run_mstg


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("map")
    return (make_clip(folder / "video.mp4", seconds=1.0, size=(640, 480), freq=440.0),
            make_clip(folder / "music.mkv", seconds=1.0, size=(160, 120), freq=1000.0))


def tone_hz(frames: list) -> float:
    samples = np.concatenate([f.to_ndarray()[0] for _, f in frames[:20]])
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * frames[0][1].sample_rate / len(samples))


def test_video_of_one_file_audio_of_another(two_files: tuple[Path, Path], tmp_path: Path) -> None:
    video, music = two_files
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", f"{video}::audio-track=none", "-i", f"{music}::video-track=none",
                      "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert b"warning" not in result.stderr
    got = probe(out)
    assert {(f.width, f.height) for _, f in got["video"]} == {(640, 480)}
    assert abs(tone_hz(got["audio"]) - 1000) < 30  # the second file's tone


def test_an_unused_input_is_named(two_files: tuple[Path, Path], tmp_path: Path) -> None:
    video, music = two_files
    result = run_mstg("run", "-i", str(video), "-i", str(music), "-o", str(tmp_path / "out.mkv"))
    assert result.returncode == 0, result.stderr
    assert f"warning: input not used: {music}: its video and audio come from {video}".encode() in result.stderr


def test_one_run_writes_a_full_file_and_a_preview(two_files: tuple[Path, Path], tmp_path: Path) -> None:
    video, _ = two_files
    full, preview = tmp_path / "full.mp4", tmp_path / "preview.webm"
    result = run_mstg("run", "-i", str(video), "-o", str(full), "--crf", "20",
                      "-o", f"{preview}::size=-2x120,crf=40,no-audio", "-q")
    assert result.returncode == 0, result.stderr
    big, small = probe(full), probe(preview)
    assert {(f.width, f.height) for _, f in big["video"]} == {(640, 480)} and big["audio"]
    assert {(f.width, f.height) for _, f in small["video"]} == {(160, 120)} and not small["audio"]
    assert len(big["video"]) == len(small["video"]) == 25


def test_per_input_start(two_files: tuple[Path, Path], tmp_path: Path) -> None:
    video, music = two_files
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", f"{video}::start=0.6,audio-track=none", "-i", f"{music}::video-track=none",
                      "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    got = probe(out)
    assert len(got["video"]) == 10  # 0.6 s into a 1 s clip at 25 fps


@pytest.mark.parametrize("spec,message", [("::bogus=1", "unknown input option 'bogus'"),
                                          ("::start=soon", "start: expected a number")])
def test_bad_inline_options(two_files: tuple[Path, Path], tmp_path: Path, spec: str, message: str) -> None:
    result = run_mstg("run", "-i", f"{two_files[0]}{spec}", "-o", "null")
    assert result.returncode == 2 and message.encode() in result.stderr
    assert len(result.stderr.decode().splitlines()) <= 2  # error and hint, no traceback
