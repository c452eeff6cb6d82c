"""``mstg encoders`` / ``mstg formats`` list what PyAV's FFmpeg has, and hints point there."""

from __future__ import annotations

import json

import av

from conftest import run_mstg
from mstg.capabilities import codecs, formats


def test_encoders_lists_what_pyav_can_encode() -> None:
    result = run_mstg("encoders", "video", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    names = {row["name"] for row in rows}
    assert "libx264" in names and "ffv1" in names
    assert all(row["kind"] == "video" and row["encode"] for row in rows)
    for name in names:  # each one really opens as an encoder here
        assert av.codec.Codec(name, "w").type == "video"


def test_encoders_all_marks_decoders() -> None:
    text = run_mstg("encoders", "audio", "--all").stdout.decode()
    line = next(line for line in text.splitlines() if line.split()[2] == "aac")
    assert line.startswith("DE audio")


def test_formats_lists_muxers_with_extensions() -> None:
    result = run_mstg("formats", "--json")
    rows = {row["name"]: row for row in map(json.loads, result.stdout.decode().splitlines())}
    assert rows["mp4"]["mux"] and "mp4" in rows["mp4"]["extensions"]
    assert "hls" in rows and "m3u8" in rows["hls"]["extensions"]
    assert all(row["mux"] for row in rows.values())
    assert {f.name for f in formats()} > set(rows)  # --all adds the read-only ones


def test_unknown_encoder_hint_names_mstg_encoders(tmp_path) -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-cv", "nosuch", "-o",
                      str(tmp_path / "x.mp4"))
    assert result.returncode == 5
    assert "mstg encoders" in result.stderr.decode()
    assert "ffmpeg -encoders" not in result.stderr.decode()
    assert not list(tmp_path.iterdir())


def test_codecs_library_filters_by_kind() -> None:
    subtitle = codecs(kind="subtitle", encoders_only=True)
    assert "mov_text" in {c.name for c in subtitle}
