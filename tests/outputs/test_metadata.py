"""Tags, chapters and track languages carried from the input to the outputs (as FFmpeg does)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import make_clip, run_mstg

FFMETADATA = """;FFMETADATA1
title=Talk
artist=Me
[CHAPTER]
TIMEBASE=1/1000
START=0
END=1000
title=Intro
[CHAPTER]
TIMEBASE=1/1000
START=1000
END=2000
title=Main
"""


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of video and audio with a title, an artist, two chapters and a French audio track."""
    folder = tmp_path_factory.mktemp("meta")
    plain = make_clip(folder / "plain.mp4", seconds=2.0, size=(160, 120))
    (folder / "meta.txt").write_text(FFMETADATA)
    out = folder / "tagged.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(plain), "-i", str(folder / "meta.txt"), "-map", "0",
                    "-map_metadata", "1", "-map_chapters", "1", "-c", "copy", "-metadata:s:a:0", "language=fra",
                    "-metadata:s:a:0", "title=Commentary", str(out)], check=True)
    return out


def facts(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-show_entries",
                          "stream=codec_type:stream_tags:format_tags", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    data = json.loads(out)
    lower = lambda tags: {k.lower(): v for k, v in (tags or {}).items()}  # noqa: E731
    return {"tags": lower(data["format"].get("tags")),
            "chapters": [(round(float(c["start_time"]), 2), round(float(c["end_time"]), 2), c.get("tags", {}).get("title"))
                         for c in data["chapters"]],
            "audio": lower(next(s for s in data["streams"] if s["codec_type"] == "audio").get("tags"))}


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_tags_chapters_and_languages_are_carried(tagged: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out{ext}"
    result = run_mstg("run", "-i", str(tagged), "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    got = facts(out)
    assert got["tags"]["title"] == "Talk" and got["tags"]["artist"] == "Me"
    assert "encoder" not in got["tags"] or "Lavf" in got["tags"]["encoder"]  # the output's own
    assert got["chapters"] == [(0.0, 1.0, "Intro"), (1.0, 2.0, "Main")]
    assert got["audio"]["language"] == "fra"
    if ext == ".mkv":
        assert got["audio"]["title"] == "Commentary"


def test_chapters_move_with_start_and_metadata_flag_wins(tagged: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut.mkv"
    result = run_mstg("run", "-i", str(tagged), "--start", "1.25", "--metadata", "title=Cut", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    got = facts(out)
    assert got["chapters"] == [(0.0, 0.75, "Main")]
    assert got["tags"]["title"] == "Cut" and got["tags"]["artist"] == "Me"


def test_stream_copy_keeps_metadata_too(tagged: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.mkv"
    result = run_mstg("run", "-i", str(tagged), "-cv", "copy", "-ca", "copy", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    got = facts(out)
    assert got["chapters"] == [(0.0, 1.0, "Intro"), (1.0, 2.0, "Main")] and got["audio"]["language"] == "fra"


@pytest.mark.parametrize("copy", [False, True])
def test_no_metadata_leaves_the_tags_out_as_map_metadata_minus_one(tagged: Path, tmp_path: Path,
                                                                   copy: bool) -> None:
    out, reference = tmp_path / "bare.mkv", tmp_path / "ffmpeg.mkv"
    codecs = ("-cv", "copy", "-ca", "copy") if copy else ()
    result = run_mstg("run", "-i", str(tagged), *codecs, "--no-metadata", "--metadata", "title=Mine",
                      "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(tagged), "-map_metadata", "-1", "-metadata",
                    "title=Mine", "-c", "copy", str(reference)], check=True)
    got, want = facts(out), facts(reference)
    assert got["tags"].get("title") == "Mine" and "artist" not in got["tags"]
    assert "language" not in got["audio"] and "title" not in got["audio"]
    assert got["chapters"] == want["chapters"] == [(0.0, 1.0, None), (1.0, 2.0, None)]  # as FFmpeg
    assert set(got["tags"]) - {"encoder"} == set(want["tags"]) - {"encoder"}
