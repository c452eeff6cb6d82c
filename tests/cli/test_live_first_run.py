"""What a new user trips over (issue 17), on a terminal, in a shell and on a screen: the
progress bar and the summary after Ctrl-C (on a pseudo-terminal), shell completion, and a
window larger than the screen (a screenshot of a virtual display)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import probe, run_mstg
from conftest_live import near, screenshot, wait_for, window_ids, xvfb, xvfb_display  # noqa: F401

# progress and the summary ---------------------------------------------------------------------
def test_progress_labels_its_times_and_the_summary_after_ctrl_c_says_interrupted(tmp_path: Path) -> None:
    import fcntl
    import signal
    import struct
    import termios

    out = tmp_path / "out.mkv"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", "testsrc", "--duration", "60",
                             "--realtime", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=slave,
                            stdin=subprocess.DEVNULL, env={**os.environ, "TERM": "xterm"})
    os.close(slave)
    shown = bytearray()
    deadline = time.monotonic() + 60
    while b"left" not in shown and time.monotonic() < deadline and proc.poll() is None:
        if select.select([master], [], [], 0.2)[0]:
            shown += os.read(master, 65536)
    proc.send_signal(signal.SIGINT)  # Ctrl-C: the run finishes cleanly
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 0.2)[0]:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.wait(timeout=30) == 130
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode(errors="replace"))  # colours, cursor moves
    assert "elapsed 0:00:0" in text and " left " in text  # the progress bar's times, each labelled
    summary = [line for line in text.splitlines() if line.startswith("mstg: ")]
    assert len(summary) == 1 and summary[0].startswith("mstg: interrupted (Ctrl-C), "), text
    assert probe(out)["video"]  # what was written before Ctrl-C plays


# shell completion -------------------------------------------------------------------------------
def complete(words: str) -> list[str]:
    """What ``mstg`` offers for the last of ``words`` (click's bash protocol, as documented)."""
    env = {"_MSTG_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    result = run_mstg(env=env)
    assert result.returncode == 0, result.stderr.decode()
    return [line.split(",", 1)[1] for line in result.stdout.decode().splitlines()]


def test_completion_offers_transform_names_parameters_and_choices() -> None:
    assert complete("mstg run -t bl") == ["blur"]
    assert complete("mstg run -t blur:") == ["blur:sigma="]
    assert complete("mstg run -t crop:x=3,") == ["crop:x=3,y=", "crop:x=3,width=", "crop:x=3,height="]
    assert complete("mstg run -t flip:direction=v") == ["flip:direction=vertical"]
    assert "barcode:formats=qr_code,ean_13" in complete("mstg run -t barcode:formats=qr_code,e")
    assert sorted(complete("mstg run --preset to-")) == ["to-gif", "to-web-mp4"]


def test_completion_in_bash_completes_after_the_colon(tmp_path: Path) -> None:
    import shutil

    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "mstg").exists() or shutil.which("bash") is None:
        pytest.skip("needs bash and the mstg script installed beside this Python")
    script = tmp_path / "complete.sh"
    script.write_text(
        'eval "$(_MSTG_COMPLETE=bash_source mstg)"\n'
        'COMP_LINE="mstg run -t blur:"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(mstg run -t blur :); COMP_CWORD=4\n'
        '_mstg_completion mstg 2>/dev/null; printf "[%s]\\n" "${COMPREPLY[@]}"\n'
        'COMPREPLY=(); COMP_LINE="mstg run -t flip:direction=ve"; COMP_POINT=${#COMP_LINE}\n'
        'COMP_WORDS=(mstg run -t flip : direction = ve); COMP_CWORD=7\n'
        '_mstg_completion mstg 2>/dev/null; printf "[%s]\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.splitlines() == ["[sigma=]", "[vertical]"], result.stderr  # what bash puts after ':' / '='


# a window larger than the screen ------------------------------------------------------------------
GREEN, RED, BLUE = (40, 200, 90), (30, 30, 220), (220, 60, 30)  # BGR


def _wide_clip(path: Path, width: int, height: int, seconds: int = 6, fps: int = 5) -> Path:
    """Green, with a blue block at the top-left corner and a red one at the bottom-right."""
    import av

    picture = np.empty((height, width, 3), np.uint8)
    picture[:] = GREEN
    picture[:300, :300] = BLUE
    picture[-300:, -300:] = RED
    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        for n in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = n
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _corners_shown(picture: np.ndarray) -> bool:

    return bool(near(picture, RED).sum() > 500 and near(picture, BLUE).sum() > 500)


def _shown_size(picture: np.ndarray) -> tuple[int, int]:
    ys, xs = np.nonzero(near(picture, GREEN) | near(picture, RED) | near(picture, BLUE))
    return int(xs.max() + 1 - xs.min()), int(ys.max() + 1 - ys.min())


def _resize_window(display: str, window: str, width: int, height: int) -> None:
    import ctypes
    import ctypes.util

    x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
    x11.XOpenDisplay.restype, x11.XOpenDisplay.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    x11.XResizeWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_uint, ctypes.c_uint]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    try:
        x11.XResizeWindow(dpy, int(window, 16), width, height)
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


def test_a_video_larger_than_the_screen_is_shown_whole(xvfb: str, tmp_path: Path) -> None:
    clip = _wide_clip(tmp_path / "wide.mkv", 3026, 1386)
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "run", "-i", str(clip), "-o", "window:mstg-fit"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: _corners_shown(screenshot(xvfb)), timeout=30), \
            "the picture's corners are not both on the 1280x720 screen"
        width, height = _shown_size(screenshot(xvfb))
        assert width <= 1280 and height <= 720 and width >= 1000  # fitted, not shrunk to a stamp
        assert abs(width / height - 3026 / 1386) < 0.02  # the aspect kept
        _resize_window(xvfb, window_ids(xvfb, "mstg-fit")[0], 640, 293)  # as a user drags its border
        assert wait_for(lambda: _shown_size(screenshot(xvfb))[0] <= 660, timeout=10), "not resizable"
        assert _corners_shown(screenshot(xvfb))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
