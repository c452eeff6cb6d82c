"""``window``: frames shown in a desktop window as they come (OpenCV's HighGUI).

``q``, ``Esc`` or closing the window ends the run cleanly: the inputs stop and every other
output (a recording) is finalized. ``window:TITLE`` names the window::

    mstg run -i cam0 -t barcode -o window
    mstg run -i talk.mp4 -o window -o copy.mkv

The window belongs to a small process of its own (:mod:`mstg.outputs.window_child`),
which receives the pictures through a pipe.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DeviceError
from ..tracks import MediaStreamTrackProcessor
from .live import US, Frame, LiveOutput, PlaybackClock
from .window_child import HEADER, MAGIC

_QUIT_KEYS = (ord("q"), ord("Q"), 27)
#: Show a late frame anyway when nothing was shown for this long (a slow transform).
_MAX_BLANK_S = 0.2
#: Never hold a frame longer than this waiting for the sound's clock.
_MAX_WAIT_S = 2.0
_START_TIMEOUT_S = 30.0


def x_display_reachable(display: str) -> bool:
    """True when an X server answers at ``display`` (``:0``, ``localhost:10.0``)."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return True  # a form we do not know: let the toolkit try
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1.0)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        socket.create_connection((host, 6000 + int(number)), timeout=1.0).close()
        return True
    except OSError:
        return False


def check_display(environ: Any = None) -> None:
    """Raise :class:`DeviceError` where no window can open (Qt would abort the process)."""
    if not sys.platform.startswith("linux"):
        return
    environ = os.environ if environ is None else environ
    display = environ.get("DISPLAY", "")
    if not display:
        wayland = " (a Wayland session needs XWayland)" if environ.get("WAYLAND_DISPLAY") else ""
        raise DeviceError(f"no display to open a window on: DISPLAY is not set{wayland}",
                          hint="run in a desktop session, over 'ssh -X' or under xvfb-run; "
                               "or write a file (-o out.mp4) instead")
    if not x_display_reachable(display):
        raise DeviceError(f"cannot reach the X display {display!r}",
                          hint="is the X server running? check the DISPLAY variable")


def qt_environment(environ: Any = None) -> dict[str, str]:
    """The window process's environment: OpenCV's Qt wheels bring only the xcb platform and
    no fonts, so point Qt at what works (the user's own settings win)."""
    env = dict(os.environ if environ is None else environ)
    if env.get("QT_QPA_PLATFORM", "").startswith("wayland") and env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "xcb"
    fonts = Path("/usr/share/fonts/truetype/dejavu")
    if "QT_QPA_FONTDIR" not in env and fonts.is_dir():
        env["QT_QPA_FONTDIR"] = str(fonts)
    env.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    # With XInput2, Qt 5.15 sometimes misses the first map and expose events of a new window
    # (seen under Xvfb about one time in four): the window stays black. Core input suffices.
    env.setdefault("QT_XCB_NO_XI2", "1")
    return env


