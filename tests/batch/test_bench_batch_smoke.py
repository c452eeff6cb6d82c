"""bench/batch.py still runs (tiny input, no Ray): every tool does its job and the table comes out."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_batch_benchmark_runs_on_a_tiny_input() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("Debian's ffmpeg CLI is not installed (.ci/run installs it)")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "batch.py"), "--clips", "2", "--seconds", "0.5",
                             "--jobs", "2", "--no-ray", "--markdown"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "wall s" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| ffmpeg CLI, xargs -P 2", "| mstg batch --jobs 2",
                                                     "| mstg run, one file after another"]
    assert rows[0].split(" | ")[4] == "1.00x"
