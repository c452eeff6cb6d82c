"""Each awkward real-world file in ../shared/testdata/media: processed end to end, or refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import probe, run_mstg

# file -> (outcome, expected output video size or None, minimum video frames, audio expected)
EXPECTED = {
    # processed: odd 161x121 4:2:0 is scaled to the nearest even size the H.264 encoder takes
    "bear-vp9-odd-dimensions.webm": ("processed", (160, 120), 30, False),
    "bear.opus": ("processed", None, 0, True),
    # processed: every one of the 63 frames of the extreme VFR file keeps its own timestamp
    "cursed-vfr.mp4": ("processed", (3026, 1386), 63, False),
    # processed: 4:4:4 with B-frames and an edit list; 1 fps
    "iibbibb_editlist_videoonly.mp4": ("processed", (704, 576), 12, False),
    # refused: no frame decodes (error 4, no output file left behind)
    "invalid-bitstream.webm": ("refused", None, 0, False),
    # processed: five resolution changes, scaled to the first size
    "resolution_change_500frames-vp9.ivf": ("processed", (640, 360), 500, False),
    # processed: rotation metadata (-90) applied, as FFmpeg does: the picture is upright;
    # 45 frames, as FFmpeg decodes (the first starts at 0.083 s)
    "rotate-buck-bunny.mp4": ("processed", (1080, 1920), 45, True),
    # processed: the cover art is not a video track (it is carried as cover art)
    "sample.flac": ("processed", None, 0, True),
    # processed: the truncated last box is tolerated
    "sample_mdat_too_long.mp4": ("processed", (1080, 720), 30, True),
    # processed: 32-bit float 5.1 WAVE_FORMAT_EXTENSIBLE
    "sample_wav_format_extensible.wav": ("processed", None, 0, True),
    "sample_with_chapters.mkv": ("processed", (320, 240), 150, True),
    # processed: a broadcast capture starting mid-GOP; first E-AC-3 track
    "test-026.ts": ("processed", (1920, 1080), 1, True),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_awkward_file(testdata: Path, tmp_path: Path, name: str) -> None:
    source = testdata / "media" / name
    assert source.exists(), f"{source} is listed but missing"
    outcome, size, min_frames, has_audio = EXPECTED[name]
    out = tmp_path / "out.mkv"
    result = run_mstg("run", "-i", str(source), "-o", str(out))
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    if outcome == "refused":
        assert result.returncode == 4 and stderr.startswith("error: cannot decode")
        assert len(stderr.strip().splitlines()) == 1
        assert not out.exists()
        return
    assert result.returncode == 0, stderr
    frames = probe(out)
    if size is None:
        assert frames["video"] == []
    else:
        assert len(frames["video"]) >= min_frames
        assert (frames["video"][0][1].width, frames["video"][0][1].height) == size
        stamps = [t for t, _ in frames["video"]]
        assert stamps == sorted(stamps)
    assert bool(frames["audio"]) == has_audio


def test_every_media_file_is_covered(testdata: Path) -> None:
    on_disk = {p.name for p in (testdata / "media").iterdir() if p.suffix != ".tsv" and p.name != "README.md"}
    assert on_disk == set(EXPECTED)