class WindowProcess:
    """A window in a child process: :meth:`show` a BGR picture, read keys and closing."""

    def __init__(self, title: str) -> None:
        self._errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mstg.outputs.window_child", title], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._errors, env=qt_environment(), bufsize=0)
        self._pending = b""
        self.closed = False
        self.keys: list[int] = []
        event = self._event(_START_TIMEOUT_S)
        if event != "ready":
            self.close()
            reason = "this OpenCV has no window support" if event == "error no-gui" else \
                f"the window process did not start{self._error_text()}"
            raise DeviceError(reason, hint="pip install opencv-python (not the -headless one)")

    def _error_text(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().decode(errors="replace").strip().splitlines()
        return f": {lines[-1]}" if lines else ""

    def _event(self, timeout: float) -> str | None:
        """The next line from the child, or None on timeout; EOF counts as ``closed``."""
        deadline = time.monotonic() + timeout
        stdout = self.proc.stdout
        assert stdout is not None
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left < 0 or not select.select([stdout], [], [], left)[0]:
                return None
            chunk = os.read(stdout.fileno(), 4096)
            if not chunk:
                self.closed = True
                return "closed"
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        text = line.decode(errors="replace")
        if text == "closed":
            self.closed = True
        elif text.startswith("key "):
            self.keys.append(int(text[4:]))
        return text

    def poll(self) -> None:
        """Take in what the child said (keys, closing) without waiting."""
        while self._event(0) not in (None, "closed"):
            pass

    def show(self, image: np.ndarray, timeout: float = 5.0) -> bool:
        """Paint ``image`` (BGR); True once it is on screen, False if the window is gone."""
        if self.closed:
            return False
        image = np.ascontiguousarray(image)
        height, width = image.shape[:2]
        channels = 1 if image.ndim == 2 else image.shape[2]
        try:
            self._write(HEADER.pack(MAGIC, width, height, channels))
            self._write(memoryview(image).cast("B"))
        except (BrokenPipeError, OSError):
            self.closed = True
            return False
        while True:
            event = self._event(timeout)
            if event in ("shown", None):
                return not self.closed
            if event == "closed":
                return False

    def _write(self, data: bytes | memoryview) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        view = memoryview(data)
        while view:
            written = os.write(stdin.fileno(), view)
            view = view[written:]

    def close(self) -> None:
        """Close the window and end the child process."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._errors.close()
        self.closed = True


class WindowOutput(LiveOutput):
    """Shows each video frame in a window, at once (or when ``clock`` says it is due).

    ``clock`` (a :class:`~mstg.outputs.live.PlaybackClock` kept by a speaker) holds each frame
    until its sound is heard, as ``play`` does; ``on_present(timestamp_us, monotonic_s)`` is
    called for each frame shown. The window opens when the output is made (an error then
    if none can), and shows its first picture when the first frame comes.

    >>> out = WindowOutput("preview")  # doctest: +SKIP
    """

    name = "window"
    wants = ("video",)

    def __init__(self, title: str = "mstg", *, clock: PlaybackClock | None = None,
                 on_present: Callable[[int, float], None] | None = None) -> None:
        super().__init__()
        check_display()
        self.title = title
        self.clock = clock
        self.on_present = on_present
        self._late_frames = 0
        self.closed_by_user = False
        #: Called with each frame as it comes, before it waits for its time (``play`` uses it).
        self.on_arrival: Callable[[Frame], None] | None = None
        self._last_shown = 0.0
        self._present_s = 0.01  # how long painting a picture takes, on average
        self._window = WindowProcess(title)

    @property
    def late_frames(self) -> int:
        """Pictures that came too late to show (counted as dropped)."""
        return self._late_frames

    def _quit_asked(self) -> bool:
        window = self._window
        return window.closed or any(key in _QUIT_KEYS for key in window.keys)

    def _consume(self, kind: str, processor: MediaStreamTrackProcessor) -> None:
        while not self._quit_asked():
            frame, ended = self._next(processor, 0.05)
            if ended:
                break
            if frame is None:
                self._window.poll()
                continue
            if self.on_arrival is not None:
                self.on_arrival(frame)
            try:
                self._show(frame)
            finally:
                frame.close()
        if self._quit_asked():  # the user closed the window or pressed q: end the run
            self.closed_by_user = True
            processor.cancel()
            self._ask_to_stop()

    def _show(self, frame: Frame) -> None:
        if not self._due(frame):
            self._late_frames += 1
            return
        asked = time.monotonic()
        if not self._window.show(frame.to_ndarray("bgr24")):
            return
        now = time.monotonic()
        self._present_s += 0.2 * (now - asked - self._present_s)
        self._last_shown = now
        self._record_latency(frame)
        self.frames_written["video"] += 1
        if self.on_present is not None:
            self.on_present(frame.timestamp, now)

    def _due(self, frame: Frame) -> bool:
        """Wait until the clock reaches the frame; False for a frame too late to show."""
        clock = self.clock
        if clock is None:
            return True
        began = time.monotonic()
        while not (self._quit_asked() or self._aborted.is_set()):
            now_us = clock.now_us()
            waited = time.monotonic() - began
            if now_us is None:
                if clock.finished or waited > 0.5:
                    return True
                self._aborted.wait(0.005)
                continue
            ahead = frame.timestamp - now_us - int(self._present_s * US)  # ask early: it takes time
            if ahead <= 0:
                late = -ahead > (frame.duration or 40_000)
                return not late or time.monotonic() - self._last_shown > _MAX_BLANK_S
            if waited > _MAX_WAIT_S:
                return True
            self._aborted.wait(min(ahead / US, 0.002))
        return False

    def _finish(self) -> None:
        self._window.close()
