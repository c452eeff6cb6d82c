"""``mstg probe``: what FFmpeg sees, checked on real-world files and on media made here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import make_clip, run_mstg


def probe_json(path: Path | str, *args: str) -> dict[str, Any]:
    result = run_mstg("probe", str(path), "--json", *args)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def kinds(info: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [t for t in info["tracks"] if t["kind"] == kind]


def test_rotation_sizes_and_codecs_of_a_rotated_phone_video(testdata: Path) -> None:
    info = probe_json(testdata / "media" / "rotate-buck-bunny.mp4")
    video, audio = kinds(info, "video")[0], kinds(info, "audio")[0]
    assert (video["codec"], video["profile"], video["pixel_format"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"], video["rotation"], video["frame_rate"]) == (1920, 1080, -90, 24.0)
    assert (audio["codec"], audio["sample_rate"], audio["channels"], audio["layout"]) == ("aac", 48000, 6, "5.1")
    assert audio["language"] == "eng" and abs(info["duration"] - 2.005) < 0.01
    assert info["format"].startswith("mov,mp4") and info["size_bytes"] == 675899


def test_cover_art_is_flagged_and_not_counted_as_a_video_track(testdata: Path) -> None:
    info = probe_json(testdata / "media" / "sample.flac")
    audio, picture = info["tracks"]
    assert (audio["kind"], audio["codec"], audio["sample_rate"], audio["channels"]) == ("audio", "flac", 44100, 2)
    assert not audio["cover_art"] and audio["number"] == 0
    assert (picture["kind"], picture["codec"], picture["cover_art"], picture["number"]) == ("video", "png", True, None)
    assert (picture["width"], picture["height"]) == (120, 63)


def test_three_audio_tracks_and_their_languages(testdata: Path) -> None:
    info = probe_json(testdata / "media" / "test-026.ts")
    audio = kinds(info, "audio")
    assert [(a["codec"], a["language"], a["number"]) for a in audio] == [
        ("eac3", "fre", 0), ("eac3", "fra", 1), ("eac3", "qaa", 2)]
    assert len(kinds(info, "subtitle")) == 2 and kinds(info, "video")[0]["field_order"] == "tt"
    text = run_mstg("probe", str(testdata / "media" / "test-026.ts")).stdout.decode()
    assert "audio 2" in text and "qaa" in text and "interlaced (tt)" in text


def test_chapters_and_odd_sizes(testdata: Path) -> None:
    info = probe_json(testdata / "media" / "sample_with_chapters.mkv")
    assert info["chapters"] == 2 and kinds(info, "video")[0]["pixel_format"] == "yuv444p"
    odd = kinds(probe_json(testdata / "media" / "bear-vp9-odd-dimensions.webm"), "video")[0]
    assert (odd["codec"], odd["width"], odd["height"]) == ("vp9", 161, 121)


def test_a_clip_made_here(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mkv", seconds=1.0, size=(64, 48), fps=25, sample_rate=44100)
    info = probe_json(clip)
    video, audio = info["tracks"]
    assert (video["kind"], video["codec"], video["width"], video["height"]) == ("video", "h264", 64, 48)
    assert (video["frame_rate"], video["rotation"], video["number"]) == (25.0, 0, 0)
    assert (audio["codec"], audio["sample_rate"], audio["layout"], audio["channels"]) == ("aac", 44100, "stereo", 2)
    assert abs(info["duration"] - 1.0) < 0.1 and info["format"] == "matroska,webm"


def test_plain_text_when_not_a_terminal(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.2, size=(64, 48))
    result = run_mstg("probe", str(clip))
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 0 and "\x1b" not in result.stdout.decode()
    assert lines[0].startswith(f"{clip}: QuickTime / MOV (mov,mp4,m4a,3gp,3g2,mj2), 0.2")
    assert lines[1].split() == ["#", "TRACK", "CODEC", "FORMAT", "DETAILS", "LANG", "NOTES"]
    assert lines[2].split()[:6] == ["#0", "video", "0", "h264", "High", "yuv420p"]
    assert "64x48 25 fps" in lines[2] and "48000 Hz stereo (2 ch)" in lines[3]


def test_a_table_on_a_terminal_and_no_colour_with_no_color(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.2, size=(64, 48))
    coloured = run_mstg("probe", str(clip), env={"FORCE_COLOR": "1", "NO_COLOR": ""}).stdout.decode()
    plain = run_mstg("probe", str(clip), env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout.decode()
    assert "\x1b[36m" in coloured and "┃" in coloured  # a rich table, video in cyan
    assert "┃" in plain and "\x1b[3" not in plain and "\x1b[9" not in plain


def test_stdin_and_lavfi_sources(tmp_path: Path) -> None:
    nut = subprocess.run([sys.executable, "-m", "mstg", "run", "-i", "testsrc=size=32x24:rate=10",
                          "--duration", "0.3", "-o", "-"], capture_output=True, timeout=60).stdout
    result = run_mstg("probe", "-", "--json", input=nut)
    assert result.returncode == 0, result.stderr.decode()
    info = json.loads(result.stdout)
    assert info["input"] == "-" and info["format"] == "nut"
    assert (info["tracks"][0]["width"], info["tracks"][0]["height"]) == (32, 24)
    lavfi = probe_json("sine=frequency=1000:sample_rate=8000")
    assert lavfi["tracks"][0]["sample_rate"] == 8000


@pytest.mark.parametrize("name, content, status, message", [
    ("missing.mp4", None, 3, "error: input not found: "),
    ("junk.mp4", b"\x00junk" * 500, 4, "error: cannot read "),
])
def test_errors_are_one_line_with_a_status(tmp_path: Path, name: str, content: bytes | None,
                                           status: int, message: str) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = run_mstg("probe", str(tmp_path / name))
    stderr = result.stderr.decode()
    assert result.returncode == status and stderr.startswith(message) and "Traceback" not in stderr
