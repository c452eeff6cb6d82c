"""Outputs never destroy inputs: an output that is an input is refused, -y or not, exit 5."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import mstg
from mstg.errors import OutputError

from conftest import make_clip, probe, run_mstg


@pytest.fixture()
def talk(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "talk.mkv", seconds=2.0, size=(160, 120))


def _fingerprint(path: Path) -> tuple[str, int, int]:
    found = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), found.st_size, found.st_mtime_ns


def _other_names(talk: Path) -> dict[str, Path]:
    folder = talk.parent
    (folder / "link.mkv").symlink_to(talk)
    os.link(talk, folder / "hard.mkv")
    (folder / "sub").mkdir()
    return {"same": talk, "symlink": folder / "link.mkv", "hardlink": folder / "hard.mkv",
            "dotted": folder / "sub" / ".." / "talk.mkv"}


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "dotted"])
@pytest.mark.parametrize("overwrite", [True, False])
def test_an_output_that_is_the_input_is_refused_and_nothing_touched(talk: Path, how: str,
                                                                      overwrite: bool) -> None:
    target = _other_names(talk)[how]
    before = _fingerprint(talk)
    listing = sorted(os.listdir(talk.parent))
    result = run_mstg("run", "-i", str(talk), "--duration", "1", "-o", str(target),
                      *(["-y"] if overwrite else []))
    assert result.returncode == 5, result.stderr
    lines = result.stderr.decode().strip().splitlines()
    assert lines[0].startswith("error: the output ") and "is the input" in lines[0], lines
    assert "Traceback" not in result.stderr.decode()
    assert _fingerprint(talk) == before
    assert sorted(os.listdir(talk.parent)) == listing  # no .part, nothing new
    assert len(probe(talk)["video"]) == 50  # the whole 2-second input is still there


def test_one_of_several_outputs_being_the_input_refuses_the_run_before_any_is_written(talk: Path) -> None:
    other = talk.parent / "other.mp4"
    result = run_mstg("run", "-i", str(talk), "-o", str(other), "-o", str(talk), "-y")
    assert result.returncode == 5
    assert not other.exists()


def test_the_second_input_is_protected_too(talk: Path, tmp_path: Path) -> None:
    tone = make_clip(tmp_path / "tone.wav", video=False, acodec="pcm_s16le")
    before = _fingerprint(tone)
    result = run_mstg("run", "-i", str(talk), "-i", str(tone), "-o", str(tone), "-y")
    assert result.returncode == 5
    assert _fingerprint(tone) == before


def test_events_written_over_the_input_are_refused(talk: Path, tmp_path: Path) -> None:
    before = _fingerprint(talk)
    result = run_mstg("run", "-i", str(talk), "-t", "barcode", "-o", "null", "--events", str(talk), "-y")
    assert result.returncode == 5
    assert _fingerprint(talk) == before


def test_a_preset_output_that_is_the_input_is_refused(talk: Path, tmp_path: Path) -> None:
    preset = tmp_path / "keep.yaml"
    preset.write_text(f"version: 1\nname: keep\ndescription: writes over its input\n"
                      f"inputs: [{talk}]\noutputs: [{talk}]\noverwrite: true\n")
    before = _fingerprint(talk)
    result = run_mstg("run", "--preset", str(preset))
    assert result.returncode == 5, result.stderr
    assert _fingerprint(talk) == before


def test_pipeline_users_are_protected(talk: Path) -> None:
    link = _other_names(talk)["symlink"]
    before = _fingerprint(talk)
    source = mstg.open_input(str(talk), duration=1)
    try:
        with pytest.raises(OutputError, match="is the input"):
            mstg.Pipeline([source], [mstg.open_output(str(link), overwrite=True)])
    finally:
        source.stop()
    assert _fingerprint(talk) == before


def test_a_new_output_beside_the_input_is_written(talk: Path) -> None:
    out = talk.parent / "talk-1s.mkv"
    result = run_mstg("run", "-i", str(talk), "--duration", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0
