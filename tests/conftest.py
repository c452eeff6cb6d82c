"""Shared fixtures: media made at test time with PyAV (tests/helpers.py), and the real-world test data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import make_clip, pattern, probe, run_mstg  # noqa: F401 - shared helpers (tests/helpers.py)

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("MSTG_TESTDATA") or ROOT.parent / "shared" / "testdata")  # a worktree elsewhere: set it


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-second 320x240 25 fps H.264 + AAC clip."""
    return make_clip(tmp_path_factory.mktemp("media") / "clip.mp4", seconds=2.0)


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"real-world test data not found at {TESTDATA} (../shared/testdata)")
    return TESTDATA
