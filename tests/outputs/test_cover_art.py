"""Cover art (an attached picture) carried from FLAC, MP3, M4A and MKV inputs into the outputs
that can hold it, as ``ffmpeg -i song.flac -c:a aac out.m4a`` keeps it; never taken for a
video track."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import run_mstg


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def songs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2 s of tone with a 64x48 PNG cover: as FLAC, MP3, M4A, and MKV (an image attachment)."""
    folder = tmp_path_factory.mktemp("covers")
    png = folder / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", str(png))
    out = {"png": png}
    for ext, codec in ((".flac", "flac"), (".mp3", "libmp3lame"), (".m4a", "aac")):
        out[ext] = folder / f"song{ext}"
        ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-i", str(png), "-map", "0", "-map", "1", "-c:a", codec,
               "-c:v", "png", "-disposition:v", "attached_pic", str(out[ext]))
    out[".mkv"] = folder / "song.mkv"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "flac", "-attach", str(png),
           "-metadata:s:t", "mimetype=image/png", str(out[".mkv"]))
    return out


def streams(path: Path) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name:stream_disposition",
                          "-of", "json", str(path)], capture_output=True, check=True).stdout
    return json.loads(out)["streams"]


def cover_bytes(path: Path, folder: Path) -> bytes:
    """The file's attached picture as FFmpeg extracts it."""
    pic = folder / f"{path.name}.png"
    ffmpeg("-i", str(path), "-map", "0:v", "-c", "copy", "-frames:v", "1", "-f", "image2", str(pic))
    return pic.read_bytes()


def mstg(*args: str) -> None:
    result = run_mstg("run", *args, "-q")
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("source, ext, flags", [(".flac", ".m4a", ()), (".flac", ".mp3", ()), (".flac", ".flac", ()),
                                                (".flac", ".mkv", ()), (".mp3", ".flac", ()), (".m4a", ".mp3", ()),
                                                (".mkv", ".m4a", ()), (".mp3", ".mp4", ()),
                                                (".mp3", ".mp3", ("-ca", "copy")), (".m4a", ".m4a", ("-ca", "copy"))])
def test_the_cover_is_carried(songs: dict[str, Path], tmp_path: Path, source: str, ext: str,
                              flags: tuple[str, ...]) -> None:
    out = tmp_path / f"out{ext}"
    mstg("-i", str(songs[source]), *flags, "-o", str(out))
    found = streams(out)
    # an audio-only job stays one: the only picture is the cover, marked as such
    assert [s["codec_type"] for s in found] == ["audio", "video"]
    assert found[1]["disposition"]["attached_pic"] == 1
    assert cover_bytes(out, tmp_path) == songs["png"].read_bytes()
    result = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-f", "null", "-"], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_an_m4a_with_a_cover_is_still_an_m4a(songs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.m4a"
    mstg("-i", str(songs[".flac"]), "-o", str(out))
    assert out.read_bytes()[8:12] == b"M4A "  # the ftyp brand players look for


def test_no_video_leaves_the_cover_out(songs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.mp3"
    mstg("-i", str(songs[".flac"]), "--no-video", "-o", str(out))
    assert [s["codec_type"] for s in streams(out)] == ["audio"]


@pytest.mark.parametrize("ext, flags", [(".wav", ()), (".ogg", ()), (".m4a", ("--fragmented",))])
def test_containers_without_covers_drop_them(songs: dict[str, Path], tmp_path: Path, ext: str,
                                             flags: tuple[str, ...]) -> None:
    out = tmp_path / f"out{ext}"  # a fragmented MP4 would make the picture a track of its own
    mstg("-i", str(songs[".flac"]), *flags, "-o", str(out))
    assert [s["codec_type"] for s in streams(out)] == ["audio"]
    result = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-f", "null", "-"], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_cover_is_not_a_video_track(songs: dict[str, Path]) -> None:
    from mstg import open_input

    source = open_input(str(songs[".flac"]))
    try:
        assert source.video is None and source.audio is not None
        [picture] = source.metadata.side.pictures
        assert picture.data == songs["png"].read_bytes() and picture.codec == "png"
    finally:
        source.start()
        source.stop()
        assert source.join(timeout=30)
