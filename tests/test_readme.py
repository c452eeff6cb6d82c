"""Every command the README shows runs as written (in a folder holding the files it names)."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import ROOT, make_clip, pattern

README = ROOT / "README.md"
#: Examples that need what this machine lacks, and why; everything else must run.
NEEDS_DEVICE = re.compile(r"\bcam\d|\bmic\d|-i screen\b|-o (play|window|speaker)\b|v4l2:|srt://|rtmp://|rtsp://"
                          # servers waiting for a browser: tests/webrtc/test_webrtc_*.py drive them with one
                          r"|^mstg serve\b|whip://|whep://|whip\+https?://")
#: ffplay needs a display: the pipe's last stage is checked by FFmpeg decoding it instead.
SUBSTITUTIONS = {"| ffplay -": "| ffmpeg -v error -i - -f null -"}


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if re.match(r"^(mstg|ffmpeg) ", line) and not NEEDS_DEVICE.search(line):
                commands.append(line)
    return commands


def readme_python(files: bool = False) -> list[str]:
    """The README's Python blocks: runnable ones, or (``files``) those that are a file (``# name.py``)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    return [b for b in blocks if b.startswith("# ") == files]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import cv2

    folder = tmp_path_factory.mktemp("readme")
    for block in readme_python(files=True):
        (folder / block.split("\n", 1)[0][2:].strip()).write_text(block, encoding="utf-8")
    make_clip(folder / "talk.mkv", seconds=12, size=(160, 120), fps=10)
    make_clip(folder / "in.mkv", seconds=1, size=(160, 120))
    make_clip(folder / "clip.mp4", seconds=1, size=(160, 120))
    (folder / "shots").mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / "shots" / f"{i}.jpg"), pattern(i, 160, 120))
    return folder


@pytest.fixture(scope="module")
def http_8000(workdir: Path):  # type: ignore[no-untyped-def]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(workdir))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 8000), handler)
    except OSError:
        pytest.skip("port 8000 on 127.0.0.1 is taken: the README's URL example cannot be served")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield
    server.shutdown()


def test_readme_has_examples() -> None:
    assert len(readme_commands()) >= 10 and readme_python()


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command: str, workdir: Path, http_8000: None) -> None:
    if command.startswith("ffmpeg") or "| ffplay" in command or "ffmpeg " in command:
        if shutil.which("ffmpeg") is None:
            pytest.skip("Debian's ffmpeg CLI is not installed (.ci/run installs it)")
    for old, new in SUBSTITUTIONS.items():
        command = command.replace(old, new)
    if "validate ./mine.yaml" in command:
        (workdir / "mine.yaml").write_text(
            subprocess.run([sys.executable, "-m", "mstg", "presets", "show", "to-gif"], capture_output=True,
                           text=True, check=True).stdout)
    script = f'set -o pipefail\nmstg() {{ "{sys.executable}" -m mstg "$@"; }}\n{command} -y 2>&1 >/dev/null' \
        if command.startswith("mstg run") and " -o -" not in command else \
        f'set -o pipefail\nmstg() {{ "{sys.executable}" -m mstg "$@"; }}\n{command} > out.txt'
    env = {**os.environ, "XDG_CONFIG_HOME": str(workdir / "config")}  # presets copy: not the user's
    result = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=180,
                            env=env)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def test_readme_python_example_runs(workdir: Path) -> None:
    for block in readme_python():
        result = subprocess.run([sys.executable, "-c", block], cwd=workdir, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        printed = [line.split("#", 1)[1].strip() for line in block.splitlines()
                   if line.startswith("print(") and "#" in line]
        assert printed and result.stdout.splitlines() == printed  # what the README says it prints


def test_readme_main_job_prints_the_demo_detections(workdir: Path) -> None:
    import json

    from mstg.inputs.demo import DEMO_BARCODES

    first = README.read_text(encoding="utf-8").split("```sh\n", 1)[1]
    main_job = re.search(r"\.venv/bin/(mstg run [^\n]*)", first)
    assert main_job, "the README's first command runs mstg on the demo"
    args = main_job.group(1).split()[1:]
    result = subprocess.run([sys.executable, "-m", "mstg", *args], cwd=workdir, capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert {(e["format"], e["rawValue"]) for e in events} == {(f, t) for f, t, _ in DEMO_BARCODES}
    assert (workdir / "demo.mp4").stat().st_size > 100_000


def test_readme_sepia_example_tints_the_picture(workdir: Path, http_8000: None) -> None:
    import av
    import numpy as np

    command = next(c for c in readme_commands() if "sepia.py:Sepia" in c)
    test_readme_command_runs(command, workdir, None)
    with av.open(str(workdir / "sepia.mp4")) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24").astype(int)
    b, g, r = (frame[..., i].mean() for i in range(3))
    assert r > g > b  # brown: more red than green, more green than blue, everywhere on average
