"""What a new user trips over (issue 17): each test does what the user did and checks what
they should have seen: the bytes on a terminal, the exact message and exit status."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_mstg


def run_on_terminal(*args: str, timeout: float = 60) -> tuple[int, bytes, bytes]:
    """``mstg ARGS`` with stdout on a pseudo-terminal (stderr a pipe): exit status, the bytes
    the terminal got, stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mstg", *args], stdout=slave,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                chunk = b""
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    stderr = proc.stderr.read() if proc.stderr else b""
    return proc.wait(timeout=timeout), bytes(shown), stderr


# -o - on a terminal ----------------------------------------------------------------------
def test_stdout_output_on_a_terminal_is_refused_with_a_hint() -> None:
    status, shown, stderr = run_on_terminal("run", "-i", "testsrc", "--duration", "0.2", "-o", "-")
    assert status == 2 and shown == b""
    assert stderr.decode().splitlines() == [
        "error: not writing binary media to a terminal (-o - with stdout on a terminal)",
        "hint: pipe it to a player (-o - | ffplay -), write a file (-o out.mkv), or give --format "
        "nut to mean it"]


def test_stdout_output_on_a_terminal_with_format_writes_the_media() -> None:
    status, shown, stderr = run_on_terminal("run", "-i", "testsrc", "--duration", "0.2", "-o", "-",
                                            "--format", "nut", "-q")
    assert status == 0, stderr.decode()
    assert shown.startswith(b"nut/multimedia container")


def test_stdout_output_into_a_pipe_is_not_refused() -> None:
    result = run_mstg("run", "-i", "testsrc", "--duration", "0.2", "-o", "-", "-q")
    assert result.returncode == 0 and result.stdout.startswith(b"nut/multimedia container")


# probe ----------------------------------------------------------------------------------
def test_probe_describes_the_demo_input() -> None:
    result = run_mstg("probe", "demo", "--json")
    assert result.returncode == 0, result.stderr.decode()
    info = json.loads(result.stdout)
    video, audio = info["tracks"]
    assert (video["kind"], video["width"], video["height"], video["frame_rate"]) == ("video", 1280, 720, 30.0)
    assert (audio["kind"], audio["sample_rate"], audio["channels"]) == ("audio", 48000, 2)
    assert info["duration"] == 10.0
    text = run_mstg("probe", "demo").stdout.decode()
    assert "1280x720 30 fps" in text and "48000 Hz stereo" in text


def test_probe_describes_synthetic_sources() -> None:
    for spec, kind in (("testsrc", "video"), ("sine", "audio"), ("testsrc2=size=64x48:rate=10", "video"),
                       ("lavfi:smptebars", "video")):
        result = run_mstg("probe", spec, "--json")
        assert result.returncode == 0, (spec, result.stderr.decode())
        assert [t["kind"] for t in json.loads(result.stdout)["tracks"]] == [kind]
