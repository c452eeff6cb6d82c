"""Encoder control (keyframe interval, profile, level, rate control, x264 params, any option),
audio rate and channels, global metadata, and MP4/MOV written with the index first."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import run_mstg
from helpers import cli


def ffprobe_json(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", *args, "-of", "json", str(path)], capture_output=True,
                         check=True).stdout
    return json.loads(out)


def keyframes(path: Path) -> list[float]:
    packets = ffprobe_json(path, "-select_streams", "v", "-show_entries", "packet=pts_time,flags")["packets"]
    return [float(p["pts_time"]) for p in packets if "K" in p["flags"]]


def top_level_boxes(path: Path) -> list[str]:
    data, boxes, at = path.read_bytes(), [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        boxes.append(data[at + 4:at + 8].decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


def test_gop_profile_level_and_rate_control(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "-g", "10", "--profile", "baseline", "--level", "3.0",
                      "--maxrate", "500k", "--bufsize", "1M", "--x264-params", "scenecut=0",
                      "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    video = ffprobe_json(out, "-select_streams", "v", "-show_entries", "stream=profile,level")["streams"][0]
    assert video["profile"] == "Constrained Baseline" and video["level"] == 30
    assert keyframes(out) == pytest.approx([i * 0.4 for i in range(5)], abs=0.001)  # every 10 frames


def test_codec_option_reaches_the_encoder(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(clip), "--codec-option", "g=25", "--codec-option", "sc_threshold=0",
                      "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert keyframes(out) == pytest.approx([0.0, 1.0], abs=0.001)


def test_bufsize_without_maxrate_is_refused(clip: Path, tmp_path: Path) -> None:
    result = cli("run", "-i", str(clip), "--bufsize", "1M", "-o", str(tmp_path / "x.mp4"))
    assert result.returncode == 2 and result.stderr.startswith("error: --bufsize needs --maxrate")
    assert not (tmp_path / "x.mp4").exists()


def test_audio_rate_and_channels(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.m4a"
    result = run_mstg("run", "-i", str(clip), "-ar", "22050", "-ac", "1", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    audio = ffprobe_json(out, "-show_entries", "stream=sample_rate,channels,duration")["streams"][0]
    assert (int(audio["sample_rate"]), audio["channels"]) == (22050, 1)
    assert float(audio["duration"]) == pytest.approx(2.0, abs=0.1)


def test_global_metadata(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(clip), "--metadata", "title=Talk", "--metadata", "artist=Me",
                      "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    tags = {k.lower(): v for k, v in ffprobe_json(out, "-show_entries", "format_tags")["format"]["tags"].items()}
    assert tags["title"] == "Talk" and tags["artist"] == "Me"


@pytest.mark.parametrize("ext", [".mp4", ".mov"])
def test_mp4_and_mov_have_the_index_first(clip: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out{ext}"
    result = run_mstg("run", "-i", str(clip), "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    boxes = top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary left


def test_fragmented_mp4_is_not_moved(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "--fragmented", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert "moof" in top_level_boxes(out)


def test_format_option_overrides_faststart(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run_mstg("run", "-i", str(clip), "--format-option", "movflags=+use_metadata_tags", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    boxes = top_level_boxes(out)
    assert boxes.index("mdat") < boxes.index("moov")
