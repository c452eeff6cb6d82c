"""HLS and DASH outputs: playlist plus segments, played back by FFmpeg, never clobbering."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import make_clip, run_mstg


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """9 s of 25 fps video and a tone: three HLS segments of 4 s at most."""
    return make_clip(tmp_path_factory.mktemp("seg") / "nine.mp4", seconds=9.0, size=(160, 120))


def frames_read(url: Path) -> dict[str, int]:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                          "stream=codec_type,nb_read_frames", "-of", "json", str(url)],
                         capture_output=True, check=True).stdout
    return {s["codec_type"]: int(s["nb_read_frames"]) for s in json.loads(out)["streams"]}


def keyframe_times(url: Path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                          "packet=pts_time,flags", "-of", "csv=p=0", str(url)],
                         capture_output=True, check=True, text=True).stdout
    return [float(line.split(",")[0]) for line in out.splitlines() if line.count(",") and "K" in line.split(",")[1]]


def test_hls_playlist_plays_back(long_clip: Path, tmp_path: Path) -> None:
    playlist = tmp_path / "made" / "hls" / "out.m3u8"
    result = run_mstg("run", "-i", str(long_clip), "-o", str(playlist), "-q")
    assert result.returncode == 0, result.stderr
    text = playlist.read_text()
    named = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(named) >= 2 and "#EXT-X-ENDLIST" in text
    assert sorted(p.name for p in playlist.parent.iterdir()) == sorted(named + ["out.m3u8"])  # no .tmp
    durations = [float(line.split(":")[1].rstrip(",")) for line in text.splitlines() if line.startswith("#EXTINF")]
    assert max(durations) <= 6.0 and abs(sum(durations) - 9.0) < 0.1  # 4 s, cut at a keyframe
    keys = keyframe_times(playlist)
    assert keys[0] < 0.2 and max(b - a for a, b in zip(keys, keys[1:])) <= 2.0 + 1e-6
    played = subprocess.run(["ffmpeg", "-v", "error", "-i", str(playlist), "-f", "null", "-"], capture_output=True)
    assert played.returncode == 0 and not played.stderr, played.stderr
    assert frames_read(playlist)["video"] == 225


def test_dash_manifest_plays_back(long_clip: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "dash" / "out.mpd"
    result = run_mstg("run", "-i", str(long_clip), "-o", str(manifest), "-q")
    assert result.returncode == 0, result.stderr
    assert "<MPD" in manifest.read_text()
    assert not [p for p in manifest.parent.iterdir() if p.suffix == ".tmp"]
    counts = frames_read(manifest)
    assert counts["video"] == 225 and counts["audio"] > 0


def test_segmented_output_never_overwrites_without_y(long_clip: Path, tmp_path: Path) -> None:
    (tmp_path / "out_00000.ts").write_bytes(b"mine")  # a segment of an earlier run
    result = run_mstg("run", "-i", str(long_clip), "-o", str(tmp_path / "out.m3u8"), "-q")
    assert result.returncode == 6 and b"out_00000.ts exists" in result.stderr
    assert (tmp_path / "out_00000.ts").read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out_00000.ts"]
    result = run_mstg("run", "-i", str(long_clip), "-o", str(tmp_path / "out.m3u8"), "-q", "-y")
    assert result.returncode == 0, result.stderr
    assert frames_read(tmp_path / "out.m3u8")["video"] == 225
