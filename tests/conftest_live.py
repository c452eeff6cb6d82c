"""Fixtures for the live tests: a virtual X display (Xvfb), ALSA devices backed by files, and
helpers to look at the screen and to type into a window.

Import what a test module needs: ``from conftest_live import xvfb, alsa  # noqa: F401``.
Tests that need Xvfb or ALSA skip (with the reason) only when the program or library is
missing; CI installs both (.ci/run).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from helpers import make_flat_clip

ASOUNDRC = """
pcm.mstgplay {
  @args [ FILE ]
  @args.FILE { type string }
  type file
  slave.pcm "null"
  file $FILE
  format "raw"
}
pcm.mstgrec {
  @args [ FILE ]
  @args.FILE { type string }
  type file
  slave.pcm "null"
  file "/dev/null"
  infile $FILE
  format "raw"
}
"""


def _die_with_parent() -> None:
    """In the child before exec: end when the test process ends, even if it crashes."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A 1280x720 virtual X display for the whole session: its DISPLAY string."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian: apt install xvfb)")
    # -displayfd: Xvfb takes a free display number itself (no race with another test session
    # on the machine) and writes it to the pipe once it accepts clients; -noreset: without it,
    # the server resets each time its last client leaves, and a client that connects meanwhile
    # is refused ("cannot reach the X display", xwd exit status 1)
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-noreset", "-screen", "0", "1280x720x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            pass_fds=(write_end,), preexec_fn=_die_with_parent)
    os.close(write_end)
    said = b""
    deadline = time.monotonic() + 120  # generous: a busy machine starts it slowly
    while not said.endswith(b"\n") and time.monotonic() < deadline:
        # the number and its newline come in two writes: closing the pipe between them is a
        # fatal error to Xvfb ("Cannot write display number")
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(read_end, 64) if ready else b""
        if not chunk:
            break
        said += chunk
    os.close(read_end)
    number = said.decode().strip()
    if not number.isdigit():
        proc.kill()
        raise RuntimeError(f"Xvfb did not start (exit status {proc.poll()})")
    yield f":{number}"
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def xvfb(xvfb_display: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """DISPLAY set to the session's Xvfb for this test."""
    monkeypatch.setenv("DISPLAY", xvfb_display)
    return xvfb_display


@pytest.fixture(scope="session")
def alsa_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """ALSA devices backed by files, for the whole session (ALSA reads its configuration once
    a process): ``mstgplay:FILE`` plays into FILE, ``mstgrec:FILE`` records from FILE (raw
    16-bit little-endian samples in the format the program asks for)."""
    if ctypes.util.find_library("asound") is None:
        pytest.skip("libasound is not installed (Debian: apt install libasound2)")
    system = Path("/usr/share/alsa/alsa.conf")
    if not system.exists():
        pytest.skip("ALSA's configuration (/usr/share/alsa/alsa.conf) is missing")
    folder = tmp_path_factory.mktemp("alsa")
    rc = folder / "asoundrc"
    rc.write_text(ASOUNDRC)
    before = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = f"{system}:{rc}"
    yield folder
    if before is None:
        os.environ.pop("ALSA_CONFIG_PATH", None)
    else:
        os.environ["ALSA_CONFIG_PATH"] = before


@pytest.fixture
def alsa(alsa_config: Path, tmp_path: Path) -> Path:
    """A fresh folder for this test's ALSA files (the devices are set up for the session)."""
    return tmp_path


def screenshot(display: str) -> np.ndarray:
    """The whole X screen as a BGR picture (``xwd``, decoded by PyAV)."""
    import av

    if shutil.which("xwd") is None:
        pytest.skip("xwd is not installed (Debian: apt install x11-apps)")
    for _ in range(5):  # xwd can fail on a window that is mapped or destroyed as it reads
        done = subprocess.run(["xwd", "-root", "-silent", "-display", display],
                              capture_output=True, timeout=60)
        if done.returncode == 0:
            break
    assert done.returncode == 0, f"xwd: {done.stderr.decode(errors='replace').strip()}"
    data = done.stdout
    import io

    with av.open(io.BytesIO(data), format="xwd_pipe") as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="bgr24")


def near(picture: np.ndarray, bgr: tuple[int, int, int], tolerance: int = 12) -> np.ndarray:
    """A mask of the pixels within ``tolerance`` of ``bgr`` on every channel."""
    return np.all(np.abs(picture.astype(np.int16) - np.array(bgr, np.int16)) <= tolerance, axis=-1)


def wait_for(condition, timeout: float = 10.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def press_key(display: str, key: str, at: tuple[int, int] = (20, 20)) -> None:
    """Move the pointer to ``at`` and type ``key`` there (the XTEST extension, as xdotool does)."""
    x11_name, xtst_name = ctypes.util.find_library("X11"), ctypes.util.find_library("Xtst")
    if not x11_name or not xtst_name:
        pytest.skip("libX11/libXtst are not installed (Debian: apt install x11-utils)")
    x11, xtst = ctypes.CDLL(x11_name), ctypes.CDLL(xtst_name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XStringToKeysym.restype = ctypes.c_ulong
    x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                          ctypes.c_ulong]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
    dpy = x11.XOpenDisplay(display.encode())
    assert dpy, f"cannot open {display}"
    try:
        xtst.XTestFakeMotionEvent(dpy, -1, at[0], at[1], 0)
        code = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(key.encode()))
        xtst.XTestFakeKeyEvent(dpy, code, 1, 0)
        xtst.XTestFakeKeyEvent(dpy, code, 0, 0)
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


def window_ids(display: str, title: str) -> list[str]:
    """X window ids whose name is ``title`` (``xwininfo -root -tree``)."""
    out = subprocess.run(["xwininfo", "-root", "-tree", "-display", display], capture_output=True,
                         text=True, timeout=10).stdout
    return [line.split()[0] for line in out.splitlines() if f'"{title}"' in line]


make_clip = make_flat_clip  # the older name (tests/helpers.py: make_flat_clip)



def listening(port: int) -> bool:
    """Whether something listens on 127.0.0.1:``port`` (read from /proc: no probe connection,
    which an FFmpeg listener would take for its one client)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                return True
    return False
