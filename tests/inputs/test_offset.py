"""``--offset`` (FFmpeg's ``-itsoffset``): one input's timeline shifted against the others,
the everyday fix for sound out of sync with the picture."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import make_clip, probe, run_mstg


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("media") / "clip.mkv", seconds=2.0, size=(160, 120),
                     acodec="flac")


def audio_span(path: Path) -> tuple[float, float]:
    """(first audio timestamp, seconds of audio)."""
    frames = probe(path)["audio"]
    rate = frames[0][1].sample_rate
    return frames[0][0], sum(f.samples for _, f in frames) / rate


def test_a_later_sound(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "late.mkv"
    done = run_mstg("run", "-q", "-i", f"{clip}::audio-track=none", "-i",
                    f"{clip}::video-track=none,offset=0.5", "-ca", "flac", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    assert got["video"][0][0] == 0.0 and len(got["video"]) == 50  # the picture is untouched
    first, seconds = audio_span(out)
    assert first == pytest.approx(0.5, abs=0.01) and seconds == pytest.approx(2.0, abs=0.03)


def test_an_earlier_sound_loses_what_falls_before_zero(tmp_path: Path, clip: Path) -> None:
    out2 = tmp_path / "early2.mkv"
    done = run_mstg("run", "-q", "-i", f"{clip}::audio-track=none", "-i",
                    f"{clip}::video-track=none,offset=-0.5", "-ca", "flac", "-o", str(out2))
    assert done.returncode == 0, done.stderr.decode()
    first, seconds = audio_span(out2)
    # whole audio frames are dropped: the first kept one starts within a frame (FLAC: 96 ms)
    assert 0.0 <= first < 0.1 and seconds == pytest.approx(2.0 - 0.5 - first, abs=0.01)
    assert len(probe(out2)["video"]) == 50


def test_offset_for_every_input_shifts_the_whole_file(tmp_path: Path, clip: Path) -> None:
    out = tmp_path / "both.mkv"
    done = run_mstg("run", "-q", "-i", str(clip), "--offset", "1", "-ca", "flac", "-o", str(out))
    assert done.returncode == 0, done.stderr.decode()
    got = probe(out)
    assert got["video"][0][0] == pytest.approx(1.0, abs=0.01) and len(got["video"]) == 50
    assert audio_span(out)[0] == pytest.approx(1.0, abs=0.01)
